"""examples/notebook.ipynb, executed top to bottom by a real Jupyter kernel (nbclient + ipykernel)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "notebook.ipynb"
pytestmark = pytest.mark.slow  # a Jupyter kernel trains and renders the notebook's report


def outputs_text(cell) -> str:
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output:
            parts.append(output.data.get("text/plain", ""))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notebook")
    shutil.copy(NOTEBOOK, folder)
    notebook = nbformat.read(folder / NOTEBOOK.name, as_version=4)
    # the kernel imports this checkout's reportgen, as the tests do
    env = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env]))
    try:
        nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        if env is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = env
    return folder, notebook


def code_cell(notebook, starts: str):
    return next(c for c in notebook.cells if c.cell_type == "code" and c.source.startswith(starts))


def test_the_notebook_trains_and_writes_every_document(executed):
    folder, notebook = executed
    out = folder / "out" / "digits-lab"
    names = sorted(p.name for p in out.glob("report.*"))
    assert names == [f"report.{lang}.{fmt}" for lang in ("en", "es")
                     for fmt in ("docx", "html", "pdf")]
    run = code_cell(notebook, "report = reportgen.run(")
    text = outputs_text(run)
    assert "4 run(s) → out/digits-lab" in text and "failed 0" in text
    assert "wrote out/digits-lab/report.es.docx" in text


def test_the_report_shows_its_summary_table_and_links(executed):
    folder, notebook = executed
    run = code_cell(notebook, "report = reportgen.run(")
    shown = next(o for o in run.outputs if o.output_type == "execute_result")
    page = shown.data["text/html"]
    summary = (folder / "out" / "digits-lab" / "tables" / "key-results.csv").read_text()
    best_width = summary.splitlines()[1].split(",")[2]
    assert "<table" in page and best_width in page
    assert 'href="out/digits-lab/report.es.docx"' in page


def test_the_runs_dataframe_holds_the_stored_metrics(executed):
    folder, notebook = executed
    table = code_cell(notebook, "report.runs[")
    shown = next(o for o in table.outputs if o.output_type == "execute_result")
    results = json.loads((folder / "out" / "digits-lab" / "results.json").read_text())
    accuracy = results["studies"][0]["runs"][0]["metrics"]["val"]["accuracy"]
    assert f"{accuracy:.6f}" in shown.data["text/html"]


def test_a_mistake_shows_one_line_not_a_traceback(executed):
    _folder, notebook = executed
    cell = code_cell(notebook, 'reportgen.run("digits-lab.toml", out="out/digits-lab", lang="fr")')
    (error,) = [o for o in cell.outputs if o.output_type == "error"]
    assert error.traceback == ["ReportgenError: --lang: unknown value fr (choose from es, en)"]


def test_no_other_cell_failed(executed):
    _folder, notebook = executed
    failed = [c.source[:40] for c in notebook.cells if c.cell_type == "code"
              and any(o.output_type == "error" for o in c.outputs)
              and "raises-exception" not in c.metadata.get("tags", [])]
    assert failed == []
