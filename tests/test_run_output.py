"""What `reportgen run` shows and writes for a person: run lines, reuse, trials, rendering,
and output files readable as the user's umask allows (issue 19)."""

import os
import re
import stat

import pytest
from typer.testing import CliRunner

from reportgen.cli import app
from tests.helpers import TWO_STUDIES, write_manifest

runner = CliRunner()


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_output_files_follow_the_umask_not_0600(tmp_path, umask_027):
    path = write_manifest(tmp_path, TWO_STUDIES)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(path), "--out", str(out), "--format", "html",
                                 "--lang", "en"])
    assert result.exit_code == 0, result.output
    files = [p for p in out.rglob("*") if p.is_file() and not p.name.endswith(".db")]
    assert files and {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o640}
    folders = [p for p in out.rglob("*") if p.is_dir()]
    assert {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o750}
    assert not list(out.rglob(".*"))  # atomic writes leave no temporary files behind


def test_run_lines_name_the_split_and_the_run_reused(tmp_path):
    # without its own seed, study "other" has exactly the configuration of width's hidden=16
    path = write_manifest(tmp_path, TWO_STUDIES.replace("seed = 99\n", ""))
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "out"),
                                 "--format", "html", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert re.search(r"\[1/2\] hidden=8: val accuracy \d\.\d{3}, 3 epochs", result.output)
    assert "[1/1] run: same configuration as run hidden=16 of study width, reused" \
        in result.output
    assert "already trained" not in result.output  # a first run trained nothing earlier
    again = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "out"),
                                "--format", "html", "--lang", "en"])
    assert "[1/2] hidden=8: already trained, reused (val accuracy" in again.output


def test_rendering_prints_a_line_per_file_when_redirected(tmp_path):
    path = write_manifest(tmp_path, TWO_STUDIES)
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "out"),
                                 "--format", "html", "--lang", "es,en"])
    assert result.exit_code == 0, result.output
    assert "rendering es, en as html…" in result.output
    for lang in ("es", "en"):
        assert re.search(rf"wrote .*report\.{lang}\.html \(\d+\.\d s\)", result.output)
