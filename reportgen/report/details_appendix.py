"""Appendix C: what a study's section summarises — every seed's run of a study with repeats,
and each search's trials, importance and brackets — so that the body keeps one table per
study and the tuning study fits in a few pages."""

from __future__ import annotations

from reportgen.analysis.findings import StudyFindings
from reportgen.report import results, tuning_section
from reportgen.report.appendix import OTHER_RUNS, other_runs
from reportgen.report.context import Context
from reportgen.report.model import Block, Paragraph, Section


def letter(ctx: Context) -> str:
    """C after appendix B (the other runs' matrices), B when there is none."""
    return "C" if any(other_runs(s) for s in ctx.findings.studies) else OTHER_RUNS


def has_details(found: StudyFindings) -> bool:
    return (found.has_repeats and bool(found.runs)) or bool(found.searches)


def section(ctx: Context) -> Section | None:
    parts = [study_part(ctx, found) for found in ctx.findings.studies if has_details(found)]
    if not parts:
        return None
    return Section("appendix-details", letter(ctx), ctx._("Appendix: every run and every search"),
                   (), tuple(parts))


def study_part(ctx: Context, found: StudyFindings) -> Section:
    blocks: list[Block] = []
    if found.has_repeats and found.runs:
        tables = results.comparison_tables(ctx, found)
        blocks.append(Paragraph(ctx.ngettext(
            "Table %(tables)s lists every run of “%(study)s”, one per configuration and seed.",
            "Tables %(tables)s list every run of “%(study)s”, one per configuration and seed.",
            len(tables)) % {"tables": ctx.join([str(t.number) for t in tables]),
                            "study": ctx.study_title(found)}))
        blocks += tables
    subsections = tuning_section.search_sections(ctx, found) if found.searches else ()
    return Section(f"appendix-details-{found.key}", "", ctx.study_title(found), tuple(blocks),
                   subsections)


def details_number(ctx: Context, found: StudyFindings) -> str | None:
    """The study's part of appendix C ("C.2"), None when it has none."""
    keys = [s.key for s in ctx.findings.studies if has_details(s)]
    return f"{letter(ctx)}.{keys.index(found.key) + 1}" if found.key in keys else None


