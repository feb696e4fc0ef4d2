import copy
import json

import pytest
from typer.testing import CliRunner

from reportgen import manifest
from reportgen.analysis import results_json
from reportgen.cli import app
from reportgen.execution import executor
from reportgen.grading import diff
from reportgen.plan import expand
from reportgen.store.store import Store
from tests.helpers import write_manifest

runner = CliRunner()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The same manifest run twice into two folders."""
    folder = tmp_path_factory.mktemp("det")
    spec = manifest.load(write_manifest(folder))
    summaries = []
    for name in ("a", "b"):
        store = Store(folder / name)
        executor.execute(spec, expand.expand(spec), store)
        results_json.write(store.load())
        summaries.append(json.loads((folder / name / "results.json").read_text()))
    return folder, summaries


def without_timings(summary):
    summary = copy.deepcopy(summary)
    for study in summary["studies"]:
        for run in study["runs"]:
            run.pop("timings")
    return summary


def test_two_cpu_runs_give_identical_results_apart_from_timings(two_runs):
    _, (first, second) = two_runs
    assert first["schema"] == "reportgen.results/1"
    assert without_timings(first) == without_timings(second)
    run = first["studies"][0]["runs"][0]
    assert set(run["metrics"]) == {"train", "val", "test"}
    assert set(run["metrics"]["val"]) == {"accuracy", "loss", "macro_f1", "weighted_f1",
                                          "roc_auc"}


def test_identical_sets_are_within_tolerance(two_runs):
    _, (first, second) = two_runs
    comparison = diff.compare(first, second, tolerance=0.0)
    assert comparison.within_tolerance and comparison.matched_runs == 2


def test_perturbed_metric_is_flagged_exactly(two_runs):
    _, (first, _) = two_runs
    other = copy.deepcopy(first)
    other["studies"][0]["runs"][1]["metrics"]["test"]["accuracy"] += 0.05
    comparison = diff.compare(first, other, tolerance=0.02)
    assert [(c.run, c.split, c.metric) for c in comparison.metric_changes] == \
        [("hidden=16", "test", "accuracy")]
    assert comparison.metric_changes[0].delta == pytest.approx(0.05)
    assert not comparison.config_changes and not comparison.missing_runs


def test_tolerance_boundary_is_inclusive(two_runs):
    _, (first, _) = two_runs
    other = copy.deepcopy(first)
    other["studies"][0]["runs"][0]["metrics"]["val"]["accuracy"] += 0.02
    assert diff.compare(first, other, tolerance=0.02).within_tolerance
    assert not diff.compare(first, other, tolerance=0.019).within_tolerance


def test_missing_study_and_run_and_changed_config(two_runs):
    _, (first, _) = two_runs
    other = copy.deepcopy(first)
    other["studies"][0]["runs"].pop()
    other["studies"][0]["runs"][0]["config"]["training"]["epochs"] = 99
    comparison = diff.compare(first, other, tolerance=0.02)
    assert comparison.missing_runs == [("width", "hidden=16")]
    assert comparison.config_changes == [("width", "hidden=8", ["training.epochs"])]
    assert diff.compare(first, {**other, "studies": []}, 0.02).missing_studies == ["width"]


def test_cli_diff_exit_codes(two_runs, tmp_path):
    folder, (first, _) = two_runs
    same = runner.invoke(app, ["diff", str(folder / "a"), str(folder / "b" / "results.json")])
    assert same.exit_code == 0 and "within tolerance" in same.stdout
    other = copy.deepcopy(first)
    other["studies"][0]["runs"][0]["metrics"]["val"]["loss"] += 1.0
    (tmp_path / "student.json").write_text(json.dumps(other))
    changed = runner.invoke(app, ["diff", str(folder / "a"), str(tmp_path / "student.json"),
                                  "--format", "json"])
    assert changed.exit_code == 1
    assert json.loads(changed.stdout)["metric_changes"][0]["metric"] == "loss"
    bad = runner.invoke(app, ["diff", str(folder / "a"), str(tmp_path / "nothing")])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: ")
