"""Small manifests shared by the tests."""

from __future__ import annotations

from pathlib import Path

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
