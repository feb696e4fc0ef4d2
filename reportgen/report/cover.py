"""The cover fields of `[report]` that only the cover shows: student ids, faculty, city, logo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportgen.errors import ManifestError
from reportgen.manifest import LOGO_TYPES, Manifest
from reportgen.report.model import Logo


def cover_fields(manifest: Manifest, lang: str) -> dict[str, Any]:
    """Keyword arguments of `Meta` for the cover fields, in `lang`."""
    report = manifest.report
    return {
        "student_ids": tuple(report.student_ids),
        "faculty": report.faculty.get(lang) if report.faculty else None,
        "city": report.city.get(lang) if report.city else None,
        "logo": load_logo(manifest),
    }


def load_logo(manifest: Manifest) -> Logo | None:
    """The logo file, next to the manifest it was loaded from (the output folder's copy keeps
    one beside it: `api.copy_cover_files`)."""
    name = manifest.report.logo
    if name is None:
        return None
    path = Path(manifest.source_path).parent / name
    try:
        data = path.read_bytes()
    except OSError:
        raise ManifestError(f"{manifest.source_path}: report.logo: cannot read {path}") from None
    return Logo(data, LOGO_TYPES[path.suffix.lower()])
