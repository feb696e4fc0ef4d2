"""The PDF's page layout: tables split with at least three rows on each side and their header
repeated, short tables kept whole, and the page-fill measure of benchmarks/page_fill.py."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_fixtures import make_results

from benchmarks.page_fill import (
    PageFill,
    PageHole,
    holes,
    large_holes,
    page_fills,
    page_holes,
    short_splits,
    table_parts,
)
from reportgen import figures
from reportgen.report import render
from reportgen.report.build import build
from reportgen.report.i18n import DASH
from reportgen.report.model import (
    Cell,
    Column,
    Figure,
    Meta,
    Paragraph,
    ReportModel,
    Section,
    Table,
)

FILLER = ("Un párrafo de relleno que empuja la tabla hacia abajo en la página, para que el "
          "salto de página caiga en cada posición posible de sus filas. ")


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _boxes(child)


def _table(n_rows: int, foot: int = 0) -> Table:
    columns = (Column("run", "Ejecución"), Column("acc", "Exactitud", True))
    rows = tuple((Cell(f"fila {i + 1}"), Cell(0.9, "num")) for i in range(n_rows))
    feet = tuple((Cell(f"total {i + 1}"), Cell(0.9, "num")) for i in range(foot))
    return Table("t", 1, "Una tabla.", columns, rows, foot=feet)


def _model(blocks: tuple[Any, ...]) -> ReportModel:
    meta = Meta("Informe", None, ("Ana",), None, None, dt.date(2025, 5, 1))
    return ReportModel("es", meta, (), (Section("s", "1", "Sección", blocks),))


def rows_per_page(document: Any) -> list[tuple[int, int, int]]:
    """For each page the table `t` is on: (body and foot rows, header rows, page number)."""
    return [(rows, head, number) for number, rows, head in table_parts(document)["t"]]


def _layouts(n_rows: int, foot: int, tmp_path: Path) -> Iterator[Any]:
    # filler from a few lines to most of a page: the break falls on every row in turn
    for lines in range(0, 60, 3):
        text = FILLER * max(1, lines)
        model = _model((Paragraph(text), _table(n_rows, foot)))
        yield render.document(render.html(model), tmp_path)


@pytest.mark.parametrize(("n_rows", "foot"), [(40, 0), (30, 2)])
def test_a_split_table_leaves_three_rows_on_each_page_and_repeats_its_header(
        n_rows: int, foot: int, tmp_path: Path) -> None:
    split = 0
    for document in _layouts(n_rows, foot, tmp_path):
        parts = rows_per_page(document)
        assert not short_splits(document)
        assert sum(p[0] for p in parts) == n_rows + foot
        if len(parts) > 1:
            split += 1
            assert min(p[0] for p in parts) >= 3, parts
            assert all(p[1] >= 1 for p in parts), f"header not repeated: {parts}"
    assert split, "no layout split the table: the test checked nothing"


def test_a_short_table_is_never_split(tmp_path: Path) -> None:
    for document in _layouts(10, 0, tmp_path):
        assert len(rows_per_page(document)) == 1


# ---------------------------------------------------------------- page fill
def _page(html_body: str, tmp_path: Path) -> Any:
    css = "<style>@page { size: A4; margin: 20mm } body { margin: 0 }</style>"
    return render.document(f"<html><body>{css}{html_body}</body></html>", tmp_path)


def test_page_fill_measures_how_far_down_content_reaches(tmp_path: Path) -> None:
    # A4 content height: 297 - 40 = 257 mm
    half = '<div style="height: 128.5mm; border: 0 solid; background: #000"></div>'
    fills = page_fills(_page(half + '<h2 style="break-before: page">Capítulo</h2>'
                             '<div style="height: 200mm; background: #000"></div>', tmp_path))
    assert [f.number for f in fills] == [1, 2]
    assert fills[0].fill == pytest.approx(0.5, abs=0.01)
    assert fills[1].fill == pytest.approx((200 + 12) / 257, abs=0.06)
    assert (fills[0].starts_chapter, fills[1].starts_chapter) == (False, True)


def test_a_hole_in_the_middle_of_a_full_page_is_measured(tmp_path: Path) -> None:
    # 30 mm of content, 100 mm of nothing, content down to the bottom margin (257 mm in all)
    block = '<div style="height: {}mm; background: #000"></div>'
    document = _page(block.format(30) + '<div style="height: 100mm"></div>'
                     + block.format(127) + '<h2 style="break-before: page">Capítulo</h2>'
                     + block.format(20), tmp_path)
    found = page_holes(document)
    assert page_fills(document)[0].fill > 0.99  # the old measure calls it full
    assert found[0].hole == pytest.approx(100 / 257, abs=0.01)
    assert found[0].top == pytest.approx(30 / 257, abs=0.01)
    assert found[1].hole > 0.8 and found[1].starts_chapter  # a short last page: its foot
    holed = [PageHole(1, 0.3, 0.1, False), PageHole(2, 0.1, 0.9, False),
             PageHole(3, 0.5, 0.5, False), PageHole(4, 0.1, 0.0, True), PageHole(5, 0.9, 0, False)]
    assert [h.number for h in large_holes(holed)] == [1]


def test_holes_spare_pages_before_a_chapter_and_the_last_page() -> None:
    fills = [PageFill(1, 0.3, False), PageFill(2, 0.3, False), PageFill(3, 0.9, True),
             PageFill(4, 0.2, False)]
    assert [f.number for f in holes(fills)] == [1]


# ---------------------------------------------------------------- legends
@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ReportModel]:
    results = make_results(tmp_path_factory.mktemp("store"))
    return {lang: build(results, lang) for lang in ("es", "en")}


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_dash_legend_is_printed_only_under_tables_that_show_a_dash(
        models: dict[str, ReportModel], lang: str) -> None:
    dash = {"es": "«—»", "en": "“—”"}[lang]
    checked = 0
    for table in models[lang].tables():
        if not table.id.startswith("study-"):
            continue
        shown = any(render.format_cell(c, lang) == DASH for row in table.rows for c in row)
        assert (dash in (table.note or "")) == shown, (table.id, table.note)
        checked += shown
    assert checked, "no table with a dash: the test checked only one side"


def test_a_runs_table_without_dashes_has_no_dash_legend(models: dict[str, ReportModel]) -> None:
    table = next(t for t in models["en"].tables() if t.id == "study-hidden-units-runs")
    assert table.note == "The best run is in bold."


# ---------------------------------------------------------------- parallel coordinates
def _luminance(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("minimise", [False, True])
def test_parallel_coordinates_draw_the_best_trial_dark_and_thick_above_pale_lines(
        minimise: bool) -> None:
    axes = [figures.ParallelAxis("a", 0, 1), figures.ParallelAxis("b", 0, 1)]
    rows = [[0.1, 0.2], [0.5, 0.6], [0.9, 0.3], [0.3, 0.8]]
    values = [0.2, 0.6, 0.3, 0.9]
    best = values.index(min(values) if minimise else max(values))
    svg = figures.parallel_coordinates(axes, rows, values, figures.ParallelTexts("obj"),
                                       highlight=best, minimise=minimise)
    lines = [(colour, float(width), svg.index(match)) for match, colour, width in re.findall(
        r"(stroke: (#[0-9a-f]{6}); stroke-width: ([0-9.]+))", svg)]
    trials = [line for line in lines if line[1] == 0.9]
    best_line = [line for line in lines if line[0] == figures.tuning.BEST_COLOUR]
    assert len(trials) == len(rows) - 1 and best_line
    assert best_line[0][1] > 2 * trials[0][1]
    assert _luminance(best_line[0][0]) < 0.5 * min(_luminance(c) for c, _, _ in trials)
    assert best_line[0][2] > max(at for _, _, at in trials)  # drawn after (above) them


def test_parallel_coordinates_tick_labels_sit_on_opaque_boxes() -> None:
    axes = [figures.ParallelAxis("a", 0, 1), figures.ParallelAxis("b", categories=("x", "y"))]
    svg = figures.parallel_coordinates(axes, [[0.1, 0.0], [0.9, 1.0]], [0.1, 0.9],
                                       figures.ParallelTexts("obj"), highlight=1)
    ticks = sum(len(axis.ticks()) for axis in axes)
    boxes = re.findall(r'<path d="[^"]*" style="fill: #ffffff; stroke: #d0d0d0', svg)
    assert len(boxes) == ticks
    assert "fill-opacity" not in svg.split("#d0d0d0")[1][:40]


# ---------------------------------------------------------------- half-width figures
def test_a_run_of_half_width_figures_breaks_between_rows(tmp_path: Path) -> None:
    """Three half-width figures (two rows) after a paragraph: whenever one row fits under the
    paragraph, it stays there instead of the whole run jumping to the next page."""
    svg = ('<svg width="240" height="200" viewBox="0 0 240 200">'
           '<rect width="240" height="200"/></svg>')
    halves = tuple(Figure(f"f{i}", i, "Una figura.", svg, half=True) for i in range(3))
    split = 0
    for repeats in range(2, 26, 3):
        model = _model((Paragraph(FILLER * repeats), *halves))
        document = render.document(render.html(model), tmp_path)
        where = {}
        for number, page in enumerate(document.pages):
            for box in _boxes(page._page_box):
                if getattr(box, "element_tag", None) == "figure":
                    where.setdefault(box.element.get("id"), (number, box))
        text_pages = [n for n, page in enumerate(document.pages)
                      if any(getattr(b, "element_tag", None) == "p"
                             for b in _boxes(page._page_box))]
        last_text = text_pages[-1]
        page_box = document.pages[last_text]._page_box
        fill = page_fills(document)[last_text].fill
        room = (1 - fill) * page_box.height
        first, box = where["f0"]
        if first != last_text:
            assert room < box.margin_height(), (repeats, room, box.margin_height())
        elif where["f2"][0] != first:
            split += 1
    assert split, "no layout broke the run of figures: the test checked nothing"


# ---------------------------------------------------------------- table headers
HEADERS = ("Ejecuciones", "Semilla", "Épocas", "Dispositivo", "Optimizador", "Tiempo",
           "Ensayos", "Podados", "Exactitud de validación", "training.optimizer.lr")


def test_table_headers_are_never_hyphenated() -> None:
    css = (Path(render.__file__).parents[2] / "templates" / "report.css").read_text()
    print_rules = css[css.index("@media print"):]
    assert re.search(r"thead th[^{]*\{[^}]*hyphens:\s*manual", print_rules)
    assert not re.search(r"thead th[^{]*\{[^}]*hyphens:\s*auto", print_rules)


def test_a_narrow_table_wraps_its_headers_at_spaces_not_inside_words(tmp_path: Path) -> None:
    columns = tuple(Column(f"c{i}", label, True) for i, label in enumerate(HEADERS))
    columns += tuple(Column(f"x{i}", "Pérdida", True) for i in range(10))
    rows = tuple(tuple(Cell(0.123456, "num") for _ in columns) for _ in range(3))
    model = _model((Table("t", 1, "Una tabla estrecha.", columns, rows),))
    document = render.document(render.html(model), tmp_path)
    words = {w for label in (*HEADERS, "Pérdida") for w in label.split()}
    words |= {"training.", "optimizer.", "lr", "training.optimizer.", "optimizer.lr"}
    pieces = []
    for page in document.pages:
        for box in _boxes(page._page_box):
            if getattr(box, "element_tag", None) == "th":
                texts = (b.text.replace("\u200b", "").strip() for b in _boxes(box)
                         if type(b).__name__ == "TextBox")
                pieces += [text for text in texts if text]
    assert pieces, "no header text laid out: the test checked nothing"
    assert all("\u2010" not in p and not p.endswith("-") for p in pieces), pieces
    for piece in pieces:
        assert set(piece.split()) <= words, piece
