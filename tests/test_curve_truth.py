"""One truth per fact in the curve reading (issue 26, item 7), on hand-made result sets in
both languages: every end-of-training figure the text quotes is the final evaluation the
runs table shows, not the history's running training loss, and each configuration has one
overfitting verdict that the curve sentences and `findings.gap` both follow."""

from __future__ import annotations

import dataclasses
import re

import pytest

from reportgen.analysis.findings import analyse
from reportgen.report.context import Context
from reportgen.report.curve_words import curve_sentences
from reportgen.report.localise import localise
from reportgen.store.store import ResultSet
from tests.report_fixtures import make_results, record, split_metrics
from tests.test_reasoning import curve, with_study

SGD = {"name": "sgd", "lr": 0.05}
MOMENTUM = {"name": "sgd", "lr": 0.05, "momentum": 0.9}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> ResultSet:
    return make_results(tmp_path_factory.mktemp("truth"))


def two_runs(momentum_val_min_at: int, momentum_val_end: float, train_acc: float,
             val_acc: float, train_loss: float, val_loss: float) -> list[tuple]:
    """Plain SGD (flat, no gap) and SGD with momentum, whose final evaluation is given."""
    plain = record("1" * 16, "optimizers", "sgd", {"training.optimizer": SGD}, 64, SGD,
                   "completed", 12, 12, {"train": 0.96, "val": 0.95, "test": 0.95})
    plain = dataclasses.replace(plain, metrics={
        **plain.metrics, "train": split_metrics(0.96, 0.15, 1078),
        "val": split_metrics(0.95, 0.16, 359)})
    fast = record("2" * 16, "optimizers", "sgd+momentum", {"training.optimizer": MOMENTUM},
                  64, MOMENTUM, "completed", 12, 5, {"train": train_acc, "val": val_acc,
                                                     "test": val_acc})
    fast = dataclasses.replace(fast, metrics={
        **fast.metrics, "train": split_metrics(train_acc, train_loss, 1078),
        "val": split_metrics(val_acc, val_loss, 359)})
    return [(plain, curve(12, 0.15, 0.16, 12, 0.16, acc_at=10)),
            (fast, curve(12, 0.010, 0.06, momentum_val_min_at, momentum_val_end, acc_at=3))]


def reading(results: ResultSet, pairs: list[tuple], lang: str) -> tuple[object, list[str]]:
    shown = localise(analyse(with_study(results, "optimizers", pairs)), lang)
    found = next(s for s in shown.studies if s.key == "optimizers")
    return found, curve_sentences(Context(shown, lang), found)


RUN = {"en": "“SGD, lr 0.05, momentum 0.9”", "es": "«SGD, tasa 0,05, momento 0,9»"}
OVERFIT = {"en": r"overfit", "es": r"sobreajust"}
NO_OVERFIT = {"en": r"(No configuration overfits|None of the configurations overfits|no "
                    r"overfitting in any|none of them overfits|none of .* overfits|shows no "
                    r"overfitting)",
              "es": r"(Ninguna configuración sobreajusta|Ninguna de las configuraciones "
                    r"sobreajusta|no muestran sobreajuste en ninguna|ninguna sobreajusta|"
                    r"no muestra sobreajuste)"}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_losses_quoted_are_the_runs_tables_not_the_running_history(
        results: ResultSet, lang: str) -> None:
    # history: training loss down to 0.010 against a validation loss near 0.06 (ratio 6);
    # the final evaluation: 0.020 against 0.090 (ratio 4.5), the table's numbers
    pairs = two_runs(12, 0.06, 1.0, 0.97, 0.020, 0.090)
    found, said = reading(results, pairs, lang)
    text = " ".join(said)
    decimal = "." if lang == "en" else ","
    assert f"0{decimal}020" in text and f"0{decimal}090" in text, text
    assert f"4{decimal}5" in text, text  # the ratio of the table's losses
    assert f"0{decimal}010" not in text and f"6{decimal}0" not in text, text
    table = found.runs[1].metrics
    f = found.curves.of(found.runs[1].label)
    assert f.gap_at_end.loss_ratio == pytest.approx(table["val"].loss / table["train"].loss)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_accuracy_gap_without_a_loss_rise_is_one_overfitting_verdict(
        results: ResultSet, lang: str) -> None:
    # the validation loss keeps falling (no rise) but the table's accuracies are 8 points
    # apart: findings.gap and the curves say the same thing
    pairs = two_runs(12, 0.06, 1.0, 0.92, 0.05, 0.08)
    found, said = reading(results, pairs, lang)
    label = found.runs[1].label
    assert found.curves.verdict(label) == "overfits"
    assert found.gap is not None  # the best run's gap agrees with its curve verdict
    assert (found.gap.verdict == "overfit") == \
        (found.curves.verdict(found.gap.run.label) == "overfits")
    text = " ".join(said)
    assert not re.search(NO_OVERFIT[lang], text), text
    overfit = [s for s in said if RUN[lang] in s and re.search(OVERFIT[lang], s)]
    assert len(overfit) == 1 and ("8" in overfit[0]), said


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_loss_rise_with_a_small_accuracy_gap_is_one_overfitting_verdict(
        results: ResultSet, lang: str) -> None:
    # the validation loss rises 33 % after epoch 5 while the accuracies stay 1 point apart:
    # the best run's findings.gap now says "overfit" like the curve sentence
    pairs = two_runs(5, 0.08, 0.99, 0.98, 0.05, 0.08)
    found, said = reading(results, pairs, lang)
    assert found.best is not None and found.best.label == found.runs[1].label
    assert found.curves.verdict(found.best.label) == "overfits"
    assert found.gap is not None and found.gap.verdict == "overfit"
    assert any(RUN[lang] in s and re.search(OVERFIT[lang], s) for s in said), said
    assert not re.search(NO_OVERFIT[lang], " ".join(said))


def test_a_clean_run_is_neither_overfitting_in_the_curves_nor_in_findings_gap(
        results: ResultSet) -> None:
    pairs = two_runs(12, 0.06, 0.99, 0.98, 0.05, 0.06)
    found, said = reading(results, pairs, "en")
    assert set(found.curves.verdicts) == {"none"}
    assert found.gap is not None and found.gap.verdict != "overfit"
    assert re.search(NO_OVERFIT["en"], " ".join(said))


def test_every_kind_of_curve_sentence_has_three_phrasings() -> None:
    from reportgen.report import curve_words
    for name in ("OVERFIT_RISE", "OVERFIT_ACC", "REST", "REST_ONE", "NONE_RISE", "NONE_STILL",
                 "NONE_STILL_ONE",
                 "GAP_TOP", "GAP_OTHERS", "GAP_ACC", "GAP_SMALLEST", "NO_GAP", "CONVERGENCE",
                 "SAME_EPOCH", "SAME_TIME", "UNSTABLE"):
        options = getattr(curve_words, name)
        assert len(set(options)) >= 3, name
        starts = {" ".join(re.sub(r"%\(\w+\)s", "_", o).split()[:3]) for o in options}
        assert len(starts) == len(options), name
