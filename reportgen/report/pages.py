"""Stand-alone bilingual pages beside the report (the `reportgen diff` page; any other page a
command writes), rendered from `templates/` with the report's catalogs and number filters.

With `render.py`, the only module that imports Jinja2. A page's template loops over
`languages` — (code, its name, its `_`) — so each section is translated on its own and
pybabel still finds every message.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import jinja2
from babel import Locale
from markupsafe import Markup

from reportgen.report import i18n
from reportgen.report.labels import SPLIT_NAMES, STOP_REASONS


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(i18n.templates_dir()),
        autoescape=True,  # ids, labels and paths come from files: text, never HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update({
        "number": _number,
        "signed": signed,
        "general": i18n.format_general,
        "int": i18n.format_int,
        "percent": _percent,
    })
    return env


def render_page(template: str, stylesheet: str, **values: Any) -> str:
    """One self-contained page (inline CSS, no script) in every report language.

    The template gets `languages`, `css`, `split_names`, `stop_reasons` and `values`.
    """
    languages = [(lang, (Locale.parse(lang).display_name or lang).capitalize(), translator(lang))
                 for lang in i18n.LANGUAGES]
    css = (i18n.templates_dir() / stylesheet).read_text(encoding="utf-8")
    return environment().get_template(template).render(
        languages=languages, css=Markup(css), split_names=SPLIT_NAMES,
        stop_reasons=STOP_REASONS, **values)


def translator(lang: str) -> Callable[..., str]:
    """`_` for one language: gettext, then %(name)s placeholders filled from keywords."""
    gettext = i18n.gettext(lang)

    def translate(message: str, **values: Any) -> str:
        text = gettext(message)
        return text % values if values else text

    return translate


def signed(value: float | None, lang: str) -> str:
    text = i18n.format_number(value, lang, 4)
    return "+" + text if value is not None and value > 0 else text


def _number(value: object, lang: str, digits: int = 4) -> str:
    return i18n.format_number(value, lang, digits)


def _percent(value: object, lang: str, digits: int = 1) -> str:
    return i18n.format_percent(value, lang, digits)
