"""ReportModel → an editable Word document (python-docx): the starting point a student edits.

Everything a person would do by hand in Word is done the Word way, so that editing keeps
working: headings in the built-in Heading styles (navigation pane, table of contents), a TOC
field, captions as SEQ fields in the Caption style (Word renumbers them), tables in a table style
with header rows that repeat on each page, PAGE/NUMPAGES fields in the footer. Figures are the
report's SVG rasterised by cairosvg at FIGURE_DPI (Word's SVG support is uneven and LibreOffice
drops it in older versions; a 200-dpi PNG prints sharply). The HTML/PDF stay the reference.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from html import escape
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Length, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run

from reportgen.report import i18n
from reportgen.report.docx_prose import write_prose
from reportgen.report.model import (
    Block,
    BulletList,
    Figure,
    Meta,
    Paragraph,
    Preformatted,
    ReportModel,
    Section,
    Table,
)
from reportgen.report.render import format_cell
from reportgen.store.store import write_atomic

FIGURE_DPI = 200
TABLE_STYLE = "Light Shading"  # rules above and below, banded rows: close to the PDF's tables
CODE_FONT = "Liberation Mono"
BODY_FONT = "Liberation Serif"  # metric-compatible with Times New Roman; Word substitutes it
LANGUAGE_TAGS = {"es": "es-ES", "en": "en-US"}  # the proofing language Word checks spelling in
TOC_LEVELS = 2  # as the HTML's contents: sections and subsections
MUTED = RGBColor(0x55, 0x55, 0x55)
ANSWER_KEY_RED = RGBColor(0xAA, 0x33, 0x33)


def write_docx(model: ReportModel, path: str | Path) -> Path:
    """Write the report as `path` (report.<lang>.docx)."""
    path = Path(path)
    buffer = io.BytesIO()
    document(model).save(buffer)
    write_atomic(path, buffer.getvalue())
    return path


def document(model: ReportModel) -> docx.document.Document:
    return _Writer(model).write()


class _Writer:
    def __init__(self, model: ReportModel) -> None:
        self.model = model
        self.lang = model.lang
        self._ = i18n.gettext(model.lang)
        self.doc = docx.Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4, as the PDF
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(2.5))
        # read back: Word stores lengths in twips, so these are the rounded ones it will use
        page, left, right = section.page_width, section.left_margin, section.right_margin
        assert page is not None and left is not None and right is not None
        self.text_width = Emu(page - left - right)

    def write(self) -> docx.document.Document:
        self._styles()
        self._properties(self.model.meta)
        self._cover(self.model.meta)
        self.doc.add_heading(self._("Summary"), 1)
        self._blocks(self.model.abstract)
        self._contents()
        for section in self.model.sections:
            self._section(section, 1)
        self._footer()
        self._update_fields_on_open()
        return self.doc

    # ------------------------------------------------------------ setup
    def _styles(self) -> None:
        styles = self.doc.styles
        normal = styles["Normal"]
        normal.font.name = BODY_FONT
        normal.font.size = Pt(11)
        normal.paragraph_format.space_after = Pt(6)
        # the proofing language of every run that does not say otherwise
        rpr = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), LANGUAGE_TAGS[self.lang])
        for level in range(1, TOC_LEVELS + 1):  # Word's built-in "toc N" styles
            toc = styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
            toc.base_style = normal
            toc.paragraph_format.left_indent = Cm(0.6 * (level - 1))
            toc.paragraph_format.space_after = Pt(2)
        code = styles.add_style("Code", WD_STYLE_TYPE.PARAGRAPH)
        code.base_style = styles["No Spacing"]
        code.font.name = CODE_FONT
        code.font.size = Pt(8)
        styles["Caption"].font.size = Pt(9)
        styles["Caption"].font.color.rgb = RGBColor(0x33, 0x33, 0x33)

    def _properties(self, meta: Meta) -> None:
        props = self.doc.core_properties
        props.title = meta.title
        props.subject = meta.subtitle or ""
        props.author = "; ".join(meta.authors)
        props.language = LANGUAGE_TAGS[self.lang]
        props.keywords = "reportgen"

    # ------------------------------------------------------------ cover
    def _cover(self, meta: Meta) -> None:
        def line(text: str, size: float, bold: bool = False, color: RGBColor | None = None,
                 space_after: float = 4) -> DocxParagraph:
            paragraph = self.doc.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.space_after = Pt(space_after)
            run = paragraph.add_run(text)
            run.font.size, run.bold = Pt(size), bold
            if color is not None:
                run.font.color.rgb = color
            return paragraph

        if meta.logo is not None:
            paragraph = self.doc.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run().add_picture(io.BytesIO(_raster(meta.logo.data, meta.logo.mime)),
                                            height=Cm(2.8))
        if meta.institution:
            line(meta.institution, 15, bold=True)
        if meta.faculty:
            line(meta.faculty, 13)
        if meta.course:
            line(meta.course, 13, space_after=60)
        title = self.doc.add_paragraph(meta.title, style="Title")
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if meta.subtitle:
            subtitle = self.doc.add_paragraph(meta.subtitle, style="Subtitle")
            subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.doc.add_paragraph().paragraph_format.space_after = Pt(40)
        for author, student_id in meta.people():
            paragraph = line(author, 13, bold=True, space_after=2)
            if student_id:
                run = paragraph.add_run(f"   {student_id}")
                run.font.size, run.font.color.rgb = Pt(12), MUTED
        if meta.kind == "answer-key":
            line(self._("Answer key"), 13, bold=True, color=ANSWER_KEY_RED)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(60)
        if meta.city:
            line(meta.city, 12, space_after=2)
        line(i18n.format_date(meta.date, self.lang), 12)
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # ------------------------------------------------------------ contents
    def _contents(self) -> None:
        """A TOC field whose cached result lists the sections, so the contents read right before
        anyone updates the field (Word does on opening: `updateFields`; it adds page numbers)."""
        self.doc.add_paragraph(self._("Contents"), style="TOC Heading")
        entries = [e for top in self.model.sections
                   for e in [(1, top), *[(2, sub) for sub in top.subsections]]]
        first = self.doc.add_paragraph(style="toc 1")
        _field_begin(first, f'TOC \\o "1-{TOC_LEVELS}" \\h \\z \\u')
        last = first
        for position, (level, section) in enumerate(entries):
            last = first if position == 0 else self.doc.add_paragraph(style=f"toc {level}")
            last.add_run(_heading_text(section))
        _field_end(last)
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # ------------------------------------------------------------ body
    def _section(self, section: Section, level: int) -> None:
        self.doc.add_heading(_heading_text(section), min(level, 3))
        self._blocks(section.blocks)
        for sub in section.subsections:
            self._section(sub, level + 1)

    def _blocks(self, blocks: Sequence[Block]) -> None:
        for block in blocks:
            if isinstance(block, Paragraph):
                if block.html:
                    text = block.text if not block.lead else block.text.replace(
                        "<p>", f"<p><strong>{escape(block.lead, quote=False)}</strong> ", 1)
                    write_prose(self.doc, text, CODE_FONT, TABLE_STYLE)
                else:
                    paragraph = self.doc.add_paragraph()
                    if block.lead:
                        paragraph.add_run(block.lead + " ").bold = True
                    paragraph.add_run(block.text)
            elif isinstance(block, BulletList):
                style = "List Number" if block.ordered else "List Bullet"
                leads = block.leads or ("",) * len(block.items)
                for lead, item in zip(leads, block.items, strict=True):
                    if block.html:
                        head = f"<strong>{escape(lead, quote=False)}</strong> " if lead else ""
                        write_prose(self.doc, f"<p>{head}{item}</p>", CODE_FONT, TABLE_STYLE)
                    else:
                        paragraph = self.doc.add_paragraph(style=style)
                        if lead:
                            paragraph.add_run(lead + " ").bold = True
                        paragraph.add_run(item)
            elif isinstance(block, Preformatted):
                paragraph = self.doc.add_paragraph(style="Code")
                for number, text in enumerate(block.text.split("\n")):
                    if number:
                        paragraph.add_run().add_break()
                    paragraph.add_run(text)
            elif isinstance(block, Table):
                self._table(block)
            elif isinstance(block, Figure):
                self._figure(block)

    def _caption(self, message: str, number: int, text: str,
                 keep_with_next: bool) -> DocxParagraph:
        """"Table 3: …" with the number as a SEQ field, label and punctuation from the
        catalog ("Tabla %(n)s:"), the field's name the label itself (Tabla, Figure)."""
        before, _, after = self._(message).partition("%(n)s")
        paragraph = self.doc.add_paragraph(style="Caption")
        paragraph.paragraph_format.keep_with_next = keep_with_next
        label = paragraph.add_run(before)
        label.bold = True
        name = before.strip() if re.fullmatch(r"\w+", before.strip()) else "Figure"
        run = _field(paragraph, f"SEQ {name} \\* ARABIC", str(number))
        run.bold = True
        paragraph.add_run(after).bold = True
        paragraph.add_run(f" {text}")
        return paragraph

    def _table(self, block: Table) -> None:
        self._caption("Table %(n)s:", block.number, block.caption, keep_with_next=True)
        headers = block.header_rows()
        body = block.rows[:block.shown_rows]
        rows = [*body, *block.foot]
        table = self.doc.add_table(rows=len(headers) + len(rows), cols=len(block.columns))
        table.style = TABLE_STYLE
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _table_look(table, foot=bool(block.foot))
        size = Pt(7) if block.compact or len(block.columns) > 10 else Pt(8.5)
        taken: set[tuple[int, int]] = set()
        for r, header in enumerate(headers):
            c = 0
            for head in header:
                while (r, c) in taken:
                    c += 1
                cell = table.cell(r, c)
                end = (r + head.rowspan - 1, c + head.colspan - 1)
                if end != (r, c):
                    cell = cell.merge(table.cell(*end))
                taken |= {(rr, cc) for rr in range(r, end[0] + 1) for cc in range(c, end[1] + 1)}
                _cell_text(cell, head.label, size, bold=True,
                           right=head.numeric and head.colspan == 1,
                           center=head.colspan > 1)
                c = end[1] + 1
            _repeat_header(table.rows[r])
        for i, (row, values) in enumerate(zip(table.rows[len(headers):], rows, strict=True)):
            for cell, value, column in zip(row.cells, values, block.columns, strict=True):
                _cell_text(cell, format_cell(value, self.lang), size,
                           bold=i == block.highlight or i >= len(body),
                           right=column.numeric, code=value.kind == "code")
        for row in table.rows:
            _cant_split(row)
        if block.note:
            note = self.doc.add_paragraph()
            note.paragraph_format.space_before = Pt(3)
            run = note.add_run(block.note)
            run.italic, run.font.size = True, Pt(9)
        else:
            self.doc.add_paragraph().paragraph_format.space_after = Pt(0)

    def _figure(self, block: Figure) -> None:
        png = _raster(block.svg.encode("utf-8"), "image/svg+xml")
        width = min(self.text_width, _svg_width(block.svg) or self.text_width)
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.keep_with_next = True
        picture = paragraph.add_run().add_picture(io.BytesIO(png), width=width)
        picture._inline.docPr.set("descr", block.caption)  # alt text, as the HTML's aria-label
        self._caption("Figure %(n)s:", block.number, block.caption, keep_with_next=False)

    # ------------------------------------------------------------ page furniture
    def _footer(self) -> None:
        """"Page N of M" with PAGE and NUMPAGES fields, in the catalog's word order; no footer
        on the cover."""
        section = self.doc.sections[0]
        section.different_first_page_header_footer = True
        paragraph = section.footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        message = self._("Page %(page)s of %(pages)s")
        for piece in re.split(r"(%\([a-z]+\)s)", message):
            if piece == "%(page)s":
                _field(paragraph, "PAGE", "1")
            elif piece == "%(pages)s":
                _field(paragraph, "NUMPAGES", "1")
            elif piece:
                paragraph.add_run(piece)
        for run in paragraph.runs:
            run.font.size = Pt(9)

    def _update_fields_on_open(self) -> None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        self.doc.settings.element.append(update)


# ---------------------------------------------------------------- helpers
def _heading_text(section: Section) -> str:
    return f"{section.number} {section.title}" if section.number else section.title


def _raster(data: bytes, mime: str) -> bytes:
    """PNG or JPEG as they are; SVG rasterised at FIGURE_DPI."""
    if mime != "image/svg+xml":
        return data
    import cairosvg  # needs the cairo library, as WeasyPrint's Pango does

    return cairosvg.svg2png(bytestring=data, dpi=FIGURE_DPI)


def _svg_width(svg: str) -> Length | None:
    """The figure's natural width (matplotlib writes width="489.6pt")."""
    found = re.search(r'<svg[^>]*\bwidth="([\d.]+)(pt|px|in|cm)?"', svg)
    if not found:
        return None
    points = float(found[1]) * {"pt": 1, "px": 0.75, "in": 72, "cm": 72 / 2.54}[found[2] or "px"]
    return Pt(points)


def _field_begin(paragraph: DocxParagraph, instruction: str) -> None:
    for kind in ("begin", None, "separate"):  # None: the instruction between them
        run = paragraph.add_run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {instruction} "
            run._r.append(instr)


def _field_end(paragraph: DocxParagraph) -> None:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(char)


def _field(paragraph: DocxParagraph, instruction: str, cached: str) -> Run:
    """A complex field with its cached result (shown until Word updates it); returns the
    result's run, for formatting."""
    _field_begin(paragraph, instruction)
    run = paragraph.add_run(cached)
    _field_end(paragraph)
    return run


def _cell_text(cell: docx.table._Cell, text: str, size: Pt, *, bold: bool = False,
               right: bool = False, center: bool = False, code: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.font.size = size
    run.bold = bold or None
    if code:
        run.font.name = CODE_FONT


def _repeat_header(row: docx.table._Row) -> None:
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _cant_split(row: docx.table._Row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _table_look(table: DocxTable, foot: bool) -> None:
    """Which parts the table style emphasises: the header row, the totals row when there is
    one, banded rows; not the first column (it is data, not a header)."""
    tbl_pr = table._tbl.tblPr
    look = tbl_pr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        tbl_pr.append(look)
    flags = (("firstRow", True, 0x20), ("lastRow", foot, 0x40), ("firstColumn", False, 0x80),
             ("lastColumn", False, 0x100), ("noHBand", False, 0x200), ("noVBand", True, 0x400))
    for name, on, _bit in flags:
        look.set(qn(f"w:{name}"), "1" if on else "0")
    # the older bit mask, which LibreOffice reads
    look.set(qn("w:val"), f"{sum(bit for _name, on, bit in flags if on):04X}")

