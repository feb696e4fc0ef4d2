"""Every manifest we ship validates: the embedded default and each example."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportgen.cli import app
from tests.helpers import SHIPPED_MANIFESTS

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = SHIPPED_MANIFESTS


def with_stand_in_data(path: Path, folder: Path) -> Path:
    """`path`, or a copy of it in `folder` next to stand-in arrays for its `files` datasets
    (the course's own data, not in the repository: validate checks that they exist)."""
    import tomllib

    import numpy as np

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    files = [d for d in data.get("datasets", {}).values() if d.get("source") == "files"]
    if not files:
        return path
    for spec in files:
        n_classes = len(spec.get("classes", [])) or 2
        arrays = {"x": np.zeros((2 * n_classes, 784)), "y": np.arange(2 * n_classes) % n_classes,
                  "predict": np.zeros((3, 784))}
        for key, array in arrays.items():
            if key in spec:
                (folder / spec[key]).parent.mkdir(parents=True, exist_ok=True)
                np.save(folder / spec[key], array)
    copy = folder / path.name
    copy.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return copy


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_manifest_validates(path: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(with_stand_in_data(path, tmp_path))])
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout
