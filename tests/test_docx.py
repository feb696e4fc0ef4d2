"""--format docx: the report as an editable Word document, read back with python-docx and
converted with LibreOffice (skipped where `soffice` is not installed; .ci/run installs it)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from report_fixtures import MANIFEST, make_store

from reportgen.report.build import build
from reportgen.report.docx import FIGURE_DPI, write_docx
from reportgen.report.docx_prose import write_prose
from reportgen.report.model import ReportModel
from reportgen.report.render import format_cell
from reportgen.report.text import markdown
from reportgen.store.store import Store

SVG_LOGO = """<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" viewBox="0 0 120 60">
<rect width="120" height="60" fill="#1f6f8b"/><circle cx="30" cy="30" r="20" fill="#f2c14e"/></svg>
"""
COVER = """\
student_ids = ["1202590", ""]
faculty = { es = "Facultad de Ingeniería", en = "Faculty of Engineering" }
city = "Bogotá D.C."
logo = "logo.svg"
"""


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, tuple[ReportModel, Path]]:
    root = tmp_path_factory.mktemp("docx-store")
    make_store(root)
    text = MANIFEST.replace('date = 2025-05-01\n', 'date = 2025-05-01\n' + COVER, 1)
    (root / "manifest.toml").write_text(text, encoding="utf-8")
    (root / "logo.svg").write_text(SVG_LOGO, encoding="utf-8")
    results = Store(root).load()
    out = {}
    for lang in ("es", "en"):
        model = build(results, lang)
        out[lang] = (model, write_docx(model, root / f"report.{lang}.docx"))
    return out


def styled(document, prefix: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name.startswith(prefix)]


def instructions(element) -> list[str]:
    return [t.text.strip() for t in element.iter(qn("w:instrText"))]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_headings_use_word_heading_styles(documents, lang):
    model, path = documents[lang]
    document = docx.Document(path)
    summary = {"es": "Resumen", "en": "Summary"}[lang]
    assert styled(document, "Heading 1") == [summary] + [
        f"{s.number} {s.title}".strip() for s in model.sections]
    assert styled(document, "Heading 2") == [f"{sub.number} {sub.title}" for s in model.sections
                                             for sub in s.subsections]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_table_of_contents_is_a_toc_field_listing_the_sections(documents, lang):
    model, path = documents[lang]
    document = docx.Document(path)
    assert any(i.startswith('TOC \\o "1-2"') for i in instructions(document.element.body))
    entries = styled(document, "toc ")
    assert entries[0] == f"{model.sections[0].number} {model.sections[0].title}"
    assert len(entries) == sum(1 + len(s.subsections) for s in model.sections)
    settings = document.settings.element
    assert settings.find(qn("w:updateFields")).get(qn("w:val")) == "true"


@pytest.mark.parametrize("lang, table, figure", [("es", "Tabla", "Figura"),
                                                  ("en", "Table", "Figure")])
def test_captions_are_numbered_seq_fields(documents, lang, table, figure):
    model, path = documents[lang]
    document = docx.Document(path)
    captions = [p for p in document.paragraphs if p.style.name == "Caption"]
    assert len(captions) == len(model.tables()) + len(model.figures())
    for label, blocks in ((table, model.tables()), (figure, model.figures())):
        mine = [p for p in captions if p.text.startswith(label + " ")]
        assert [instructions(p._p) for p in mine] == [[f"SEQ {label} \\* ARABIC"]] * len(blocks)
        assert [p.text for p in mine] == [f"{label} {b.number}: {b.caption}" for b in blocks]


def test_tables_have_a_style_repeated_headers_and_locale_numbers(documents):
    model, path = documents["es"]
    document = docx.Document(path)
    assert len(document.tables) == len(model.tables())
    for word, table in zip(document.tables, model.tables(), strict=True):
        assert word.style.name == "Light Shading"
        heads = len(table.header_rows())
        repeated = [row._tr.trPr is not None and row._tr.trPr.find(qn("w:tblHeader")) is not None
                    for row in word.rows]
        assert repeated == [True] * heads + [False] * (len(word.rows) - heads)
        body = table.rows[:table.shown_rows]
        first = [c.text for c in word.rows[heads].cells]
        assert first == [format_cell(cell, "es") for cell in body[0]]
    key = document.tables[0]  # the summary table: Spanish decimals
    assert re.fullmatch(r"0,\d{3}", key.rows[1].cells[3].text)


def test_figures_are_high_resolution_pngs(documents):
    model, path = documents["en"]
    document = docx.Document(path)
    shapes = list(document.inline_shapes)
    assert len(shapes) == len(model.figures()) + 1  # and the cover's logo
    for shape, figure in zip(shapes[1:], model.figures(), strict=True):
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        image = document.part.related_parts[blip.embed].image
        assert image.content_type == "image/png"
        inches = shape.width / 914400
        assert image.px_width / inches >= FIGURE_DPI * 0.95  # not stretched when placed
        assert shape._inline.docPr.get("descr") == figure.caption


@pytest.mark.parametrize("lang, page", [("es", "Página"), ("en", "Page")])
def test_footer_numbers_pages_with_fields_but_not_the_cover(documents, lang, page):
    _model, path = documents[lang]
    section = docx.Document(path).sections[0]
    assert section.different_first_page_header_footer
    footer = section.footer.paragraphs[0]
    assert instructions(footer._p) == ["PAGE", "NUMPAGES"]
    assert footer.text.startswith(page)


@pytest.mark.parametrize("lang, faculty, date, language", [
    ("es", "Facultad de Ingeniería", "1 de mayo de 2025", "es-ES"),
    ("en", "Faculty of Engineering", "May 1, 2025", "en-US")])
def test_cover_and_language(documents, lang, faculty, date, language):
    model, path = documents[lang]
    document = docx.Document(path)
    texts = [p.text for p in document.paragraphs]
    cover = texts[:texts.index(next(t for t in texts if t in ("Resumen", "Summary")))]
    assert model.meta.title in cover and "Universidad Nacional" in cover
    assert faculty in cover and "Bogotá D.C." in cover and date in cover
    assert "Ana Pérez   1202590" in cover and "Luis Gómez" in cover
    logo = document.inline_shapes[0]
    blip = logo._inline.graphic.graphicData.pic.blipFill.blip
    assert document.part.related_parts[blip.embed].image.content_type == "image/png"  # from SVG
    assert document.core_properties.language == language
    defaults = document.styles.element.find(qn("w:docDefaults"))
    assert defaults.find(f".//{qn('w:lang')}").get(qn("w:val")) == language


def test_markdown_prose_keeps_its_formatting():
    document = docx.Document()
    html = markdown("Some **bold**, *italic* and `code`, a [link](https://example.org).\n\n"
                    "- one\n- two\n\n1. first\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    write_prose(document, html, "Liberation Mono", "Light Shading")
    first = document.paragraphs[0]
    runs = {r.text: r for r in first.runs}
    assert runs["bold"].bold and runs["italic"].italic
    assert runs["code"].font.name == "Liberation Mono"
    links = first._p.findall(qn("w:hyperlink"))
    assert len(links) == 1
    assert first.part.rels[links[0].get(qn("r:id"))].target_ref == "https://example.org"
    assert first.text == "Some bold, italic and code, a link."
    assert [(p.style.name, p.text) for p in document.paragraphs[1:4]] == [
        ("List Bullet", "one"), ("List Bullet", "two"), ("List Number", "first")]
    assert [[c.text for c in row.cells] for row in document.tables[0].rows] == [["a", "b"],
                                                                               ["1", "2"]]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_converts_it_with_every_figure(documents, tmp_path):
    from pypdf import PdfReader

    model, path = documents["es"]
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=180)
    reader = PdfReader(tmp_path / "report.es.pdf")
    # cover, summary and contents, then the body: a figure needs a good part of a page
    assert 2 + len(model.figures()) // 3 <= len(reader.pages) <= 40
    # LibreOffice shares one resource dictionary between pages and stores identical pictures
    # once: count where pictures are drawn (`/Name Do` of an image XObject), page by page
    drawn = []
    for page in reader.pages:
        xobjects = page["/Resources"]["/XObject"]
        for name in re.findall(rb"/(\w+)\s+Do\b", page.get_contents().get_data()):
            xobject = xobjects["/" + name.decode()].get_object()
            if xobject["/Subtype"] == "/Image":
                drawn.append((xobject["/Width"], xobject["/Height"]))
    assert len(drawn) == len(model.figures()) + 1  # and the logo
    # every figure keeps the pixels it was rasterised with (FIGURE_DPI at its natural width): a
    # half-width figure is narrower, never downsampled
    widths = sorted(width for width, _height in drawn)
    for figure in model.figures():
        points = float(re.search(r'<svg[^>]*\bwidth="([\d.]+)pt"', figure.svg)[1])
        expected = points / 72 * FIGURE_DPI
        assert any(abs(width - expected) <= 2 for width in widths), (figure.id, expected, widths)
    assert max(widths) >= 1000
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Página 2 de" in text and "1202590" in text
