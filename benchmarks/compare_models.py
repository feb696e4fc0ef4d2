"""Dump the report models of an output folder as JSON, one file per language, so that the
reports two versions of reportgen build from the same stored results can be compared byte for
byte: a refactoring must leave them identical.

Nothing is trained or rendered and the output folder is only read (copy it first if another
process may write to it). The reportgen that runs is whichever `PYTHONPATH` names, so run the
script once with each tree:

    cp -r out/experiments /tmp/cmp-out             # stored results, trained once
    PYTHONPATH=/work/main python benchmarks/compare_models.py /tmp/cmp-out /tmp/cmp-before
    PYTHONPATH=$PWD       python benchmarks/compare_models.py /tmp/cmp-out /tmp/cmp-after
    cmp /tmp/cmp-before/model.es.json /tmp/cmp-after/model.es.json
    cmp /tmp/cmp-before/model.en.json /tmp/cmp-after/model.en.json

The model is what every renderer (HTML, PDF, Word) reads: the cover, every paragraph, table
cell (raw value and display text) and figure (inline SVG). The cover's date is today's unless
the manifest sets `report.date`: it is written as "<today>" then (`--keep-date` keeps it), so
that dumps made on different days compare equal. The logo's bytes are written as base64.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

from reportgen.analysis.findings import analyse
from reportgen.report import write
from reportgen.report.build import build
from reportgen.store.store import Store
from reportgen.tuning.importance import with_importance


def plain(value: Any) -> Any:
    """The model as JSON values: dataclasses as objects named by their class (a Table and a
    Figure stay apart), bytes as base64, dates as ISO text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"class": type(value).__name__, **fields}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN: JSON has none
        return "NaN"
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="an output folder written by `reportgen run`")
    parser.add_argument("dest", type=Path, help="folder for model.<lang>.json")
    parser.add_argument("--lang", action="append", help="es, en (default: the manifest's)")
    parser.add_argument("--keep-date", action="store_true",
                        help="keep today's date on the cover instead of '<today>'")
    args = parser.parse_args()
    results = with_importance(Store(args.out).load())
    findings = analyse(results)
    drawn = write.artwork(findings)
    args.dest.mkdir(parents=True, exist_ok=True)
    for lang in args.lang or results.manifest.report.languages:
        data = plain(build(findings, lang, drawn))
        if results.manifest.report.date is None and not args.keep_date:
            data["meta"]["date"] = "<today>"
        path = args.dest / f"model.{lang}.json"
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                        encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
