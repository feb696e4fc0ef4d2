"""The manifest's JSON Schema for editors (issue 19.6): generated, committed, and every shipped
manifest points at it and follows it."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from reportgen.cli import app
from tests.helpers import SHIPPED_MANIFESTS, TINY

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "schema" / "manifest.schema.json"
SHIPPED = SHIPPED_MANIFESTS


def as_json(value: Any) -> Any:
    """TOML values as an editor's TOML server checks them: dates and times are strings."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def problems(text: str) -> list[str]:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}"
            for e in validator.iter_errors(as_json(tomllib.loads(text)))]


def test_the_committed_schema_is_what_reportgen_schema_writes(tmp_path):
    result = CliRunner().invoke(app, ["schema", "-o", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == \
        COMMITTED.read_text(encoding="utf-8"), "run `reportgen schema -o schema/manifest.schema.json`"
    printed = CliRunner().invoke(app, ["schema"])
    assert json.loads(printed.stdout) == json.loads(COMMITTED.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_manifests_point_at_the_schema_and_follow_it(path):
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first.startswith("#:schema "), f"{path.name}: first line must be the #:schema directive"
    assert (path.parent / first.removeprefix("#:schema ").strip()).resolve() == COMMITTED
    assert problems(text) == []


def test_the_schema_accepts_every_shorthand_of_the_manifest():
    text = TINY.replace("[models.mlp]\nhidden = [16]", "[models.mlp]\nhidden = 16") + """
[[studies]]
id = "inline"
title = "one text for both languages"
dataset = { source = "sklearn", name = "iris" }
training = { epochs = 2, optimizer = "sgd", schedule = "cosine" }
model = { type = "cnn", filters = 8 }

[studies.search]
algorithms = ["grid"]
storage = { env = "REPORTGEN_STORAGE" }
[studies.search.space]
"training.optimizer.lr" = { float = [0.01, 0.1], step = 0.01 }
"model.hidden" = { layers = [1, 2], units = { int = [8, 32], step = 8 } }
"training.batch_size" = { choice = [16, 32] }
"""
    assert problems(text) == []


@pytest.mark.parametrize("mistake", [
    ("epochs = 3", "epocs = 3"), ('source = "sklearn"', 'source = "sklarn"'),
    ("epochs = 3", 'epochs = "3"'), ("[[studies]]", '[[studies]]\nrepeats = 0'),
    ('"model.hidden" = [[8], [16]] }', '"model.hidden" = [[8], [16]] }\n'
     '[studies.search]\n[studies.search.space]\n"training.optimizer.lr" = { floats = [0, 1] }'),
])
def test_the_schema_flags_mistakes_as_an_editor_would(mistake):
    assert problems(TINY.replace(*mistake))


def test_the_schema_carries_descriptions_and_defaults():
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    epochs = schema["$defs"]["TrainingSpec"]["properties"]["epochs"]
    assert epochs["default"] == 10 and epochs["description"]
    storage = schema["$defs"]["SearchSpec"]["properties"]["storage"]
    assert storage["default"] == "sqlite" and "env" in storage["description"]
