"""Several phrasings of one kind of message exist so that a chapter does not repeat a sentence
frame (issue 26, item 2): in each language, no two phrasings of a kind open alike."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import reportgen.report as report_package
from reportgen.report import i18n


def phrasing_sets() -> list[tuple[str, tuple[str, ...]]]:
    """Every module-level tuple of catalog messages under reportgen.report (the options
    `Context.phrasing` chooses from)."""
    found = []
    for info in pkgutil.iter_modules(report_package.__path__):
        module = importlib.import_module(f"reportgen.report.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, tuple) and len(value) >= 2 and \
                    all(isinstance(v, str) and "%(" in v for v in value):
                found.append((f"{info.name}.{name}", value))
    return found


def opening(text: str) -> str:
    """The first three words, placeholders blanked: what a reader hears as a frame."""
    return " ".join(re.sub(r"%\(\w+\)s", "N", text).split()[:3])


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_two_phrasings_of_a_kind_open_alike(lang: str) -> None:
    sets = phrasing_sets()
    assert len(sets) > 20  # the search finds the phrasing tables
    translate = i18n.gettext(lang)
    alike = []
    for name, options in sets:
        openings = [opening(translate(o)) for o in options]
        if len(set(openings)) < len(openings):
            alike.append((name, openings))
    assert not alike, alike
