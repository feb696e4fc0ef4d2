"""What many test modules share, made once per test process.

`default_run`: the shipped default manifest (`experiments.toml`) with the same datasets and
studies but few epochs and trials, trained and rendered (Spanish HTML and PDF) through the CLI
once per session; modules that read it put themselves in the `default-run` xdist group, so that
one worker trains it once. `one_process_per_test_worker`: under pytest-xdist every core already
runs a test worker, so a report renders its languages in the test's own process.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import ROOT, shrunk


@pytest.fixture(scope="session")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of the shrunk default manifest: its store, report.es.html and
    report.es.pdf. Tests read it; a test that writes copies it first."""
    from typer.testing import CliRunner

    from reportgen.cli import app

    folder = tmp_path_factory.mktemp("default")
    manifest = folder / "experiments.toml"
    manifest.write_text(shrunk((ROOT / "experiments.toml").read_text(encoding="utf-8")),
                        encoding="utf-8")
    out = folder / "out"
    result = CliRunner().invoke(app, ["run", str(manifest), "--out", str(out),
                                      "--format", "html,pdf", "--lang", "es"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(autouse=True, scope="session")
def one_process_per_test_worker() -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        from reportgen.report import write

        write.cpu_count = lambda: 1  # the test's own process renders every language
