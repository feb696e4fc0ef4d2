"""Page breaks the report's print stylesheet makes, checked on small pages WeasyPrint lays out
with templates/report.css (the whole report's layout is measured in tests/test_render.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

weasyprint = pytest.importorskip("weasyprint")

CSS = Path(__file__).resolve().parents[1] / "templates" / "report.css"
FILLER = "<p>" + "Texto de relleno para ocupar la página. " * 60 + "</p>"


def figure(height_mm: int) -> str:
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="{height_mm}mm">'
           '<rect width="100%" height="100%" fill="#ccc"/></svg>')
    return (f'<figure class="figure" id="f"><div class="svg">{svg}</div>'
            '<figcaption>Figura 1: una figura.</figcaption></figure>')


def table(rows: int, whole: bool = False) -> str:
    body = "".join(f"<tr><td>{k}</td><td class='num'>{k}</td></tr>" for k in range(rows))
    kind = "table whole" if whole else "table"  # whole: a short table never splits
    return (f'<figure class="{kind}"><figcaption>Tabla 1: una tabla.</figcaption>'
            '<div class="scroll"><table><thead><tr><th>a</th><th>b</th></tr></thead>'
            f"<tbody>{body}</tbody></table></div></figure>")


def pages_of(html: str) -> list[str]:
    """The text of each laid-out page."""
    document = weasyprint.HTML(string=f"<html><body><main class='report'>{html}</main>"
                                      "</body></html>").render(
        stylesheets=[weasyprint.CSS(filename=str(CSS))])
    out = []
    for page in document.pages:
        texts: list[str] = []
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            if getattr(box, "text", None):
                texts.append(box.text)
            stack.extend(reversed(getattr(box, "children", [])))
        out.append(" ".join(texts))
    return out


def test_a_figure_that_fits_stays_on_its_page_when_the_table_after_it_does_not() -> None:
    # the figure fits under the filler; the unsplittable table after it does not. A figure's
    # caption is its last child: break-after on it would glue the figure to the table and
    # carry both over, leaving a hole
    pages = pages_of(FILLER + figure(60) + table(30, whole=True))
    first = next(k for k, text in enumerate(pages) if "Figura 1" in text)
    assert "Texto de relleno" in pages[first]
    assert "Tabla 1" not in pages[first]


def test_a_table_caption_stays_with_its_table() -> None:
    pages = pages_of(FILLER + FILLER.replace("<p>", "<p>Más. ") + table(30))
    page = next(k for k, text in enumerate(pages) if "Tabla 1" in text)
    assert "una tabla. a b 0 0" in " ".join(pages[page].split())


def test_an_aside_after_a_pair_of_figures_moves_whole_to_the_next_page() -> None:
    """The report template puts a pair of half-width figures in a row of its own: a float
    (the aside) right after them would share their line box, and WeasyPrint would then draw
    it across the foot of the page."""
    import datetime as dt

    from reportgen.report import render
    from reportgen.report.model import Figure, Meta, ReportModel, Section

    def svg(height_mm: int) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="80mm" height="{height_mm}mm">'
                '<rect width="100%" height="100%" fill="#ccc"/></svg>')

    blocks = (Figure("a", 1, "Una.", svg(60), half=True),
              Figure("b", 2, "Otra.", svg(60), half=True),
              Figure("c", 3, "La de al lado.", svg(80), aside=True))
    meta = Meta(title="t", subtitle=None, authors=(), course=None, institution=None,
                date=dt.date(2026, 1, 1))
    page = render.html(ReportModel("es", meta, (), (Section("s", "1", "t", blocks),)))
    body = page[page.index('<section id="s"'):page.index("</section>", page.index(
        '<section id="s"')) + len("</section>")]
    assert body.count('class="figure-row"') == 1
    for words in range(160, 300, 40):  # the aside starting ever nearer the foot of page 1
        html = "<p>" + "palabra " * words + "</p>" + body + "<p>" + "Texto. " * 300 + "</p>"
        document = weasyprint.HTML(string=f"<html><body><main class='report'>{html}</main>"
                                          "</body></html>").render(
            stylesheets=[weasyprint.CSS(filename=str(CSS))])
        placed = []
        for number, page in enumerate(document.pages):
            box = page._page_box
            foot = box.margin_height() - box.margin_bottom - box.padding_bottom
            stack = [box]
            while stack:
                item = stack.pop()
                if getattr(item, "element_tag", None) == "figure" and \
                        item.element.get("id") == "c":
                    placed.append(number)
                    bottom = item.position_y + item.margin_top + item.border_height()
                    assert bottom <= foot + 1, (words, number)
                stack.extend(getattr(item, "children", []))
        assert len(placed) == 1, (words, placed)  # whole, on one page


def test_four_half_figures_in_a_row_make_two_lines_of_two() -> None:
    """Only the second of each pair has a gap before it: with a gap before every half after
    the first, the third and fourth each took a line of their own."""
    import datetime as dt

    from reportgen.report import render
    from reportgen.report.model import Figure, Meta, ReportModel, Section

    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="70mm" height="30mm">'
           '<rect width="100%" height="100%" fill="#ccc"/></svg>')
    blocks = tuple(Figure(f"f{k}", k, f"Figura {k}.", svg, half=True) for k in range(1, 5))
    meta = Meta(title="t", subtitle=None, authors=(), course=None, institution=None,
                date=dt.date(2026, 1, 1))
    page = render.html(ReportModel("es", meta, (), (Section("s", "1", "t", blocks),)))
    start = page.index('<section id="s"')
    body = page[start:page.index("</section>", start) + len("</section>")]
    document = weasyprint.HTML(string=f"<html><body><main class='report'>{body}</main>"
                                      "</body></html>").render(
        stylesheets=[weasyprint.CSS(filename=str(CSS))])
    tops = {}
    stack = [document.pages[0]._page_box]
    while stack:
        item = stack.pop()
        if getattr(item, "element_tag", None) == "figure":
            tops[item.element.get("id")] = round(item.position_y)
        stack.extend(getattr(item, "children", []))
    assert len(document.pages) == 1 and len(tops) == 4
    assert tops["f1"] == tops["f2"] < tops["f3"] == tops["f4"], tops
