"""Hyperparameter tuning (`[studies.search]`): manifest, plan, Optuna studies, resume, workers."""

import os
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from typer.testing import CliRunner

from reportgen import manifest
from reportgen.cli import app
from reportgen.errors import ManifestError
from reportgen.execution import executor
from reportgen.execution.options import RunOptions
from reportgen.plan import expand, hyperband, search_space
from reportgen.store import tuning_records
from reportgen.store.store import Store
from reportgen.tuning import objective, runner
from reportgen.tuning import storage as tuning_storage
from tests.helpers import write_manifest

ROOT = Path(__file__).resolve().parents[1]

BASE = """
[report]
title = "Tuning"
languages = ["en"]
formats = ["html"]

[defaults]
seed = 3
device = "cpu"

[datasets.breast]
source = "sklearn"
name = "breast_cancer"
preprocess = "standard"
split = { test = 0.2, val = 0.2 }

[models.mlp]
hidden = [16]

[trainings.quick]
epochs = 3
batch_size = 64

[[studies]]
id = "tuners"
dataset = "breast"
model = "mlp"
training = "quick"
"""

SEARCH = BASE + """
[studies.search]
algorithms = ALGORITHMS
max_trials = 4
n_startup_trials = 2
[studies.search.space]
"model.hidden" = { layers = [1, 3], units = { int = [8, 32], step = 8 } }
"model.activation" = { choice = ["relu", "tanh"] }
"model.dropout" = { float = [0.0, 0.5] }
"training.optimizer.lr" = { choice = [0.001, 0.01, 0.1] }
"""


def search_manifest(algorithms='["bayesian"]', extra: str = "") -> str:
    return SEARCH.replace("ALGORITHMS", algorithms).replace(
        "n_startup_trials = 2\n", f"n_startup_trials = 2\n{extra}")


def error_of(text: str) -> str:
    with pytest.raises(ManifestError) as info:
        expand.expand(manifest.loads(text, source="m.toml"))
    message = str(info.value)
    assert "\n" not in message
    return message


def line_with(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def run(tmp_path: Path, text: str, out: str = "out", **kwargs) -> tuple[Store, executor.Outcome]:
    spec = manifest.load(write_manifest(tmp_path, text))
    store = Store(tmp_path / out)
    progress = kwargs.pop("progress", None)
    return store, executor.execute(spec, expand.expand(spec), store, RunOptions(**kwargs),
                                   progress)


def stored_records(store: Store) -> list[tuning_records.TuningRecord]:
    return store.tuning_records()["tuners"]


# ---------------------------------------------------------------- manifest and plan
def test_search_section_parses_with_defaults():
    spec = manifest.loads(search_manifest('["hyperband", "bayesian", "gp"]'))
    search = spec.studies[0].search
    assert search.objective == "val_accuracy" and not search.minimise
    assert search.factor == 3 and search.min_epochs == 1 and search.retrain_best
    assert search.storage == "sqlite" and search.sampler == "tpe"
    hidden = search.space["model.hidden"]
    assert isinstance(hidden, manifest.Layers) and hidden.units.step == 8
    assert search.space["model.activation"].values == ["relu", "tanh"]
    assert search.trials_for("bayesian") == 4 and search.trials_for("hyperband") is None


def test_plan_makes_one_task_per_algorithm_with_budgets():
    text = search_manifest('["hyperband", "bayesian", "grid"]').replace(
        '"model.hidden" = { layers = [1, 3], units = { int = [8, 32], step = 8 } }',
        '"model.hidden" = { int = [8, 32], step = 8 }').replace(
        '"model.dropout" = { float = [0.0, 0.5] }', '"model.dropout" = { float = [0.0, 0.4], step = 0.2 }')
    text = text.replace("max_trials = 4", "max_trials = { bayesian = 5 }\nmax_epochs = 27")
    the_plan = expand.expand(manifest.loads(text))
    assert not the_plan.runs
    tasks = {t.algorithm: t for t in the_plan.searches}
    assert tasks["hyperband"].max_trials == 49  # the bracket plan for 27 epochs, factor 3
    assert tasks["bayesian"].max_trials == 5
    assert tasks["grid"].max_trials == 4 * 2 * 3 * 3  # units × activation × dropout × lr
    assert all(t.base.config.training.epochs == 27 for t in the_plan.searches)
    assert tasks["bayesian"].label == "bayesian"


def test_loss_objective_is_minimised():
    spec = manifest.loads(search_manifest(extra='objective = "val_loss"\n'))
    assert spec.studies[0].search.minimise


BAD_SPACES = {
    "units step": ('"model.hidden" = { layers = [1, 3], units = { int = [32, 512], step = 0 } }',
                   'studies[0].search.space."model.hidden": units.step must be > 0'),
    "layers pair": ('"model.hidden" = { layers = [3, 1], units = { int = [8, 32] } }',
                    'studies[0].search.space."model.hidden": layers: low 3 is greater than high 1'),
    "no kind": ('"model.dropout" = { range = [0, 1] }',
                'studies[0].search.space."model.dropout": give exactly one of int, float, choice or layers'),
    "unknown key": ('"model.dropout" = { float = [0.0, 0.5], steps = 0.1 }',
                    'studies[0].search.space."model.dropout": steps: unknown key'),
    "not a multiple": ('"model.hidden" = { int = [32, 500], step = 32 }',
                       'studies[0].search.space."model.hidden": high - low must be a multiple of step'),
    "log with zero": ('"training.optimizer.lr" = { float = [0.0, 0.1], log = true }',
                      'studies[0].search.space."training.optimizer.lr": log needs low > 0'),
    "empty choice": ('"model.activation" = { choice = [] }',
                     'studies[0].search.space."model.activation": choice must be a non-empty list'),
    # Found by the plan: the ends of the range are checked against the config schema.
    "out of range": ('"model.dropout" = { float = [0.0, 1.5] }',
                     'studies[0].search.space."model.dropout": must be less than 1 (got 1.5)'),
    "bad choice": ('"model.activation" = { choice = ["relu", "swish"] }',
                   'studies[0].search.space."model.activation": must be one of'),
    "unknown root": ('"modle.dropout" = { float = [0.0, 0.5] }',
                     "studies[0].search.space.\"modle.dropout\": unknown key 'modle'"),
    "bad index": ('"model.hidden.1" = { int = [8, 32], step = 8 }',
                  'studies[0].search.space."model.hidden.1": \'model.hidden\' is a list of 1: no element \'1\''),
}


@pytest.mark.parametrize("case", list(BAD_SPACES))
def test_bad_space_names_the_dotted_path_and_line(case):
    entry, expected = BAD_SPACES[case]
    text = BASE + "[studies.search]\n[studies.search.space]\n" + entry + "\n"
    message = error_of(text)
    key = entry.split(" = ")[0]
    assert message.startswith(f"m.toml:{line_with(text, key)}: "), message
    assert expected in message, message


def test_other_search_errors_are_located():
    text = search_manifest(extra='objective = "val_f1"\n')
    assert "studies[0].search.objective: must be one of val_accuracy" in error_of(text)
    text = search_manifest(extra='storage = "studies.db"\n')
    assert "studies[0].search.storage: use \"sqlite\"" in error_of(text)
    text = search_manifest('["hyperband", "bohb"]')
    assert "studies[0].search.algorithms[1]" in error_of(text)
    text = search_manifest().replace("max_trials = 4", "max_trials = { bayesian = 0 }")
    assert "studies[0].search.max_trials: bayesian: must be an integer > 0" in error_of(text)
    text = search_manifest('["grid"]')
    message = error_of(text)
    assert 'search.space."model.hidden": grid search needs a fixed space' in message
    text = search_manifest(extra="min_epochs = 5\n")
    assert "studies[0].search.min_epochs: 5 is more than the 3 epochs of a trial" in error_of(text)
    text = BASE + '[[studies.variants]]\nname = "a"\nspace = { "model.dropout" = { float = [0, 0.5] } }\n'
    assert "studies[0].variants[0].space: a variant's space needs [studies.search]" in error_of(text)


def test_variants_are_tuned_separately_with_their_own_space_entries():
    text = search_manifest() + """
[[studies.variants]]
name = "wide"
[[studies.variants]]
name = "deep"
set = { "model.hidden" = [16, 64], "model.activation" = ["relu", "sigmoid"] }
space = { "model.hidden.0" = { int = [96, 128], step = 32 }, "model.activation" = { choice = [["relu", "sigmoid"]] } }
"""
    text = text.replace('"model.hidden" = { layers = [1, 3], units = { int = [8, 32], step = 8 } }\n', "")
    wide, deep = expand.expand(manifest.loads(text)).searches
    assert (wide.label, deep.label) == ("wide · bayesian", "deep · bayesian")
    assert set(deep.space) == {"model.hidden.0", "model.activation", "model.dropout",
                               "training.optimizer.lr"}
    trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask()
    values = search_space.suggest(trial, deep.space)
    config = objective.trial_config(deep, values)
    assert config.model.hidden[0] in (96, 128) and config.model.hidden[1] == 64
    assert config.model.activation == ["relu", "sigmoid"]


def test_variable_depth_space_samples_one_to_three_layers():
    param = manifest.parse_space_param({"layers": [1, 3], "units": {"int": [32, 512], "step": 32}})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    depths = set()
    for _ in range(60):
        trial = study.ask()
        hidden = search_space.suggest(trial, {"model.hidden": param})["model.hidden"]
        depths.add(len(hidden))
        assert all(32 <= u <= 512 and u % 32 == 0 for u in hidden)
        assert set(trial.params) == {"model.hidden.layers",
                                     *(f"model.hidden.units_{i + 1}" for i in range(len(hidden)))}
        study.tell(trial, 0.0)
    assert depths == {1, 2, 3}


def test_choices_of_tables_are_sampled_by_label():
    param = manifest.parse_space_param(
        {"choice": [{"name": "sgd", "lr": 0.01, "momentum": 0.9}, {"name": "adam"}]})
    assert search_space.labels(param) == ["sgd(lr=0.01, momentum=0.9)", "adam()"]
    trial = optuna.create_study().ask()
    value = search_space.suggest(trial, {"training.optimizer": param})["training.optimizer"]
    assert value in param.values and trial.params["training.optimizer"] in search_space.labels(param)


def test_list_index_paths_in_variants_and_sweeps():
    tree = {"model": {"hidden": [8, 4]}}
    expand.assign(tree, "model.hidden.1", 64)
    assert tree == {"model": {"hidden": [8, 64]}}
    with pytest.raises(ValueError, match="no element '2'"):
        expand.assign(tree, "model.hidden.2", 1)


# ---------------------------------------------------------------- hyperband plan
def test_bracket_plan_for_27_epochs_factor_3_matches_li_et_al():
    brackets = hyperband.bracket_plan(1, 27, 3)
    assert [(b.bracket, b.configs) for b in brackets] == [(0, 27), (1, 12), (2, 6), (3, 4)]
    assert [[(r.configs, r.epochs) for r in b.rungs] for b in brackets] == [
        [(27, 1), (9, 3), (3, 9), (1, 27)],
        [(12, 3), (4, 9), (1, 27)],
        [(6, 9), (2, 27)],
        [(4, 27)],
    ]
    # Li et al.: s_max = 3, B = 4R; n = ⌈B/R · η^s/(s+1)⌉, r = R·η^−s, rung i: ⌊n·η^−i⌋ × r·η^i
    for b in brackets:
        s = 3 - b.bracket
        n = -(-4 * 3**s // (s + 1))
        assert b.configs == n
        assert [(r.configs, r.epochs) for r in b.rungs] == [(n // 3**i, 27 * 3**i // 3**s)
                                                           for i in range(s + 1)]
    assert hyperband.total_configs(1, 27, 3) == 49
    assert [b.budget_epochs for b in brackets] == [27 + 9 * 2 + 3 * 6 + 18, 12 * 3 + 4 * 6 + 18,
                                                   6 * 9 + 2 * 18, 4 * 27]


def test_bracket_plan_and_assignment_agree_with_optunas_pruner():
    for min_epochs, max_epochs, factor in [(1, 27, 3), (1, 50, 3), (2, 30, 2), (1, 243, 3)]:
        pruner = optuna.pruners.HyperbandPruner(min_epochs, max_epochs, factor)
        study = optuna.create_study(study_name="s/x", pruner=pruner)
        trials = []
        for _ in range(40):
            trial = study.ask()
            trial.report(0.5, 1)
            trial.should_prune()  # initialises the pruner's brackets
            trials.append(trial)
        plan_ = hyperband.bracket_plan(min_epochs, max_epochs, factor)
        assert len(plan_) == pruner._n_brackets
        assert [b.configs for b in plan_] == pruner._trial_allocation_budgets
        for trial in trials:
            frozen = study._storage.get_trial(trial._trial_id)
            assert hyperband.bracket_of("s/x", trial.number, min_epochs, max_epochs, factor) \
                == pruner._get_bracket_id(study, frozen)


# ---------------------------------------------------------------- execution
def test_hyperband_prunes_and_spends_fewer_epochs(tmp_path):
    text = search_manifest('["hyperband"]', extra="max_epochs = 9\n").replace(
        "max_trials = 4\n", "")
    store, outcome = run(tmp_path, text)
    (record,) = stored_records(store)
    assert outcome.trials == record.max_trials == 17 == len(record.trials)
    states = [t.state for t in record.trials]
    assert "pruned" in states and "complete" in states
    assert record.summary["epochs"] < len(record.trials) * 9
    pruned = [t for t in record.trials if t.state == "pruned"]
    assert all(t.epochs < 9 and t.epochs == len(t.history) for t in pruned)
    assert all(t.epochs == 9 for t in record.trials if t.state == "complete")
    assert record.pruner == "HyperbandPruner" and record.sampler == "TPESampler"
    plan_ = record.hyperband
    assert plan_["total_configs"] == 17 and plan_["n_brackets"] == 3
    assert sum(b["trials"] for b in plan_["brackets"]) == 17
    assert {t.bracket for t in record.trials} <= {0, 1, 2}
    for bracket in plan_["brackets"]:  # a bracket's trials all reach its first rung
        assert bracket["rungs"][0]["observed"] == bracket["trials"]


def test_seeded_searches_give_identical_trials_and_retrain_the_best(tmp_path):
    text = search_manifest('["bayesian", "random"]')
    first, outcome = run(tmp_path, text, "one")
    second, _ = run(tmp_path, text, "two")
    assert outcome.trials == 8
    for a, b in zip(stored_records(first), stored_records(second), strict=True):
        assert [(t.number, t.params, t.value, t.state, t.epochs) for t in a.trials] == \
            [(t.number, t.params, t.value, t.state, t.epochs) for t in b.trials]
        assert a.best == b.best and a.retrained["run_id"] == b.retrained["run_id"]
    bayes, rand = stored_records(first)
    assert [t.params for t in bayes.trials] != [t.params for t in rand.trials]
    runs = {r.record.label: r.record for r in first.load().studies["tuners"]}
    best = runs["bayesian best"]
    assert set(best.metrics) == {"train", "val", "test"}
    assert best.tuning.trial == bayes.best["number"]
    assert best.epochs_run == 3 and bayes.retrained["run_id"] == best.run_id
    assert bayes.retrained["metrics"]["test"]["accuracy"] == best.metrics["test"].accuracy
    # The best trial trained exactly this config with this seed: the same validation score.
    assert best.metrics["val"].accuracy == pytest.approx(bayes.best["value"], abs=1e-6)
    for key, value in bayes.best["set"].items():
        assert best.varied[key] == value


def test_a_rerun_reuses_the_finished_study(tmp_path):
    text = search_manifest()
    store, _ = run(tmp_path, text)
    before = stored_records(store)[0]
    _, again = run(tmp_path, text)
    assert again.trials == 0 and not again.trained and len(again.skipped) == 1
    assert stored_records(store)[0].trials == before.trials


def test_several_algorithms_are_compared_on_one_space(tmp_path):
    text = search_manifest('["grid", "random", "gp"]').replace(
        '"model.hidden" = { layers = [1, 3], units = { int = [8, 32], step = 8 } }',
        '"model.hidden" = { choice = [[8], [16, 8]] }').replace(
        '"model.dropout" = { float = [0.0, 0.5] }', '"model.dropout" = { float = [0.0, 0.4], step = 0.4 }')
    store, _ = run(tmp_path, text)
    rows = tuning_records.comparison(stored_records(store))
    assert [r["algorithm"] for r in rows] == ["grid", "random", "gp"]
    for row in rows:
        assert row["trials"] == row["complete"] == 4 and row["epochs"] == 12
        assert 0.5 < row["best_value"] <= 1 and 0.5 < row["test_accuracy"] <= 1
        assert row["wall_seconds"] > 0 and row["retrained_run_id"]
    grid = stored_records(store)[0]
    points = {tuple(sorted(t.params.items())) for t in grid.trials}
    assert len(points) == 4  # distinct grid points
    assert grid.trials[0].set["model.hidden"] in ([8], [16, 8])


def test_resume_reuses_completed_trials_and_reruns_failed_ones(tmp_path, monkeypatch):
    from reportgen.training import engines

    real = engines.make_trainer
    calls = []

    def flaky(config, dataset, device):
        calls.append(config)
        if len(calls) == 2:
            raise RuntimeError("CUDA out of memory")
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(config, dataset, device)

    monkeypatch.setattr(runner, "_warm", {"torch"})
    monkeypatch.setattr(engines, "make_trainer", flaky)
    text = search_manifest(extra="retrain_best = false\n")
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, text)
    monkeypatch.setattr(engines, "make_trainer", real)
    store, outcome = run(tmp_path, text)
    (record,) = stored_records(store)
    by_number = {t.number: t for t in record.trials}
    # the interrupted trial 2 ran again as itself (reproducible resume); failed 1 was retried
    assert [by_number[n].state for n in range(5)] == ["complete", "failed", "complete",
                                                      "complete", "complete"]
    assert by_number[1].error == "RuntimeError: CUDA out of memory"
    assert outcome.trials == 3  # trial 0 reused; trial 2, slot 3 and the retry of 1 run
    retries = {t.retry_of: t for t in record.trials if t.retry_of is not None}
    assert set(retries) == {1}
    assert retries[1].params == by_number[1].params
    assert record.summary["complete"] == 4 and record.summary["failed"] == 1
    assert record.best["number"] in {0, 2, 3, 4}


def test_a_trial_of_a_dead_process_is_run_again(tmp_path, monkeypatch):
    monkeypatch.setattr(tuning_storage, "GRACE_SECONDS", 1)
    monkeypatch.setattr(tuning_storage, "HEARTBEAT_SECONDS", 1)
    monkeypatch.setattr(runner, "POLL_SECONDS", 0.2)
    text = search_manifest(extra="retrain_best = false\n")
    spec = manifest.load(write_manifest(tmp_path, text))
    (task,) = expand.expand(spec).searches
    store = Store(tmp_path / "out")
    url = tuning_storage.storage_url("sqlite", store.root)
    storage = tuning_storage.open_storage(url, coordinator=False)
    from reportgen.data import load_dataset

    dataset = load_dataset("breast", spec.datasets["breast"], tmp_path)
    name = tuning_storage.study_name(task, dataset.fingerprint)
    study = tuning_storage.open_study(task, storage, name, coordinator=False, fresh=False)
    trial_id = tuning_storage.pop_waiting_trial(study, storage, task.max_trials)  # claimed, then the process "dies"
    storage.record_heartbeat(trial_id)
    time.sleep(1.5)
    store, outcome = run(tmp_path, text)
    (record,) = stored_records(store)
    assert record.trials[0].state == "failed" and outcome.trials == 4
    assert record.summary["complete"] == 4
    assert [t.retry_of for t in record.trials if t.retry_of is not None] == [0]


def test_a_waiting_trial_is_claimed_once(tmp_path):
    storage = tuning_storage.open_storage(tuning_storage.storage_url("sqlite", tmp_path), coordinator=False)
    study = optuna.create_study(storage=storage)
    study.enqueue_trial({})
    (trial,) = study.get_trials()
    assert tuning_storage.claim(storage, trial._trial_id)
    assert not tuning_storage.claim(storage, trial._trial_id)
    assert study.get_trials()[0].state == optuna.trial.TrialState.RUNNING


def test_timeout_stops_starting_trials(tmp_path):
    store, outcome = run(tmp_path, search_manifest(extra="timeout = 1e-9\n"))
    (record,) = stored_records(store)
    assert outcome.trials == 0 and record.summary["pending"] == 4 and record.best is None
    assert record.retrained is None


@pytest.mark.slow
def test_two_workers_share_one_sqlite_study_without_losing_or_repeating_trials(tmp_path):
    text = search_manifest(extra="retrain_best = false\n").replace("max_trials = 4",
                                                                   "max_trials = 8")
    path = write_manifest(tmp_path, text)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "reportgen.cli", "run", str(path), "--out", str(out),
               "--worker"]
    workers = [subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [w.communicate(timeout=300)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    ran = [int(o.split("worker: ran ")[1].split()[0]) for o in outputs]
    assert sum(ran) == 8, outputs
    assert not (out / "index.json").exists()  # workers only optimise
    storage = f"sqlite:///{out / 'tuning' / 'studies.db'}"
    (summary,) = optuna.get_all_study_summaries(storage)
    trials = optuna.load_study(study_name=summary.study_name, storage=storage).trials
    numbers = [t.number for t in trials]
    assert len(numbers) == len(set(numbers)) == 8
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    # The coordinator finds everything done: it only writes the record and the report data.
    store, outcome = run(tmp_path, text)
    (record,) = stored_records(store)
    assert outcome.trials == 0 and len(record.trials) == 8 and record.summary["complete"] == 8


def test_cli_run_tunes_retrains_and_renders(tmp_path):
    path = write_manifest(tmp_path, search_manifest().replace("max_trials = 4", "max_trials = 3"))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--format", "html"])
    assert result.exit_code == 0, result.output
    assert "1 search(es)" in result.stdout and "3 tuning trial(s)" in result.stdout
    assert (out / "report.en.html").is_file()
    assert Store(out).load_index()["tuning"] == {"tuners": ["tuners-bayesian.json"]}


# ---------------------------------------------------------------- examples
@pytest.mark.parametrize("name", ["breast-cancer-tuners.toml", "retinamnist-hyperband.toml"])
def test_example_manifests_validate(name):
    result = CliRunner().invoke(app, ["validate", str(ROOT / "examples" / name)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout and "search(es)" in result.stdout


def test_retinamnist_example_tunes_four_variants_as_in_seed_000():
    spec = manifest.load(ROOT / "examples" / "retinamnist-hyperband.toml")
    tasks = expand.expand(spec).searches
    assert [t.label for t in tasks] == [f"M{i} · hyperband" for i in range(1, 5)]
    assert all(t.max_epochs == 30 and t.search.factor == 3 for t in tasks)
    units = [t.space["model.hidden.0"] for t in tasks]
    assert [(u.low, u.high, u.step) for u in units] == [(32, 256, 32)] + [(96, 256, 32)] * 3
    assert [t.base.config.training.batch_size for t in tasks] == [32, 42, 42, 42]
    assert tasks[2].base.config.model.dropout == 0.5
    m4 = tasks[3].base.config.model
    assert m4.hidden[1:] == [64] and m4.layer_activations()[1] == "sigmoid" and m4.l2 == 0.001
    assert m4.penalty_layers == [2]  # l2 on the added sigmoid layer only


def test_breast_cancer_example_follows_seed_001():
    spec = manifest.load(ROOT / "examples" / "breast-cancer-tuners.toml")
    hb, bayes = expand.expand(spec).searches
    assert (hb.algorithm, hb.max_epochs, hb.search.factor) == ("hyperband", 50, 3)
    # Keras Tuner's BayesianOptimization models the objective with a Gaussian process
    assert (bayes.algorithm, bayes.max_trials, bayes.search.n_startup_trials) == ("gp", 25, 5)
    hidden = hb.space["model.hidden"]
    assert (hidden.min_layers, hidden.max_layers) == (1, 3)
    assert (hidden.units.low, hidden.units.high, hidden.units.step) == (32, 512, 32)
    assert hb.space["training.optimizer.lr"].values == [0.001, 0.01, 0.1]
    assert hb.search.retrain_best


def test_repeats_retrain_the_best_configuration_with_consecutive_seeds(tmp_path):
    text = search_manifest().replace('training = "quick"\n', 'training = "quick"\nrepeats = 2\n')
    store, outcome = run(tmp_path, text)
    assert outcome.trials == 4  # the search itself is not repeated
    runs = [r.record for r in store.load().studies["tuners"]]
    assert [(r.label, r.seed, r.config_label) for r in runs] == [
        ("bayesian best · seed=3", 3, "bayesian best"),
        ("bayesian best · seed=4", 4, "bayesian best")]
    assert runs[0].varied == runs[1].varied
    (record,) = stored_records(store)
    assert record.retrained["run_id"] == runs[0].run_id


def test_repeats_without_retraining_the_best_is_an_error():
    text = search_manifest(extra="retrain_best = false\n").replace(
        'training = "quick"\n', 'training = "quick"\nrepeats = 3\n')
    assert "it needs search.retrain_best = true" in error_of(text)
