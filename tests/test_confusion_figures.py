"""Confusion matrices a reader can read on paper: type sizes measured in the SVG at the width
the report prints it at, empty cells blank, a large matrix with its most confused pairs, one
matrix per study in the body and the other runs' as small multiples in appendix B, and one
class-balance figure per dataset."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from test_figure_layout import keep_saved

from reportgen import figures
from reportgen.figures import matrices
from reportgen.figures.style import ASIDE_WIDTH_IN, MAX_WIDTH_IN
from reportgen.report import data as data_section
from reportgen.report.build import build
from reportgen.report.model import Figure as ReportFigure
from reportgen.report.model import ReportModel, Section, Table
from reportgen.store.store import ResultSet

TEXTS = figures.MatrixTexts(xlabel="Clase predicha", ylabel="Clase real",
                            confused="Confusiones más frecuentes (real → predicha)")
DIGITS = [str(d) for d in range(10)]
FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot"]
CSS = Path(__file__).resolve().parents[1] / "templates" / "report.css"


# ---------------------------------------------------------------- reading the SVG
# With svg.fonttype = "path" every label is a path drawn at `scale(s -s)` of outlines in
# hundredths of a point (matplotlib's FONT_SCALE): its size is 100 s points as drawn.
_TEXT_SCALE = re.compile(r"scale\(([\d.]+) -\1\) scale\(0\.015625\)")


def drawn_sizes(svg: str) -> list[float]:
    return [100 * float(s) for s in _TEXT_SCALE.findall(svg)]


def drawn_width_pt(svg: str) -> float:
    match = re.match(r'<svg width="([\d.]+)pt"', svg)
    assert match, svg[:80]
    return float(match[1])


def printed_sizes(svg: str, placed_in: float) -> list[float]:
    """Type sizes on paper when the figure sits in a box `placed_in` wide: the page scales a
    wider SVG down to the box (CSS max-width: 100 %), never a narrower one up."""
    scale = min(1.0, placed_in * 72 / drawn_width_pt(svg))
    return [size * scale for size in drawn_sizes(svg)]


def ten_class_matrix() -> list[list[int]]:
    """About 360 samples a class (three-digit counts), a few rows all right (100 %), a few
    confusions of one sample (<1 %) and many empty cells."""
    out = []
    for i in range(10):
        row = [0] * 10
        row[i] = 360 if i % 3 == 0 else 340
        if i % 3:
            row[(i + 1) % 10] = 19
            row[(i + 4) % 10] = 1
        out.append(row)
    return out


@pytest.fixture
def saved(monkeypatch) -> list[Figure]:
    return keep_saved(monkeypatch, matrices)


# ---------------------------------------------------------------- the body's matrix
@pytest.mark.parametrize("names", [DIGITS, FASHION], ids=["digits", "fashion"])
def test_no_text_under_7pt_at_print_size_for_a_10_class_matrix(saved: list[Figure],
                                                                names: list[str]) -> None:
    matrix = ten_class_matrix()
    width = figures.matrix_width(matrix, names)  # where the report places it
    svg = figures.confusion_matrix(matrix, names, TEXTS, width_in=width)
    sizes = printed_sizes(svg, width)
    assert min(sizes) >= 7.0, (min(sizes), drawn_width_pt(svg) / 72, width)
    assert drawn_width_pt(svg) <= width * 72 + 0.5  # drawn at its printed size, not shrunk
    # …and the cells do carry their numbers: a percentage and a count in every non-empty one
    cells = sum(1 for row in matrix for v in row if v)
    assert len(saved[-1].axes[0].texts) == 2 * cells
    assert figures.matrix_layout(matrix, names, width).counts


def test_a_digits_matrix_with_counts_fits_beside_the_text() -> None:
    matrix = ten_class_matrix()
    assert figures.matrix_width(matrix, DIGITS) == pytest.approx(ASIDE_WIDTH_IN)
    layout = figures.matrix_layout(matrix, DIGITS, ASIDE_WIDTH_IN)
    assert layout.percent_pt >= 7 and layout.count_pt >= 7
    assert layout.count_pt < layout.percent_pt  # the count in smaller type


def test_the_aside_width_is_the_stylesheets() -> None:
    rule = re.search(r"figure\.figure\.aside \{[^}]*?width: ([\d.]+)%", CSS.read_text())
    assert rule and float(rule[1]) / 100 * MAX_WIDTH_IN == pytest.approx(ASIDE_WIDTH_IN)


def test_empty_cells_have_no_text_and_others_their_percentage_over_their_count(
        saved: list[Figure]) -> None:
    figures.confusion_matrix([[98, 2, 0], [0, 50, 0], [1, 0, 299]], ["a", "b", "c"], TEXTS)
    ax = saved[-1].axes[0]
    cells: dict[tuple[int, int], list[tuple[float, str]]] = {}
    for t in ax.texts:
        x, y = t.get_position()
        cells.setdefault((round(y), round(x)), []).append((y, t.get_text()))
    # y grows downwards: the percentage above, the count under it
    shown = {cell: [text for _, text in sorted(found)] for cell, found in cells.items()}
    assert shown == {(0, 0): ["98", "98"], (0, 1): ["2", "2"], (1, 1): ["100", "50"],
                     (2, 0): ["<1", "1"], (2, 2): [">99", "299"]}
    bold = {t.get_text() for t in ax.texts if t.get_fontweight() == "bold"}
    assert bold == {"98", "100", ">99"}  # the diagonal's percentages


def test_a_large_matrix_has_no_cell_text_a_colour_bar_and_its_most_confused_pairs(
        saved: list[Figure]) -> None:
    n = 49
    names = [f"k{i}" for i in range(n)]
    matrix = [[100 if i == j else 0 for j in range(n)] for i in range(n)]
    for (true, predicted), count in {(3, 7): 9, (10, 2): 7, (20, 21): 5}.items():
        matrix[true][predicted] = count
    for i in range(0, n, 4):  # a tail of single confusions
        matrix[i][(i + 2) % n] += 1
    width = figures.matrix_width(matrix, names)
    assert width == pytest.approx(MAX_WIDTH_IN)
    svg = figures.confusion_matrix(matrix, names, TEXTS, width_in=width)
    fig = saved[-1]
    assert len(fig.axes[0].texts) == 0  # no numbers in the cells
    assert len(fig.axes) == 2  # the matrix and its colour bar
    lines = [t.get_text() for t in fig.texts]
    assert lines[0].replace("\n", " ") == TEXTS.confused
    pairs = list(zip(lines[1::2], lines[2::2], strict=True))
    assert pairs[:3] == [("k3 → k7", "9"), ("k10 → k2", "7"), ("k20 → k21", "5")]
    assert len(pairs) == matrices.TOP_PAIRS
    assert drawn_width_pt(svg) <= MAX_WIDTH_IN * 72 + 0.5
    assert min(printed_sizes(svg, width)) >= 4.99  # 49 tick labels at 5 pt, no smaller
    assert min(t.get_fontsize() for t in fig.texts) >= 7.0  # the list is read: full size


def test_small_multiples_one_panel_per_run_titled_by_run_without_cell_text(
        saved: list[Figure]) -> None:
    runs = [ten_class_matrix() for _ in range(7)]
    titles = [f"SGD, tasa 0,0{i} · semilla 13" for i in range(7)]
    svg = figures.confusion_grid(runs, titles, DIGITS, TEXTS)
    fig = saved[-1]
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title().replace("\n", " ") for ax in panels] == titles
    assert all(len(ax.texts) == 0 for ax in fig.axes)
    assert drawn_width_pt(svg) <= MAX_WIDTH_IN * 72 + 0.5
    assert min(printed_sizes(svg, MAX_WIDTH_IN)) >= 7.0


# ---------------------------------------------------------------- in the report
@pytest.fixture
def models(report_models: dict[str, ReportModel]) -> dict[str, ReportModel]:
    return report_models  # conftest's, built once per test process


def figures_under(section: Section) -> list[ReportFigure]:
    return [b for part in section.walk() for b in part.blocks if isinstance(b, ReportFigure)]


def tables_under(section: Section) -> list[Table]:
    return [b for part in section.walk() for b in part.blocks if isinstance(b, Table)]


def test_the_body_has_one_confusion_matrix_per_study(models: dict[str, ReportModel]) -> None:
    for model in models.values():
        studies = model.section("experiments").subsections
        with_matrix = 0
        for part in studies:
            found = [f for f in figures_under(part) if "confusion" in f.id]
            assert len(found) <= 1, [f.id for f in found]
            with_matrix += len(found)
        body = [f for s in model.sections if not s.id.startswith("appendix")
                for f in figures_under(s) if "confusion" in f.id]
        assert len(body) == with_matrix >= 1  # hidden-units shows one; nothing elsewhere
        matrix = next(f for f in model.figures()
                      if f.id == "fig-study-hidden-units-confusion-normalized")
        assert matrix.aside  # ten digits with their counts fit beside the analysis


@pytest.fixture(scope="module")
def repeated(tmp_path_factory: pytest.TempPathFactory) -> ResultSet:
    from reportgen import manifest
    from reportgen.execution import executor
    from reportgen.plan import expand
    from reportgen.store.store import Store
    from tests.helpers import write_manifest
    from tests.test_repeats_report import REPEATED

    folder = tmp_path_factory.mktemp("repeated")
    spec = manifest.load(write_manifest(folder, REPEATED))
    store = Store(folder / "out")
    executor.execute(spec, expand.expand(spec), store)
    return store.load()


@pytest.mark.parametrize(("lang", "words"), [("es", "(semilla {seed}, la mejor de sus 3)"),
                                             ("en", "(seed {seed}, the best of its 3)")])
def test_with_repeats_the_caption_names_the_seed_shown(repeated: ResultSet, lang: str,
                                                       words: str) -> None:
    from reportgen.analysis.findings import analyse

    best = analyse(repeated).studies[0].best
    model = build(repeated, lang)
    matrix = [f for f in model.figures() if f.id.endswith("-confusion-normalized")]
    assert len(matrix) == 1
    assert words.format(seed=best.seed) in matrix[0].caption, matrix[0].caption


def test_appendix_b_has_one_grid_and_the_other_runs_f1_beside_the_best(
        models: dict[str, ReportModel]) -> None:
    model = models["en"]
    part = next(s for s in model.section("appendix-runs").walk()
                if s.id == "appendix-runs-hidden-units")
    matrices_ = [f for f in figures_under(part) if "confusion" in f.id]
    assert [f.id for f in matrices_] == ["fig-appendix-hidden-units-confusion"]
    assert "hidden=16" not in matrices_[0].svg  # panels titled by the shown label…
    # one table: the best run's precision, recall, F1 and support, then an F1 column per
    # other run under its label (their recall is the diagonal of the grid's matrices)
    tables = tables_under(part)
    assert [t.id for t in tables] == ["study-hidden-units-per-class"]
    best = tables[0]
    groups = [c.group for c in best.columns[1:]]
    assert groups == ["64 hidden units"] * 4 + ["16 hidden units", "256 hidden units"]
    assert [c.label for c in best.columns[1:]] == ["Precision", "Recall", "F1", "Support",
                                                    "F1", "F1"]
    guide = part.blocks[0].text
    assert f"Figure {matrices_[0].number} sets side by side" in guide
    assert f"Table {best.number} gives the precision, recall and F1" in guide
    assert "Beside them it sets the F1 of 2 other runs" in guide
    assert "the recall of each class" in guide


def test_runs_past_the_best_tables_room_get_an_f1_table_of_their_own(
        results: ResultSet) -> None:
    """Eight other runs: five beside the best run's scores, three in a table of F1 only."""
    from reportgen.analysis.findings import analyse
    from reportgen.report import runs_appendix
    from reportgen.report.context import Context
    from reportgen.report.localise import localise

    findings = localise(analyse(results), "en")
    found = next(s for s in findings.studies if s.key == "hidden-units")
    runs = runs_appendix.other_runs(found)
    extra = (runs * 4)[:runs_appendix.BESIDE_THE_BEST + 3]
    part = runs_appendix.study_part(Context(findings, "en"), found, extra)
    tables = [b for b in part.blocks if isinstance(b, Table)]
    assert [len(t.columns) for t in tables] == [5 + runs_appendix.BESIDE_THE_BEST, 1 + 3]
    assert [c.label for c in tables[1].columns[1:]] == ["F1"] * 3
    assert f"Table {tables[1].number} gives the F1 per class of the remaining runs" in \
        part.blocks[0].text


def test_one_class_balance_figure_per_dataset(models: dict[str, ReportModel],
                                              results: ResultSet) -> None:
    for model in models.values():
        datasets = model.section("data").subsections
        assert len(datasets) == len(results.datasets)
        for part in datasets:
            balance = [f for f in figures_under(part) if not f.id.endswith("-samples")]
            assert [f.id for f in balance] == ["fig-dataset-digits-distribution"]


@pytest.mark.parametrize("width", [ASIDE_WIDTH_IN, MAX_WIDTH_IN])
def test_the_class_balance_figure_is_drawn_at_its_printed_width(width: float) -> None:
    texts = figures.DistributionTexts(xlabel="Clase", ylabel="Muestras", splits={
        "train": "entrenamiento", "val": "validación", "test": "prueba"})
    svg = figures.class_distribution({"train": [127, 214], "val": [42, 72], "test": [43, 71]},
                                     ["maligno", "benigno"], texts, normalize=False,
                                     width_in=width)
    assert drawn_width_pt(svg) == pytest.approx(width * 72)
    assert min(printed_sizes(svg, width)) >= 7.0
    assert data_section.FEW_CLASSES >= 2  # a binary dataset's is the narrow one


@pytest.mark.parametrize("lang", ["es", "en"])
def test_consecutive_studies_read_their_matrices_in_different_words(
        models: dict[str, ReportModel], lang: str) -> None:
    """The sentence on how to read a matrix with counts rotates with the study: five matrices
    in one chapter do not repeat one caption sentence (a stamped frame)."""
    from reportgen.report import i18n
    from reportgen.report.results import MATRIX_COUNTS

    readings = [i18n.gettext(lang)(m) for m in MATRIX_COUNTS]
    body = [f for f in models[lang].figures() if f.id.startswith("fig-study-")
            and f.id.endswith("-confusion-normalized")]
    used = [next(r for r in readings if f.caption.endswith(r)) for f in body]
    assert len(used) >= 2
    assert len(set(used)) == len(used), used
