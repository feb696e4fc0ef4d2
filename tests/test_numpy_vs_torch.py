"""The NumPy engine against the torch engine through the shared `fit` loop, on sklearn digits.

Full-batch runs see the same data in each step (the shuffle only reorders a sum), start from
the same weights and apply the same update formulas, so both engines follow one trajectory up
to float32 rounding: losses agree within a relative 1e-4 (observed: ~1e-6). Mini-batch runs
shuffle with different generators, so there only the outcome is compared.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from reportgen import data, manifest
from reportgen.execution import executor
from reportgen.plan import expand
from reportgen.store.store import Store
from reportgen.training.engines import make_trainer
from reportgen.training.engines.numpy_engine import NumpyTrainer
from reportgen.training.engines.torch_engine import TorchTrainer
from reportgen.training.loop import fit
from tests.helpers import TINY, write_manifest

LOSS_RTOL = 1e-4


@pytest.fixture(scope="module")
def digits():
    spec = manifest.loads(TINY)
    return spec, data.load_dataset("digits", spec.datasets["digits"], Path("."))


def config(spec, **overrides):
    tree = expand.expand(spec).runs[0].config.model_dump()
    for path, value in overrides.items():
        section, key = path.split(".")
        tree[section][key] = value
    return manifest.RunConfig.model_validate(tree)


def full_batch(optimizer, **overrides):
    return {"training.batch_size": "full", "training.optimizer": optimizer, **overrides}


def run_both(spec, dataset, **overrides):
    cfg = config(spec, **overrides)
    trainers = {"torch": TorchTrainer(cfg, dataset, "cpu"),
                "numpy": NumpyTrainer(cfg, dataset, "cpu")}
    results = {name: fit(t, cfg.training, has_val=True) for name, t in trainers.items()}
    return trainers, results


def column(result, key):
    return np.array([np.nan if row[key] is None else row[key] for row in result.history])


SAME_TRAJECTORY = {
    "gd (5 epochs)": full_batch({"name": "gd", "lr": 0.5}, **{"training.epochs": 5}),
    "gd + l1/l2, tanh, mse": full_batch({"name": "gd", "lr": 2.0}, **{
        "model.l1": 1e-4, "model.l2": 1e-3, "model.activation": "tanh", "training.loss": "mse"}),
    "sgd nesterov, 2 layers": full_batch({"name": "sgd", "lr": 0.2, "momentum": 0.9,
                                          "nesterov": True},
                                         **{"model.hidden": [32, 16],
                                            "model.activation": ["relu", "elu"]}),
    "adam + l2, gelu": full_batch({"name": "adam", "lr": 0.01},
                                  **{"model.l2": 1e-3, "model.activation": "gelu"}),
    "adamw, leaky_relu": full_batch({"name": "adamw", "lr": 0.01, "weight_decay": 0.05},
                                    **{"model.activation": "leaky_relu"}),
    "rmsprop, sigmoid": full_batch({"name": "rmsprop", "lr": 0.01},
                                   **{"model.activation": "sigmoid"}),
    "adagrad": full_batch({"name": "adagrad", "lr": 0.1}),
}


@pytest.mark.parametrize("case", list(SAME_TRAJECTORY))
def test_full_batch_runs_follow_the_torch_engine(digits, case):
    spec, dataset = digits
    overrides = {"training.epochs": 10, **SAME_TRAJECTORY[case]}
    trainers, results = run_both(spec, dataset, **overrides)
    torch_run, numpy_run = results["torch"], results["numpy"]
    assert len(numpy_run.history) == len(torch_run.history) == overrides["training.epochs"]
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(column(numpy_run, key), column(torch_run, key),
                                   rtol=LOSS_RTOL)
    for key in ("accuracy", "val_accuracy"):
        np.testing.assert_allclose(column(numpy_run, key), column(torch_run, key), atol=0.01)
    x = dataset.splits["test"].x
    np.testing.assert_allclose(trainers["numpy"].predict_proba(x),
                               trainers["torch"].predict_proba(x), atol=1e-4)


def test_predict_proba_is_a_float64_distribution(digits):
    spec, dataset = digits
    trainer = NumpyTrainer(config(spec), dataset)
    proba = trainer.predict_proba(dataset.splits["val"].x)
    assert proba.dtype == np.float64 and proba.shape == (len(dataset.splits["val"]), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)


def test_early_stopping_and_restore_best_match_torch(digits):
    spec, dataset = digits
    trainers, results = run_both(spec, dataset, **full_batch(
        {"name": "gd", "lr": 3.0}, **{"training.epochs": 60,
                                     "training.early_stopping": {"patience": 3}}))
    torch_run, numpy_run = results["torch"], results["numpy"]
    assert numpy_run.stop_reason == torch_run.stop_reason == "early_stopped"
    assert len(numpy_run.history) == len(torch_run.history) < 60
    assert numpy_run.best_epoch == torch_run.best_epoch
    best = numpy_run.history[numpy_run.best_epoch - 1]["val_loss"]
    assert trainers["numpy"].evaluate("val")[0] == pytest.approx(best, rel=1e-6)


def test_stop_at_threshold_matches_torch(digits):
    spec, dataset = digits
    _, results = run_both(spec, dataset, **full_batch(
        {"name": "adam", "lr": 0.01}, **{"training.epochs": 100, "training.stop_at":
                                         {"monitor": "val_accuracy", "threshold": 0.9}}))
    assert results["numpy"].stop_reason == results["torch"].stop_reason == "threshold"
    assert len(results["numpy"].history) == len(results["torch"].history) < 100


def test_huge_learning_rate_diverges_like_torch(digits):
    spec, dataset = digits
    _, results = run_both(spec, dataset, **full_batch(
        {"name": "gd", "lr": 1e3}, **{"training.epochs": 20, "model.activation": "linear"}))
    numpy_run, torch_run = results["numpy"], results["torch"]
    assert numpy_run.stop_reason == torch_run.stop_reason == "diverged"
    assert numpy_run.diverged_epoch == torch_run.diverged_epoch
    assert numpy_run.history[-1]["loss"] is None


def test_mini_batch_divergence_needs_no_warning_filter(digits):
    spec, dataset = digits
    cfg = config(spec, **{"training.epochs": 5, "training.optimizer": {"name": "sgd", "lr": 1e3},
                          "model.activation": "linear"})
    with warnings.catch_warnings():  # the engine itself silences the overflow it expects
        warnings.simplefilter("error")
        result = fit(NumpyTrainer(cfg, dataset), cfg.training, has_val=True)
    assert result.stop_reason == "diverged"


def test_mini_batch_adam_with_dropout_learns_as_well_as_torch(digits):
    spec, dataset = digits
    _, results = run_both(spec, dataset, **{
        "training.epochs": 15, "model.hidden": [32], "model.dropout": 0.2,
        "training.optimizer": {"name": "adam", "lr": 0.005}})
    numpy_acc = results["numpy"].history[-1]["val_accuracy"]
    assert numpy_acc > 0.85
    assert abs(numpy_acc - results["torch"].history[-1]["val_accuracy"]) < 0.05


def test_same_seed_same_history_other_seed_differs(digits):
    spec, dataset = digits
    histories = []
    for seed in (7, 7, 8):
        cfg = config(spec, **{"model.dropout": 0.1}).model_copy(update={"seed": seed})
        result = fit(NumpyTrainer(cfg, dataset), cfg.training, has_val=True)
        histories.append([(r["loss"], r["val_loss"]) for r in result.history])
    assert histories[0] == histories[1]
    assert histories[0] != histories[2]


def test_batches_cover_the_split_once_per_epoch(digits):
    spec, dataset = digits
    n = len(dataset.splits["train"])
    for batch, steps in ((64, -(-n // 64)), ("full", 1)):
        cfg = config(spec, **{"training.batch_size": batch,
                              "training.optimizer": {"name": "sgd" if batch != "full" else "gd"}})
        trainer = NumpyTrainer(cfg, dataset)
        before = trainer.optimizer.steps
        trainer.train_epoch(0.01)
        assert trainer.optimizer.steps - before == steps


def test_make_trainer_and_execute_run_the_numpy_engine(digits, tmp_path):
    spec, dataset = digits
    assert isinstance(make_trainer(config(spec, **{}).model_copy(update={"engine": "numpy"}),
                                   dataset, "cpu"), NumpyTrainer)
    text = TINY.replace('device = "cpu"', 'device = "cpu"\nengine = "numpy"')
    loaded = manifest.load(write_manifest(tmp_path, text))
    outcome = executor.execute(loaded, expand.expand(loaded), Store(tmp_path / "out"))
    assert len(outcome.trained) == 2 and not outcome.failed
    run = Store(tmp_path / "out").load().studies["width"][0]
    assert run.record.engine == "numpy" and run.record.epochs_run == 3
    assert set(run.record.metrics) == {"train", "val", "test"}
