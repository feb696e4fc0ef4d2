"""Figure layout measured with matplotlib's own renderer on the figure that is saved as SVG:
confusion-matrix class labels never overlap each other, and a legend of many runs sits inside
the figure and outside the axes (never clipped, never over the curves)."""

from __future__ import annotations

import itertools

import pytest
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from reportgen import figures
from reportgen.figures import matrices, runs

FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot"]
RETINA = ["0 — No diabetic retinopathy", "1 — Mild", "2 — Moderate", "3 — Severe",
          "4 — Proliferative retinopathy"]
MATRIX_TEXTS = figures.MatrixTexts(xlabel="Predicted class", ylabel="True class")
CURVE_TEXTS = figures.CurveTexts(xlabel="Epoch", ylabel="Loss", train="training",
                                 val="validation", diverged="diverged")


def keep_saved(monkeypatch, module) -> list[Figure]:
    """The figures `module`'s drawing functions hand to the SVG writer, after they are
    written."""
    kept: list[Figure] = []
    write = module.to_svg

    def keep(fig: Figure, prefix: str) -> str:
        svg = write(fig, prefix)
        # lay it out again as the SVG writer did (72 dpi), so positions and sizes agree
        fig.set_dpi(72)
        fig.draw_without_rendering()
        kept.append(fig)
        return svg

    monkeypatch.setattr(module, "to_svg", keep)
    return kept


@pytest.fixture
def saved(monkeypatch) -> list[Figure]:
    return keep_saved(monkeypatch, runs)


@pytest.fixture
def saved_matrices(monkeypatch) -> list[Figure]:
    return keep_saved(monkeypatch, matrices)


def boxes(fig: Figure, labels: list) -> list[Bbox]:
    renderer = fig._get_renderer()
    return [label.get_window_extent(renderer) for label in labels if label.get_text()]


def overlapping(found: list[Bbox]) -> list[tuple[int, int]]:
    return [(i, j) for (i, a), (j, b) in itertools.combinations(enumerate(found), 2)
            if a.overlaps(b) and a.intersection(a, b).width > 0.5
            and a.intersection(a, b).height > 0.5]


def inside(inner: Bbox, outer: Bbox, slack: float = 1.0) -> bool:
    return (inner.x0 >= outer.x0 - slack and inner.y0 >= outer.y0 - slack
            and inner.x1 <= outer.x1 + slack and inner.y1 <= outer.y1 + slack)


@pytest.mark.parametrize("names", [FASHION, RETINA, [f"くずし字 {i}" for i in range(49)],
                                   [f"class number {i}" for i in range(20)]])
def test_confusion_matrix_class_labels_do_not_overlap(saved_matrices: list[Figure],
                                                      names: list[str]) -> None:
    n = len(names)
    matrix = [[(i * 7 + j * 3) % 11 + (40 if i == j else 0) for j in range(n)] for i in range(n)]
    # at the width the report prints it at
    figures.confusion_matrix(matrix, names, MATRIX_TEXTS,
                             width_in=figures.matrix_width(matrix, names))
    fig = saved_matrices[-1]
    ax = fig.axes[0]
    figure_box = fig.bbox
    for ticks in (ax.get_xticklabels(), ax.get_yticklabels()):
        found = boxes(fig, ticks)
        assert len(found) == n
        assert overlapping(found) == []
        assert all(inside(box, figure_box) for box in found)
    # the axis titles clear the tick labels
    renderer = fig._get_renderer()
    xlabel = ax.xaxis.label.get_window_extent(renderer)
    assert overlapping([xlabel, *boxes(fig, ax.get_xticklabels())])[:1] == []


def test_fashion_labels_are_shown_in_full(saved_matrices: list[Figure]) -> None:
    figures.confusion_matrix([[1] * 10] * 10, FASHION, MATRIX_TEXTS)
    shown = [t.get_text() for t in saved_matrices[-1].axes[0].get_xticklabels()]
    assert shown == FASHION


@pytest.mark.parametrize("n_runs, label", [
    (8, "lr={}"), (12, "adam · lr = 0.00{} · batch 64"), (20, "run {}"), (30, "r{}"),
    (9, "variant {} · hidden = [224, 128, 64] · dropout 0.3 · lr 0.001 · L2 0.0001")])
def test_a_legend_of_many_runs_is_outside_the_axes_and_inside_the_figure(
        saved: list[Figure], n_runs: int, label: str) -> None:
    histories = [[{"epoch": e, "loss": (k + 1) / e, "val_loss": (k + 1.5) / e}
                  for e in range(1, 6)] for k in range(n_runs)]
    figures.learning_curves(histories, [label.format(k) for k in range(n_runs)], "loss",
                            CURVE_TEXTS)
    fig = saved[-1]
    renderer = fig._get_renderer()
    legend = fig.legends[0].get_window_extent(renderer)
    axes = fig.axes[0].get_window_extent(renderer)
    assert inside(legend, fig.bbox), (legend, fig.bbox)
    assert not legend.overlaps(axes), (legend, axes)
    entries = boxes(fig, fig.legends[0].get_texts())
    assert len(entries) == n_runs + 2 and overlapping(entries) == []
    assert all(inside(box, fig.bbox) for box in entries)
    assert axes.height > 0.35 * fig.bbox.height  # the curves keep room to be read


@pytest.fixture
def saved_data(monkeypatch) -> list[Figure]:
    """As `saved`, for the figures of `figures.data` (sample predictions)."""
    from reportgen.figures import data

    return keep_saved(monkeypatch, data)


@pytest.mark.parametrize("names", [RETINA, FASHION[:5], ["0", "1", "2", "3", "4"]])
def test_sample_prediction_labels_never_overlap_and_titles_are_whole(
        saved_data: list[Figure], names: list[str]) -> None:
    import numpy as np

    k = len(names)
    probabilities = np.full((4, k), 1 / k)
    probabilities[:, 1] += 0.1
    texts = figures.PredictionTexts(true="True", predicted="Predicted", probability="P",
                                    true_bar="true class", wrong_bar="wrong prediction")
    figures.prediction_panels(np.zeros((4, 8, 8)), probabilities, [0, 1, 2, 3], names, texts)
    fig = saved_data[-1]
    for ax in fig.axes:
        ticks = ax.get_xticklabels()
        if not any(t.get_text() for t in ticks):
            continue  # an image panel
        assert not overlapping(boxes(fig, ticks)), [t.get_text() for t in ticks]
        title = ax.get_title()
        assert any(f": {n}\n" in title for n in names), title  # the true class, whole
        assert inside(boxes(fig, [ax.title])[0], fig.bbox)


# ---------------------------------------------------------------- fitted axes and marks
def _close_runs(n: int = 12) -> list[list[dict]]:
    """Three runs whose accuracies, after the first epochs, lie between 0.95 and 0.98."""
    return [[{"epoch": e, "accuracy": 0.98 - 0.01 * k - (0.3 / e if e < 3 else 0.0),
              "val_accuracy": 0.97 - 0.01 * k - (0.3 / e if e < 3 else 0.0),
              "loss": 0.1 + 0.02 * k + 1 / e, "val_loss": 0.12 + 0.02 * k + 1 / e}
             for e in range(1, n + 1)] for k in range(3)]


def test_accuracy_axis_is_fitted_to_runs_a_few_points_apart(saved: list[Figure]) -> None:
    figures.learning_curves(_close_runs(), ["a", "b", "c"], "accuracy", CURVE_TEXTS)
    low, high = saved[-1].axes[0].get_ylim()
    assert 0.9 <= low < 0.95 and 0.98 < high <= 1.0, (low, high)


def test_accuracy_axis_of_a_run_stuck_at_chance_starts_at_zero(saved: list[Figure]) -> None:
    stuck = [{"epoch": e, "accuracy": 0.1, "val_accuracy": 0.1} for e in range(1, 10)]
    learns = [{"epoch": e, "accuracy": 0.1 * e, "val_accuracy": 0.09 * e} for e in range(1, 10)]
    figures.learning_curves([stuck, learns], ["a", "b"], "accuracy", CURVE_TEXTS)
    low, high = saved[-1].axes[0].get_ylim()
    assert low == 0.0 and high <= 1.0


def test_losses_spanning_decades_get_a_log_axis(saved: list[Figure]) -> None:
    runs_ = [[{"epoch": e, "loss": 10.0 ** -e} for e in range(1, 12)]]
    figures.learning_curves(runs_, ["a"], "loss", CURVE_TEXTS)
    assert saved[-1].axes[0].get_yscale() == "log"


def test_best_restored_and_stopped_epochs_are_marked_where_given(saved: list[Figure]) -> None:
    texts = figures.CurveTexts(xlabel="Época", ylabel="Exactitud", train="entrenamiento",
                               val="validación", diverged="divergió", best="mejor época",
                               restored="pesos restaurados", stopped="parada temprana")
    histories = _close_runs()
    figures.learning_curves(histories, ["a", "b", "c"], "accuracy", texts,
                            best_epochs=[7, None, 9], restored_epochs=[7, None, None],
                            stopped_epochs=[10, None, None])
    ax = saved[-1].axes[0]
    marks = {line.get_label(): [] for line in ax.lines}
    for line in ax.lines:
        marks[line.get_label()].append((list(line.get_xdata()), list(line.get_ydata())))
    assert marks["_best-epoch"] == [([7], [histories[0][6]["val_accuracy"]]),
                                    ([9], [histories[2][8]["val_accuracy"]])]
    assert marks["_restored-epoch"] == [([7], [histories[0][6]["val_accuracy"]])]
    assert marks["_stopped-epoch"] == [([10], [histories[0][9]["val_accuracy"]])]
    legend = [t.get_text() for t in saved[-1].legends[0].get_texts()]
    assert {"mejor época", "pesos restaurados", "parada temprana"} <= set(legend)


def test_no_marks_and_no_legend_entries_without_epochs(saved: list[Figure]) -> None:
    figures.learning_curves(_close_runs(), ["a", "b", "c"], "accuracy", CURVE_TEXTS)
    assert not [line for line in saved[-1].axes[0].lines if "epoch" in line.get_label()]


def test_budget_curves_end_each_search_at_the_epochs_it_spent(monkeypatch) -> None:
    from reportgen.figures import tuning

    kept = keep_saved(monkeypatch, tuning)
    texts = figures.BudgetTexts(xlabel="Épocas", ylabel="Exactitud", spent="presupuesto")
    lines = [figures.BudgetLine("Hyperband", [(3, 0.95), (40, 0.97)], 120),
             figures.BudgetLine("Bayesiana", [(50, 0.96), (300, 0.975)], 450)]
    figures.budget_curves(lines, texts, accuracy=True)
    ax = kept[-1].axes[0]
    ends = [(list(line.get_xdata()), list(line.get_ydata())) for line in ax.lines
            if line.get_label() == "_budget-spent"]
    assert ends == [([120], [0.97]), ([450], [0.975])]
    assert [t.get_text() for t in ax.texts] == ["Hyperband", "Bayesiana"]  # labelled directly
    low, high = ax.get_ylim()
    assert 0.9 <= low < 0.95 and 0.975 < high <= 1.0


def test_a_half_width_curve_figure_keeps_its_legend_inside_and_below(saved: list[Figure]) -> None:
    width = 0.48 * runs.MAX_WIDTH_IN
    figures.learning_curves(_close_runs(), ["SGD, tasa 0,05", "SGD, momento 0,9", "Adam"],
                            "accuracy", CURVE_TEXTS, best_epochs=[5, 6, 7], width_in=width)
    fig = saved[-1]
    assert fig.get_figwidth() == pytest.approx(width)
    renderer = fig._get_renderer()
    legend = fig.legends[0].get_window_extent(renderer)
    axes = fig.axes[0].get_window_extent(renderer)
    assert inside(legend, fig.bbox) and legend.y1 <= axes.y0 + 1, (legend, axes)
