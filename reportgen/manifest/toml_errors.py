"""TOML syntax errors in words a student understands, with the line.

`tomllib` says what the parser met ("Illegal character '\\n' (at line 5, column 13)"), not what
the writer probably did (forgot the closing quote). `explain` keeps the parser's words in
parentheses and puts the likely mistake first.
"""

from __future__ import annotations

import re
import tomllib

_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)")


def explain(exc: tomllib.TOMLDecodeError, text: str, source: str) -> str:
    """One line: `source:line: invalid TOML: <likely mistake> (<parser's message>)`."""
    message = str(exc)
    position = _AT.search(message)
    parser_words = _AT.sub("", message)
    lines = text.splitlines()
    if position and position.group(1):
        line = int(position.group(1))
    else:  # at end of document: the unclosed thing started earlier
        line = _unclosed_quote_line(lines) or len(lines)
    if parser_words.startswith("Unclosed array"):  # the parser stops after the list's line
        line = _opening_line(lines, line, "[", "]")
    current = lines[line - 1] if 0 < line <= len(lines) else ""
    hint = _hint(parser_words, current, lines, line)
    detail = f"{hint} ({parser_words})" if hint else parser_words
    return f"{source}:{line}: invalid TOML: {detail}"


def _hint(words: str, current: str, lines: list[str], line: int) -> str | None:
    stripped = current.strip()
    if words.startswith("Illegal character '\\n'") or words.startswith(("Unterminated string",
                                                                         'Expected "\'"')):
        return "a string is not closed: add its closing quote on the same line"
    if words.startswith("Expected ']]'"):
        return f'the header {stripped} is missing its closing "]]"'
    if words.startswith("Expected ']'"):
        return f'the table header {stripped} is missing its closing "]"'
    if words.startswith("Unclosed array"):
        return 'a list is not closed: a "]" is missing, or a "," between two values'
    if words.startswith("Unclosed inline table"):
        return ('an inline table is not closed: a "}" is missing (an inline table { … } must '
                "fit on one line)")
    if words.startswith("Invalid initial character for a key part") and \
            re.search(r",\s*}\s*(#.*)?$", current):
        return "a comma before } is not allowed in an inline table"
    if words.startswith("Invalid value"):
        value = current.split("=", 1)[1].strip() if "=" in current else ""
        if not value:
            return "a value is missing after ="
        if re.fullmatch(r"[A-Za-z_][\w\-.]*", value):
            return f'text must be quoted: "{value}"'
        return None
    if words.startswith("Cannot overwrite a value") or words.startswith("Cannot declare"):
        return "this key or table is defined twice"
    if words.startswith("Expected '=' after a key"):
        return 'a key must be followed by "=" and a value'
    if words.startswith("Invalid statement") and line == 1 and current.startswith("\ufeff"):
        return "the file starts with a byte-order mark: save it as UTF-8 without BOM"
    return None


def _unclosed_quote_line(lines: list[str]) -> int | None:
    """The first line with an odd number of unescaped quotes of one kind, outside comments."""
    in_multiline = False
    for number, line in enumerate(lines, start=1):
        if '"""' in line or "'''" in line:
            if (line.count('"""') + line.count("'''")) % 2:
                in_multiline = not in_multiline
                if in_multiline:
                    start = number
            continue
        if in_multiline:
            continue
        code = re.sub(r'\\.', "", line)
        code = re.sub(r'"[^"]*"|\'[^\']*\'', "", code).split("#", 1)[0]
        if '"' in code or "'" in code:
            return number
    return start if in_multiline else None


def _opening_line(lines: list[str], line: int, opener: str, closer: str) -> int:
    """The nearest line at or above `line` that opens more `opener` than it closes."""
    for number in range(min(line, len(lines)), 0, -1):
        code = re.sub(r'"[^"]*"|\'[^\']*\'', "", lines[number - 1]).split("#", 1)[0]
        if "=" in code and code.count(opener) > code.count(closer):
            return number
    return line
