"""Small manifests shared by the tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TINY = """
[report]
title = { es = "Informe de prueba", en = "Test report" }
authors = ["Ana Pérez"]
course = "Deep Learning"
institution = "Universidad Nacional"
date = 2025-05-01

[defaults]
seed = 7
device = "cpu"

[datasets.digits]
source = "sklearn"
name = "digits"
preprocess = "minmax"
split = { train = 0.6, val = 0.2, test = 0.2 }

[models.mlp]
hidden = [16]

[trainings.quick]
epochs = 3
batch_size = 64

[[studies]]
id = "width"
title = { es = "Ancho", en = "Width" }
dataset = "digits"
model = "mlp"
training = "quick"
vary = { "model.hidden" = [[8], [16]] }
"""

# TINY plus a second study with its own seed (three runs in all)
TWO_STUDIES = TINY + """
[[studies]]
id = "other"
dataset = "digits"
model = "mlp"
training = "quick"
seed = 99
"""


def write_manifest(folder: Path, text: str = TINY, name: str = "tiny.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def child_pids(pid: int) -> set[int]:
    """Processes whose parent is `pid`, read from /proc (Linux)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def descendants(pid: int) -> set[int]:
    """Every process below `pid`: children, theirs (a fork server's workers), and so on."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in child_pids(todo.pop()) - found:
            found.add(child)
            todo.append(child)
    return found


ROOT = Path(__file__).resolve().parents[1]
# Every manifest the project ships: the default and the examples users copy.
SHIPPED_MANIFESTS = [ROOT / "experiments.toml", *sorted((ROOT / "examples").glob("*.toml"))]
# Modules reading conftest's `default_run` share one xdist worker, which trains it once.
DEFAULT_GROUP = pytest.mark.xdist_group("default-run")


def shrunk(text: str) -> str:
    """The default manifest with at most 8 epochs and 4 trials a search: same studies, same
    kinds of findings, a few seconds of training."""
    text = re.sub(r"^(\s*epochs = )(\d+)", lambda m: f"{m[1]}{min(int(m[2]), 8)}", text,
                  flags=re.M)
    text = re.sub(r"epochs = (\d+),", lambda m: f"epochs = {min(int(m[1]), 8)},", text)
    text = re.sub(r"^max_trials = \d+", "max_trials = 4", text, flags=re.M)
    text = re.sub(r"^max_epochs = \d+", "max_epochs = 8", text, flags=re.M)
    return re.sub(r"^n_startup_trials = \d+", "n_startup_trials = 2", text, flags=re.M)
