"""Text helpers for the report model: safe Markdown, config values as text, slugs."""

from __future__ import annotations

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


def markdown(text: str) -> str:
    """Markdown written by a user (abstract, notes, conclusions) as safe HTML."""
    md = _markdown()
    tokens = md.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(6, int(token.tag[1]) + HEADING_OFFSET)
            token.tag = f"h{level}"
    return md.renderer.render(tokens, md.options, {})


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
