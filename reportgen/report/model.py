"""The report model: what a report says, as plain frozen data. No HTML, no formatting.

`build.build()` computes it from a ResultSet; `render` turns it into HTML/PDF. Numbers stay raw
here (a Cell carries the value and how to format it), so the same model could feed another
renderer, and every table can be written as a CSV of raw values.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

# text: plain text; code: identifiers, shapes, config values (monospace); int: counts;
# num: fixed decimals (`digits`); pct: a fraction shown as a percentage; secs: a duration;
# general: hyperparameters such as learning rates (0,001 / 1E-5).
CellKind = Literal["text", "code", "int", "num", "pct", "secs", "general"]
NUMERIC_KINDS = frozenset({"int", "num", "pct", "secs", "general"})
TABLES_DIR = "tables"  # CSV copies of the tables, next to the report


PORTRAIT_COLUMNS = 12  # widest table that fits A4 portrait (checked by tests/test_render.py)

@dataclass(frozen=True)
class Cell:
    """One table cell. `value` is raw (what the CSV gets); `display` overrides the formatted text
    for values that need translating (a stop reason, yes/no) or composing (a list of widths)."""

    value: Any
    kind: CellKind = "text"
    digits: int | None = None  # decimals for num/pct; None = the renderer's default
    display: str | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


@dataclass(frozen=True)
class Column:
    key: str  # language-neutral; the CSV header
    label: str  # translated header shown in the report
    numeric: bool = False  # right-aligned
    group: str | None = None  # a shared header over consecutive columns ("Accuracy")


@dataclass(frozen=True)
class HeaderCell:
    label: str
    colspan: int = 1
    rowspan: int = 1
    numeric: bool = False


@dataclass(frozen=True)
class Paragraph:
    kind: ClassVar[str] = "paragraph"  # lets templates branch without isinstance
    text: str
    html: bool = False  # True: `text` is already safe HTML (Markdown rendered with html disabled)
    lead: str | None = None  # a run-in head set in bold before the text ("Design.")
    generated: bool = False  # written from the results, not the author's text


@dataclass(frozen=True)
class BulletList:
    kind: ClassVar[str] = "list"
    items: tuple[str, ...]
    ordered: bool = False  # numbered (the introduction's objectives, the conclusions)
    html: bool = False  # items are already safe HTML
    leads: tuple[str, ...] = ()  # a bold run-in head per item ("Objective 1."), plain text
    generated: bool = False


@dataclass(frozen=True)
class Preformatted:
    kind: ClassVar[str] = "pre"
    text: str
    caption: str | None = None


@dataclass(frozen=True)
class Table:
    kind: ClassVar[str] = "table"
    id: str  # language-neutral, unique in the report; also the CSV file stem
    number: int
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    foot: tuple[tuple[Cell, ...], ...] = ()  # totals, shown after the body, kept in the CSV
    highlight: int | None = None  # index of a row to emphasise (the best run)
    note: str | None = None  # shown under the table (e.g. "best run in bold")
    shown_rows: int | None = None  # the report shows the first rows only; the CSV keeps all
    compact: bool = False  # long listings (tuning trials): smaller type

    @property
    def landscape(self) -> bool:
        """Past PORTRAIT_COLUMNS columns the PDF prints the table on a landscape page."""
        return len(self.columns) > PORTRAIT_COLUMNS

    @property
    def csv_name(self) -> str:
        return f"{self.id}.csv"

    @property
    def csv_path(self) -> str:
        """Where `render.write_tables` puts the CSV, relative to the report."""
        return f"{TABLES_DIR}/{self.csv_name}"

    def header_rows(self) -> list[list[HeaderCell]]:
        """One header row, or two when columns are grouped: the group labels span their
        columns on top, ungrouped columns span both rows."""
        if not any(c.group for c in self.columns):
            return [[HeaderCell(c.label, numeric=c.numeric) for c in self.columns]]
        top: list[HeaderCell] = []
        bottom: list[HeaderCell] = []
        previous: str | None = None
        for column in self.columns:
            if column.group is None:
                top.append(HeaderCell(column.label, rowspan=2, numeric=column.numeric))
            elif column.group == previous:
                last = top[-1]
                top[-1] = HeaderCell(last.label, last.colspan + 1, 1, last.numeric)
            else:
                top.append(HeaderCell(column.group, numeric=column.numeric))
            if column.group is not None:
                bottom.append(HeaderCell(column.label, numeric=column.numeric))
            previous = column.group
        return [top, bottom]


@dataclass(frozen=True)
class Figure:
    kind: ClassVar[str] = "figure"
    id: str
    number: int
    caption: str
    svg: str  # inline SVG markup, element ids already prefixed with `id`
    half: bool = False  # half the text width: two such figures in a row share a line
    aside: bool = False  # half the text width, beside the paragraphs that follow it


Block = Paragraph | BulletList | Preformatted | Table | Figure


@dataclass(frozen=True)
class Section:
    id: str  # anchor
    number: str  # "3", "3.2", "A"
    title: str
    blocks: tuple[Block, ...] = ()
    subsections: tuple[Section, ...] = ()

    def walk(self) -> Iterator[Section]:
        yield self
        for sub in self.subsections:
            yield from sub.walk()


@dataclass(frozen=True)
class Logo:
    """The cover's image, embedded: the report stays self-contained."""

    data: bytes
    mime: str  # image/png, image/jpeg or image/svg+xml

    @property
    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True)
class Meta:
    title: str
    subtitle: str | None
    authors: tuple[str, ...]
    course: str | None
    institution: str | None
    date: dt.date
    kind: str = "student"
    # cover fields of the reference labs (reportgen/report/cover.py fills them)
    student_ids: tuple[str, ...] = ()  # one per author, "" where an author has none
    faculty: str | None = None
    city: str | None = None
    logo: Logo | None = None
    mark_generated: bool = False  # [report] mark_generated: generated paragraphs marked
    keywords: tuple[str, ...] = ()  # the datasets' and studies' titles (the PDF's metadata)

    def people(self) -> list[tuple[str, str]]:
        """(author, student id or "") in order."""
        ids = self.student_ids or ("",) * len(self.authors)
        return list(zip(self.authors, ids, strict=True))


@dataclass(frozen=True)
class ReportModel:
    lang: str
    meta: Meta
    abstract: tuple[Block, ...]  # paragraphs and the key-results table, before the contents
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def blocks(self) -> Iterator[Block]:
        """Every block in document order."""
        yield from self.abstract
        for section in self.sections:
            for part in section.walk():
                yield from part.blocks

    def tables(self) -> list[Table]:
        return [b for b in self.blocks() if isinstance(b, Table)]

    def figures(self) -> list[Figure]:
        return [b for b in self.blocks() if isinstance(b, Figure)]

    def section(self, section_id: str) -> Section:
        for top in self.sections:
            for part in top.walk():
                if part.id == section_id:
                    return part
        raise KeyError(section_id)
