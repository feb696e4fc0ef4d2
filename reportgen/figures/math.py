"""Typeset a formula (matplotlib mathtext) as an SVG string: no LaTeX, no network.

Glyphs are drawn as paths (no font needed to view it), the picture is cropped to the formula,
and the output is deterministic (no date, fixed element ids), so the same formula gives the
same bytes in every report. The string starts at `<svg` so it can be inlined in HTML as is; its
`vertical-align` puts the formula's baseline on the text's.
"""

from __future__ import annotations

import html
import io
import re

from matplotlib import figure, rc_context
from matplotlib.font_manager import FontProperties
from matplotlib.mathtext import MathTextParser

from reportgen.figures.svg import prefix_ids

_PARSER = MathTextParser("path")
_PROLOG = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)


def as_mathtext(formula: str) -> str:
    """`formula` in math mode: wrapped in $…$ unless it already has a $."""
    return formula if "$" in formula else f"${formula}$"


def check_formula(formula: str) -> None:
    """Raise ValueError naming `formula` when mathtext cannot parse it."""
    try:
        _PARSER.parse(as_mathtext(formula), dpi=72)
    except ValueError as exc:
        # pyparsing's message: the formula, a caret line, then "Kind: what, found …"
        lines = str(exc).strip().splitlines()
        reason = lines[-1].split(": ", 1)[-1] if lines else "cannot parse"
        if len(reason) > 120:  # "Expected {…every construct…}" is noise: keep the position
            reason = "unexpected input" + reason[reason.rfind(", found"):]
        raise ValueError(f"formula {formula!r}: {reason}") from None


def math_to_svg(formula: str, size: float = 12.0, color: str = "black") -> str:
    """The SVG of `formula` (mathtext, with or without $…$) at `size` points."""
    check_formula(formula)
    text = as_mathtext(formula)
    prop = FontProperties(size=size)
    width, height, depth, _, _ = _PARSER.parse(text, dpi=72, prop=prop)
    # A bare Figure (no pyplot): no GUI backend, no global figure state.
    with rc_context({"svg.fonttype": "path", "svg.hashsalt": "reportgen-math"}):
        fig = figure.Figure(figsize=(width / 72.0, height / 72.0))
        fig.patch.set_alpha(0)
        fig.text(0, depth / height, text, fontproperties=prop, color=color)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None}, transparent=True)
    svg = _METADATA.sub("", _PROLOG.sub("", buffer.getvalue(), count=1), count=1)
    # Inline in running text, the formula's baseline sits on the line's: lower it by its depth.
    return svg.replace("<svg ", f'<svg style="vertical-align: -{depth:.2f}pt" ', 1)


def formula_html(formula: str, prefix: str, display: bool = False) -> str:
    """`formula` typeset for running text: its SVG (ids prefixed with `prefix`, unique in the
    page) in a span labelled with the source; ValueError when mathtext cannot parse it."""
    svg = prefix_ids(math_to_svg(formula), prefix).strip()
    kind = "math display" if display else "math"
    label = html.escape(formula)
    return f'<span class="{kind}" role="img" aria-label="{label}">{svg}</span>'
