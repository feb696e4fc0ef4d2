"""A damaged output folder: `run` names each damaged run in one line, moves it aside (never
deletes it) and trains it again; `report` names what is missing and exits 2; no traceback."""

import json
import shutil

import pytest
from helpers import write_manifest
from typer.testing import CliRunner

from reportgen.cli import app

runner = CliRunner()
FAST = ["--format", "html", "--lang", "en"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    root = tmp_path_factory.mktemp("done")
    manifest = write_manifest(root)
    result = runner.invoke(app, ["run", str(manifest), "--out", str(root / "out"), *FAST])
    assert result.exit_code == 0, result.output
    return manifest, root / "out"


@pytest.fixture
def out(finished, tmp_path):
    manifest, done = finished
    copy = tmp_path / "out"
    shutil.copytree(done, copy)
    return manifest, copy


def a_run(out):
    return sorted(p for p in (out / "runs").iterdir() if not p.name.startswith("."))[0]


def truncate(path):
    path.write_text(path.read_text()[:40])


def metrics_string(folder):
    data = json.loads((folder / "record.json").read_text())
    data["metrics"] = "oops"
    (folder / "record.json").write_text(json.dumps(data))


def history_text(folder):
    path = folder / "history.csv"
    lines = path.read_text().splitlines()
    lines[1] = ",".join(["nan?"] * len(lines[1].split(",")))
    path.write_text("\n".join(lines) + "\n")


DAMAGE = {
    "truncated record.json": lambda f: truncate(f / "record.json"),
    "metrics a string": metrics_string,
    "non-numbers in history.csv": history_text,
    "deleted history.csv": lambda f: (f / "history.csv").unlink(),
    "deleted run folder": shutil.rmtree,
}


@pytest.mark.parametrize("kind", DAMAGE)
def test_report_names_the_damaged_run_and_exits_2(out, kind):
    _, folder = out
    run = a_run(folder)
    DAMAGE[kind](run)
    result = runner.invoke(app, ["report", str(folder), *FAST])
    assert result.exit_code == 2, result.output
    assert ("Traceback" not in result.output and result.exception is None) or \
        isinstance(result.exception, SystemExit)
    assert "missing or damaged" in result.output and "width/hidden=" in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("kind", DAMAGE)
def test_run_sets_the_damaged_run_aside_and_retrains_it(out, kind):
    manifest, folder = out
    run = a_run(folder)
    DAMAGE[kind](run)
    result = runner.invoke(app, ["run", str(manifest), "--out", str(folder), *FAST])
    assert result.exit_code == 0, result.output
    assert "trained 1, reused 1" in result.output
    if kind != "deleted run folder":
        assert f"damaged run {run.name}" in result.output
        kept = list((folder / "damaged").glob(f"{run.name}-*"))
        assert len(kept) == 1  # moved aside, not deleted
    assert (run / "record.json").is_file()
    assert runner.invoke(app, ["report", str(folder), *FAST]).exit_code == 0


def test_a_truncated_index_is_rebuilt(out):
    manifest, folder = out
    truncate(folder / "index.json")
    result = runner.invoke(app, ["report", str(folder), *FAST])
    assert result.exit_code == 2 and "index.json: unreadable" in result.output
    result = runner.invoke(app, ["run", str(manifest), "--out", str(folder), *FAST])
    assert result.exit_code == 0, result.output
    assert "rebuilding it from the run folders" in result.output
    assert "trained 0, reused 2" in result.output
    assert list((folder / "damaged").glob("index.json-*"))
    assert runner.invoke(app, ["report", str(folder), *FAST]).exit_code == 0


def test_a_truncated_index_keeps_studies_not_rerun(tmp_path):
    from helpers import TWO_STUDIES

    manifest = write_manifest(tmp_path, TWO_STUDIES)
    folder = tmp_path / "out"
    assert runner.invoke(app, ["run", str(manifest), "--out", str(folder), *FAST]).exit_code == 0
    truncate(folder / "index.json")
    result = runner.invoke(app, ["run", str(manifest), "--out", str(folder), "--only", "other",
                                 *FAST])
    assert result.exit_code == 0, result.output
    index = json.loads((folder / "index.json").read_text())
    assert len(index["studies"]["width"]) == 2  # rebuilt from the run folders
