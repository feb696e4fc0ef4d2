"""Baselines per dataset (issue 26 item 4): the majority class and a logistic regression on the
runs' own split and preprocessing, stored in baselines/<dataset>.json, read back by the store,
carried by the findings and worded by `report.baselines_section`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss

from reportgen import manifest
from reportgen.analysis.findings import analyse
from reportgen.data import Dataset, Split
from reportgen.data.splits import split_indices
from reportgen.execution import executor
from reportgen.plan import expand
from reportgen.report.baselines_section import (
    BEATS_BOTH,
    BELOW_LOGISTIC,
    baseline_paragraph,
    baseline_sentence,
    baseline_table,
)
from reportgen.report.context import Context
from reportgen.store.records import BaselineRecord, BaselineScores
from reportgen.store.store import Store
from reportgen.training import baselines
from tests import report_fixtures
from tests.helpers import TINY, write_manifest


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[manifest.Manifest, Store]:
    """TINY (digits, two runs of three epochs) trained once through the executor."""
    folder = tmp_path_factory.mktemp("baselines")
    spec = manifest.load(write_manifest(folder, TINY))
    store = Store(folder / "out")
    executor.execute(spec, expand.expand(spec), store)
    return spec, store


def tiny_dataset(train_y: list[int], test_y: list[int], shape: tuple[int, ...] = (3,),
                 seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)

    def split(y: list[int]) -> Split:
        labels = np.asarray(y, dtype=np.int64)
        x = rng.normal(size=(len(y), *shape)).astype(np.float32) + labels.reshape(
            -1, *([1] * len(shape)))
        return Split(x, labels)

    return Dataset(name="tiny", source="files", classes=["a", "b"],
                   splits={"train": split(train_y), "test": split(test_y)},
                   preprocess="none", fingerprint="f" * 64)


def record(lr_test: float | None, majority_test: float = 0.101,
           lr_val: float = 0.95) -> BaselineRecord:
    scores = {"majority": {"train": BaselineScores(0.102, 2.30),
                           "val": BaselineScores(0.100, 2.30),
                           "test": BaselineScores(majority_test, 2.30)}}
    skipped = {}
    if lr_test is None:
        skipped["logistic_regression"] = "too large"
    else:
        scores["logistic_regression"] = {"train": BaselineScores(0.99, 0.05),
                                         "val": BaselineScores(lr_val, 0.2),
                                         "test": BaselineScores(lr_test, 0.2, [[1, 0], [0, 1]])}
    return BaselineRecord(dataset="digits", fingerprint="0" * 64, seed=0, scores=scores,
                          skipped=skipped, converged=lr_test is not None,
                          max_values=baselines.LOGISTIC_MAX_VALUES, max_iter=1000)


def context(tmp_path: Path, lang: str, found: BaselineRecord | None,
            baselines_on: bool = True) -> Context:
    """The report fixture's store (best run: hidden=64, 96.94 % on test), with `found` as
    the digits baselines."""
    store = report_fixtures.make_store(tmp_path)
    if found is not None:
        store.save_baselines(found)
    if not baselines_on:
        store.save_manifest(report_fixtures.MANIFEST.replace(
            "[report]\n", "[report]\nbaselines = false\n", 1))
    return Context(analyse(store.load()), lang)


# ---------------------------------------------------------------- the store
def test_baselines_round_trip_through_the_store_atomically(tmp_path: Path) -> None:
    store = Store(tmp_path)
    written = record(0.955)
    store.save_baselines(written)
    assert store.load_baselines("digits") == written
    assert [p.name for p in (tmp_path / "baselines").iterdir()] == ["digits.json"]  # no temp
    assert store.load_baselines("other") is None


def test_an_unreadable_baselines_file_names_the_fix(tmp_path: Path) -> None:
    from reportgen.errors import StoreError

    (tmp_path / "baselines").mkdir()
    (tmp_path / "baselines" / "digits.json").write_text('{"dataset": "digits"')
    with pytest.raises(StoreError, match="reportgen run"):
        Store(tmp_path).load_baselines("digits")


def test_an_old_store_without_baselines_loads_and_shows_none(tmp_path: Path) -> None:
    results = report_fixtures.make_results(tmp_path)
    assert results.baselines == {}
    ctx = Context(analyse(results), "es")
    assert ctx.findings.baselines == {}
    assert baseline_table(ctx) is None and baseline_paragraph(ctx) is None
    assert baseline_sentence(ctx, ctx.findings.studies[0]) is None


# ---------------------------------------------------------------- computing them
def test_run_computes_the_baselines_once_on_the_runs_split(trained) -> None:
    spec, store = trained
    path = store.root / "baselines" / "digits.json"
    first = path.stat().st_mtime_ns
    results = store.load()
    found = results.baselines["digits"]
    assert found.fingerprint == results.datasets["digits"].fingerprint
    assert set(found.majority) == set(found.logistic) == {"train", "val", "test"}
    executor.execute(spec, expand.expand(spec), store)  # nothing new: not computed again
    assert path.stat().st_mtime_ns == first


def test_the_logistic_regression_matches_scikit_learn_on_the_same_split(trained) -> None:
    """The split and the min–max scaling redone here from the raw data, the way the runs'
    data is made (split indices, scaling fitted on the training split only)."""
    spec, store = trained
    found = store.load_baselines("digits")
    raw = load_digits()
    x, y = raw.data.astype(np.float32), raw.target.astype(np.int64)
    parts = split_indices(y, spec.datasets["digits"].split, "digits")
    low = x[parts["train"]].astype(np.float64).min(axis=0)
    span = np.ptp(x[parts["train"]].astype(np.float64), axis=0)
    span[span == 0] = 1.0

    def scaled(idx: np.ndarray) -> np.ndarray:
        return ((x[idx] - low) / span).astype(np.float32).astype(np.float64)

    model = LogisticRegression(max_iter=1000, random_state=found.seed)
    model.fit(scaled(parts["train"]), y[parts["train"]])
    for split in ("val", "test"):
        proba = model.predict_proba(scaled(parts[split]))
        assert found.logistic[split].accuracy == accuracy_score(y[parts[split]],
                                                                proba.argmax(axis=1))
        assert found.logistic[split].loss == pytest.approx(log_loss(y[parts[split]], proba))


def test_the_majority_baseline_is_the_largest_class_share(trained) -> None:
    _, store = trained
    found = store.load_baselines("digits")
    counts = store.load_dataset("digits").class_counts
    train_majority = int(np.argmax(counts["train"]))
    assert found.majority["train"].accuracy == max(counts["train"]) / sum(counts["train"])
    for split in ("val", "test"):  # the class the training split holds most of
        assert found.majority[split].accuracy == \
            counts[split][train_majority] / sum(counts[split])


def test_the_majority_baseline_predicts_the_training_majority_with_its_prior() -> None:
    found = baselines.compute(tiny_dataset([0, 0, 0, 1, 1], [1, 1, 1, 0]))
    assert found.majority["train"].accuracy == pytest.approx(0.6)
    assert found.majority["test"].accuracy == pytest.approx(0.25)  # class 0, as in training
    assert found.majority["test"].loss == pytest.approx(log_loss([1, 1, 1, 0],
                                                                 [[0.6, 0.4]] * 4))
    assert found.majority["test"].confusion == [[1, 0], [3, 0]]


def test_images_are_flattened_and_large_training_sets_skip_the_regression(monkeypatch) -> None:
    images = tiny_dataset([0, 1] * 10, [0, 1] * 5, shape=(4, 4, 3))
    found = baselines.compute(images)
    assert found.logistic is not None and found.converged is not None
    monkeypatch.setattr(baselines, "LOGISTIC_MAX_VALUES", 20 * 48 - 1)
    capped = baselines.compute(images)
    assert capped.logistic is None and "logistic_regression" in capped.skipped
    assert capped.majority["test"].accuracy == pytest.approx(0.5)


def test_baselines_false_computes_none_and_shows_none(tmp_path: Path) -> None:
    spec = manifest.load(write_manifest(tmp_path, TINY.replace(
        "[report]\n", "[report]\nbaselines = false\n", 1)))
    store = Store(tmp_path / "out")
    executor.execute(spec, expand.expand(spec), store)
    assert not (tmp_path / "out" / "baselines").exists()
    assert store.load().baselines == {}
    # a file left by an earlier run with baselines on is not shown either
    ctx = context(tmp_path / "shown", "en", record(0.955), baselines_on=False)
    assert ctx.findings.baselines == {}
    assert baseline_table(ctx) is None and baseline_paragraph(ctx) is None
    assert baseline_sentence(ctx, ctx.findings.studies[0]) is None


# ---------------------------------------------------------------- wording
def test_the_table_holds_raw_accuracies_and_the_paragraph_cites_it(tmp_path: Path) -> None:
    for lang, majority, logistic in (("es", "Clase mayoritaria", "Regresión logística"),
                                     ("en", "Majority class", "Logistic regression")):
        ctx = context(tmp_path / lang, lang, record(0.955))
        table = baseline_table(ctx)
        assert table is not None
        assert [c.key for c in table.columns] == ["baseline", "val_accuracy", "test_accuracy"]
        assert [[c.value for c in row] for row in table.rows] == [
            ["majority", 0.100, 0.101], ["logistic_regression", 0.95, 0.955]]
        assert [row[0].display for row in table.rows] == [majority, logistic]
        paragraph = baseline_paragraph(ctx)
        assert paragraph is not None
        cited = "(tabla %d)" if lang == "es" else "(table %d)"
        assert cited % table.number in paragraph.text


def test_a_skipped_regression_is_named_under_the_table(tmp_path: Path) -> None:
    ctx = context(tmp_path, "es", record(None))
    table = baseline_table(ctx)
    assert [row[0].value for row in table.rows] == ["majority"]
    assert table.note is not None and "una sola clase" in table.note  # 1078 × 64 < the cap
    capped = context(tmp_path / "capped", "es",
                     dataclasses.replace(record(None), max_values=1000))
    assert "supera los 1000 valores" in baseline_table(capped).note


@pytest.mark.parametrize("lang, numbers", [
    ("es", ("1,4 puntos", "96,9\u00a0%", "95,5\u00a0%", "10,1\u00a0%", "prueba")),
    ("en", ("1.4 points", "96.9%", "95.5%", "10.1%", "test")),
])
def test_the_sentence_says_by_how_much_the_network_beats_the_baselines(
        tmp_path: Path, lang: str, numbers: tuple[str, ...]) -> None:
    ctx = context(tmp_path, lang, record(0.955))
    best = ctx.findings.studies[0]
    sentence = baseline_sentence(ctx, best)
    assert sentence is not None and all(n in sentence for n in numbers), sentence
    worded = {baseline_sentence(ctx, dataclasses.replace(best, key=f"k{i}")) for i in range(12)}
    assert len(worded) >= 3  # three phrasings, rotating with the study


@pytest.mark.parametrize("lang, plain", [
    ("es", ("no supera a la regresión logística", "no mejora al modelo lineal",
            "iguala o supera a la mejor red")),
    ("en", ("does not beat the logistic regression", "does not improve on the linear model",
            "matches or beats the best network")),
])
def test_the_sentence_says_plainly_when_the_network_does_not_beat_the_regression(
        tmp_path: Path, lang: str, plain: tuple[str, ...]) -> None:
    ctx = context(tmp_path, lang, record(0.980))
    best = ctx.findings.studies[0]
    worded = {baseline_sentence(ctx, dataclasses.replace(best, key=f"k{i}")) for i in range(12)}
    assert len(worded) == len(BELOW_LOGISTIC)
    for sentence in worded:
        assert any(p in sentence for p in plain), sentence
        assert ("98,0\u00a0%" if lang == "es" else "98.0%") in sentence
    assert not any(ctx._(BEATS_BOTH[0]).split("%")[0] in s for s in worded)


def test_without_a_regression_the_sentence_compares_with_the_majority_only(
        tmp_path: Path) -> None:
    ctx = context(tmp_path, "es", record(None))
    sentence = baseline_sentence(ctx, ctx.findings.studies[0])
    assert sentence is not None and "10,1\u00a0%" in sentence and "logística" not in sentence
    weak = context(tmp_path / "weak", "en", record(0.5, majority_test=0.99))
    best = weak.findings.studies[0]
    for i in range(12):
        sentence = baseline_sentence(weak, dataclasses.replace(best, key=f"k{i}"))
        assert "99.0%" in sentence and "96.9%" in sentence and "logistic" not in sentence
        assert any(p in sentence for p in ("does not even beat", "at or below",
                                           "as much as or more than")), sentence


def test_results_json_lists_the_baselines(trained) -> None:
    from reportgen.analysis import results_json

    _, store = trained
    listed = results_json.summarise(store.load())["baselines"]
    found = store.load_baselines("digits")
    assert listed["digits"]["logistic_regression"]["test"] == {
        "accuracy": found.logistic["test"].accuracy, "loss": found.logistic["test"].loss}
    assert set(listed["digits"]) == {"majority", "logistic_regression"}


def test_report_renders_an_old_folder_without_computing_baselines(trained, tmp_path) -> None:
    import shutil

    from typer.testing import CliRunner

    from reportgen.cli import app

    _, store = trained
    old = tmp_path / "old"
    shutil.copytree(store.root, old)
    shutil.rmtree(old / "baselines")  # as a folder made before the baselines
    result = CliRunner().invoke(app, ["report", str(old), "--lang", "en", "--format", "html"])
    assert result.exit_code == 0, result.output
    assert (old / "report.en.html").is_file() and not (old / "baselines").exists()


@pytest.mark.parametrize(("lang", "words"), [("es", "el modelo lineal es la opción más sencilla"),
                                             ("en", "the linear model is the simpler choice")])
def test_the_recommendation_says_when_the_linear_model_matches_it(tmp_path: Path, lang: str,
                                                                  words: str) -> None:
    """The recommended network (96.94 % on test) against a regression at 97.5 %, then 90 %."""
    from reportgen.report.conclusions import recommendation_sentences

    better = " ".join(recommendation_sentences(context(tmp_path / "a", lang, record(0.975))))
    assert words in better
    assert ("97,5" if lang == "es" else "97.5") in better
    worse = " ".join(recommendation_sentences(context(tmp_path / "b", lang, record(0.90))))
    assert words not in worse


@pytest.mark.parametrize(("lang", "beaten", "beats"), [
    ("es", "ninguna red supera a la regresión logística", "justifican su no linealidad"),
    ("en", "no network beats the logistic regression", "earn their non-linearity")])
def test_the_discussion_reads_the_baselines_across_studies(tmp_path: Path, lang: str,
                                                           beaten: str, beats: str) -> None:
    from reportgen.report.baselines_section import synthesis_sentences

    above = " ".join(synthesis_sentences(context(tmp_path / "a", lang, record(0.975))))
    assert beaten in above and beats not in above
    below = " ".join(synthesis_sentences(context(tmp_path / "b", lang, record(0.90))))
    assert beats in below and beaten not in below
    assert ("6,9 puntos" if lang == "es" else "6.9 points") in below  # 96.94 % − 90 %
    assert synthesis_sentences(context(tmp_path / "c", lang, None)) == []
