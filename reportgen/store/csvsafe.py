"""CSV cells a spreadsheet would evaluate as formulas, made inert (CSV injection).

User text (class names, variant names, labels) reaches `tables/*.csv` and `predictions/*.csv`;
`=HYPERLINK(…)` or `@SUM(…)` there runs when the file is opened in Excel or LibreOffice.
OWASP's rule: a text cell starting with = + - @ tab or carriage return gets a leading `'`.
Numbers are never changed: a number, or text that reads as one ("-0.5"), is left as it is.
"""

from __future__ import annotations

from typing import Any

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """`value` as safe to write in a CSV cell."""
    if not isinstance(value, str) or not value.startswith(_TRIGGERS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


def row(values: list[Any]) -> list[Any]:
    return [cell(v) for v in values]
