"""The public context every section is written in: one language, its catalog, locale
formatting, the numbering of tables and figures, and the names of things.

A section is a free function `(findings, ctx) → Section`; the context is the only state they
share (the running table and figure numbers), so one context serves one report in one language.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reportgen.analysis.findings import Findings, StudyFindings
from reportgen.manifest import Manifest
from reportgen.report import i18n, labels
from reportgen.report.i18n import N_
from reportgen.report.labels import STOP_REASONS
from reportgen.report.model import PORTRAIT_COLUMNS, Cell, Column, Figure, Table
from reportgen.report.run_labels import Label, Words
from reportgen.report.text import markdown, value_text

MAX_COLUMNS = PORTRAIT_COLUMNS  # wider tables are split, or printed on a landscape page


# masculine in Spanish: the nouns counted in prose (experimentos, objetivos, conjuntos) are
COUNT_WORDS = {
    "en": {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
           9: "nine", 10: "ten"},
    "es": {2: "dos", 3: "tres", 4: "cuatro", 5: "cinco", 6: "seis", 7: "siete", 8: "ocho",
           9: "nueve", 10: "diez"},
}


class Context:
    """Language, translation, numbering, labels and locale formatting of one report.

    `artwork` holds figures drawn once for every language (they carry no translated text),
    by figure id; `figure()` uses them instead of drawing again. `images`: the images the
    author's Markdown shows, by source (`author_images.load`).
    """

    def __init__(self, findings: Findings, lang: str,
                 artwork: Mapping[str, str] | None = None,
                 images: Mapping[str, Any] | None = None) -> None:
        self.findings = findings
        self.images = dict(images or {})  # the author's Markdown images, read at loading
        self.manifest: Manifest = findings.manifest
        self.lang = lang
        self.translate = i18n.gettext(lang)
        self.ngettext = i18n.ngettext(lang)
        self.artwork = dict(artwork or {})
        self.n_tables = 0
        self.n_figures = 0
        self.table_numbers: dict[str, int] = {}

    # -- numbering
    def table(self, id: str, caption: str, columns: Sequence[Column],
              rows: Sequence[Sequence[Cell]], **extra: Any) -> Table:
        self.n_tables += 1
        self.table_numbers[id] = self.n_tables
        return Table(id=id, number=self.n_tables, caption=caption, columns=tuple(columns),
                     rows=tuple(tuple(r) for r in rows), **extra)

    def figure(self, id: str, caption: str, draw: Callable[[str], str]) -> Figure:
        """`draw(prefix)` returns the SVG with its element ids prefixed by the figure id; a
        figure already in `artwork` is not drawn again."""
        self.n_figures += 1
        svg = self.artwork[id] if id in self.artwork else draw(id)
        return Figure(id=id, number=self.n_figures, caption=caption, svg=svg)

    # -- wording
    def markdown(self, text: str) -> str:
        """The author's Markdown as safe HTML, with their images embedded (or noted)."""
        return markdown(text, self.images, self.lang)

    def _(self, message: str, **values: Any) -> str:
        """Translate, then interpolate `values` (already formatted for the locale).

        Named `_` so that Babel's default keywords extract every message passed to it.
        """
        text = self.translate(message)
        if not values:
            return text
        # a run's label in a sentence is quoted like a name: «SGD, tasa 0,05» tiene…
        return text % {k: self.quoted(v) if isinstance(v, Label) else v
                       for k, v in values.items()}

    def phrasing(self, kind: str, options: Sequence[str], subject: object = None) -> str:
        """One of several phrasings of one kind of message (catalog ids marked with `N_`),
        untranslated: pass it to `_`. The choice is deterministic: it rotates with the
        study's position in the report (`subject` a StudyFindings, or any int), offset by
        the kind, so consecutive studies word the same message differently and a sentence
        frame recurs at most ceil(studies / len(options)) times in a chapter."""
        if subject is None:
            position = 0
        elif isinstance(subject, int):
            position = subject
        else:
            keys = [s.key for s in self.findings.studies]
            key = getattr(subject, "key", None)
            position = keys.index(key) if key in keys else zlib.crc32(str(key).encode())
        return options[(position + zlib.crc32(kind.encode())) % len(options)]

    def join(self, items: Sequence[str]) -> str:
        """"a, b and c" in the report's language ("" for none)."""
        items = list(items)
        if len(items) < 2:
            return "".join(items)
        return self._("%(items)s and %(last)s", items=", ".join(items[:-1]), last=items[-1])

    def titles(self, studies: Sequence[StudyFindings]) -> str:
        """The studies' titles, quoted and joined: «A», «B» and «C»."""
        return self.join([self.quoted(self.study_title(found)) for found in studies])

    def quoted(self, name: str) -> str:
        return self.translate(N_("“%(name)s”")) % {"name": name}

    def pct(self, value: float | None) -> str:
        return i18n.format_percent(value, self.lang)

    def integer(self, value: Any) -> str:
        return i18n.format_int(value, self.lang)

    def count(self, value: int) -> str:
        """A small count in prose as a word ("five experiments", "cinco experimentos"),
        from two to ten; other counts as digits. (One is left to the singular messages.)"""
        words = COUNT_WORDS.get(self.lang, {})
        return words.get(value) or self.integer(value)

    def study_title(self, found: StudyFindings) -> str:
        title = found.study.title.get(self.lang) if found.study.title else found.study.id
        if len(found.study.datasets()) > 1:
            title = f"{title} — {self.dataset_title(found.dataset)}"
        return title

    def dataset_title(self, name: str) -> str:
        spec = self.manifest.datasets.get(name)
        return spec.title.get(self.lang) if spec is not None and spec.title else name

    def stop_reason(self, reason: str) -> str:
        return self._(STOP_REASONS.get(reason, reason))

    def path_label(self, path: str) -> str:
        return labels.path_label(path, self.translate)

    def value_cell(self, value: Any, shown: Any = None, path: str | None = None) -> Cell:
        """A config value: raw in the CSV, as a reader writes it in the report. `shown` (a
        rounded copy) replaces the value in the display of numbers and lists; the value of a
        known `path` is named as a reader writes it ("ReLU", "Glorot uniforme")."""
        if path is not None and (named := Words(self.lang).value_name(path, value)) is not None:
            return Cell(value, display=named)
        display_value = value if shown is None else shown
        if isinstance(value, bool) or value is None:
            return Cell(value, display=value_text(value, self.lang))
        if isinstance(value, int | float):
            return Cell(value, "general", display=None if shown is None
                        else value_text(display_value, self.lang))
        if isinstance(value, str):
            return Cell(value, "code")
        return Cell(value, "code", display=value_text(display_value, self.lang))
