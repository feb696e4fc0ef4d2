"""The concepts the report uses, explained once in the methodology (paragraph, formulas typeset
as SVG, citations), and the reference list of what they cite. `[report] explain = false`
leaves both out."""

from __future__ import annotations

from functools import cache
from html import escape

from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.runs import varied_paths
from reportgen.figures import math as typeset
from reportgen.figures.svg import clean_svg, lighten_svg, prefix_ids
from reportgen.manifest import RunConfig
from reportgen.report import bibliography, concepts
from reportgen.report.context import Context
from reportgen.report.model import Block, BulletList, Paragraph, Section


@cache
def formula_svg(formula: str) -> str:
    """One SVG per formula for every language and study (typesetting is the slow part)."""
    return lighten_svg(clean_svg(typeset.math_to_svg(formula)))


def study_concepts(found: StudyFindings) -> tuple[str, ...]:
    configs = [RunConfig.model_validate(r.config) for r in found.runs]
    return concepts.concepts_for_study(configs, varied_paths(found.runs),
                                       search=found.study.search)


def used_concepts(ctx: Context) -> tuple[str, ...]:
    if not ctx.manifest.report.explain:
        return ()
    return concepts.ordered(k for found in ctx.findings.studies
                            for k in study_concepts(found))


def concept_blocks(ctx: Context, key: str) -> list[Block]:
    text = concepts.concept(key, ctx.lang)
    and_word = ctx._("and")
    # each SVG's glyph ids prefixed by its place, so that ids stay unique on the page
    body = "".join(escape(piece) if kind == "text"
                   else prefix_ids(formula_svg(piece), f"math-{key}-{i}")
                   for i, (kind, piece) in enumerate(text.parts))
    if text.references:
        cited = "; ".join(bibliography.citation(bibliography.reference(k), and_word)
                          for k in text.references)
        body = body.removesuffix(".") + escape(f" ({cited}).")
    blocks: list[Block] = [Paragraph(f"<b>{escape(text.title)}.</b> {body}", html=True)]
    # the display formulas after the paragraph that introduces them, side by side on one
    # line where they fit (the line wraps between formulas, never inside one)
    if text.formulas:
        blocks.append(Paragraph("\u2003\u2003".join(
            prefix_ids(formula_svg(f), f"math-{key}-f{i}") for i, f in enumerate(text.formulas)),
            html=True))
    return blocks


def concepts_section(ctx: Context) -> Section | None:
    keys = used_concepts(ctx)
    if not keys:
        return None
    blocks: list[Block] = []
    for key in keys:
        blocks += concept_blocks(ctx, key)
    return Section("methods-concepts", "", ctx._("Concepts"), tuple(blocks))


def references_section(ctx: Context) -> Section | None:
    keys = concepts.references(used_concepts(ctx))
    if not keys:
        return None
    and_word = ctx._("and")
    items = tuple(bibliography.format_reference(bibliography.reference(k), and_word)
                  for k in keys)
    return Section("references", "", ctx._("References"), (BulletList(items),))
