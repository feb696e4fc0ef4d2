"""The es and en catalogs cover every message the templates and the code use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from reportgen.report import i18n

ROOT = Path(__file__).resolve().parents[1]
METHOD_MAP = [("**.py", "python"), ("**.j2", "jinja2.ext:babel_extract")]


def used_messages() -> dict[str, tuple[str, ...]]:
    """msgid -> its (singular, plural) forms, from reportgen/**/*.py and templates/*.j2."""
    found: dict[str, tuple[str, ...]] = {}
    options = {"**.j2": {"extensions": "jinja2.ext.i18n", "trim_blocks": "yes",
                         "lstrip_blocks": "yes"}}
    for folder, method_map in ((ROOT / "reportgen", METHOD_MAP[:1]),
                               (ROOT / "templates", METHOD_MAP[1:])):
        for _file, _line, message, _comments, _context in extract_from_dir(
            folder, method_map, options_map=options
        ):
            forms = message if isinstance(message, tuple) else (message,)
            found[forms[0]] = forms
    return found


def load_catalog(lang: str):
    with i18n.catalog_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def test_extraction_finds_messages_in_code_and_templates() -> None:
    messages = used_messages()
    assert "Page %(page)s of %(pages)s" in messages  # render.py
    assert "Contents" in messages  # report.html.j2
    assert "validation accuracy" in messages  # an N_() constant in build.py


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_catalog_is_complete(lang: str) -> None:
    catalog = load_catalog(lang)
    problems = []
    for msgid, forms in sorted(used_messages().items()):
        message = catalog.get(msgid)
        if message is None:
            problems.append(f"missing: {msgid!r}")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if len(forms) > 1 and not isinstance(message.id, tuple):
            problems.append(f"needs plural forms: {msgid!r}")
        if not all(strings):
            problems.append(f"empty msgstr: {msgid!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
    assert not problems, f"{lang} catalog:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_catalog_placeholders_match(lang: str) -> None:
    """A translation keeps the %(name)s placeholders of its msgid (else formatting fails)."""
    import re

    catalog = load_catalog(lang)
    pattern = re.compile(r"%\(\w+\)s")
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(pattern.findall(ids[-1]))
        for string in strings:
            assert set(pattern.findall(string)) == wanted, (lang, message.id, string)


def test_templates_dir_is_the_repo_templates_folder() -> None:
    assert i18n.templates_dir() == ROOT / "templates"
    assert (i18n.templates_dir() / "report.html.j2").is_file()


def test_spanish_translations_are_used() -> None:
    assert i18n.gettext("es")("Contents") == "Índice"
    assert i18n.gettext("en")("Contents") == "Contents"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="no message catalog"):
        i18n.translations("fr")


@pytest.mark.parametrize(("lang", "number", "percent", "big", "date"), [
    ("es", "0,973", "97,3\xa0%", "60.000", "1 de mayo de 2025"),
    ("en", "0.973", "97.3%", "60,000", "May 1, 2025"),
])
def test_locale_formatting(lang: str, number: str, percent: str, big: str, date: str) -> None:
    assert i18n.format_number(0.97312, lang) == number
    assert i18n.format_percent(0.97312, lang) == percent
    assert i18n.format_int(60000, lang) == big
    assert i18n.format_date(dt.date(2025, 5, 1), lang) == date


def test_missing_values_format_as_a_dash() -> None:
    for value in (None, float("nan"), float("inf"), "x"):
        assert i18n.format_number(value, "es") == i18n.DASH
        assert i18n.format_percent(value, "en") == i18n.DASH
        assert i18n.format_seconds(value, "en") == i18n.DASH


def test_spanish_four_digit_numbers_are_not_grouped() -> None:
    assert i18n.format_int(6000, "es") == "6000"
    assert i18n.format_int(6000, "en") == "6,000"


def test_general_and_duration_formats() -> None:
    assert i18n.format_general(0.001, "es") == "0,001"
    assert i18n.format_general(1e-5, "en") == "1E-5"
    assert i18n.format_seconds(12.34, "es") == "12,3 s"
    assert i18n.format_seconds(125, "en") == "2 min 05 s"


def test_templates_dir_prefers_the_packaged_copy(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "reportgen"
    (package / "_templates").mkdir(parents=True)
    monkeypatch.setattr(i18n, "_PACKAGE_DIR", package)
    assert i18n.templates_dir() == package / "_templates"


# messages babel cannot see: built inside a list comprehension that is itself an argument of a
# translated call (curve_words.gap_sentences, appendix.appendix); each is used in the code
NESTED = {"%(run)s (%(ratio)s times)", "Group %(number)s: %(runs)s"}


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_catalog_holds_no_unused_message(lang: str) -> None:
    """A message the code stopped using is removed, not left for translators to maintain."""
    used = used_messages()
    code = "\n".join(p.read_text() for p in (ROOT / "reportgen").rglob("*.py"))
    unused = []
    for message in load_catalog(lang):
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        if msgid and msgid not in used and msgid not in NESTED:
            unused.append(msgid)
    assert not unused, f"{lang} catalog:\n" + "\n".join(unused)
    assert all(f"\"{m}\"" in code for m in NESTED)  # still in the code


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_catalog_has_one_msgstr_per_msgid(lang: str) -> None:
    # Babel's reader keeps the last of two msgstr lines, so a stray one silently replaces
    # the translation above it; read the file as msgfmt does and refuse it.
    lines = i18n.catalog_path(lang).read_text(encoding="utf-8").splitlines()
    keys = [(n, line.split(" ", 1)[0]) for n, line in enumerate(lines, 1)
            if line.startswith(("msgid ", "msgstr ", "msgid_plural "))]
    doubled = [n for (n, key), (_, before) in zip(keys[1:], keys, strict=False)
               if key == before == "msgstr"]
    assert not doubled, f"{lang}: a second msgstr on line(s) {doubled}"
