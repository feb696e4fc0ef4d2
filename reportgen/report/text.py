"""Text helpers for the report model: safe Markdown, config values as text."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from reportgen.report import i18n
from reportgen.report.i18n import N_

HEADING_OFFSET = 3  # a "# Title" in a student's notes sits below the report's own h2/h3/h4


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # html=False: raw HTML (a <script>, an <img onerror=...>) comes out escaped, not executed.
    # Images are parsed, then replaced by the bytes `author_images` read (or a note): the
    # renderer never sees a URL it would fetch.
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


# $$display$$ before $inline$; a "$" right after a digit or space-padded is left alone ("5 $")
_MATH = re.compile(r"\$\$(?P<display>.+?)\$\$|\$(?P<inline>[^\s$](?:[^$]*?[^\s$])?)\$")


def markdown(text: str, images: Mapping[str, Any] | None = None, lang: str = "en") -> str:
    """Markdown written by a user (abstract, notes, conclusions) as safe HTML.

    `$…$` and `$$…$$` in running text (not in code) are typeset as inline SVG; a formula
    that mathtext cannot parse is shown as code. An image `![alt](src)` is embedded from
    `images[src]` (a `author_images.Image`, read where the manifest is loaded); one refused
    or not given becomes a one-line note in `lang`.
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
            if child.type == "image":
                _embed(child, (images or {}).get(str(child.attrs.get("src", ""))), lang)
            if child.type == "text" and "$" in child.content:
                def typeset(match: re.Match[str]) -> str:
                    nonlocal count
                    count += 1
                    return _formula(match, f"m{salt}-{count}")
                if _MATH.search(child.content):
                    child.type = "html_inline"
                    child.content = _MATH.sub(typeset, _escape_outside(child.content))
    return md.renderer.render(tokens, md.options, {})


_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([«“(]?)([a-záéíóúüñ])([^»”).!?]*)")


def capitalised(text: str) -> str:
    """Plain generated prose with every sentence opening on a capital, also when it opens
    with a quoted phrase written in lower case («sin regularización» → «Sin regularización»);
    a quoted one-word name («numpy», a variant's identifier) is kept as its author wrote it."""
    def upper(m: re.Match[str]) -> str:
        if m[2] in "«“" and m[2] and " " not in m[4]:
            return m[0]
        return m[1] + m[2] + m[3].upper() + m[4]
    return _SENTENCE_START.sub(upper, text)


def prose(sentences: Sequence[str]) -> str:
    """Generated sentences joined into one paragraph of running text."""
    return capitalised(" ".join(s for s in sentences if s))


def inline_markdown(text: str) -> str:
    """A short user text (an objective, a hypothesis) as safe inline HTML, for a sentence or a
    list item: emphasis, code and links, no paragraphs, headings or images."""
    return _markdown().renderInline(" ".join(text.split()))


# why an image is left out (author_images.REASONS), as the report says it
_REFUSED = {
    "remote": N_("Image %(src)s not included: remote images are not downloaded."),
    "outside": N_("Image %(src)s not included: it is not a file inside the manifest's folder."),
    "type": N_("Image %(src)s not included: only PNG, JPEG and SVG images are embedded."),
    "size": N_("Image %(src)s not included: it is larger than %(limit)s MiB."),
}


def _embed(token: Token, found: Any, lang: str) -> None:
    """Turn an image token into an embedded <img>, or into the note saying why it is not."""
    alt = html.escape(token.content)
    token.type, token.children = "html_inline", None
    data_uri = getattr(found, "data_uri", None)
    if data_uri is not None:
        token.content = (f'<img class="author-image" alt="{alt}" src="{data_uri()}" '
                         'style="max-width: 100%">')
        return
    # imported here: author_images reads files, the report only words its reasons
    from reportgen.manifest.author_images import MAX_BYTES

    reason = getattr(found, "reason", "outside")
    message = i18n.gettext(lang)(_REFUSED.get(reason, _REFUSED["outside"]))
    src = html.escape(str(token.attrs.get("src", "")))
    note = message % {"src": f"<code>{src}</code>",
                      "limit": i18n.format_int(MAX_BYTES // 2**20, lang)}
    token.content = f'<em class="image-refused">[{note}]</em>'


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
