"""Reading a manifest: TOML, validation, cross-references, and error messages with dotted
paths and line numbers. This is the only place configuration errors arise."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ValidationError,
)

from reportgen.errors import ManifestError
from reportgen.manifest import credentials, suggestions, toml_errors, toml_positions
from reportgen.manifest.base import KeyMessage
from reportgen.manifest.models import MODEL_TYPES
from reportgen.manifest.study import Manifest

INLINE_BLOCKS = {"dataset": "datasets", "model": "models", "training": "trainings"}


def load(path: str | Path) -> Manifest:
    """Read, validate and resolve a manifest file. Raises ManifestError with a one-line message."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"{path}: manifest not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read manifest ({exc})") from None
    return loads(text, source=str(path))


def loads(text: str, source: str = "<manifest>") -> Manifest:
    text = text.removeprefix("\ufeff")  # a byte-order mark (Windows Notepad): harmless
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(toml_errors.explain(exc, text, source)) from None
    except RecursionError:
        raise ManifestError(f"{source}: invalid TOML: arrays or tables nested too deeply "
                            "for a manifest") from None
    data = _hoist_inline_blocks(data)
    try:
        # the text is kept masked: it is listed in the report and copied to the output folder
        manifest = Manifest.model_validate({**data, "source_path": source,
                                            "source_text": credentials.mask(text)})
    except ValidationError as exc:
        raise _manifest_error(exc, data, text, source) from None
    except RecursionError:
        raise ManifestError(f"{source}: values nested too deeply for a manifest") from None
    _check_references(manifest, text, source)
    _check_logo(manifest, text, source)
    return manifest


def _check_logo(manifest: Manifest, text: str, source: str) -> None:
    """The cover's logo must be a file inside the manifest's folder (a symlink out of it too
    is refused: reports embed it). Skipped for manifests not read from a file."""
    logo = manifest.report.logo
    if logo is None or not Path(source).is_file():
        return
    folder = Path(source).resolve().parent
    path = (folder / logo).resolve()
    if not path.is_relative_to(folder):
        raise ManifestError(_where(source, text, ("report", "logo"))
                            + f"{logo!r} leads outside the manifest's folder")
    if not path.is_file():
        raise ManifestError(_where(source, text, ("report", "logo"))
                            + f"{logo!r}: no such file next to the manifest")


def _hoist_inline_blocks(data: dict[str, Any]) -> dict[str, Any]:
    """Turn a study's inline `dataset`/`model`/`training` table into a named block.

    Studies then only hold names, so there is one way to resolve them.
    """
    studies = data.get("studies")
    if not isinstance(studies, list):
        return data
    data = dict(data)
    for index, study in enumerate(studies):
        if not isinstance(study, dict):
            continue
        for field, block in INLINE_BLOCKS.items():
            if isinstance(study.get(field), dict):
                name = f"{study.get('id', index)}:{field}"
                data[block] = {**data.get(block, {}), name: study[field]}
                study[field] = name
    return data


def _check_references(manifest: Manifest, text: str, source: str) -> None:
    for index, study in enumerate(manifest.studies):
        refs: list[tuple[str, str, Mapping[str, Any]]] = [
            ("dataset", name, manifest.datasets) for name in study.datasets()]
        refs += [("model", study.model, manifest.models), ("training", study.training,
                                                            manifest.trainings)]
        for field, name, block in refs:
            if name in block or (name == "default" and field != "dataset"):
                continue
            defined = ", ".join(sorted(block)) or "none"
            path = ("studies", index, field)
            raise ManifestError(
                _where(source, text, path)
                + f"unknown {field} {name!r} (defined: {defined})"
            )
    ids = [s.id for s in manifest.studies]
    if dupes := sorted({i for i in ids if ids.count(i) > 1}):
        raise ManifestError(f"{source}: studies: study ids repeat: {', '.join(dupes)}")


def format_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            quote = "." in part or " " in part or not part or not part.isprintable()
            name = json.dumps(part, ensure_ascii=False) if quote else part
            out += ("." if out else "") + name
    return out


def _where(source: str, text: str, path: tuple[str | int, ...]) -> str:
    line = toml_positions.line_of(text, path)
    location = f"{source}:{line}" if line else source
    return f"{location}: {format_path(path)}: "


def _data_path(loc: tuple[str | int, ...], data: Any) -> tuple[str | int, ...]:
    """Keep the parts of a pydantic error location that are keys of the data.

    Pydantic inserts union branch names and discriminator tags (`sklearn`, `constrained-int`);
    they are skipped. A last part that is not in the data is a missing or unknown key: kept.
    """
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            node = node[part]
        elif i == len(loc) - 1 and isinstance(node, dict):
            pass
        else:
            continue
        path.append(part)
    return tuple(path)


def _manifest_error(exc: ValidationError, data: Any, text: str, source: str) -> ManifestError:
    error = exc.errors()[0]  # schema order; report the first, as a compiler does
    loc = tuple(error["loc"])
    if loc and loc[-1] in MODEL_TYPES and error["type"] == "value_error":
        loc = loc[:-1]  # a model validator's error ends with the union's tag: drop it
    path = _data_path(loc, data)
    if isinstance(problem := (error.get("ctx") or {}).get("error"), KeyMessage):
        return ManifestError(_where(source, text, (*path, problem.key)) + problem.message)
    if error["type"] == "union_tag_invalid":
        ctx = error["ctx"]
        path += (ctx["discriminator"].strip("'"),)
        message = f"must be one of {ctx['expected_tags']} (got {ctx['tag']!r})"
        return ManifestError(_where(source, text, path) + message)
    return ManifestError(_where(source, text, path) + describe_error(error, Manifest))


def describe_error(error: Any, root: type[BaseModel] | None = None) -> str:
    """One error in words; an unknown key gets the closest key `root`'s schema allows there."""
    kind = error["type"]
    if kind == "extra_forbidden":
        loc = tuple(error["loc"])
        if root is None or not loc:
            return "unknown key"
        allowed = suggestions.keys_at(root, loc[:-1])
        return "unknown key" + suggestions.did_you_mean(str(loc[-1]), allowed)
    if kind == "missing":
        return "required key is missing"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    if kind.startswith("literal_error"):
        message = message.replace("Input should be", "must be one of")
    message = message.replace("Input should be", "must be")
    given = error.get("input")
    if kind not in ("value_error",) and not isinstance(given, dict | list):
        message += f" (got {given!r})"
    return message
