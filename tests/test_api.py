"""The Python API (reportgen.run / load / render) and its sharing of the CLI's code path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import reportgen
from reportgen import api
from reportgen.cli import app
from tests.helpers import TINY, write_manifest


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> tuple[Path, reportgen.Report]:
    folder = tmp_path_factory.mktemp("api")
    manifest = write_manifest(folder)
    report = reportgen.run(manifest, folder / "out", lang="en", format="html,docx", quiet=True)
    return folder / "out", report


def test_run_returns_the_documents_and_every_run(ran):
    out, report = ran
    assert report.documents == [out / "report.en.docx", out / "report.en.html"]
    assert report.document("en", "docx") == out / "report.en.docx"
    assert set(report.studies) == {"width"}
    runs = report.runs
    assert len(runs) == 2 and list(runs["study"]) == ["width", "width"]
    assert [json.dumps(v) for v in runs["model.hidden"]] == ["[8]", "[16]"]
    assert list(runs["training.epochs"]) == [3, 3]
    # the DataFrame holds the stored numbers, the ones results.json has
    stored = json.loads((out / "results.json").read_text())["studies"][0]["runs"]
    assert list(runs["val.accuracy"]) == [r["metrics"]["val"]["accuracy"] for r in stored]
    assert list(runs["run_id"]) == [r["run_id"] for r in stored]
    assert report.ok and report.failed == {}


def test_summary_is_the_reports_key_results_table(ran):
    _out, report = ran
    summary = report.summary
    assert list(summary.columns) == ["study", "runs", "best_run", "val_accuracy",
                                     "test_accuracy"]
    best = report.runs.loc[report.runs["val.accuracy"].idxmax()]
    assert summary.loc[0, "best_run"] == best["label"]
    assert summary.loc[0, "val_accuracy"] == pytest.approx(best["val.accuracy"])


def test_repr_html_shows_the_summary_and_links(ran):
    _out, report = ran
    page = report._repr_html_()
    assert "<table" in page and "best_run" in page and "Informe de prueba" in page
    assert 'href="' in page and "report.en.html</a>" in page and "report.en.docx</a>" in page
    assert "2 runs" in repr(report)


def test_load_reads_the_same_report_back(ran):
    out, report = ran
    again = reportgen.load(out)
    assert again.runs.equals(report.runs)
    assert again.documents == report.documents


def test_study_rows_and_unknown_study(ran):
    _out, report = ran
    assert len(report.study("width")) == 2
    with pytest.raises(reportgen.ReportgenError, match="unknown study 'nope'"):
        report.study("nope")


def test_missing_document_names_how_to_render_it(ran):
    _out, report = ran
    with pytest.raises(reportgen.ReportgenError, match=r"report\.es\.pdf: not rendered"):
        report.document("es", "pdf")


def test_rerun_reuses_stored_runs(ran, capsys):
    out, report = ran
    again = reportgen.run(out.parent / "tiny.toml", out, lang="en", format="html")
    assert "trained 0, reused 2, failed 0" in capsys.readouterr().out
    assert again.runs.equals(report.runs)


@pytest.mark.parametrize("options, cli_args", [
    ({"lang": "fr"}, ["--lang", "fr"]),
    ({"format": ["html", "odt"]}, ["--format", "html,odt"]),
    ({"device": "tpu"}, ["--device", "tpu"]),
    ({"sample": 2}, ["--sample", "2"]),
    ({"check": True, "fresh": True}, ["--check", "--fresh"]),
])
def test_bad_options_raise_the_clis_one_line(tmp_path, options, cli_args):
    manifest = write_manifest(tmp_path)
    with pytest.raises(reportgen.ReportgenError) as caught:
        reportgen.run(manifest, tmp_path / "out", **options)
    result = CliRunner().invoke(app, ["run", str(manifest), "--out", str(tmp_path / "out"),
                                      *cli_args])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {caught.value}"
    assert not (tmp_path / "out").exists()  # nothing trained


def test_bad_manifest_error_renders_as_one_line_in_jupyter(tmp_path):
    manifest = write_manifest(tmp_path, TINY.replace("epochs = 3", "epochs = -1"))
    with pytest.raises(reportgen.ReportgenError) as caught:
        reportgen.run(manifest)
    lines = caught.value._render_traceback_()
    assert len(lines) == 1
    assert lines[0].startswith("ManifestError: ") and "trainings.quick.epochs" in lines[0]


def test_load_of_a_folder_without_results(tmp_path):
    with pytest.raises(reportgen.ReportgenError, match="not a reportgen output folder"):
        reportgen.load(tmp_path)


def test_progress_bars_in_jupyter_only_with_widgets(monkeypatch):
    jupyter = Console(force_jupyter=True, force_terminal=False)
    monkeypatch.setattr(api, "_has_widgets", lambda: True)
    assert api.use_bars(jupyter)
    monkeypatch.setattr(api, "_has_widgets", lambda: False)
    assert not api.use_bars(jupyter)
    assert api.use_bars(Console(force_terminal=True))
    assert not api.use_bars(Console(force_terminal=False, force_jupyter=False))
