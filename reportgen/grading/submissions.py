"""Read one submission: an output folder, its results.json, or a .zip of the folder.

Zips come from students, so they are unpacked as untrusted input: every entry must stay inside
the temporary folder (no absolute path, no `..`), symlinks and other special files are refused,
and the unpacked bytes are counted as they are written (a zip's declared sizes can lie), so a
zip bomb stops at the limit. A problem is a `SubmissionError` whose message is the reason the
class table shows; it never stops the class.
"""

from __future__ import annotations

import json
import math
import shutil
import stat
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from reportgen.analysis.results_json import FILE_NAME, SCHEMA
from reportgen.errors import ReportgenError
from reportgen.store.store import MANIFEST_COPY

MAX_UNPACKED_BYTES = 512 * 2**20  # an output folder of a lab is a few MB; predictions included
MAX_ENTRIES = 20_000
_CHUNK = 2**16
_IGNORED = ("__MACOSX",)  # macOS' resource forks, added by its "Compress" menu


class SubmissionError(ReportgenError):
    """Why a submission cannot be graded (one line)."""


@dataclass
class Submission:
    name: str  # the folder's, zip's or file's name: the default identifier
    source: Path  # as given on the command line
    results: dict[str, Any]  # its results.json, checked for shape
    root: Path | None  # the output folder (unpacked for a zip); None for a bare results.json
    manifest_text: str | None = None  # its manifest copy, when the folder has one
    authors: list[str] = field(default_factory=list)  # from the manifest's [report]

    @property
    def has_records(self) -> bool:
        return self.root is not None and (self.root / "runs").is_dir()


def load(path: Path, workdir: Path) -> Submission:
    """The submission at `path`; a zip is unpacked into a new folder under `workdir`."""
    if path.is_dir():
        return _from_folder(path, _name(path), path)
    if not path.exists():
        raise SubmissionError("not found")
    if zipfile.is_zipfile(path):
        target = workdir / f"{len(list(workdir.iterdir()))}-{path.stem}"
        unpack(path, target)
        return _from_folder(_output_folder(target), path.stem, path)
    if path.suffix.lower() == ".zip":
        raise SubmissionError("not a zip file (corrupt or truncated)")
    results = read_results(path)
    root = path.parent if path.name == FILE_NAME and (path.parent / "runs").is_dir() else None
    name = path.parent.name if path.name == FILE_NAME else path.stem
    submission = Submission(name or path.stem, path, results, root)
    if root is not None:
        _read_manifest(submission, root)
    return submission


def _name(path: Path) -> str:
    return path.resolve().name


def _from_folder(folder: Path, name: str, source: Path) -> Submission:
    file = folder / FILE_NAME
    if not file.is_file():
        if not any(folder.iterdir()):
            raise SubmissionError("empty folder")
        raise SubmissionError(f"no {FILE_NAME} (run `reportgen report` on the output folder)")
    submission = Submission(name, source, read_results(file), folder)
    _read_manifest(submission, folder)
    return submission


def _read_manifest(submission: Submission, folder: Path) -> None:
    path = folder / MANIFEST_COPY
    if not path.is_file():
        return
    try:
        text = path.read_text(encoding="utf-8")
        authors = tomllib.loads(text).get("report", {}).get("authors", [])
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return  # integrity reports the manifest as unreadable; the numbers still grade
    submission.manifest_text = text
    if isinstance(authors, list):
        submission.authors = [str(a) for a in authors]


def _output_folder(root: Path) -> Path:
    """The unpacked folder holding results.json: the zip's root or its one top-level folder."""
    if (root / FILE_NAME).is_file():
        return root
    entries = [p for p in root.iterdir() if p.name not in _IGNORED]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    if not entries:
        raise SubmissionError("empty zip")
    return root  # reported as "no results.json"


def unpack(path: Path, target: Path, max_bytes: int = MAX_UNPACKED_BYTES,
           max_entries: int = MAX_ENTRIES) -> None:
    """Unpack the zip at `path` into the new folder `target`, refusing anything unsafe; on a
    refusal nothing stays behind."""
    target.mkdir(parents=True)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > max_entries:
                raise SubmissionError(f"zip has {len(members)} entries (at most {max_entries})")
            for member in members:
                _check_member(member)  # all before any is written
            written = 0
            for member in members:
                destination = target.joinpath(*PurePosixPath(member.filename).parts)
                if member.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, destination.open("xb") as sink:
                    while chunk := source.read(_CHUNK):
                        written += len(chunk)
                        if written > max_bytes:
                            raise SubmissionError(f"zip unpacks to more than "
                                                  f"{max_bytes // 2**20} MiB")
                        sink.write(chunk)
    except SubmissionError:
        shutil.rmtree(target, ignore_errors=True)
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
            OSError, ValueError) as exc:  # corrupt data, bad CRC, unknown compression…
        shutil.rmtree(target, ignore_errors=True)
        raise SubmissionError(f"corrupt zip ({exc})") from None


def _check_member(member: zipfile.ZipInfo) -> None:
    name = member.filename
    path = PurePosixPath(name)
    if "\\" in name or name.startswith("/") or path.is_absolute() or ":" in path.parts[0] \
            or ".." in path.parts or "\0" in name:
        raise SubmissionError(f"zip entry {name!r} escapes the folder")
    mode = member.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise SubmissionError(f"zip entry {name!r} is a symbolic link")
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):  # 0: written without a type
        raise SubmissionError(f"zip entry {name!r} is not a plain file")


# ---------------------------------------------------------------- results.json, checked
def read_results(file: Path) -> dict[str, Any]:
    """A results.json whose shape the grader relies on, or a SubmissionError saying why not."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise SubmissionError(f"{file.name} is not readable JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else None
        raise SubmissionError(f"{file.name} is not a {SCHEMA} file"
                              + (f" (schema {found!r})" if found else ""))
    studies = data.get("studies")
    if not isinstance(studies, list) or not studies:
        raise SubmissionError(f"{file.name} has no studies")
    for i, study in enumerate(studies):
        _check_study(study, f"studies[{i}]")
    return data


def _check_study(study: Any, where: str) -> None:
    if not isinstance(study, dict) or not isinstance(study.get("id"), str) \
            or not isinstance(study.get("runs"), list):
        raise SubmissionError(f"results.json: {where} is not a study (id and runs)")
    for j, run in enumerate(study["runs"]):
        at = f"{where}.runs[{j}]"
        if not isinstance(run, dict) or not isinstance(run.get("label"), str) \
                or not isinstance(run.get("config"), dict) \
                or not isinstance(run.get("metrics"), dict) \
                or not isinstance(run.get("stop_reason"), str):
            raise SubmissionError(f"results.json: {at} is not a run (label, config, metrics, "
                                  "stop_reason)")
        if run.get("config_label") is not None and not isinstance(run["config_label"], str):
            raise SubmissionError(f"results.json: {at}.config_label is not text")
        for split, metrics in run["metrics"].items():
            if not isinstance(metrics, dict) or not all(
                    _number_or_none(v) for v in metrics.values()):
                raise SubmissionError(f"results.json: {at}.metrics.{split} holds a non-number")
    expected = study.get("expected")
    if expected is not None and not isinstance(expected, dict):
        raise SubmissionError(f"results.json: {where}.expected is not a table")


def _number_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool)
                             and not math.isinf(value))
