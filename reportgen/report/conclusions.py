"""The conclusions: the author's text, then the key result of every study."""

from __future__ import annotations

from reportgen.report.context import Context
from reportgen.report.model import Block, BulletList, Paragraph, Section
from reportgen.report.summary import key_result_sentence


def conclusions_section(ctx: Context) -> Section:
    blocks: list[Block] = []
    if ctx.manifest.report.conclusions:
        blocks.append(Paragraph(ctx.markdown(ctx.manifest.report.conclusions.get(ctx.lang)),
                                html=True))
    blocks.append(BulletList(tuple(key_result_sentence(ctx, v) for v in ctx.findings.studies)))
    return Section("conclusions", "", ctx._("Conclusions"), tuple(blocks))
