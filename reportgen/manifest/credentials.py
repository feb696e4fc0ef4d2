"""Keep database passwords out of everything reportgen writes or prints.

A search's `storage` may be `postgresql://user:password@host/db`. The password must not reach
the report's manifest listing, the manifest copy in the output folder, tuning records, logs or
error messages, so every text that may contain a URL goes through `mask`. Better still, the URL
can live in an environment variable: `storage = { env = "REPORTGEN_STORAGE" }`.
"""

from __future__ import annotations

import os
import re

MASK = "***"
# scheme://user:password@host  and  ?password=…&  (libpq and ODBC spellings)
_USERINFO = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@'\"]*:)"
                       r"(?P<secret>[^\s@'\"]+)(?=@)")
_PARAM = re.compile(r"(?P<head>\b(?:password|passwd|pwd)=)(?P<secret>[^&;\s'\"]+)",
                    re.IGNORECASE)


def mask(text: str) -> str:
    """`text` with every URL password replaced by ***; lines and their count stay as they were."""
    text = _USERINFO.sub(lambda m: m["head"] + MASK, text)
    return _PARAM.sub(lambda m: m["head"] + MASK, text)


class StorageError(ValueError):
    """The storage setting cannot be turned into a usable URL."""


def resolve_storage(value: str | dict[str, str] | object) -> str:
    """The storage URL of a search: "sqlite", a URL, or the value of `{ env = "NAME" }`."""
    name = getattr(value, "env", None) or (value.get("env") if isinstance(value, dict) else None)
    if name is None:
        return str(value)
    url = os.environ.get(name)
    if not url:
        raise StorageError(f"environment variable {name} is not set (it should hold the "
                           "storage URL, e.g. postgresql://user:password@host/db)")
    return url


def storage_problem(url: str) -> str | None:
    """Why `url` cannot be opened before any training: unparsable, or its driver is missing."""
    if url == "sqlite":
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return "not a database URL SQLAlchemy can parse (e.g. postgresql://user@host/db)"
    try:
        parsed.get_dialect().import_dbapi()
    except NoSuchModuleError:
        return f"unknown database kind {parsed.drivername!r}"
    except ImportError as exc:
        extra = " (pip install 'reportgen[postgres]')" if parsed.get_backend_name() == \
            "postgresql" else ""
        return f"the {parsed.drivername} driver is not installed: {exc}{extra}"
    return None
