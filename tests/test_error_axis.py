"""Accuracy curves drawn as the error rate on a log axis when a linear axis would squeeze the
differences that matter (issue 27, item 1): the choice is made from the data, and the report
says so in the figure's label and caption."""

from __future__ import annotations

import pytest

from reportgen import figures
from reportgen.figures.runs import ERROR_FLOOR


def history(accuracies: list[float]) -> list[dict[str, float]]:
    return [{"epoch": k, "accuracy": a, "val_accuracy": a - 0.01, "loss": 1 - a,
             "val_loss": 1.05 - a} for k, a in enumerate(accuracies, start=1)]


FAST = history([0.80, 0.93, 0.96, 0.97, 0.975, 0.98, 0.982, 0.985, 0.986, 0.988, 0.99, 0.99])
SLOW = history([0.10, 0.15, 0.22, 0.30, 0.42, 0.55, 0.66, 0.75, 0.82, 0.88, 0.91, 0.93])
MEDIOCRE = history([0.20, 0.30, 0.38, 0.45, 0.50, 0.55, 0.58, 0.61, 0.63, 0.65, 0.66, 0.67])


def test_a_slow_run_beside_runs_near_perfect_gets_the_error_axis() -> None:
    assert figures.accuracy_as_error([FAST, SLOW])


def test_runs_that_all_end_near_perfect_keep_the_linear_axis() -> None:
    # the fitted linear range is already narrow: it shows the top well
    assert not figures.accuracy_as_error([FAST, history([a - 0.01 for a in
                                                          [0.9, 0.95, 0.96, 0.97, 0.975,
                                                           0.98, 0.98, 0.98, 0.98, 0.98,
                                                           0.98, 0.98]])])


def test_a_task_far_from_perfect_keeps_the_linear_axis() -> None:
    slower = history([a / 2 for a in [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1,
                                      1.2]])
    assert not figures.accuracy_as_error([MEDIOCRE, slower])


def test_the_band_of_the_slowest_seed_counts_too() -> None:
    """With repeats, the lowest seed's curve can be what widens the range."""
    tight = history([0.9, 0.95, 0.96, 0.97, 0.975, 0.98, 0.98, 0.98, 0.98, 0.98, 0.98, 0.98])
    assert not figures.accuracy_as_error([FAST, tight])
    assert figures.accuracy_as_error([FAST, tight], bands=[(SLOW, FAST), (tight, tight)])


def test_the_error_axis_is_logarithmic_in_per_cent(monkeypatch: pytest.MonkeyPatch) -> None:
    from reportgen.figures import runs
    from tests.test_figure_layout import keep_saved

    saved = keep_saved(monkeypatch, runs)
    texts = figures.CurveTexts(xlabel="Época", ylabel="Tasa de error (%, escala logarítmica)",
                               train="entrenamiento", val="validación", diverged="divergió",
                               decimal=",")
    perfect = history([0.9, 0.99, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    figures.learning_curves([FAST, SLOW, perfect], ["a", "b", "c"], "accuracy", texts,
                            error_rate=True)
    ax = saved[-1].axes[0]
    assert ax.get_yscale() == "log"
    shown = [t.get_text() for t in ax.get_yticklabels()
             if ax.get_ylim()[0] <= t.get_position()[1] <= ax.get_ylim()[1]]
    assert {"1", "2", "5", "10", "50"} <= set(shown), shown  # per cent of error
    # the curves are 100 % minus the accuracy; a perfect epoch sits on the floor, drawable
    lowest = min(min(line.get_ydata()) for line in ax.get_lines() if len(line.get_ydata()))
    assert lowest == pytest.approx(ERROR_FLOOR)
    highest = max(max(line.get_ydata()) for line in ax.get_lines() if len(line.get_ydata()))
    assert highest == pytest.approx(1 - 0.09)  # SLOW's first validation accuracy


@pytest.mark.parametrize(("lang", "sentence"), [
    ("es", "tasa de error (100 % menos la exactitud)"),
    ("en", "error rate (100% minus the accuracy)")])
def test_the_report_names_the_error_axis(tmp_path_factory: pytest.TempPathFactory,
                                         lang: str, sentence: str) -> None:
    import dataclasses

    from reportgen.analysis.findings import analyse
    from reportgen.report.context import Context
    from reportgen.report.localise import localise
    from reportgen.report.results import curve_figures
    from tests.report_fixtures import make_results

    results = make_results(tmp_path_factory.mktemp("error-axis"))
    findings = localise(analyse(results), lang)
    found = next(s for s in findings.studies if s.key == "hidden-units")
    slow = dataclasses.replace(found, histories=[FAST, SLOW, *found.histories[2:]])
    shown = curve_figures(Context(findings, lang), slow)
    accuracy = next(f for f in shown if f.id.endswith("-accuracy"))
    assert sentence in accuracy.caption
    loss = next(f for f in shown if f.id.endswith("-loss"))
    assert sentence not in loss.caption


def test_many_runs_draw_their_validation_curves_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """From VALIDATION_ONLY_FROM runs, the training curves are left out (they would bury the
    validation ones): one line per run, solid, and no training/validation legend keys."""
    from reportgen.figures import runs
    from tests.test_figure_layout import keep_saved

    saved = keep_saved(monkeypatch, runs)
    texts = figures.CurveTexts(xlabel="Epoch", ylabel="Loss", train="training",
                               val="validation", diverged="diverged")
    many = [history([a - 0.01 * k for a in [0.8, 0.9, 0.95, 0.97]])
            for k in range(runs.VALIDATION_ONLY_FROM)]
    labels = [f"run {k}" for k in range(len(many))]
    figures.learning_curves(many, labels, "loss", texts, validation_only=True)
    figures.learning_curves(many, labels, "loss", texts)
    alone, both = (f.axes[0] for f in saved[-2:])
    drawn = [line for line in alone.get_lines() if len(line.get_xdata()) > 1]
    assert len(drawn) == len(many) and {line.get_linestyle() for line in drawn} == {"-"}
    assert len([line for line in both.get_lines() if len(line.get_xdata()) > 1]) == 2 * len(many)
    legend = [t.get_text() for t in saved[-2].legends[0].get_texts()]
    assert "training" not in legend and "validation" not in legend


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_caption_of_validation_only_curves_says_so(tmp_path_factory: pytest.TempPathFactory,
                                                       lang: str) -> None:
    import dataclasses

    from reportgen.analysis.findings import analyse
    from reportgen.figures.runs import VALIDATION_ONLY_FROM
    from reportgen.report.context import Context
    from reportgen.report.localise import localise
    from reportgen.report.results import curve_figures
    from tests.report_fixtures import make_results

    results = make_results(tmp_path_factory.mktemp("validation-only"))
    findings = localise(analyse(results), lang)
    found = next(s for s in findings.studies if s.key == "hidden-units")
    n = VALIDATION_ONLY_FROM
    wide = dataclasses.replace(found, histories=[FAST] * n, runs=[found.runs[0]] * n)
    shown = curve_figures(Context(findings, lang), wide)
    said = {"es": "solo se dibujan sus curvas de validación",
            "en": "only their validation curves are drawn"}[lang]
    dashed = {"es": "discontinu", "en": "dashed"}[lang]
    for figure in shown:
        assert said in figure.caption and dashed not in figure.caption, figure.caption
