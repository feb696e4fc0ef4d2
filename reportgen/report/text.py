"""Text helpers for the report model: safe Markdown, config values as text, slugs."""

from __future__ import annotations

import hashlib
import html
import re
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt

from reportgen.analysis.findings import slug as slug  # one definition: ids are the keys
from reportgen.report import i18n

HEADING_OFFSET = 3  # a "# Title" in a student's notes sits below the report's own h2/h3/h4


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # html=False: raw HTML (a <script>, an <img onerror=...>) comes out escaped, not executed.
    # No images: an image would make the PDF renderer fetch a URL, and the page not self-contained.
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).disable(
        "image")


# $$display$$ before $inline$; a "$" right after a digit or space-padded is left alone ("5 $")
_MATH = re.compile(r"\$\$(?P<display>.+?)\$\$|\$(?P<inline>[^\s$](?:[^$]*?[^\s$])?)\$")


def markdown(text: str) -> str:
    """Markdown written by a user (abstract, notes, conclusions) as safe HTML.

    `$…$` and `$$…$$` in running text (not in code) are typeset as inline SVG; a formula
    that mathtext cannot parse is shown as code.
    """
    md = _markdown()
    tokens = md.parse(text)
    salt = hashlib.sha1(text.encode()).hexdigest()[:8]
    count = 0
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(6, int(token.tag[1]) + HEADING_OFFSET)
            token.tag = f"h{level}"
        for child in token.children or []:
            if child.type == "text" and "$" in child.content:
                def typeset(match: re.Match[str]) -> str:
                    nonlocal count
                    count += 1
                    return _formula(match, f"m{salt}-{count}")
                if _MATH.search(child.content):
                    child.type = "html_inline"
                    child.content = _MATH.sub(typeset, _escape_outside(child.content))
    return md.renderer.render(tokens, md.options, {})


def _escape_outside(text: str) -> str:
    """HTML-escape `text` except the formulas (typeset later from their source)."""
    out, last = [], 0
    for match in _MATH.finditer(text):
        out += [html.escape(text[last:match.start()], quote=False), match.group(0)]
        last = match.end()
    return "".join([*out, html.escape(text[last:], quote=False)])


def _formula(match: re.Match[str], prefix: str) -> str:
    # figures.math imports matplotlib; only the figures package may, so import it here late
    from reportgen.figures.math import formula_html

    display = match.group("display") is not None
    source = match.group("display") if display else match.group("inline")
    try:
        return formula_html(source.strip(), prefix, display)
    except ValueError:
        return f"<code>{html.escape(match.group(0), quote=False)}</code>"

def value_text(value: Any, lang: str) -> str:
    """A config value (number, list, table, name) written for a reader, numbers in the locale.

    Lists of decimals use `;` where the decimal separator is a comma (`[0,1; 0,2]`).
    """
    if value is None:
        return i18n.DASH
    if isinstance(value, bool):
        return i18n.gettext(lang)("yes") if value else i18n.gettext(lang)("no")
    if isinstance(value, int | float):
        return i18n.format_general(value, lang)
    separator = "; " if i18n.decimal_separator(lang) == "," else ", "
    if isinstance(value, list | tuple):
        return "[" + separator.join(value_text(v, lang) for v in value) + "]"
    if isinstance(value, dict):
        return separator.join(f"{k}={value_text(v, lang)}" for k, v in value.items())
    return str(value)


def get_path(config: dict[str, Any], dotted: str) -> Any:
    """`config["training"]["optimizer"]["lr"]` for "training.optimizer.lr"; None if absent."""
    node: Any = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
