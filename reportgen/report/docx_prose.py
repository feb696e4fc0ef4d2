"""A user's Markdown prose (already safe HTML from `text.markdown`) as Word paragraphs.

markdown-it's CommonMark output is a small, regular subset of HTML: p, h4–h6, ul/ol/li,
blockquote, pre/code, tables, strong/em/s/code/a, br and hr. Each becomes the Word construct a
person would have used: paragraph styles for blocks, run formatting for inline markup, real
hyperlinks, a styled table.
"""

from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser
from typing import Any

from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, RGBColor
from docx.text.paragraph import Paragraph

INLINE = {"strong": "bold", "b": "bold", "em": "italic", "i": "italic", "s": "strike",
          "del": "strike", "code": "code"}
HEADINGS = {"h1": 4, "h2": 4, "h3": 4, "h4": 4, "h5": 5, "h6": 6}  # below the report's own
LINK_BLUE = RGBColor(0x1F, 0x4E, 0x79)

MAX_PICTURE_WIDTH = Cm(15)  # an A4 page's text width, less a margin


class ProseWriter(HTMLParser):
    """Feed it markdown-it HTML; it appends to `container` (a Document or a table cell)."""

    def __init__(self, container: Any, code_font: str, table_style: str) -> None:
        super().__init__(convert_charrefs=True)
        self.container = container
        self.code_font = code_font
        self.table_style = table_style
        self.paragraph: Paragraph | None = None
        self.marks: list[str] = []  # open inline formatting, innermost last
        self.link: str | None = None
        self.lists: list[str] = []  # "ul" / "ol", innermost last
        self.quote = 0
        self.pre = False
        self.table: list[list[str]] | None = None  # rows of cell texts while inside <table>
        self.cell: list[str] | None = None
        self._in_fresh_item = False  # a list item just opened: its first <p> is that item
        self._svg_depth = 0  # inside a formula's SVG

    # ------------------------------------------------------------ blocks
    def _block(self, style: str | None = None) -> Paragraph:
        self.paragraph = self.container.add_paragraph(style=style)
        if self.quote:
            self.paragraph.paragraph_format.left_indent = 360000 * self.quote  # EMU: 1 cm
        return self.paragraph

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # a typeset formula: Word gets its source as text, never the SVG's inner style/paths
        if tag == "svg":
            self._svg_depth += 1
        found = dict(attrs)
        if tag == "span" and (found.get("class") or "").startswith("math"):
            self.handle_data(f"${found.get('aria-label') or ''}$")
        if self.table is not None:
            if tag == "tr":
                self.table.append([])
            elif tag in ("td", "th"):
                self.cell = []
            return
        if tag == "p":
            if not self._in_fresh_item:  # a loose list's <li><p>: the item's own paragraph
                self._block("Quote" if self.quote else None)
            self._in_fresh_item = False
        elif tag in HEADINGS:
            self._block(f"Heading {HEADINGS[tag]}")
        elif tag in ("ul", "ol"):
            self.lists.append(tag)
            self.paragraph = None
        elif tag == "li":
            bullet = "List Bullet" if self.lists[-1:] == ["ul"] else "List Number"
            depth = min(len(self.lists), 3)
            self._block(bullet if depth == 1 else f"{bullet} {depth}")
            self._in_fresh_item = True
        elif tag == "blockquote":
            self.quote += 1
        elif tag == "pre":
            self.pre = True
            self._block("No Spacing")
        elif tag == "hr":
            self._block()
        elif tag == "br":
            if self.paragraph is not None:
                self.paragraph.add_run().add_break()
        elif tag == "table":
            self.table = []
        elif tag == "a":
            self.link = dict(attrs).get("href")
        elif tag == "img":
            self._picture(found.get("src") or "", found.get("alt") or "")
        elif tag in INLINE:
            self.marks.append(INLINE[tag])

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._svg_depth = max(0, self._svg_depth - 1)
        if tag == "table" and self.table is not None:
            rows, self.table = self.table, None
            self._write_table(rows)
        elif self.table is not None:
            if tag in ("td", "th") and self.cell is not None:
                self.table[-1].append("".join(self.cell).strip())
                self.cell = None
        elif tag in ("p", "li", "pre", *HEADINGS):
            self.paragraph = None
            self._in_fresh_item = False
            self.pre = self.pre and tag != "pre"
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        elif tag == "a":
            self.link = None
        elif tag in INLINE and INLINE[tag] in self.marks:
            self.marks.reverse()
            self.marks.remove(INLINE[tag])
            self.marks.reverse()

    # ------------------------------------------------------------ text
    def handle_data(self, data: str) -> None:
        if self._svg_depth:
            return
        if self.table is not None:
            if self.cell is not None:
                self.cell.append(data)
            return
        if not self.pre:
            data = " ".join(data.split("\n"))
        if self.paragraph is None:
            if not data.strip():  # the newlines between blocks
                return
            self._block()
        assert self.paragraph is not None
        lines = data.rstrip("\n").split("\n") if self.pre else [data]
        for number, line in enumerate(lines):
            if number:
                self.paragraph.add_run().add_break()
            self._run(line, code=self.pre)

    def _run(self, text: str, code: bool = False) -> None:
        assert self.paragraph is not None
        if self.link:
            run = _hyperlink(self.paragraph, self.link, text)
        else:
            run = self.paragraph.add_run(text)
        run.bold = "bold" in self.marks or None
        run.italic = "italic" in self.marks or None
        run.font.strike = "strike" in self.marks or None
        if code or "code" in self.marks:
            run.font.name = self.code_font

    def _picture(self, src: str, alt: str) -> None:
        """An embedded image of the author's Markdown (always a data URI: see report.text),
        at most the text width; one Word cannot read is written as its alt text."""
        match = re.fullmatch(r"data:(image/[\w+.-]+);base64,(.*)", src, re.S)
        if self.paragraph is None:
            self._block()
        assert self.paragraph is not None
        try:
            if match is None:
                raise ValueError(src[:40])
            data = base64.b64decode(match[2])
            if match[1] == "image/svg+xml":
                import cairosvg  # as the figures' SVGs are rasterised for Word

                data = cairosvg.svg2png(bytestring=data, dpi=150)
            shape = self.paragraph.add_run().add_picture(io.BytesIO(data))
        except Exception:  # a picture Word cannot take never stops the document
            self._run(f"[{alt}]")
            return
        if shape.width > MAX_PICTURE_WIDTH:
            shape.height = Emu(int(shape.height * MAX_PICTURE_WIDTH / shape.width))
            shape.width = MAX_PICTURE_WIDTH

    def _write_table(self, rows: list[list[str]]) -> None:
        rows = [row for row in rows if row]
        if not rows:
            return
        width = max(len(row) for row in rows)
        table = self.container.add_table(rows=len(rows), cols=width)
        table.style = self.table_style
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                table.cell(r, c).text = text
        self.paragraph = None


def _hyperlink(paragraph: Paragraph, url: str, text: str) -> Any:
    """A real Word hyperlink (external relationship) holding one run; returns the run."""
    from docx.text.run import Run

    r_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    r = OxmlElement("w:r")
    link.append(r)
    paragraph._p.append(link)
    run = Run(r, paragraph)
    run.font.underline = True
    run.font.color.rgb = LINK_BLUE
    run.text = text
    return run


def write_prose(container: Any, html_text: str, code_font: str, table_style: str) -> None:
    writer = ProseWriter(container, code_font, table_style)
    writer.feed(html_text)
    writer.close()
