"""ReportModel → one self-contained HTML page (Jinja2) → PDF (WeasyPrint), plus CSV tables.

Only turns a model into files: `write.py` decides what is built, in which process.

The page inlines its CSS and SVG figures and references no remote URL, so it opens offline and
the PDF renderer never needs the network; the URL fetcher refuses anything but local files under
the output folder and data: URLs, in case a user's Markdown ever points elsewhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import jinja2
from markupsafe import Markup, escape

from reportgen.report import i18n
from reportgen.report.i18n import templates_dir
from reportgen.report.model import Cell, ReportModel, Table
from reportgen.report.run_labels import identity
from reportgen.store import csvsafe
from reportgen.store.store import write_atomic

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"


# ---------------------------------------------------------------- formatting filters
def format_cell(cell: Cell, lang: str) -> str:
    """A cell as text: its `display` if set, else its raw value formatted for `lang`."""
    if cell.display is not None:
        return cell.display
    if cell.value is None:
        return i18n.DASH
    match cell.kind:
        case "int":
            return i18n.format_int(cell.value, lang)
        case "num":
            return i18n.format_number(cell.value, lang, 3 if cell.digits is None else cell.digits)
        case "pct":
            return i18n.format_percent(cell.value, lang, 1 if cell.digits is None
                                       else cell.digits)
        case "secs":
            return i18n.format_seconds(cell.value, lang)
        case "general":
            return i18n.format_general(cell.value, lang)
        case _:
            return str(cell.value)


def css_content(message: str, counters: dict[str, str]) -> Markup:
    """A translated message with %(name)s placeholders as a CSS `content` value.

    `Page %(page)s of %(pages)s` → `"Page " counter(page) " of " counter(pages)`: the
    translation decides the word order, CSS fills in the numbers.
    """
    parts = []
    for piece in re.split(r"(%\([a-z_]+\)s)", message):
        name = re.fullmatch(r"%\(([a-z_]+)\)s", piece)
        if name:
            parts.append(counters[name[1]])
        elif piece:
            escaped = piece.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
            parts.append(f'"{escaped}"')
    # the result goes inside <style>: no "<" may open a tag there
    return Markup(" ".join(parts).replace("<", "\\3c "))


@cache
def environment(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # the i18n extension adds this method at run time
    env.install_gettext_translations(  # type: ignore[attr-defined]
        i18n.translations(lang), newstyle=True)
    env.filters.update({
        "cell": lambda cell: format_cell(cell, lang),
        "int": lambda value: i18n.format_int(value, lang),
        "number": lambda value, digits=3: i18n.format_number(value, lang, digits),
        "percent": lambda value, digits=1: i18n.format_percent(value, lang, digits),
        "date": lambda value: i18n.format_date(value, lang),
        "with_lead": with_lead,
        "caption_text": caption_text,
        "breakable": breakable,
    })
    return env


_JOINT = re.compile(r"(?<=[^\W\d])([._/])(?=[^\W\d])")  # between letters: never in 0.5


def breakable(text: str) -> Markup:
    """Escaped `text` with a break opportunity (<wbr>) after the dots, underscores and slashes
    inside a word: table headers never hyphenate, yet a config path such as
    `training.optimizer.lr` may still wrap at its dots instead of widening its column."""
    return Markup(_JOINT.sub(r"\1<wbr>", str(escape(text))))


def caption_text(caption: str) -> str:
    """A table's caption as printed above it: a one-sentence caption without its final
    full stop, as a label reads (a caption of several sentences keeps its punctuation)."""
    body = caption.rstrip()
    if body.endswith(".") and body.count(". ") == 0 and not body.endswith(".."):
        return body[:-1]
    return caption


def with_lead(html_text: str, lead: str) -> Markup:
    """Safe HTML with a bold run-in head (`Paragraph.lead`) opening its first paragraph."""
    head = Markup('<strong class="lead">%s</strong> ') % lead
    if html_text.lstrip().startswith("<p>"):
        return Markup(html_text.replace("<p>", str(Markup("<p>") + head), 1))
    return head + Markup(html_text)


# ---------------------------------------------------------------- HTML
def html(model: ReportModel) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no remote URL)."""
    _ = i18n.gettext(model.lang)
    css = (templates_dir() / STYLESHEET).read_text(encoding="utf-8")
    page_footer = css_content(_("Page %(page)s of %(pages)s"),
                              {"page": "counter(page)", "pages": "counter(pages)"})
    template = environment(model.lang).get_template(TEMPLATE)
    return template.render(model=model, meta=model.meta, css=Markup(css),
                           page_footer=page_footer)


# ---------------------------------------------------------------- PDF
class UrlRefused(ValueError):
    """The PDF renderer asked for something that is not a local file under the output folder."""


def local_fetcher(base_dir: Path) -> Any:
    """A WeasyPrint URL fetcher that serves data: URLs and files under `base_dir`, nothing else."""
    from weasyprint.urls import URLFetcher

    root = base_dir.resolve()

    class LocalFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
                if path.is_relative_to(root) and path.is_file():
                    return super().fetch(url, headers)
                raise UrlRefused(f"refusing {url}: not a file under {root}")
            raise UrlRefused(f"refusing {url}: reports never load remote resources")

    return LocalFetcher()


def document(html_text: str, base_dir: str | Path) -> Any:
    """The laid-out WeasyPrint document (pages, boxes) of `html_text`."""
    import weasyprint  # slow import, only needed for PDFs

    base_dir = Path(base_dir)
    return weasyprint.HTML(string=html_text, base_url=str(base_dir.resolve()) + "/",
                           url_fetcher=local_fetcher(base_dir)).render()


@dataclass(frozen=True)
class Attachment:
    """A file a PDF carries inside it (its readers list it in an attachments pane)."""

    name: str
    data: bytes
    description: str  # what a reader's attachments pane shows beside the name
    date: dt.datetime  # its creation and modification date: fixed, so the PDF is reproducible


def pdf(html_text: str, path: str | Path, base_dir: str | Path,
        attachments: Sequence[Attachment] = ()) -> Path:
    """Render `html_text` to a PDF at `path`; relative URLs resolve against `base_dir`.

    The PDF's metadata (title, authors, keywords, language, creation date) comes from the
    page's <title>, <meta> tags and `lang`; `attachments` are embedded as they are given.
    The PDF is tagged (its headings, paragraphs, lists, tables and figures marked for screen
    readers and text reflow): the same pages, ~15 % more bytes, no measurable extra time
    (docs/manifest.md, "The PDF").
    """
    import weasyprint

    path = Path(path)
    embedded = [weasyprint.Attachment(string=a.data, name=a.name, description=a.description,
                                      created=a.date, modified=a.date)
                for a in attachments]
    write_atomic(path, document(html_text, base_dir).write_pdf(attachments=embedded,
                                                                  pdf_tags=True))
    return path


# ---------------------------------------------------------------- CSV and the whole set
def table_csv(table: Table) -> str:
    """Raw values (no locale formatting), header from the language-neutral column keys."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(csvsafe.row([c.key for c in table.columns]))
    for row in (*table.rows, *table.foot):
        writer.writerow(csvsafe.row([_csv_value(cell.value) for cell in row]))
    return buffer.getvalue()


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):  # a translated label keeps its identity in the CSV
        value = [identity(v) for v in value]
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return identity(value)


def write_tables(model: ReportModel, out_dir: str | Path) -> list[Path]:
    written = []
    for table in model.tables():
        path = Path(out_dir) / table.csv_path
        write_atomic(path, table_csv(table), within=Path(out_dir))
        written.append(path)
    return written
