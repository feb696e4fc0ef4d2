"""Manifest values as short text: run labels, table cells and search spaces show them alike
(`[256]` as 256, `{name = "sgd", lr = 0.05}` as sgd(lr=0.05))."""

from __future__ import annotations

from typing import Any


def format_value(value: Any) -> str:
    if isinstance(value, list) and len(value) == 1 and not isinstance(value[0], list | dict):
        return format_value(value[0])
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        # {name = "sgd", lr = 0.05} reads best as sgd(lr=0.05)
        items = {k: v for k, v in value.items() if k != "name"}
        inner = ", ".join(f"{k}={format_value(v)}" for k, v in items.items())
        return f"{value['name']}({inner})" if "name" in value else "{" + inner + "}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
