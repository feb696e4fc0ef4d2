"""Every manifest we ship validates: the embedded default and each example."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportgen.cli import app

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = [ROOT / "experiments.toml", *sorted((ROOT / "examples").glob("*.toml"))]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_manifest_validates(path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout
