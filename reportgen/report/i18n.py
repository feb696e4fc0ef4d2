"""Gettext catalogs and locale-aware formatting (Babel).

Catalogs live as `.po` files under `templates/locale/<lang>/LC_MESSAGES/messages.po` and are
compiled in memory on first use, so no `.mo` file has to be built or shipped. Message ids are
English; the English catalog maps them to themselves (and may polish wording later).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_scientific
from babel.numbers import format_percent as babel_format_percent
from babel.support import Translations

from reportgen.manifest.base import LANGUAGES
from reportgen.store.records import finite  # the report formats with it

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the `reportgen` package folder
DASH = "—"  # shown wherever a value is missing, failed or not finite

# CLDR's minimumGroupingDigits: Spanish writes 4-digit numbers without a separator (6000,
# 60.000); Babel applies grouping from the first thousand, so we apply it ourselves.
_MIN_GROUPING = {"es": 2}


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; it is translated where it is shown."""
    return message


def templates_dir() -> Path:
    """Where templates and catalogs live: inside the wheel when installed, else the repo root."""
    package = _PACKAGE_DIR
    packaged = package / "_templates"
    if packaged.is_dir():
        return packaged
    return package.parent / "templates"


def catalog_path(lang: str) -> Path:
    return templates_dir() / "locale" / lang / "LC_MESSAGES" / "messages.po"


@cache
def translations(lang: str) -> Translations:
    """The compiled catalog of `lang`; raises ValueError for a language without a catalog."""
    path = catalog_path(lang)
    if lang not in LANGUAGES or not path.is_file():
        raise ValueError(f"no message catalog for language {lang!r} (expected {path})")
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain="messages")


def gettext(lang: str) -> Callable[[str], str]:
    return translations(lang).gettext


def ngettext(lang: str) -> Callable[[str, str, int], str]:
    return translations(lang).ngettext


# ---------------------------------------------------------------- numbers and dates
def format_int(value: object, lang: str) -> str:
    number = finite(value)
    if number is None:
        return DASH
    grouping = abs(number) >= 10 ** (2 + _MIN_GROUPING.get(lang, 1))
    return format_decimal(round(number), "#,##0", locale=lang, group_separator=grouping)


def format_number(value: object, lang: str, digits: int = 3) -> str:
    """Fixed decimals: `0,973` (es) / `0.973` (en)."""
    number = finite(value)
    if number is None:
        return DASH
    pattern = "#,##0." + "0" * digits if digits > 0 else "#,##0"
    grouping = abs(number) >= 10 ** (2 + _MIN_GROUPING.get(lang, 1))
    return format_decimal(number, pattern, locale=lang, group_separator=grouping)


def format_percent(value: object, lang: str, digits: int = 1) -> str:
    """A fraction as a percentage with the locale's spacing: `97,3 %` (es) / `97.3%` (en)."""
    number = finite(value)
    if number is None:
        return DASH
    pattern = Locale.parse(lang).percent_formats[None].pattern
    if digits > 0:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * digits, 1)
    return babel_format_percent(number, pattern, locale=lang)


def format_points(value: object, lang: str, digits: int = 1) -> str:
    """A difference of two fractions in percentage points, without the unit: `1,2`."""
    number = finite(value)
    return DASH if number is None else format_number(number * 100, lang, digits)


def format_general(value: object, lang: str) -> str:
    """Hyperparameters such as learning rates: `0,001`, `0,0005`, `1E-5`, `12`."""
    number = finite(value)
    if number is None:
        return DASH
    if number == 0 or 1e-4 <= abs(number) < 1e6:
        return format_decimal(number, "#,##0.######", locale=lang, group_separator=False)
    return format_scientific(number, "0.##E0", locale=lang)


def format_seconds(value: object, lang: str) -> str:
    """A duration: `12,3 s`, `4 min 05 s`, `1 h 02 min`."""
    number = finite(value)
    if number is None:
        return DASH
    if number < 60:
        return f"{format_number(number, lang, 1)} s"
    seconds = round(number)
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def format_date(value: dt.date, lang: str) -> str:
    """Long form: `1 de mayo de 2025` / `May 1, 2025`."""
    return babel_format_date(value, "long", locale=lang)


def decimal_separator(lang: str) -> str:
    return Locale.parse(lang).number_symbols["latn"]["decimal"]
