"""The images an author's Markdown shows (`![diagram](figs/backprop.png)` in an abstract,
introduction, dataset or study description, notes or conclusions): found in the manifest's
texts, checked to be files inside the manifest's folder, read and typed here, so that the report
embeds the bytes it is given and never opens a file itself.

A reference is refused, never fatal: a remote URL (a report must not fetch anything), a path
that leads out of the folder (`..`, an absolute path, a symlink pointing out), a missing file, a
type other than PNG, JPEG or SVG, or a file over `MAX_BYTES`. The report shows a one-line note
in its place; the CLI prints a warning.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt

from reportgen.manifest import LOGO_TYPES, Manifest

MAX_BYTES = 4 * 2**20  # an embedded image is base64 in the HTML: keep the report light

# why a reference is refused, as the CLI says it (the report words it through its catalogs)
REASONS = {
    "remote": "remote images are not downloaded",
    "outside": "not a file inside the manifest's folder",
    "type": "not a PNG, JPEG or SVG image",
    "size": f"larger than {MAX_BYTES // 2**20} MiB",
}

# the first bytes each type starts with; an SVG is text, checked for its root element
_MAGIC = {"image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",)}


@dataclass(frozen=True)
class Image:
    """An image file's bytes, embedded in the report as a data URI."""

    data: bytes
    mime: str

    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True)
class Refused:
    reason: str  # a key of REASONS


Found = Image | Refused


def markdown_texts(manifest: Manifest) -> Iterator[str]:
    """Every text of the manifest the report renders as Markdown, in every language."""
    report = manifest.report
    texts: list[Any] = [getattr(report, name, None)
                        for name in ("abstract", "introduction", "conclusions")]
    texts += [getattr(spec, "description", None) for spec in manifest.datasets.values()]
    for study in manifest.studies:
        texts += [getattr(study, "description", None), getattr(study, "notes", None)]
    for text in texts:
        if text is not None:
            yield from dict.fromkeys((text.es, text.en))


def references(text: str) -> list[str]:
    """The image sources of one Markdown text, as the renderer sees them (link-normalised)."""
    found: list[str] = []
    for token in _parser().parse(text):
        for child in token.children or []:
            if child.type == "image":
                found.append(str(child.attrs.get("src", "")))
    return found


def _parser() -> MarkdownIt:
    # the report's own Markdown flavour (report.text), with images on to find them
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def resolve(folder: Path, src: str) -> Path | Refused:
    """The file `src` names inside `folder`, or why it is refused."""
    parts = urlsplit(src)
    if parts.scheme or parts.netloc:  # http:, https:, file:, //host/…: nothing is fetched
        return Refused("remote")
    name = unquote(parts.path)
    if not name or Path(name).is_absolute():
        return Refused("outside")
    root = folder.resolve()
    path = (root / name).resolve()  # follows symlinks: one pointing out is out
    if not path.is_relative_to(root) or not path.is_file():
        return Refused("outside")
    return path


def read(path: Path) -> Found:
    mime = LOGO_TYPES.get(path.suffix.lower())
    if mime is None:
        return Refused("type")
    try:
        if path.stat().st_size > MAX_BYTES:
            return Refused("size")
        data = path.read_bytes()
    except OSError:
        return Refused("outside")
    if not _looks_like(data, mime):
        return Refused("type")
    return Image(data, mime)


def _looks_like(data: bytes, mime: str) -> bool:
    if mime in _MAGIC:
        return data.startswith(_MAGIC[mime])
    return b"<svg" in data[:4096]


def load(manifest: Manifest, folder: str | Path | None = None) -> dict[str, Found]:
    """Every image the manifest's Markdown shows, by its source as written, read from `folder`
    (default: the folder of the manifest file)."""
    base = Path(folder) if folder is not None else Path(manifest.source_path).parent
    out: dict[str, Found] = {}
    for text in markdown_texts(manifest):
        for src in references(text):
            if src not in out:
                found = resolve(base, src)
                out[src] = read(found) if isinstance(found, Path) else found
    return out


def stored_name(src: str) -> str:
    """The relative path an accepted image keeps in the output folder (its path as written,
    normalised), so that the stored manifest copy finds it where the original did."""
    return os.path.normpath(unquote(urlsplit(src).path))


def warnings(images: Mapping[str, Found]) -> list[str]:
    """One line per refused image, for the CLI."""
    return [f"warning: image {src!r} is left out of the report: {REASONS[found.reason]}"
            for src, found in images.items() if isinstance(found, Refused)]
