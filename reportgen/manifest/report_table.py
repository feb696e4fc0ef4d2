"""The `[report]`, `[defaults]` and `[limits]` tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
)

from reportgen.manifest.base import (
    LANGUAGES,
    LOGO_TYPES,
    MAX_SEED,
    Engine,
    Frozen,
    Text,
    check_device,
)


class ReportSection(Frozen):
    title: Text = Field(description="Report title (a text: a string, or { es = …, en = … }).")
    subtitle: Text | None = Field(None, description="Shown under the title.")
    authors: list[str] = Field([], description="Authors shown on the cover.")
    student_ids: list[str] = Field([],
        description="One id per author, in order, shown next to the name (\"\" for none).")
    course: str | None = Field(None, description="Course shown on the cover.")
    institution: str | None = Field(None, description="Institution shown on the cover.")
    faculty: Text | None = Field(None, description="Faculty shown on the cover.")
    city: Text | None = Field(None, description="City shown on the cover.")
    date: dt.date | None = Field(None,
        description="Report date, a TOML date such as 2025-05-01 (default: today).")
    logo: str | None = Field(None,
        description="An image file (PNG, JPEG, SVG) in the manifest's folder, shown on the cover.")
    languages: list[Literal["es", "en"]] = Field(list(LANGUAGES),
        description="One document per language: es, en (default: both).")
    formats: list[Literal["html", "pdf", "docx"]] = Field(["html", "pdf"],
        description="Formats to render: html, pdf, docx (default: html and pdf).")
    kind: Literal["student", "answer-key"] = Field("student",
        description="student, or answer-key (adds the expected-results appendix).")
    out: str | None = Field(None,
        description="Output folder, relative to the working directory (default: out/<manifest "
                    "stem>).")
    abstract: Text | None = Field(None,
        description="Your abstract (Markdown), per language or one text for both.")
    introduction: Text | None = Field(None, description="Your introduction (Markdown).")
    conclusions: Text | None = Field(None,
        description="Your conclusions (Markdown), placed before the generated ones.")
    mark_generated: bool = Field(False,
        description="Mark the paragraphs written from the results (not the author's texts) in "
                    "the body, for an instructor who wants to see which are which.")
    baselines: bool = Field(True,
        description="Train a majority-class and a logistic-regression baseline per dataset "
                    "(scikit-learn, same split and preprocessing) and compare the networks "
                    "with them; false leaves them out.")
    explain: bool = Field(True,
        description="Explain the methods the studies use (formulas, references) in the "
                    "methodology, with a reference list; false leaves both out.")

    @field_validator("student_ids")
    @classmethod
    def _one_id_per_author(cls, value: list[str], info: ValidationInfo) -> list[str]:
        authors = info.data.get("authors") or []
        if value and len(value) != len(authors):
            raise ValueError(f"gives {len(value)} id(s) for {len(authors)} author(s): one per "
                             "author, in the same order (\"\" for an author without one)")
        return value

    @field_validator("logo")
    @classmethod
    def _local_image(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if "://" in value or value.startswith(("/", "\\")) or ":" in value[:3] \
                or ".." in Path(value).parts:
            raise ValueError(f"{value!r}: give a path relative to the manifest's folder, "
                             "inside it (no URL, no absolute path, no ..)")
        if Path(value).suffix.lower() not in LOGO_TYPES:
            raise ValueError(f"{value!r}: use a PNG, JPEG or SVG image")
        return value

    @field_validator("languages", "formats")
    @classmethod
    def _non_empty_unique(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must name at least one")
        if len(set(value)) != len(value):
            raise ValueError("lists a value twice")
        return value


class Defaults(Frozen):
    seed: int = Field(0, ge=0, le=MAX_SEED,
        description="Seed of initial weights, shuffling and dropout for every run.")
    device: str = Field("auto",
        description="auto (the first CUDA GPU when present, else the CPU), cpu, cuda or cuda:N.")
    engine: Engine = Field("torch", description="torch, or numpy (the from-scratch engine).")
    jobs: Annotated[int, Field(ge=1)] | Literal["auto"] = Field(
        1,
        description="Units of work trained at once (reportgen run --jobs); auto: from the machine.")

    @field_validator("device")
    @classmethod
    def _device(cls, value: str) -> str:
        return check_device(value)


class Limits(Frozen):
    """`[limits]`: the planned-work limits of `reportgen.manifest.limits`."""

    allow_large: bool = Field(False, description="Lift the limits on runs, epochs and trials "
                              "(as --allow-large does).")
