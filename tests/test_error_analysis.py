"""Error analysis and test-set uncertainty (issue 26, items 3 and 5), on hand-made result sets:
the most confused pairs and the weakest classes of a 3-class task, a binary task with false
negatives (by class name, AUC against scikit-learn), Wilson's interval, the indistinguishable
verdict, and their wording in both languages."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sklearn_roc_curve

from reportgen.analysis.errors import analyse_errors, confused_examples, most_confused, roc_curve
from reportgen.analysis.findings import SeedMargin, analyse
from reportgen.analysis.significance import (
    IntervalCheck,
    SeedComparison,
    check_test_accuracy,
    indistinguishable,
    reconcile,
    wilson_interval,
)
from reportgen.manifest import ModelSpec, RunConfig, TrainingSpec
from reportgen.manifest import loads as load_manifest
from reportgen.report.context import Context
from reportgen.report.error_words import (
    error_paragraph,
    interval_text,
    roc_figure,
    seed_reconcile_sentence,
)
from reportgen.report.error_words import test_sentence as accuracy_sentence
from reportgen.report.localise import localise
from reportgen.store.records import DatasetSummary, Index, RunRecord
from reportgen.store.store import Store
from reportgen.training.metrics import split_metrics

MANIFEST = """\
[report]
title = {{ es = "Informe", en = "Report" }}
authors = ["Ana Pérez"]
course = "Deep Learning"
institution = "Universidad Nacional"
date = 2025-05-01

[defaults]
seed = 13
device = "cpu"

[datasets.{name}]
source = "sklearn"
name = "{source}"
split = {{ train = 0.6, val = 0.2, test = 0.2 }}

[models.mlp]
hidden = [16]

[trainings.base]
epochs = 5
batch_size = 32

[[studies]]
id = "depth"
dataset = "{name}"
model = "mlp"
training = "base"
vary = {{ "model.hidden" = [[8], [16], [32]] }}
"""


def from_confusion(confusion: list[list[int]], rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Labels and probabilities whose argmax gives exactly `confusion` (rows true)."""
    k = len(confusion)
    truth, proba = [], []
    for i, row in enumerate(confusion):
        for j, count in enumerate(row):
            for _ in range(count):
                p = rng.uniform(0, 0.2, size=k)
                p[j] = rng.uniform(0.55, 0.99)
                truth.append(i)
                proba.append(p / p.sum())
    return np.array(truth), np.array(proba)


def run_record(run_id: str, dataset: str, hidden: int, classes: list[str],
               splits: dict[str, tuple[np.ndarray, np.ndarray]]) -> RunRecord:
    config = RunConfig(dataset=dataset, model=ModelSpec(hidden=[hidden]),
                       training=TrainingSpec(epochs=5, batch_size=32), engine="torch",
                       seed=13, device="cpu").model_dump(mode="json")
    return RunRecord(
        run_id=run_id, study_id="depth", label=f"hidden={hidden}",
        varied={"model.hidden": [hidden]}, config=config, dataset=dataset, engine="torch",
        device="cpu", seed=13, stop_reason="completed", epochs_run=5, best_epoch=5,
        monitor="val_loss", diverged_epoch=None,
        metrics={s: split_metrics(y, p, classes) for s, (y, p) in splits.items()},
        n_params=100, summary=[], wall_seconds=1.0, seconds_per_epoch=0.2,
        started_at="2025-05-01T10:00:00+00:00", versions={"python": "3.11"})


def make_store(root: Path, name: str, source: str, classes: list[str],
               counts: dict[str, list[int]],
               runs: list[tuple[int, dict[str, tuple[np.ndarray, np.ndarray]]]],
               samples: dict[str, np.ndarray] | None = None) -> Store:
    text = MANIFEST.format(name=name, source=source)
    manifest = load_manifest(text, source="experiments.toml")
    store = Store(root)
    store.save_manifest(text)
    store.save_dataset(DatasetSummary(
        name=name, source="sklearn", classes=classes, input_shape=[4],
        split_sizes={s: sum(c) for s, c in counts.items()}, class_counts=counts,
        value_range=(0.0, 1.0), preprocess="standard", fingerprint="0" * 64))
    if samples is not None:
        store.save_dataset_samples(name, samples)
    entries = []
    for number, (hidden, splits) in enumerate(runs):
        record = run_record(f"{number:016x}", name, hidden, classes, splits)
        predictions = {f"{kind}_{split}": array for split, (y, p) in splits.items()
                       for kind, array in (("y", y), ("proba", p.astype(np.float32)))}
        store.save_run(record, {"run_id": record.run_id, "config": record.config}, [],
                       predictions)
        entries.append({"run_id": record.run_id, "label": record.label,
                        "varied": record.varied})
    store.save_index(Index.from_dict({
        "manifest_sha256": manifest.sha256, "manifest_path": "experiments.toml",
        "studies": {"depth": entries}, "datasets": [name],
        "created_at": "2025-05-01T10:05:00+00:00", "versions": {"python": "3.11"}}))
    return store


# ---------------------------------------------------------------- a 3-class task
THREE = ["setosa", "versicolor", "virginica"]
# the best run confuses versicolor with virginica most and recalls versicolor worst
BEST = [[10, 0, 0], [1, 6, 3], [0, 1, 9]]


@pytest.fixture(scope="module")
def three_class(tmp_path_factory: pytest.TempPathFactory) -> Any:
    rng = np.random.default_rng(0)
    val_good = from_confusion([[10, 0, 0], [0, 10, 0], [0, 1, 9]], rng)
    val_worse = from_confusion([[10, 0, 0], [0, 8, 2], [0, 1, 9]], rng)
    train = from_confusion([[30, 0, 0], [0, 30, 0], [0, 0, 30]], rng)
    runs = [
        (16, {"train": train, "val": val_good, "test": from_confusion(BEST, rng)}),
        # versicolor is the weakest class here too …
        (8, {"train": train, "val": val_worse,
             "test": from_confusion([[10, 0, 0], [0, 7, 3], [2, 0, 8]], rng)}),
        # … but not here: setosa is
        (32, {"train": train, "val": val_worse,
              "test": from_confusion([[5, 5, 0], [0, 10, 0], [0, 1, 9]], rng)}),
    ]
    counts = {"train": [30, 30, 30], "val": [10, 10, 10], "test": [10, 10, 10]}
    store = make_store(tmp_path_factory.mktemp("three"), "iris", "iris", THREE, counts, runs)
    return analyse(store.load())


def test_the_most_confused_pairs_are_the_largest_off_diagonal_cells() -> None:
    pairs = most_confused(BEST)
    assert [(c.true, c.predicted, c.count) for c in pairs] == [(1, 2, 3), (1, 0, 1), (2, 1, 1)]
    assert pairs[0].share == pytest.approx(0.3)
    assert most_confused([[5, 0], [0, 5]]) == []


def test_the_weakest_class_is_named_and_checked_across_the_study(three_class: Any) -> None:
    errors = three_class.studies[0].errors
    assert errors.run.label == "hidden=16" and errors.split == "test" and errors.n == 30
    assert errors.classes[errors.confused[0].true] == "versicolor"
    assert errors.classes[errors.confused[0].predicted] == "virginica"
    assert errors.lowest_recall.classes == (1,) and errors.lowest_recall.value == 0.6
    # columns: 10/11, 6/7, 9/12 — virginica is predicted least reliably
    assert errors.lowest_precision.classes == (2,)
    assert (errors.recall_held, errors.recall_runs) == (2, 3)
    assert not errors.holds_everywhere
    assert errors.binary is None and errors.examples is None


def test_confused_examples_prefer_samples_whose_image_is_kept() -> None:
    truth = np.array([1, 1, 1, 0, 1])
    # four samples of class 1 taken for class 0, and one sample of class 0 classified right
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.8, 0.2], [0.9, 0.1], [0.95, 0.05]])
    cell = most_confused([[1, 0], [4, 0]])[0]
    assert (cell.true, cell.predicted, cell.count) == (1, 0, 4)
    images = np.arange(3 * 2 * 2, dtype=np.uint8).reshape(3, 2, 2)
    samples = {"pred_x": images, "pred_index": np.arange(3), "pred_split": np.array("test")}
    found = confused_examples(cell, proba, truth, samples, "test", shown=2)
    # the kept images (indices 0–2) first, most confident mistake first; index 4 has no image
    assert found.indices == (0, 2) and len(found.images) == 2
    assert (found.images[1] == images[2]).all()
    every = confused_examples(cell, proba, truth, samples, "test", shown=4)
    assert every.indices == (0, 2, 1, 4) and every.images == ()  # index 4's image is not kept


# ---------------------------------------------------------------- a binary task
BINARY = ["malignant", "benign"]


def binary_split(rng: np.random.Generator, missed: int, alarms: int,
                 malignant: int = 43, benign: int = 71) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities (rounded, so some tie) with `missed` malignant samples under 0.5 and
    `alarms` benign ones over it."""
    p_mal = np.r_[rng.uniform(0.55, 1.0, malignant - missed), rng.uniform(0.05, 0.45, missed),
                  rng.uniform(0.0, 0.45, benign - alarms), rng.uniform(0.55, 0.9, alarms)]
    p_mal = np.round(p_mal, 1)
    p_mal = np.where(p_mal == 0.5, 0.6, p_mal)
    truth = np.r_[np.zeros(malignant, int), np.ones(benign, int)]
    return truth, np.c_[p_mal, 1 - p_mal]


@pytest.fixture(scope="module")
def binary(tmp_path_factory: pytest.TempPathFactory) -> Any:
    rng = np.random.default_rng(1)
    runs = [(16, {"train": binary_split(rng, 0, 0, 127, 214), "val": binary_split(rng, 1, 0),
                  "test": binary_split(rng, 3, 1)}),
            (8, {"train": binary_split(rng, 0, 0, 127, 214), "val": binary_split(rng, 2, 2),
                 "test": binary_split(rng, 5, 2)})]
    counts = {"train": [127, 214], "val": [43, 71], "test": [43, 71]}
    root = tmp_path_factory.mktemp("binary")
    store = make_store(root, "breast", "breast_cancer", BINARY, counts, runs)
    return analyse(store.load()), store.load_predictions(f"{0:016x}")


def test_binary_false_negatives_are_counted_by_class_name(binary: Any) -> None:
    found, _ = binary
    errors = found.studies[0].errors
    facts = errors.binary
    assert errors.classes[facts.positive] == "malignant"  # the training split's minority
    assert errors.classes[facts.negative] == "benign"
    assert (facts.positives, facts.negatives) == (43, 71)
    assert (facts.false_negatives, facts.false_positives) == (3, 1)


def test_the_auc_and_the_roc_curve_match_scikit_learn(binary: Any) -> None:
    found, predictions = binary
    facts = found.studies[0].errors.binary
    truth, proba = predictions["y_test"], predictions["proba_test"]
    assert facts.auc == pytest.approx(roc_auc_score(truth == 0, proba[:, 0]))
    fpr, tpr, _ = sklearn_roc_curve(truth == 0, proba[:, 0], drop_intermediate=False)
    assert np.allclose(np.array(facts.roc), np.c_[fpr, tpr][np.r_[0, 1:len(fpr)]])
    assert roc_curve(np.array([True, True]), np.array([0.2, 0.3])) is None  # one class only


def test_without_probabilities_a_binary_task_still_counts_its_errors() -> None:
    rng = np.random.default_rng(2)
    record = run_record("a" * 16, "breast", 16, BINARY, {"test": binary_split(rng, 3, 1)})
    errors = analyse_errors(record, [record])
    assert errors.binary.false_negatives == 3 and errors.binary.auc is None


# ---------------------------------------------------------------- Wilson's interval
def test_wilson_interval_of_95_in_100() -> None:
    low, high = wilson_interval(95, 100)
    assert low == pytest.approx(0.8882, abs=1e-4) and high == pytest.approx(0.9784, abs=1e-4)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    with pytest.raises(ValueError, match="wilson_interval"):
        wilson_interval(11, 10)


def test_a_runner_up_inside_the_interval_is_indistinguishable() -> None:
    assert indistinguishable(0.9694, 0.958, 360)
    assert not indistinguishable(0.97, 0.90, 360)
    assert not indistinguishable(0.96, 0.93, 5000)  # the same gap on a larger test set


def test_the_test_check_compares_with_the_next_configuration(three_class: Any) -> None:
    found = three_class.studies[0]
    check = found.test_check
    assert check.best.label == "hidden=16" and check.n == 30
    assert check.accuracy == pytest.approx(25 / 30)
    assert (check.low, check.high) == wilson_interval(25, 30)
    # with repeats, another seed of the best configuration is no runner-up
    runs = [dataclasses.replace(r, config_label=c)
            for r, c in zip(found.runs, ("a", "a", "b"), strict=True)]
    other = check_test_accuracy(runs, (0, 1, 2))
    assert other.runner_up.run_id == runs[2].run_id


@pytest.mark.parametrize("exceeds, inside, verdict", [
    (True, False, "both-differ"), (False, True, "both-tie"),
    (True, True, "seeds-only"), (False, False, "test-only")])
def test_reconcile_says_whether_seeds_and_interval_agree(exceeds: bool, inside: bool,
                                                         verdict: str) -> None:
    comparison = SeedComparison(0.01, 0.0, 0.02, 0.95, 0.01 if exceeds else 0.4, 3, 3, exceeds)
    record = run_record("a" * 16, "breast", 16, BINARY,
                        {"test": binary_split(np.random.default_rng(3), 3, 1)})
    check = IntervalCheck(record, record, 0.96, 114, 0.91, 0.98, 0.95 if inside else 0.9,
                          inside)
    assert reconcile(comparison, check) == verdict


# ---------------------------------------------------------------- the wording
def context(findings: Any, lang: str, monkeypatch: pytest.MonkeyPatch | None = None) -> Context:
    return Context(localise(findings, lang), lang)


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def assert_prose(text: str) -> None:
    for sentence in sentences(text):
        assert not sentence[0].isdigit(), sentence
        assert sentence[0].isupper(), sentence


@pytest.mark.parametrize("lang, words", [
    ("es", ("la figura 7 y la tabla 9", "«versicolor»", "«virginica»", "3 de las 10",
            "(30,0\xa0%)", "exhaustividad", "0,600", "2 de las 3 ejecuciones")),
    ("en", ("figure 7 and table 9", "“versicolor”", "“virginica”",
            "3 of the 10", "(30.0%)", "recall", "0.600", "2 of the 3 runs")),
])
def test_the_error_paragraph_names_classes_and_numbers(three_class: Any, lang: str,
                                                       words: tuple[str, ...]) -> None:
    ctx = context(three_class, lang)
    text = error_paragraph(ctx, ctx.findings.studies[0], "7", "9")
    for word in words:
        assert word in text, (word, text)
    assert 3 <= len(sentences(text)) <= 5
    assert_prose(text)


@pytest.mark.parametrize("lang, words", [
    ("es", ("De las 43 muestras de la clase «maligno»", "clasifica 3 como «benigno»",
            "(falsos negativos)", "(falso positivo)", "(figura 8)", "curva ROC")),
    ("en", ("Of the 43 test samples of class “malignant”", "classifies 3 as “benign”",
            "(false negatives)", "(false positive)", "(figure 8)", "ROC")),
])
def test_the_binary_paragraph_counts_false_negatives(binary: Any, lang: str,
                                                     words: tuple[str, ...]) -> None:
    found, _ = binary
    ctx = context(found, lang)
    study = ctx.findings.studies[0]
    auc = study.errors.binary.auc
    # without citations the first sentence is the uncited phrasing
    text = error_paragraph(ctx, study, None, None, roc_ref="8")
    assert any(w in text for w in words[:1]) or "43" in text
    for word in words[1:]:
        assert word in text, (word, text)
    digits = f"{auc:.3f}".replace(".", "," if lang == "es" else ".")
    assert digits in text
    assert_prose(text)


def test_the_roc_figure_is_drawn_for_a_binary_task_only(binary: Any, three_class: Any) -> None:
    found, _ = binary
    ctx = context(found, "es")
    figure = roc_figure(ctx, ctx.findings.studies[0])
    assert figure.id == "fig-study-depth-roc" and "<svg" in figure.svg
    assert "«maligno»" in figure.caption
    other = context(three_class, "en")
    assert roc_figure(other, other.findings.studies[0]) is None


@pytest.mark.parametrize("lang, expected", [
    ("es", "96,7\xa0% (IC del 95\xa0%: 94,3–98,1\xa0%)"),
    ("en", "96.7% (95% CI: 94.3–98.1%)"),
])
def test_interval_text(three_class: Any, lang: str, expected: str) -> None:
    low, high = wilson_interval(348, 360)
    assert (round(low * 100, 1), round(high * 100, 1)) == (94.3, 98.1)
    assert interval_text(context(three_class, lang), 348 / 360, 360) == expected


@pytest.mark.parametrize("lang, words", [
    ("es", ("83,3\xa0% (IC del 95\xa0%", "; tabla 4)", "30 muestras de prueba")),
    ("en", ("83.3% (95% CI", "; table 4)", "30 test samples")),
])
def test_the_test_sentence_gives_the_interval_and_the_verdict(three_class: Any, lang: str,
                                                              words: tuple[str, ...]) -> None:
    ctx = context(three_class, lang)
    study = ctx.findings.studies[0]
    text = accuracy_sentence(ctx, study, "4")
    for word in words:
        assert word in text, (word, text)
    inside = ("indistinguib", "distinguirlas", "no se distingue") if lang == "es" \
        else ("indistinguishable", "cannot tell")
    assert study.test_check.indistinguishable  # 25/30 against 24/30 of the runner-up
    assert any(w in text for w in inside)
    assert_prose(text)


@pytest.mark.parametrize("lang, word", [("es", "prueba t de Welch"), ("en", "Welch's t-test")])
def test_seed_reconcile_sentence(three_class: Any, lang: str, word: str) -> None:
    ctx = context(three_class, lang)
    study = ctx.findings.studies[0]
    assert seed_reconcile_sentence(ctx, study) is None  # no repeats
    comparison = SeedComparison(0.01, 0.002, 0.02, 0.95, 0.012, 3, 3, True)
    with_seeds = dataclasses.replace(
        study, seed_margin=SeedMargin("val", study.runs[0].label, study.runs[1].label,
                                      comparison))
    text = seed_reconcile_sentence(ctx, with_seeds)
    assert word in text and ("0,012" if lang == "es" else "0.012") in text
    assert_prose(text)
