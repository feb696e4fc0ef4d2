"""`reportgen run` on a tiny manifest, then `reportgen report`, through the CLI: real training,
real HTML and PDF files."""

import re

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from reportgen.cli import app
from tests.helpers import write_manifest

runner = CliRunner()


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    manifest = write_manifest(folder)
    result = runner.invoke(app, ["run", str(manifest), "--out", str(folder / "out")])
    assert result.exit_code == 0, result.output
    return folder / "out"


def test_four_documents_are_written(out):
    for name in ("report.es.html", "report.en.html", "report.es.pdf", "report.en.pdf"):
        assert (out / name).stat().st_size > 1000, name
    assert (out / "results.json").is_file()
    assert list((out / "tables").glob("*.csv"))


@pytest.mark.parametrize("lang", ["es", "en"])
def test_pdf_parses_and_has_pages(out, lang):
    reader = PdfReader(out / f"report.{lang}.pdf")
    assert len(reader.pages) >= 3
    text = "".join(page.extract_text() for page in reader.pages[:3])
    assert "Informe de prueba" in text if lang == "es" else "Test report" in text


def carried(path):
    """The files a PDF carries as attachments, by name (pypdf: name -> list of contents)."""
    return {name: contents[0] for name, contents in PdfReader(path).attachments.items()}


def stored(out):
    return {name: (out / name).read_bytes() for name in ("manifest.toml", "results.json")}


@pytest.mark.parametrize("lang", ["es", "en"])
def test_pdf_carries_the_manifest_and_results_json(out, lang):
    assert carried(out / f"report.{lang}.pdf") == stored(out)


@pytest.mark.parametrize(("lang", "title", "keywords"), [
    ("es", "Informe de prueba", "digits, Ancho"), ("en", "Test report", "digits, Width")])
def test_pdf_metadata(out, lang, title, keywords):
    reader = PdfReader(out / f"report.{lang}.pdf")
    info = reader.metadata
    assert (info.title, info.author, info["/Keywords"]) == (title, "Ana Pérez", keywords)
    assert info["/CreationDate"] == "D:20250501"  # the report's date
    root = reader.trailer["/Root"]
    assert root["/Lang"] == lang
    assert root["/MarkInfo"]["/Marked"]  # tagged: structure for screen readers


@pytest.mark.parametrize("lang", ["es", "en"])
def test_html_is_self_contained(out, lang):
    html = (out / f"report.{lang}.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "http://" not in html and "https://" not in html
    assert "<svg" in html and "<style>" in html


def test_spanish_document_has_spanish_headings_and_numbers(out):
    es = (out / "report.es.html").read_text(encoding="utf-8")
    en = (out / "report.en.html").read_text(encoding="utf-8")
    for heading in ("Resultados", "Conclusiones", "Metodología"):
        assert heading in es and heading not in en
    assert re.search(r"\b0,\d{3}\b", es) and re.search(r"\b0\.\d{3}\b", en)


def test_report_rerenders_without_training(out):
    (out / "report.en.pdf").unlink()
    runs_before = sorted(p.name for p in (out / "runs").iterdir())
    result = runner.invoke(app, ["report", str(out), "--lang", "en", "--format", "pdf"])
    assert result.exit_code == 0, result.output
    assert (out / "report.en.pdf").is_file()
    assert sorted(p.name for p in (out / "runs").iterdir()) == runs_before
    assert carried(out / "report.en.pdf") == stored(out)


def test_second_run_reuses_stored_runs(out):
    manifest = out.parent / "tiny.toml"
    result = runner.invoke(app, ["run", str(manifest), "--out", str(out), "--format", "html"])
    assert result.exit_code == 0
    assert "trained 0, reused 2, failed 0" in result.stdout
