"""The cover fields of `[report]` that only the cover shows: student ids, faculty, city, logo."""

from __future__ import annotations

from typing import Any

from reportgen.manifest import Manifest
from reportgen.report.model import Logo
from reportgen.store.records import CoverLogo


def cover_fields(manifest: Manifest, lang: str, logo: CoverLogo | None) -> dict[str, Any]:
    """Keyword arguments of `Meta` for the cover fields, in `lang`; `logo` as the store read it
    (the report opens no file)."""
    report = manifest.report
    return {
        "student_ids": tuple(report.student_ids),
        "faculty": report.faculty.get(lang) if report.faculty else None,
        "city": report.city.get(lang) if report.city else None,
        "logo": Logo(logo.data, logo.mime) if logo is not None else None,
    }
