"""Wall time and best validation accuracy per tuning algorithm on seed 001's search
(examples/breast-cancer-tuners.toml): Optuna through reportgen and, when `keras_tuner` is
installed, Keras Tuner on the same split, space and budgets.

    python benchmarks/tuners.py                      # the example's budget: Hyperband up to 50
                                                     # epochs (49 configurations), TPE 25 trials
    python benchmarks/tuners.py --small              # max_epochs 9, 8 TPE trials: a quick check
    python benchmarks/tuners.py --algorithms hyperband bayesian random gp --device cpu

Every search starts from an empty output folder (nothing reused). "search s" is the wall time
of the whole search (trials, sampling, storage); "best val" the best trial's validation
accuracy; "test" the accuracy of that configuration retrained for max_epochs on the held-out
test part (Optuna side only). Timings vary with the machine's load: run it twice.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reportgen import manifest  # noqa: E402
from reportgen.execution import executor  # noqa: E402
from reportgen.execution.options import RunOptions  # noqa: E402
from reportgen.plan import expand  # noqa: E402
from reportgen.store.store import Store  # noqa: E402
from reportgen.tuning import records  # noqa: E402

EXAMPLE = ROOT / "examples" / "breast-cancer-tuners.toml"


def load_manifest(small: bool, algorithms: list[str] | None) -> manifest.Manifest:
    spec = manifest.load(EXAMPLE)
    study = spec.studies[0]
    search = study.search
    assert search is not None
    update: dict[str, Any] = {}
    if small:
        update |= {"max_epochs": 9, "max_trials": 8, "n_startup_trials": 3}
    if algorithms:
        update["algorithms"] = algorithms
    study = study.model_copy(update={"search": search.model_copy(update=update)})
    return spec.model_copy(update={"studies": [study]})


def optuna_side(spec: manifest.Manifest, device: str | None) -> list[dict[str, Any]]:
    from reportgen.data import load_dataset
    from reportgen.training.engines import make_trainer, resolve_device
    from reportgen.tuning import runner

    rows = []
    the_plan = expand.expand(spec)
    first = the_plan.searches[0].base.config
    data = load_dataset(first.dataset, spec.datasets[first.dataset], EXAMPLE.parent)
    runner.warm_up(make_trainer, first, data, resolve_device(device or first.device))
    for task in the_plan.searches:
        one = expand.Plan(runs=[], searches=[task])
        with tempfile.TemporaryDirectory() as folder:
            store = Store(folder)
            started = time.perf_counter()
            executor.execute(spec, one, store, RunOptions(device=device))
            total = time.perf_counter() - started
            (record,) = store.tuning_records()[task.study_id]
        (row,) = records.comparison([record])
        retrain = (record.retrained or {}).get("wall_seconds") or 0.0
        rows.append({"tool": "optuna", **row, "search_seconds": total - retrain})
    return rows


def keras_side(spec: manifest.Manifest, algorithms: list[str]) -> list[dict[str, Any]]:
    """The lab's own Keras Tuner code on reportgen's split of the data."""
    import keras
    import keras_tuner as kt

    from reportgen.data import load_dataset

    dataset_spec = spec.datasets["breast"]
    data = load_dataset("breast", dataset_spec, EXAMPLE.parent)
    (x, y), (xv, yv) = [(data.splits[s].x, data.splits[s].y) for s in ("train", "val")]
    search = spec.studies[0].search
    assert search is not None
    max_epochs = search.max_epochs or 50

    def build_model(hp: Any) -> Any:
        model = keras.Sequential([keras.Input(shape=(x.shape[1],))])
        for i in range(hp.Int("layers", 1, 3)):
            model.add(keras.layers.Dense(hp.Int(f"units_{i}", 32, 512, step=32),
                                         activation=hp.Choice("activation",
                                                              ["relu", "tanh", "sigmoid"])))
            model.add(keras.layers.Dropout(hp.Float("dropout", 0.0, 0.5)))
        model.add(keras.layers.Dense(2, activation="softmax"))
        lr = hp.Choice("learning_rate", [0.001, 0.01, 0.1])
        model.compile(optimizer=keras.optimizers.Adam(lr),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    rows = []
    for algorithm in algorithms:
        with tempfile.TemporaryDirectory() as folder:
            if algorithm == "hyperband":
                tuner = kt.Hyperband(build_model, objective="val_accuracy",
                                     max_epochs=max_epochs, factor=search.factor, seed=42,
                                     directory=folder, project_name="hb")
                fit_epochs = max_epochs
            elif algorithm == "bayesian":
                tuner = kt.BayesianOptimization(
                    build_model, objective="val_accuracy",
                    max_trials=search.trials_for("bayesian") or 25,
                    num_initial_points=search.n_startup_trials, seed=42, directory=folder,
                    project_name="bo")
                fit_epochs = max_epochs
            else:
                continue
            started = time.perf_counter()
            tuner.search(x, y, validation_data=(xv, yv), epochs=fit_epochs, verbose=0)
            seconds = time.perf_counter() - started
            trials = tuner.oracle.get_best_trials(num_trials=10_000)
            rows.append({"tool": "keras_tuner", "algorithm": algorithm,
                         "best_value": trials[0].score if trials else None,
                         "trials": len(tuner.oracle.trials), "complete": len(trials),
                         "pruned": None, "epochs": None, "test_accuracy": None,
                         "search_seconds": seconds})
    return rows


def show(rows: list[dict[str, Any]]) -> None:
    def fmt(value: Any, spec: str) -> str:
        return "—" if value is None else format(value, spec)

    print(f"{'tool':<12} {'algorithm':<10} {'trials':>6} {'pruned':>6} {'epochs':>6} "
          f"{'search s':>9} {'best val':>8} {'test':>6}")
    for r in rows:
        print(f"{r['tool']:<12} {r['algorithm']:<10} {r['trials']:>6} "
              f"{fmt(r['pruned'], 'd'):>6} {fmt(r['epochs'], 'd'):>6} "
              f"{r['search_seconds']:>9.1f} {fmt(r['best_value'], '.4f'):>8} "
              f"{fmt(r['test_accuracy'], '.4f'):>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true",
                        help="max_epochs 9 and 8 TPE trials instead of the example's budget")
    parser.add_argument("--algorithms", nargs="+",
                        choices=["hyperband", "bayesian", "gp", "random", "grid"],
                        help="default: the example's (hyperband, bayesian)")
    parser.add_argument("--device", default="cpu", help="auto, cpu, cuda or cuda:N")
    args = parser.parse_args()
    spec = load_manifest(args.small, args.algorithms)
    search = spec.studies[0].search
    assert search is not None
    print(f"seed 001 search on breast_cancer: algorithms {', '.join(search.algorithms)}, "
          f"max_epochs {search.max_epochs}, max_trials {search.max_trials}, device {args.device}")
    rows = optuna_side(spec, args.device)
    try:
        import keras_tuner  # noqa: F401
    except ImportError:
        show(rows)
        print("keras_tuner is not installed: no Keras Tuner comparison "
              "(pip install keras-tuner tensorflow)")
        return
    show(rows + keras_side(spec, list(search.algorithms)))


if __name__ == "__main__":
    main()
