"""'did you mean `epochs`?': the keys the schema allows where an unknown key was found.

The allowed keys come from the pydantic models themselves, by walking an error's location
(`("trainings", "quick", "epocs")`) down the type annotations from the root model.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Literal

from pydantic import BaseModel


def did_you_mean(key: str, candidates: typing.Iterable[str]) -> str:
    """' (did you mean `epochs`?)', or '' when nothing is close."""
    options = sorted(set(candidates))
    matches = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
    # two letters swapped in a short key ("rl" for "lr") is too far apart for difflib
    matches = matches or [c for c in options if sorted(c) == sorted(key)][:1]
    return f" (did you mean `{matches[0]}`?)" if matches else ""


def keys_at(root: type[BaseModel], loc: tuple[Any, ...]) -> set[str]:
    """The field names the table at `loc` (a pydantic error location, tags included) allows."""
    options = [root]
    for part in loc:
        options = [nxt for tp in options for nxt in _step(tp, part)]
        if not options:
            return set()
    models = [m for tp in options for m in _models(tp)]
    return {name for m in models for name in m.model_fields
            if name not in ("source_path", "source_text")}


def _models(tp: Any) -> list[type[BaseModel]]:
    """The models a type annotation may hold (unions and Annotated unwrapped)."""
    if isinstance(tp, _Tagged):
        return [tp.model]
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _models(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(tp) for m in _models(arg)]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return []


def _step(tp: Any, part: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _step(typing.get_args(tp)[0], part)
    if origin in (typing.Union, types.UnionType):
        members = [m for arg in typing.get_args(tp) for m in _models(arg)]
        tagged = [m for m in members if _tag(m) == part]
        if tagged:  # the union's tag in the location ("sklearn", "mlp"): stay on that member
            return [_Tagged(tagged[0])]
        return [nxt for arg in typing.get_args(tp) for nxt in _step(arg, part)]
    if isinstance(tp, _Tagged):
        return _step(tp.model, part)
    if origin is dict:
        return [typing.get_args(tp)[1]]
    if origin is list:
        return [typing.get_args(tp)[0]] if isinstance(part, int) else []
    if isinstance(tp, type) and issubclass(tp, BaseModel) and part in tp.model_fields:
        return [tp.model_fields[part].annotation]
    return []


class _Tagged:
    """A union member picked by its tag; the next location part is one of its fields."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model


def _tag(model: type[BaseModel]) -> str | None:
    for name in ("source", "type"):
        field = model.model_fields.get(name)
        if field is not None and typing.get_origin(field.annotation) is Literal:
            args = typing.get_args(field.annotation)
            if len(args) == 1:
                return str(args[0])
    return None
