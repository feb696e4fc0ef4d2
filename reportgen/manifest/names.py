"""Names from the manifest that become file or folder names in the output folder.

Dataset names are file names (`datasets/<name>.json`), study ids and variant names are parts
of file names (`tables/<study>-….csv`, `predictions/<study>-<run>.csv`). The schema keeps them
to what every file system accepts, so a manifest can never write outside its output folder
(`../../x`, `/etc/x`) or fail after training with "File name too long".
"""

from __future__ import annotations

import re

MAX_NAME = 64
# Letters (any script), digits, "_" and "-"; a letter or digit first: no ".", "/", "\" or
# control characters, so no hidden files, no "..", no absolute paths.
_FILE_NAME = re.compile(r"[^\W_][\w\-]*")


def check_file_name(value: str) -> str:
    """`value` if it is safe as a file name; ValueError saying what is allowed otherwise."""
    if len(value) > MAX_NAME:
        raise ValueError(f"name is {len(value)} characters long: at most {MAX_NAME}")
    if not _FILE_NAME.fullmatch(value):
        raise ValueError(f"name {value!r} is not usable as a file name: use letters, digits, "
                         "'_' and '-', starting with a letter or digit")
    return value


def check_label(value: str) -> str:
    """A variant name: shown in the report and slugged into file names; any printable text."""
    if len(value) > MAX_NAME:
        raise ValueError(f"name is {len(value)} characters long: at most {MAX_NAME}")
    if any(not ch.isprintable() for ch in value):
        raise ValueError(f"name {value!r} contains a control character")
    return value
