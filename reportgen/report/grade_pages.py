"""Render the class page (both languages) and a student's feedback page (one language) with
Jinja2. Rendering only: everything shown was computed by the grading modules; the strings come
from the es/en catalogs and the numbers go through the locale filters."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2
from babel import Locale
from markupsafe import Markup

from reportgen.grading.grader import ClassGrades, StudentGrade
from reportgen.report import i18n, pages
from reportgen.report.i18n import N_
from reportgen.report.labels import SPLIT_NAMES

CLASS_TEMPLATE = "grade.html.j2"
FEEDBACK_TEMPLATE = "grade-feedback.html.j2"
STYLESHEETS = ("diff.css", "grade.css")

STATUSES = {"within": N_("Within tolerance"), "outside": N_("Outside tolerance"),
            "missing": N_("Missing"), "changed": N_("Changed configuration")}
METRIC_NAMES = {"accuracy": N_("accuracy"), "loss": N_("loss"), "macro_f1": N_("macro F1"),
                "weighted_f1": N_("weighted F1"), "roc_auc": N_("ROC AUC")}
RERUNS = {"reproduced": N_("reproduced"), "differs": N_("differs"),
          "data changed": N_("data changed"), "rerun failed": N_("rerun failed")}


@dataclass(frozen=True)
class Row:
    student: StudentGrade
    feedback: str  # the feedback page's file name
    flags: list[tuple[str, int]]  # (msgid with %(n)s, n)


@dataclass(frozen=True)
class PlotSection:
    study: str
    split: str
    metric: str
    svg: Markup


def flags(student: StudentGrade) -> list[tuple[str, int]]:
    """The integrity column's entries, as catalog messages and their counts."""
    integrity = student.integrity
    out = []
    if integrity.edited:
        out.append((N_("edited: %(n)s value(s)"), len(integrity.edited)))
    if integrity.manifest_changes:
        out.append((N_("manifest: %(n)s change(s)"), len(integrity.manifest_changes)))
    for status, message in ((("reproduced", N_("%(n)s run(s) reproduced")),
                             ("differs", N_("%(n)s run(s) differ")),
                             ("data changed", N_("%(n)s run(s) on changed data")),
                             ("rerun failed", N_("%(n)s rerun(s) failed")))):
        if n := sum(r.status == status for r in integrity.reruns):
            out.append((message, n))
    return out


def class_page(grades: ClassGrades, rows: Sequence[Row],
               plots: Mapping[str, Sequence[PlotSection]], rubric_name: str) -> str:
    languages = [(lang, (Locale.parse(lang).display_name or lang).capitalize(),
                  pages.translator(lang)) for lang in i18n.LANGUAGES]
    return _environment().get_template(CLASS_TEMPLATE).render(
        g=grades, rows=rows, plots=plots, rubric_name=rubric_name, languages=languages,
        css=_css(), statuses=STATUSES, metric_names=METRIC_NAMES, split_names=SPLIT_NAMES)


def feedback_page(student: StudentGrade, lang: str) -> str:
    return _environment().get_template(FEEDBACK_TEMPLATE).render(
        s=student, lang=lang, _=pages.translator(lang), css=_css(), statuses=STATUSES,
        metric_names=METRIC_NAMES, split_names=SPLIT_NAMES, rerun_names=RERUNS)


@cache  # one compilation of the templates for a whole class
def _environment() -> jinja2.Environment:
    """The stand-alone pages' environment (pages.py) with the grading pages' two filters."""
    env = pages.environment().overlay()
    env.filters = {**env.filters, "value": _value, "setting": _setting}
    return env


@cache
def _css() -> Markup:
    return Markup("\n".join((i18n.templates_dir() / name).read_text(encoding="utf-8")
                            for name in STYLESHEETS))


def _value(value: Any, lang: str) -> str:
    """A field of results.json: numbers in the locale's format, anything else as written."""
    if isinstance(value, float):
        return i18n.format_number(value, lang, 4)
    return _setting(value)


def _setting(value: Any) -> str:
    """A manifest or configuration value as TOML-like text; absent: —."""
    return i18n.DASH if value is None else json.dumps(value, ensure_ascii=False)
