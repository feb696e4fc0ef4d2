"""A study with `repeats` in the report, and the answer key's expected-results appendix."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from reportgen import manifest
from reportgen.analysis import results_json
from reportgen.execution import executor
from reportgen.plan import expand
from reportgen.report.build import build
from reportgen.report.model import ReportModel
from reportgen.report.run_labels import identity
from reportgen.store.store import ResultSet, Store, StoredRun
from tests.helpers import TINY, write_manifest
from tests.test_report_build import table, texts

REPEATED = TINY.replace(
    'vary = { "model.hidden" = [[8], [16]] }',
    'vary = { "model.hidden" = [[8], [16]] }\nrepeats = 3').replace(
    "[report]", '[report]\nkind = "answer-key"')


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> ResultSet:
    folder = tmp_path_factory.mktemp("repeats")
    spec = manifest.load(write_manifest(folder, REPEATED))
    store = Store(folder / "out")
    executor.execute(spec, expand.expand(spec), store)
    loaded = store.load()
    results_json.write(loaded)
    return loaded


@pytest.fixture(scope="module")
def models(stored: ResultSet) -> dict[str, ReportModel]:
    return {lang: build(stored, lang) for lang in ("es", "en")}


def expected_configs(stored: ResultSet) -> list[dict]:
    data = json.loads((stored.root / "results.json").read_text())
    return data["studies"][0]["expected"]["configurations"]


def test_spread_table_shows_each_configurations_statistics(stored, models) -> None:
    seeds = table(models["en"], "study-width-seeds")
    configs = expected_configs(stored)
    assert [row[0].value for row in seeds.rows] == ["8 hidden units", "16 hidden units"]
    assert [identity(row[0].value) for row in seeds.rows] == ["hidden=8", "hidden=16"]
    for row, config in zip(seeds.rows, configs, strict=True):
        val = config["metrics"]["val"]["accuracy"]
        assert [c.value for c in row[1:6]] == [3, val["mean"], val["std"], val["min"],
                                               val["max"]]
    assert seeds.highlight == next(i for i, c in enumerate(configs) if c["best"])
    assert len(table(models["en"], "study-width-runs").rows) == 6  # every seed's run too


def test_curves_are_means_with_a_band(models) -> None:
    figure = next(f for f in models["en"].figures() if f.id == "fig-study-width-loss")
    assert "seeds" in figure.caption and "band" in figure.caption  # means, with their band
    bands = models["en"].figures()[0]  # no band elsewhere: the distribution figure
    assert figure.svg.count("fill-opacity") > bands.svg.count("fill-opacity")


def test_discussion_ranks_configurations_by_their_means(stored, models) -> None:
    configs = {c["label"]: c["metrics"]["val"]["accuracy"] for c in expected_configs(stored)}
    best, runner = sorted(configs, key=lambda k: -configs[k]["mean"])
    text = texts(models["en"], "experiment-width")
    shown = f"“{best.removeprefix('hidden=')} hidden units”"  # the label of `best` as a reader's
    runner_shown = f"“{runner.removeprefix('hidden=')} hidden units”"
    # the best named first, its mean against the runner-up's (one of the answer's wordings)
    assert re.search(rf"{shown}.{{0,80}}mean validation accuracy.{{0,60}}{runner_shown}", text) \
        or re.search(rf"mean validation accuracy.{{0,60}}{shown}.{{0,80}}{runner_shown}", text), \
        text
    assert "Welch's t-test" in text  # the lead is judged against the seed-to-seed spread
    assert "single seed" not in text
    assert "media" in texts(models["es"], "experiment-width")


def test_methods_name_the_seeds(models) -> None:
    assert "with 3 seeds (7, 8 and 9)" in texts(models["en"], "methods")


def test_answer_key_appendix_holds_the_results_json_tolerances(stored, models) -> None:
    section = models["en"].section("expected")
    # the last appendix, lettered after the others (provenance, other runs, every run)
    letters = [s.number for s in models["en"].sections if s.number.isalpha()]
    assert section.number == letters[-1] == chr(ord("A") + len(letters) - 1)
    expected = table(models["en"], "expected-width")
    configs = expected_configs(stored)
    for row, config in zip(expected.rows, configs, strict=True):
        assert row[4].value == config["tolerance"]["val"]["accuracy"]
        assert row[7].value == config["tolerance"]["test"]["accuracy"]
        assert row[4].value >= config["metrics"]["val"]["accuracy"]["max"] - \
            config["metrics"]["val"]["accuracy"]["min"]
    assert "Accept validation accuracy between" in texts(models["en"], "expected")
    assert "Se admite una exactitud de validación entre el" in texts(models["es"], "expected")


def test_a_student_report_has_no_expected_results(stored) -> None:
    report = stored.manifest.report.model_copy(update={"kind": "student"})
    student = dataclasses.replace(
        stored, manifest=stored.manifest.model_copy(update={"report": report}))
    assert all(s.id != "expected" for s in build(student, "en").sections)


def test_single_seed_keys_say_no_tolerance_was_measured(tmp_path) -> None:
    text = TINY.replace("[report]", '[report]\nkind = "answer-key"')
    spec = manifest.load(write_manifest(tmp_path, text))
    store = Store(tmp_path / "out")
    executor.execute(spec, expand.expand(spec), store)
    model = build(store.load(), "en")
    assert all(row[4].value is None for row in table(model, "expected-width").rows)
    assert "trained with one seed, so no spread was measured" in texts(model, "expected")


def test_gpu_runs_get_the_non_determinism_statement(stored) -> None:
    assert "GPU" not in texts(build(stored, "en"), "appendix")
    on_gpu = {study: [StoredRun(dataclasses.replace(r.record, device="cuda:0 (NVIDIA H100)"),
                                r.history) for r in runs]
              for study, runs in stored.studies.items()}
    text = texts(build(dataclasses.replace(stored, studies=on_gpu), "en"), "appendix")
    assert "6 of these runs trained on a GPU" in text
    assert "matrix products (cuBLAS)" in text and "NLLLoss" in text
    assert "convolutions" not in text  # MLPs only


def test_diff_against_the_key_uses_its_measured_tolerances(stored, tmp_path) -> None:
    from typer.testing import CliRunner

    from reportgen.cli import app

    data = json.loads((stored.root / "results.json").read_text())
    config = data["studies"][0]["expected"]["configurations"][0]
    allowed = config["tolerance"]["val"]["accuracy"]
    run = next(r for r in data["studies"][0]["runs"] if r["label"] == config["runs"][0])
    student = tmp_path / "student.json"
    original = run["metrics"]["val"]["accuracy"]
    for shift, code in ((-allowed * 0.9, 0), (-allowed * 1.1, 1)):  # run by run, ± its tolerance
        run["metrics"]["val"]["accuracy"] = original + shift
        student.write_text(json.dumps(data))
        result = CliRunner().invoke(app, ["diff", str(stored.root), str(student)])
        assert result.exit_code == code, result.output


def test_every_figure_and_table_is_referenced(models) -> None:
    from tests.test_report_build import referenced

    for lang, figure, table_word in (("en", "figure", "table"), ("es", "figura", "tabla")):
        model = models[lang]
        assert {f.number for f in model.figures()} <= referenced(model, figure)
        assert {t.number for t in model.tables()} <= referenced(model, table_word)


def test_a_submission_without_repeats_meets_the_keys_run_of_its_seed(stored) -> None:
    from reportgen.grading import diff

    key = json.loads((stored.root / "results.json").read_text())
    student = json.loads(json.dumps(key))
    study = student["studies"][0]
    study["runs"] = [dict(r, label=r["config_label"], config_label=None)
                     for r in study["runs"] if r["seed"] == 7]
    study.pop("expected")
    comparison = diff.compare(key, student, None)
    assert comparison.within_tolerance and comparison.matched_runs == 2
    assert comparison.key_only_seeds == 4 and not comparison.missing_runs


def test_a_run_with_another_seed_is_held_to_the_keys_mean_and_tolerance(stored) -> None:
    from reportgen.grading import diff

    key = json.loads((stored.root / "results.json").read_text())
    config = key["studies"][0]["expected"]["configurations"][0]
    mean = config["metrics"]["val"]["accuracy"]["mean"]
    allowed = config["tolerance"]["val"]["accuracy"]
    own = json.loads(json.dumps(key["studies"][0]["runs"][0]))
    own.update(label=f"{config['label']} · seed=99", seed=99)
    own["config"]["seed"] = 99
    for split, metrics in config["metrics"].items():  # every metric at the key's mean…
        own["metrics"][split] = {name: spread["mean"] for name, spread in metrics.items()}
    student = {**key, "studies": [{"id": "width", "runs": [own]}]}
    for shift, flagged in ((0.5, []), (1.5, [("val", "accuracy")])):  # …val accuracy moved
        own["metrics"]["val"]["accuracy"] = mean + shift * allowed
        comparison = diff.compare(key, student, None)
        assert comparison.against_mean == [("width", own["label"], 3)]
        assert not comparison.config_changes  # the seed is not a configuration difference
        assert [(c.split, c.metric) for c in comparison.metric_changes] == flagged
        assert comparison.missing_runs == [("width", r) for r in
                                           key["studies"][0]["expected"]["configurations"][1][
                                               "runs"]]  # hidden=16 was not submitted


def test_a_submission_with_repeats_misses_each_seed_it_lacks(stored) -> None:
    from reportgen.grading import diff

    key = json.loads((stored.root / "results.json").read_text())
    student = json.loads(json.dumps(key))
    lost = student["studies"][0]["runs"].pop()
    comparison = diff.compare(key, student, None)
    assert comparison.missing_runs == [("width", lost["label"])]
    assert comparison.key_only_seeds == 0 and not comparison.within_tolerance


def test_the_mean_curve_stops_where_the_first_seed_stopped() -> None:
    """Seeds stopped early at different epochs: past the first stop, a mean over the seeds
    left would jump (here from 0.2 to 0.5) and read as a rise of the validation loss."""
    from reportgen.analysis.seeds import pointwise

    short = [{"epoch": e, "val_loss": 0.2} for e in range(1, 4)]
    long = [{"epoch": e, "val_loss": 0.2 if e < 4 else 0.8} for e in range(1, 7)]
    mean, low, high = pointwise([short, long])
    assert [row["epoch"] for row in mean] == [1, 2, 3]
    assert [row["val_loss"] for row in mean] == [0.2, 0.2, 0.2]
    assert len(low) == len(high) == 3
