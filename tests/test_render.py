"""render: self-contained HTML, locale formatting, PDF via WeasyPrint, CSV tables."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from report_fixtures import make_results

from reportgen import figures
from reportgen.analysis import results_json
from reportgen.errors import StoreError
from reportgen.report import render, write
from reportgen.report.build import build
from reportgen.report.i18n import templates_dir
from reportgen.report.model import Cell, Column, ReportModel, Section, Table
from reportgen.store.store import ResultSet


@pytest.fixture(scope="module")
def pages(report_models: dict[str, ReportModel]) -> dict[str, str]:
    return {lang: render.html(model) for lang, model in report_models.items()}


def table_html(page: str, table_id: str) -> str:
    match = re.search(rf'<figure class="table[^"]*" id="{table_id}">.*?</figure>', page, re.S)
    assert match, table_id
    return match.group(0)


# ---------------------------------------------------------------- HTML
def test_numbers_follow_the_locale(pages: dict[str, str]) -> None:
    es, en = table_html(pages["es"], "key-results"), table_html(pages["en"], "key-results")
    assert ">0,973<" in es and "0.973" not in es
    assert ">0.973<" in en and "0,973" not in en
    assert "1 de mayo de 2025" in pages["es"] and "May 1, 2025" in pages["en"]
    assert "97,3\xa0%" in pages["es"] and "97.3%" in pages["en"]


def test_captions_and_page_footer_are_translated(pages: dict[str, str]) -> None:
    assert "Tabla 1:" in pages["es"] and "Figura 1:" in pages["es"]
    assert "Table 1:" in pages["en"] and "Figure 1:" in pages["en"]
    assert '"Página " counter(page) " de " counter(pages)' in pages["es"]
    assert '"Page " counter(page) " of " counter(pages)' in pages["en"]
    assert '<html lang="es">' in pages["es"]


def test_page_is_self_contained(pages: dict[str, str]) -> None:
    for page in pages.values():
        assert "http://" not in page and "https://" not in page
        assert "<link" not in page and "<script" not in page and "@import" not in page
        assert "<svg" in page and "tr { break-inside: avoid; }" in page


def test_user_text_is_escaped(pages: dict[str, str]) -> None:
    for page in pages.values():
        assert "&lt;script&gt;alert(" in page


def test_element_ids_are_unique(pages: dict[str, str]) -> None:
    ids = re.findall(r'\bid="([^"]+)"', pages["en"])
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates


def test_contents_link_every_section(pages: dict[str, str]) -> None:
    toc = re.search(r'<nav class="toc".*?</nav>', pages["en"], re.S).group(0)
    for anchor in ("#introduction", "#data", "#methods", "#experiment-hidden-units",
                   "#discussion", "#conclusions", "#appendix"):
        assert f'href="{anchor}"' in toc
        assert f'id="{anchor[1:]}"' in pages["en"]


def test_diverged_run_renders_dashes(pages: dict[str, str]) -> None:
    scores = table_html(pages["es"], "study-optimizers-runs")
    row = re.search(r"<tr[^>]*>\s*<td[^>]*>sgd-lr5</td>.*?</tr>", scores, re.S).group(0)
    assert row.count(">—<") == 7  # the best epoch, 3 accuracies, 3 losses
    for page in pages.values():
        text = re.sub(r"<style>.*?</style>|<svg.*?</svg>|<[^>]+>", " ", page, flags=re.S)
        assert not re.search(r"\b(nan|NaN|inf|Infinity)\b", text)


def test_templates_hold_no_visible_text() -> None:
    """Templates only loop and branch: once tags and Jinja are removed, no words are left."""
    source = (templates_dir() / "report.html.j2").read_text()
    text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)
    text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    assert not re.search(r"[A-Za-zÀ-ÿ]", text), text.split()


@pytest.mark.parametrize(("cell", "es", "en"), [
    (Cell(0.97312, "num"), "0,973", "0.973"),
    (Cell(0.5, "pct"), "50,0\xa0%", "50.0%"),
    (Cell(60000, "int"), "60.000", "60,000"),
    (Cell(0.001, "general"), "0,001", "0.001"),
    (Cell(None, "num"), "—", "—"),
    (Cell(float("nan"), "num"), "—", "—"),
    (Cell("early_stopped", display="parada temprana"), "parada temprana", "parada temprana"),
])
def test_format_cell(cell: Cell, es: str, en: str) -> None:
    assert render.format_cell(cell, "es") == es
    assert render.format_cell(cell, "en") == en


def test_css_content_keeps_the_translation_word_order() -> None:
    out = render.css_content("Seite %(page)s von %(pages)s", {"page": "counter(page)",
                                                              "pages": "counter(pages)"})
    assert out == '"Seite " counter(page) " von " counter(pages)'
    assert render.css_content('a "q" </style>', {}) == '"a \\"q\\" \\3c /style>"'


# ---------------------------------------------------------------- PDF
def test_url_fetcher_only_serves_local_files(tmp_path: Path) -> None:
    inside = tmp_path / "out"
    inside.mkdir()
    (inside / "ok.css").write_text("p {}")
    (tmp_path / "secret.txt").write_text("no")
    fetcher = render.local_fetcher(inside)
    for url in ("http://example.com/x.png", "https://example.com/a.css",
                "ftp://example.com/f", (tmp_path / "secret.txt").as_uri(),
                (inside / ".." / "secret.txt").as_uri(), (inside / "missing.css").as_uri()):
        with pytest.raises(render.UrlRefused):
            fetcher.fetch(url)
    assert fetcher.fetch((inside / "ok.css").as_uri()).read() == b"p {}"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


def test_pdf_writes_a_multi_page_pdf(tmp_path: Path) -> None:
    page = '<p style="break-after: page">one</p><p>two</p>'
    path = render.pdf(page, tmp_path / "out" / "report.pdf", tmp_path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    assert len(render.document(page, tmp_path).pages) == 2


def test_pdf_carries_its_attachments_byte_for_byte(tmp_path: Path) -> None:
    date = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
    files = [render.Attachment("manifest.toml", b'title = "\xc3\xb1"\r\n', "the manifest",
                               date),
             render.Attachment("results.json", b'{"schema": 1}', "the results", date)]
    page = '<html lang="es"><head><title>T</title></head><body><p>one</p></body></html>'
    path = render.pdf(page, tmp_path / "report.pdf", tmp_path, files)
    reader = PdfReader(path)
    assert reader.attachments == {"manifest.toml": [files[0].data],
                                  "results.json": [files[1].data]}
    names = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]  # [name, spec, …]
    specs = {name: spec.get_object() for name, spec in zip(names[::2], names[1::2], strict=True)}
    assert specs["results.json"]["/Desc"] == "the results"
    assert specs["manifest.toml"]["/EF"]["/F"]["/Params"]["/ModDate"] == "D:20250501000000Z"
    # dated as given, not when written: the same inputs give the same PDF
    assert render.pdf(page, tmp_path / "again.pdf", tmp_path, files).read_bytes() == \
        path.read_bytes()


def test_report_pdf_has_pages_and_no_table_overflows(pages: dict[str, str],
                                                     tmp_path: Path) -> None:
    # Spanish: the longer words, so the widest tables
    document = render.document(pages["es"], tmp_path)
    assert len(document.pages) > 1
    assert not _overflowing_tables(document)


def _overflowing_tables(document: Any) -> list[str]:
    """'page N' for every table wider than its page's content box."""
    wider = []
    for number, page in enumerate(document.pages, start=1):
        box = page._page_box
        right = box.content_box_x() + box.width
        for child in _boxes(box):
            if type(child).__name__ == "TableBox" and \
                    child.position_x + child.margin_width() > right + 1:
                wider.append(f"page {number}")
    return wider


def _boxes(box: Any) -> Iterator[Any]:  # WeasyPrint layout boxes
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


# ---------------------------------------------------------------- the whole set
def test_write_reports(results: ResultSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # PDF rendering is tested above; here a stub keeps the test fast
    attached: dict[str, list[render.Attachment]] = {}

    def stub(text: str, path: Path, base: Path,
             attachments: list[render.Attachment]) -> Path:
        attached[path.name] = attachments
        return _touch(path)

    monkeypatch.setattr(render, "pdf", stub)
    results = make_results(tmp_path / "store")
    results_json.write(results)
    written = write.write_reports(results, tmp_path, ["es", "en"], ["html", "pdf"],
                                   parallel=False)  # the stub exists in this process only
    stored = {name: (tmp_path / "store" / name).read_bytes()
              for name in ("manifest.toml", "results.json")}
    for lang, description in (("es", "El manifiesto del que sale este informe"),
                              ("en", "The manifest this report comes from")):
        files = attached[f"report.{lang}.pdf"]
        assert {a.name: a.data for a in files} == stored
        assert files[0].description.startswith(description)
        assert {a.date for a in files} == {dt.datetime(2025, 5, 1, tzinfo=dt.UTC)}
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    assert {"report.es.html", "report.en.html", "report.es.pdf", "report.en.pdf"} <= names
    csvs = sorted((tmp_path / "tables").glob("*.csv"))
    assert len(csvs) == len(build(results, "en").tables())
    with (tmp_path / "tables" / "key-results.csv").open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["study", "runs", "best_run", "val_accuracy", "test_accuracy"]
    assert rows[1][:3] == ["hidden-units", "3", "hidden=64"]
    assert float(rows[1][3]) == pytest.approx(0.97312)  # raw, not "0,973"
    with (tmp_path / "tables" / "study-optimizers-runs.csv").open() as handle:
        diverged = next(r for r in csv.DictReader(handle) if r["run"] == "sgd-lr5")
    assert diverged["stop_reason"] == "diverged" and diverged["best_epoch"] == ""
    assert diverged["val_accuracy"] == ""
    assert (tmp_path / "report.es.html").read_text().startswith("<!DOCTYPE html>")


def test_a_pdf_is_not_written_without_results_json(tmp_path: Path) -> None:
    results = make_results(tmp_path / "store")  # no results.json: `reportgen.api` writes it
    with pytest.raises(StoreError, match=r"results\.json: cannot read it"):
        write.write_reports(results, tmp_path / "store", ["en"], ["pdf"], parallel=False)
    assert not (tmp_path / "store" / "report.en.pdf").exists()


def _touch(path: Path) -> Path:
    path.write_bytes(b"%PDF-stub")
    return path


@pytest.mark.slow
def test_languages_in_processes_write_what_one_process_writes(
        results: ResultSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write, "cpu_count", lambda: 2)  # processes even on a one-CPU runner
    pools: list[list[list[Path]] | None] = []
    started = write.in_processes

    def watched(*args: Any) -> list[list[Path]] | None:
        pools.append(started(*args))
        return pools[-1]

    monkeypatch.setattr(write, "in_processes", watched)
    serial = write.write_reports(results, tmp_path / "a", ["es", "en"], ["html"],
                                 parallel=False)
    assert pools == []
    parallel = write.write_reports(results, tmp_path / "b", ["es", "en"], ["html"])
    # the pool really ran both languages: a silent fallback to one process returns None
    assert len(pools) == 1 and pools[0] is not None and len(pools[0]) == 2
    assert [p.relative_to(tmp_path / "b") for p in parallel] == \
        [p.relative_to(tmp_path / "a") for p in serial]
    for path in serial:
        assert (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes() == \
            path.read_bytes(), path.name


def test_an_error_in_a_worker_is_raised_as_itself(
        results: ResultSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write, "cpu_count", lambda: 2)
    with pytest.raises(ValueError, match="no message catalog for language 'xx'"):
        write.write_reports(results, tmp_path, ["en", "xx"], ["html"])


def test_without_processes_languages_render_one_by_one(
        results: ResultSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(*args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("no sem_open here")

    monkeypatch.setattr(write, "cpu_count", lambda: 2)
    monkeypatch.setattr(write, "ProcessPoolExecutor", unavailable)
    written = write.write_reports(results, tmp_path, ["es", "en"], ["html"])
    assert {"report.es.html", "report.en.html"} <= {p.name for p in written}


# ---------------------------------------------------------------- lighter SVG for the PDF
GLYPH = ('<path id="G-1" d="M 0 0 L 64 0 L 64 128 z" transform="scale(0.015625)"/>')


def test_lighten_svg_draws_each_label_as_one_path() -> None:
    svg = ('<svg><g id="text_1"><g style="fill: #ff0000" transform="translate(10 20) '
           f'scale(0.1 -0.1)"><defs>{GLYPH}</defs><use href="#G-1"/>'
           '<use href="#G-1" transform="translate(2 0.5)"/></g></g>'
           '<g clip-path="url(#c)"><path d="M 0 0"/></g></svg>')
    out = figures.lighten_svg(svg)
    assert "<use" not in out and "<defs" not in out and 'id="text_1"' not in out
    # the same outline twice, the second 2 × 64 and 0.5 × 64 units (1/64) further
    assert ('<path style="fill: #ff0000" transform="translate(10 20) scale(0.1 -0.1) '
            'scale(0.015625)" d="M 0 0 l 64 0 l 0 128 z M 128 32 l 64 0 l 0 128 z"') in out
    assert '<g clip-path="url(#c)">' in out  # groups that draw something stay


def test_lighten_svg_leaves_what_it_does_not_understand() -> None:
    arc = GLYPH.replace("L 64 128", "A 1 1 0 0 0 64 128")
    svg = f'<svg><g transform="scale(0.1)"><defs>{arc}</defs><use href="#G-1"/></g></svg>'
    assert figures.lighten_svg(svg) == svg
    assert figures.lighten_svg("<svg><g>") == "<svg><g>"


def test_report_figures_keep_their_outlines(pages: dict[str, str]) -> None:
    svgs = re.findall(r"<svg\b.*?</svg>", pages["en"], re.S)
    assert svgs and not re.search(r'href="#[^"]*DejaVuSans', pages["en"])  # no glyph <use>
    assert all("scale(0.015625)" in s for s in svgs)  # labels as glyph outlines, not <text>


# ---------------------------------------------------------------- wide tables in the PDF
def _wide_tables() -> tuple[Table, Table]:
    """A K49-like runs table (15 columns, config paths as headers) and a tuning-trials table."""
    runs = [Column("run", "Ejecución")]
    runs += [Column(f"model.hidden.{i}", f"Unidades ocultas (capa {i + 1})", True)
             for i in range(4)]
    runs += [Column("training.optimizer.name", "Optimizador"),
             Column("training.batch_size", "Tamaño de lote", True),
             Column("best_epoch", "Mejor época", True), Column("epochs_run", "Épocas", True),
             Column("stop_reason", "Motivo de parada")]
    runs += [Column(f"{s}_{m}", s, True, m) for m in ("Exactitud", "Pérdida")
             for s in ("Entrenamiento", "Validación")]
    runs += [Column("wall_seconds", "Tiempo de entrenamiento", True)]
    row = (Cell("hidden=1024-512-256-128-lr0.001"), *[Cell(1024, "int")] * 4, Cell("adamw"),
           Cell(256, "int"), Cell(27, "int"), Cell(30, "int"),
           Cell("parada temprana"), *[Cell(0.987654, "num")] * 4, Cell(1234.5, "secs"))
    assert len(runs) == 15
    trials = [Column("number", "Prueba", True), Column("state", "Estado")]
    trials += [Column(f"params.p{i}", f"training.optimizer.param_{i}", True) for i in range(9)]
    trials += [Column("value", "Valor objetivo", True), Column("duration", "Duración", True)]
    trow = (Cell(12, "int"), Cell("completada"), *[Cell(0.000123456, "num")] * 9,
            Cell(0.98765, "num"), Cell(987.6, "secs"))
    return (Table("wide-runs", 1, "Ejecuciones.", tuple(runs), (row,) * 3),
            Table("wide-trials", 2, "Pruebas.", tuple(trials), (trow,) * 3, compact=True))


def test_pdf_shows_every_column_of_wide_tables(results: ResultSet, tmp_path: Path) -> None:
    model = build(results, "es")
    wide = Section("wide", "9", "Tablas anchas", blocks=_wide_tables())
    model = dataclasses.replace(model, sections=(*model.sections, wide))
    document = render.document(render.html(model), tmp_path)
    assert not _overflowing_tables(document)
    path = tmp_path / "r.pdf"
    document.write_pdf(path)
    text = re.sub(r"[\s\u00ad\u2010-]", "", _text_on_the_page(PdfReader(path)))
    missing = [h.label for t in model.tables() for row in t.header_rows() for h in row
               if re.sub(r"[\s\u00ad\u2010-]", "", h.label) not in text]
    assert not missing, f"column headers cut from the PDF: {missing}"


def _text_on_the_page(reader: PdfReader) -> str:
    """The PDF's text, leaving out what lies past a page's edges (a table too wide for it)."""
    kept: list[str] = []
    for page in reader.pages:
        width = float(page.mediabox.width)

        def visit(text: str, cm: list[float], tm: list[float], *_: Any,
                  width: float = width) -> None:
            x = cm[4] + tm[4] * cm[0]
            if 0 <= x <= width:
                kept.append(text)

        page.extract_text(visitor_text=visit)
    return "".join(kept)
