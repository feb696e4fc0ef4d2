"""The manifest's JSON Schema, for editors (Taplo / Even Better TOML complete keys and flag
mistakes as one types, through the `#:schema` directive on a manifest's first line).

It is generated from the pydantic models, then adjusted where the TOML a user writes differs
from the models' own shape: texts may be plain strings, an optimizer or schedule may be just its
name, layer lists may be one integer, a study may define its dataset, model or training inline,
and search-space entries are written `{ int = [low, high] }`, not as the parsed models.
`reportgen schema` writes it; `schema/manifest.schema.json` in the repository is kept equal to it
by a test.
"""

from __future__ import annotations

import json
from typing import Any

from reportgen import manifest as m
from reportgen.manifest import names

RANGE = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
INT_RANGE = {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}
SPACE_PARAM: dict[str, Any] = {
    "description": "One search-space entry: { int = [low, high], step, log }, { float = "
                   "[low, high], step, log }, { choice = [...] } or { layers = [a, b], units = "
                   "{ … } }.",
    "anyOf": [
        {"type": "object", "additionalProperties": False, "required": ["int"],
         "properties": {"int": INT_RANGE, "step": {"type": "integer", "exclusiveMinimum": 0},
                        "log": {"type": "boolean", "default": False}}},
        {"type": "object", "additionalProperties": False, "required": ["float"],
         "properties": {"float": RANGE, "step": {"type": "number", "exclusiveMinimum": 0},
                        "log": {"type": "boolean", "default": False}}},
        {"type": "object", "additionalProperties": False, "required": ["choice"],
         "properties": {"choice": {"type": "array", "minItems": 1}}},
        {"type": "object", "additionalProperties": False, "required": ["layers", "units"],
         "properties": {"layers": INT_RANGE, "units": {"type": "object"}}},
    ],
}
_PARSED_SPACE = {"IntRange", "FloatRange", "Choice", "Layers"}


def manifest_schema() -> dict[str, Any]:
    schema = m.Manifest.model_json_schema(mode="validation")
    for internal in ("source_path", "source_text"):
        schema["properties"].pop(internal)
    schema = _walk(schema)
    defs = schema["$defs"]
    for name in _PARSED_SPACE:
        defs.pop(name)
    defs["SpaceParam"] = SPACE_PARAM
    _either(defs, "Text", {"type": "string"})
    _either(defs, "OptimizerSpec", {"enum": list(m.DEFAULT_LR)})
    _either(defs, "ScheduleSpec", {"enum": ["none", "linear", "exponential", "step", "cosine"]})
    for model, key in (("ModelSpec", "hidden"), ("CnnSpec", "hidden"), ("CnnSpec", "filters")):
        prop = defs[model]["properties"][key]
        defs[model]["properties"][key] = {**{k: v for k, v in prop.items() if k != "type"},
                                          "anyOf": [{"type": "integer", "exclusiveMinimum": 0},
                                                    {k: v for k, v in prop.items()
                                                     if k in ("type", "items")}]}
        defs[model]["properties"][key].pop("items", None)
    study = defs["Study"]["properties"]
    inline = {"dataset": schema["properties"]["datasets"]["additionalProperties"],
              "model": schema["properties"]["models"]["additionalProperties"],
              "training": schema["properties"]["trainings"]["additionalProperties"]}
    for key, table in inline.items():
        alternatives = study[key].get("anyOf", [{"type": study[key].get("type", "string")}])
        study[key]["anyOf"] = [*alternatives, table]
        study[key].pop("type", None)
    schema["properties"]["datasets"]["propertyNames"] = {
        "pattern": r"^[^\W_][\w\-]*$", "maxLength": names.MAX_NAME}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "reportgen manifest",
            **{k: v for k, v in schema.items() if k != "title"}}


def _walk(node: Any) -> Any:
    """oneOf → anyOf (members may overlap: an MLP table is also a valid CNN table, and
    `discriminator` is OpenAPI, not JSON Schema); parsed search-space models → SpaceParam."""
    if isinstance(node, list):
        return [_walk(v) for v in node]
    if not isinstance(node, dict):
        return node
    refs = {r.get("$ref", "").rsplit("/", 1)[-1] for r in node.get("anyOf", [])}
    if refs and refs <= _PARSED_SPACE:
        return {"$ref": "#/$defs/SpaceParam"}
    out = {}
    for key, value in node.items():
        if key == "discriminator":
            continue
        out["anyOf" if key == "oneOf" else key] = _walk(value)
    return out


def _either(defs: dict[str, Any], name: str, shorthand: dict[str, Any]) -> None:
    """Accept `shorthand` (a plain string, a name) wherever the table `name` is accepted."""
    table = defs[name]
    defs[name] = {"description": table.get("description", ""),
                  "anyOf": [shorthand, {k: v for k, v in table.items() if k != "description"}]}


def dumps() -> str:
    return json.dumps(manifest_schema(), indent=2, ensure_ascii=False) + "\n"
