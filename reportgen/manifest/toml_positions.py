"""Map a dotted manifest path to the TOML line that defines it.

`tomllib` keeps no positions, so we index the text ourselves: every table header and every
`key = value` line gets the full key path it defines, e.g. line 40 → ("studies", 2, "search",
"space", "model.hidden"). An error path is reported at the line with the longest matching prefix.
"""

from __future__ import annotations

import json
import re

Path = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*(.+?)\s*\]\]?\s*(#.*)?$")
_NAME = r"""(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)"""
_KEY = re.compile(rf"^\s*({_NAME}(?:\s*\.\s*{_NAME})*)\s*=")
_PART = re.compile(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)\s*(?:\.|$)""")


def _split_key(dotted: str) -> list[str]:
    return [_unquote(p) for p in _PART.findall(dotted)]


def _unquote(part: str) -> str:
    if part.startswith('"'):  # a basic string: TOML's escapes are JSON's (plus \U, rare)
        try:
            return str(json.loads(part))
        except ValueError:
            pass
    return part.strip("\"'")


def index_lines(text: str) -> list[tuple[Path, int]]:
    """Every (key path, 1-based line) the TOML text defines, in order."""
    entries: list[tuple[Path, int]] = []
    table: Path = ()
    array_counts: dict[Path, int] = {}
    in_multiline = False
    for lineno, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if '"""' in line or "'''" in line:
                in_multiline = False
            continue
        if header := _HEADER.match(line):
            parts = _split_key(header.group(2))
            path: list[str | int] = []
            # Resolve array-of-tables indices against the latest element of each parent array.
            for position, part in enumerate(parts):
                path.append(part)
                key = tuple(path)
                is_new_element = header.group(1) == "[[" and position == len(parts) - 1
                if key in array_counts and not is_new_element:
                    path.append(array_counts[key] - 1)
            if header.group(1) == "[[":
                key = tuple(path)
                array_counts[key] = array_counts.get(key, 0) + 1
                path.append(array_counts[key] - 1)
            table = tuple(path)
            entries.append((table, lineno))
            continue
        if key_match := _KEY.match(line):
            entries.append((table + tuple(_split_key(key_match.group(1))), lineno))
            rest = line[key_match.end():]
            if rest.count('"""') == 1 or rest.count("'''") == 1:
                in_multiline = True
    return entries


def line_of(text: str, path: Path) -> int | None:
    """The line defining the longest prefix of `path`, or None when nothing matches."""
    best: tuple[int, int] | None = None
    first_below: int | None = None  # `trainigs` is only defined by `[trainigs.quick]`
    for key_path, lineno in index_lines(text):
        n = len(key_path)
        if n <= len(path) and tuple(path[:n]) == key_path and (best is None or n > best[0]):
            best = (n, lineno)
        elif first_below is None and path and key_path[: len(path)] == tuple(path):
            first_below = lineno
    return best[1] if best else first_below
