"""Findings → ReportModel in one language: the chapters, in reading order, composed.

Each chapter is a free function of a `Context` (language, catalog, numbering) over the findings;
tables and figures are numbered in the order they are built, so the order here is the report's.
Sentences are catalog messages with locale-formatted numbers; tables keep raw values (the
renderer formats them).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from reportgen.analysis.findings import Findings, analyse, id_key
from reportgen.report import (
    appendix,
    concepts_section,
    conclusions,
    data,
    details_appendix,
    discussion,
    experiments,
    key_section,
    methods,
    objectives,
    runs_appendix,
    samples_section,
    summary,
)
from reportgen.report.context import Context
from reportgen.report.cover import cover_fields
from reportgen.report.localise import localise
from reportgen.report.model import Meta, ReportModel, Section
from reportgen.report.run_labels import identity
from reportgen.store.store import ResultSet


def build(source: ResultSet | Findings, lang: str,
          artwork: Mapping[str, str] | None = None,
          images: Mapping[str, Any] | None = None) -> ReportModel:
    """The report of `source` (a result set, or its findings) in `lang` ("es" or "en").

    `artwork`: figures drawn once for every language, by id (see `report.write`). `images`:
    the author's Markdown images (default: a result set's own).
    """
    analysed = source if isinstance(source, Findings) else analyse(source)
    if images is None and isinstance(source, ResultSet):
        images = source.images
    findings = localise(analysed, lang)
    ctx = Context(findings, lang, fresh_artwork(analysed, findings, artwork), images)
    report = findings.manifest.report
    meta = Meta(
        title=report.title.get(lang),
        subtitle=report.subtitle.get(lang) if report.subtitle else None,
        authors=tuple(report.authors), course=report.course,
        institution=report.institution, date=report.date or dt.date.today(),
        kind=report.kind, mark_generated=report.mark_generated, keywords=keywords(ctx),
        **cover_fields(findings.manifest, lang, findings.logo),
    )
    abstract = summary.abstract(ctx)
    # the chapters a lab report has, in its order (objectives.EXPERIMENTS_CHAPTER is the 4th)
    sections = [objectives.introduction_section(ctx),
                data.data_section(ctx), methods.methods_section(ctx),
                experiments.experiments_chapter(ctx), discussion.discussion_section(ctx),
                conclusions.conclusions_section(ctx),
                *([refs] if (refs := concepts_section.references_section(ctx)) else []),
                appendix.appendix(ctx),
                *([other] if (other := runs_appendix.section(ctx)) else []),
                *([more] if (more := details_appendix.section(ctx)) else [])]
    if report.kind == "answer-key":
        # after appendix B (the other runs), when there is one, the expected results are C
        expected = key_section.expected_section(ctx, ctx.findings.studies)
        sections.append(dataclasses.replace(expected, number=chr(ord("A") + sum(
            1 for s in sections if s.number.isalpha()))))
    return ReportModel(lang=lang, meta=meta, abstract=tuple(abstract),
                       sections=numbered(sections))


def keywords(ctx: Context) -> tuple[str, ...]:
    """What the report is about, for a document's metadata: the titles of the datasets its
    studies use, then the studies' own titles, each once, in the manifest's order."""
    studies = ctx.manifest.studies
    names = [ctx.dataset_title(name) for study in studies for name in study.datasets()]
    names += [study.title.get(ctx.lang) if study.title else study.id for study in studies]
    return tuple(dict.fromkeys(name.strip() for name in names if name.strip()))


def fresh_artwork(analysed: Findings, localised: Findings,
                  artwork: Mapping[str, str] | None) -> dict[str, str]:
    """The figures drawn once for every language, less the sample grids whose class names
    this language translates (those are drawn again, with the translated names)."""
    out = dict(artwork or {})
    for name, stored in analysed.datasets.items():
        if any(identity(c) != c for c in localised.datasets[name].classes):
            out.pop(samples_section.sample_grid_id(id_key(stored.name)), None)
    return out


def numbered(sections: list[Section], prefix: str = "") -> tuple[Section, ...]:
    """Number sections 1, 2, … and subsections 1.1, 1.2, …; a preset number ("A") is kept."""
    out = []
    counter = 0
    for section in sections:
        if section.number and not prefix:
            number = section.number
        else:
            counter += 1
            number = f"{prefix}{counter}"
        subs = numbered(list(section.subsections), f"{number}.")
        out.append(dataclasses.replace(section, number=number, subsections=subs))
    return tuple(out)
