"""The on-disk store of runs: out/<name>/runs/<run-id>/{spec.json, record.json, history.csv,
predictions.npz}, plus the manifest copy, dataset summaries, baselines, tuning records and the
plan index.

The store owns these formats: each file has its one writer and one reader here, over the typed
records of `records.py` and `tuning_records.py`; nothing else opens them. (One module about 500
lines on purpose: each format's reader and writer side by side.) The folder's lock is
in `lock.py`.

Every write is atomic (temp file or folder, then rename), so an interrupted `reportgen run`
never leaves a half-written run, and a rerun skips what is already finished.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from reportgen import manifest as manifest_mod
from reportgen.errors import ManifestError, StoreError
from reportgen.manifest import author_images
from reportgen.store import csvsafe
from reportgen.store.records import (
    HISTORY_COLUMNS,
    BaselineRecord,
    CoverLogo,
    DatasetSummary,
    Index,
    IndexEntry,
    RunRecord,
    RunSpecFile,
)
from reportgen.store.tuning_records import FOLDER as TUNING_DIR
from reportgen.store.tuning_records import TuningRecord

MANIFEST_COPY = "manifest.toml"
RESULTS_JSON = "results.json"  # its layout: analysis/results_json.py
# what a PDF report carries inside it: enough to run the manifest again and to grade its results
EVIDENCE = (MANIFEST_COPY, RESULTS_JSON)
FILE_NAME_MAX = 80
INDEX = "index.json"
BASELINES_DIR = "baselines"


def write_atomic(path: Path, data: bytes | str, *, within: Path | None = None) -> None:
    """Write `path` whole or not at all; with `within`, refuse any path that resolves outside
    that folder (names in it come from the manifest)."""
    if within is not None and not Path(path).resolve().is_relative_to(Path(within).resolve()):
        raise StoreError(f"{path}: refusing to write outside the output folder {within}")
    raw = data.encode() if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:200]}.")
    except OSError as exc:  # a name too long, a read-only or missing folder: one line, exit 2
        raise StoreError(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 → what the user's umask allows
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise StoreError(f"{path}: cannot write ({exc.strerror or exc})") from None
        raise


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return mask


def savez(target: Any, arrays: dict[str, np.ndarray]) -> None:
    """Arrays into a compressed .npz (a file or a buffer), each under its name."""
    named: dict[str, Any] = dict(arrays)  # numpy's stubs check **arrays against allow_pickle
    np.savez_compressed(target, **named)


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False, default=_jsonable)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | set):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def posteriors_name(study_id: str, label: str) -> str:
    """Where, inside the output folder, a run's posteriors on the `predict` set are written."""
    return f"predictions/{safe_file_name(study_id)}-{safe_file_name(label)}.csv"


def history_csv(history: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HISTORY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in history:
        writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in HISTORY_COLUMNS})
    return buffer.getvalue()


def read_history(path: Path) -> list[dict[str, Any]]:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for row in rows:
        parsed: dict[str, Any] = {}
        for key in HISTORY_COLUMNS:
            value = row.get(key, "")
            parsed[key] = None if value in ("", None) else (
                int(value) if key == "epoch" else float(value)
            )
        out.append(parsed)
    return out


def safe_file_name(text: str) -> str:
    """A file-name-safe version of a label: it can never leave the output folder."""
    cleaned = re.sub(r"[^\w.=-]+", "-", text, flags=re.UNICODE).strip("-.")
    if len(cleaned) > FILE_NAME_MAX:  # file names stay short; the hash keeps long labels apart
        digest = hashlib.sha256(cleaned.encode()).hexdigest()[:10]
        cleaned = f"{cleaned[:FILE_NAME_MAX - 11].rstrip('-.')}-{digest}"
    return cleaned or "run"


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


@dataclass(frozen=True)
class StoredRun:
    record: RunRecord
    history: list[dict[str, Any]]


class Store:
    """One output folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.runs_dir = self.root / "runs"

    # -- runs
    def run_dir(self, run_id: str) -> Path:
        return self.runs_dir / run_id

    def has(self, run_id: str) -> bool:
        return (self.run_dir(run_id) / "record.json").is_file()

    def save_run(
        self,
        record: RunRecord,
        spec: RunSpecFile | dict[str, Any],
        history: list[dict[str, Any]],
        predictions: dict[str, np.ndarray],
    ) -> None:
        """Write the whole run folder at once: a temp folder renamed into place."""
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=self.runs_dir, prefix=f".{record.run_id}."))
        try:
            tmp.chmod(0o777 & ~_umask())  # mkdtemp's 0700 → what the user's umask allows
            (tmp / "spec.json").write_text(dump_json(
                asdict(spec) if isinstance(spec, RunSpecFile) else spec))
            (tmp / "history.csv").write_text(history_csv(history))
            with (tmp / "predictions.npz").open("wb") as handle:
                savez(handle, predictions)
            (tmp / "record.json").write_text(dump_json(record.to_dict()))
            final = self.run_dir(record.run_id)
            if final.exists():
                shutil.rmtree(final)
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def load_run(self, run_id: str) -> StoredRun:
        folder = self.run_dir(run_id)
        problem = self.damage(run_id)
        if problem is not None:
            raise StoreError(f"{folder}: {problem}; run `reportgen run MANIFEST` again to set "
                             "it aside and train it again")
        record = RunRecord.from_dict(json.loads((folder / "record.json").read_text()))
        return StoredRun(record, read_history(folder / "history.csv"))

    def damage(self, run_id: str) -> str | None:
        """What is wrong with a stored run folder, in a few words; None when it reads back whole
        (record and history typed, every metric a number)."""
        folder = self.run_dir(run_id)
        if not folder.is_dir():
            return "run folder is missing"
        for name in ("record.json", "history.csv"):
            if not (folder / name).is_file():
                return f"{name} is missing"
        try:
            record = RunRecord.from_dict(json.loads((folder / "record.json").read_text()))
            for split, metrics in record.metrics.items():
                for value in (metrics.accuracy, metrics.loss):
                    if isinstance(value, bool) or not isinstance(value, int | float):
                        raise ValueError(f"{split} metric {value!r} is not a number")
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            return f"record.json is unreadable ({_short(exc)})"
        try:
            read_history(folder / "history.csv")
        except (OSError, ValueError, TypeError, csv.Error) as exc:
            return f"history.csv is unreadable ({_short(exc)})"
        return None

    def set_aside_damaged(self) -> list[str]:
        """Move every damaged run folder to OUT/damaged/<run-id>-<time>/ (never deleted), and
        an unreadable index.json next to them, so that `run` trains those runs again and
        rebuilds the index. One line per thing set aside."""
        lines: list[str] = []
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.root / "damaged"
        index = self.root / INDEX
        rebuild = False
        if index.is_file():
            try:
                self.read_index()
            except StoreError as exc:
                target = aside / f"{INDEX}-{stamp}"
                aside.mkdir(parents=True, exist_ok=True)
                os.replace(index, target)
                lines.append(f"{exc}: moved to {target}; rebuilding it from the run folders")
                rebuild = True
        folders = sorted(p for p in self.runs_dir.iterdir()
                         if p.is_dir() and not p.name.startswith(".")) \
            if self.runs_dir.is_dir() else []
        for folder in folders:
            problem = self.damage(folder.name)
            if problem is None:
                continue
            target = aside / f"{folder.name}-{stamp}"
            aside.mkdir(parents=True, exist_ok=True)
            os.replace(folder, target)
            lines.append(f"damaged run {folder.name}: {problem}; moved to {target}, "
                         "training it again")
        if rebuild:
            self.save_index(self._index_from_runs())
        return lines

    def _index_from_runs(self) -> Index:
        """An index of what the run folders hold (each record names its study and label), in
        the order they were trained: `run` then keeps the studies it does not retrain."""
        records = [RunRecord.from_dict(json.loads(path.read_text()))
                   for path in self.runs_dir.glob("*/record.json")
                   if not path.parent.name.startswith(".")]
        studies: dict[str, list[IndexEntry]] = {}
        for r in sorted(records, key=lambda r: r.started_at):
            studies.setdefault(r.study_id, []).append(
                IndexEntry(r.run_id, r.label, r.varied, r.config_label))
        datasets = sorted(p.stem for p in (self.root / "datasets").glob("*.json"))
        return Index(studies=studies, datasets=datasets)

    def _member(self, study_id: str, entry: IndexEntry) -> StoredRun:
        """A stored run named as `study_id` names it (two studies may share one run)."""
        stored = self.load_run(entry.run_id)
        if entry.label is None:
            return stored
        record = replace(stored.record, study_id=study_id, label=entry.label,
                         varied=entry.varied or {}, config_label=entry.config_label)
        return StoredRun(record, stored.history)

    def load_spec(self, run_id: str) -> RunSpecFile:
        path = self.run_dir(run_id) / "spec.json"
        try:
            return RunSpecFile.from_dict(json.loads(path.read_text()))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"{path}: unreadable run spec ({exc}); rerun with --fresh to "
                             "train the run again") from None

    def load_predictions(self, run_id: str) -> dict[str, np.ndarray]:
        path = self.run_dir(run_id) / "predictions.npz"
        try:
            with np.load(path, allow_pickle=False) as data:
                return {key: data[key] for key in data.files}
        except ValueError as exc:  # a pickled array: never unpickle a handed-over folder
            raise StoreError(f"{path}: unreadable ({exc})") from None

    def save_posteriors(self, study_id: str, label: str, proba: np.ndarray,
                        classes: list[str]) -> Path:
        """predictions/<study>-<run>.csv: one probability column per class, then the prediction.

        The unlabeled `predict` set of a files dataset (seed 002's posteriors file).
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(csvsafe.row([*(f"p_{name}" for name in classes), "predicted"]))
        for row in proba:
            writer.writerow([*(f"{p:.6f}" for p in row), csvsafe.cell(classes[int(row.argmax())])])
        path = self.root / posteriors_name(study_id, label)
        write_atomic(path, buffer.getvalue(), within=self.root)
        return path

    # -- dataset summaries, manifest copy and index
    def save_dataset(self, summary: DatasetSummary) -> None:
        from dataclasses import asdict

        write_atomic(self.root / "datasets" / f"{summary.name}.json", dump_json(asdict(summary)),
                     within=self.root)

    def load_dataset(self, name: str) -> DatasetSummary:
        path = self.root / "datasets" / f"{name}.json"
        try:
            return DatasetSummary.from_dict(json.loads(path.read_text()))
        except FileNotFoundError:
            raise StoreError(f"{path}: dataset summary is missing") from None

    def save_dataset_samples(self, name: str, arrays: dict[str, np.ndarray]) -> None:
        """datasets/<name>.npz: the sample images the report shows (data/samples.py)."""
        buffer = io.BytesIO()
        savez(buffer, arrays)
        write_atomic(self.root / "datasets" / f"{name}.npz", buffer.getvalue(),
                     within=self.root)

    def load_dataset_samples(self, name: str) -> dict[str, np.ndarray] | None:
        """The arrays of `save_dataset_samples`, or None (not images, or an older store)."""
        path = self.root / "datasets" / f"{name}.npz"
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                return {key: data[key] for key in data.files}
        except ValueError as exc:
            raise StoreError(f"{path}: unreadable ({exc})") from None

    # -- baselines (reportgen.training.baselines computes them)
    def save_baselines(self, record: BaselineRecord) -> None:
        """The one writer of baselines/<dataset>.json."""
        write_atomic(self.root / BASELINES_DIR / f"{record.dataset}.json",
                     dump_json(record.to_dict()), within=self.root)

    def load_baselines(self, name: str) -> BaselineRecord | None:
        """The one reader of baselines/<name>.json; None when there is none (an older store,
        or `[report] baselines = false`)."""
        path = self.root / BASELINES_DIR / f"{name}.json"
        if not path.is_file():
            return None
        try:
            return BaselineRecord.from_dict(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError, TypeError, KeyError, ValueError,
                AttributeError) as exc:
            raise StoreError(f"{path}: unreadable ({_short(exc)}); run `reportgen run "
                             "MANIFEST` again to compute the baselines again") from None

    def save_manifest(self, text: str) -> None:
        write_atomic(self.root / MANIFEST_COPY, text)

    def evidence(self) -> dict[str, bytes]:
        """The exact bytes of the manifest copy and results.json, by file name (`EVIDENCE`):
        the files a PDF report carries as attachments. StoreError names any that is missing."""
        out = {}
        for name in EVIDENCE:
            try:
                out[name] = (self.root / name).read_bytes()
            except OSError as exc:
                raise StoreError(f"{self.root / name}: cannot read it ({_short(exc)}); run "
                                 f"`reportgen report {self.root}` to write it") from None
        return out

    # -- the cover's logo, beside the manifest copy
    def save_logo(self, manifest: manifest_mod.Manifest) -> None:
        """Copy the cover's logo next to the manifest copy, at the same relative path, so that
        `reportgen report OUT` finds it there. `manifest.load` already checked it exists and
        stays inside the manifest's folder; written whole or not at all."""
        logo = manifest.report.logo
        if not logo:
            return
        source = Path(manifest.source_path).parent / logo
        target = self.root / logo
        if target.resolve() != source.resolve():
            write_atomic(target, source.read_bytes(), within=self.root)

    def save_images(self, manifest: manifest_mod.Manifest) -> None:
        """Copy the images the author's Markdown embeds next to the manifest copy, at the same
        relative paths, so that `reportgen report OUT` finds them there (refused ones are left
        where they are: the report says why)."""
        for src, found in author_images.load(manifest).items():
            if isinstance(found, author_images.Image):
                write_atomic(self.root / author_images.stored_name(src), found.data,
                             within=self.root)

    @staticmethod
    def load_logo(manifest: manifest_mod.Manifest) -> CoverLogo | None:
        """The logo file, next to the manifest it was loaded from (the output folder's copy
        keeps one beside it: `save_logo`); None when the manifest names none."""
        name = manifest.report.logo
        if name is None:
            return None
        path = Path(manifest.source_path).parent / name
        try:
            data = path.read_bytes()
        except OSError:
            raise ManifestError(f"{manifest.source_path}: report.logo: cannot read {path}") \
                from None
        return CoverLogo(data, manifest_mod.LOGO_TYPES[path.suffix.lower()])

    def save_index(self, index: Index) -> None:
        """The one writer of index.json."""
        write_atomic(self.root / INDEX, dump_json(index.to_dict()))

    def load_index(self) -> dict[str, Any]:
        """index.json as plain JSON (what `reportgen grade` fingerprints); `read_index` gives
        the typed `Index`."""
        return self.read_index().to_dict()

    def read_index(self) -> Index:
        path = self.root / INDEX
        if not path.is_file():
            raise StoreError(f"{self.root}: not a reportgen output folder (no {INDEX}); "
                             "run `reportgen run MANIFEST` first")
        try:
            return Index.from_dict(json.loads(path.read_text()))
        except (json.JSONDecodeError, TypeError, KeyError, ValueError, AttributeError) as exc:
            raise StoreError(f"{path}: unreadable ({_short(exc)}); run `reportgen run "
                             "MANIFEST` again to rebuild it") from None

    def load(self, *, allow_missing: bool = False) -> ResultSet:
        """Everything the report needs, read back from disk. A run the index names that is
        missing or damaged raises StoreError naming them all; `allow_missing` leaves them out."""
        index = self.read_index()
        copy = self.root / MANIFEST_COPY
        manifest = manifest_mod.loads(copy.read_text(encoding="utf-8"), source=str(copy))
        broken = [f"{study_id}/{entry.label or entry.run_id} ({problem})"
                  for study_id, entries in index.studies.items() for entry in entries
                  if entry.run_id not in index.failed and entry.label is not None
                  and (problem := self.damage(entry.run_id)) is not None]
        if broken and not allow_missing:  # a report must not silently leave runs out
            raise StoreError(f"{self.root}: {len(broken)} run(s) missing or damaged: "
                             f"{'; '.join(broken)}; run `reportgen run MANIFEST` again to "
                             "train them")
        studies = {study_id: [self._member(study_id, entry) for entry in entries
                              if self.has(entry.run_id)]
                   for study_id, entries in index.studies.items()}
        datasets = {name: self.load_dataset(name) for name in index.datasets}
        baselines = {name: found for name in index.datasets
                     if manifest.report.baselines
                     and (found := self.load_baselines(name)) is not None}
        return ResultSet(self.root, manifest, studies, datasets, index,
                         tuning=self.tuning_records(index),
                         images=author_images.load(manifest), baselines=baselines)

    # -- tuning records
    def save_tuning_record(self, record: TuningRecord) -> Path:
        """The one writer of tuning/<file>.json (the file name is the record's own)."""
        path = self.root / TUNING_DIR / record.file
        write_atomic(path, dump_json(record.to_dict()))
        return path

    def tuning_record(self, file: str) -> TuningRecord:
        """The one reader of tuning/<file>.json."""
        path = self.root / TUNING_DIR / file
        try:
            return TuningRecord.from_dict(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError, TypeError, KeyError, ValueError) as exc:
            raise StoreError(f"{self.root / TUNING_DIR}: a tuning record is unreadable ({exc}); "
                             "rerun with --fresh to search again") from None

    def tuning_records(self, index: Index | None = None) -> dict[str, list[TuningRecord]]:
        """study id -> its tuning records, in plan order, as the index lists them. Files the
        index lists that are missing, e.g. a study still being tuned by workers, are left out."""
        index = index if index is not None else self.read_index()
        folder = self.root / TUNING_DIR
        return {study_id: [self.tuning_record(f) for f in files if (folder / f).is_file()]
                for study_id, files in index.tuning.items()}


def run_id_of(entry: str | dict[str, Any]) -> str:
    """Index entries are {"run_id", "label", "varied", "config_label"}, or a bare run id."""
    return entry if isinstance(entry, str) else entry["run_id"]


@dataclass(frozen=True)
class ResultSet:
    root: Path
    manifest: manifest_mod.Manifest
    studies: dict[str, list[StoredRun]]  # study id -> its runs, in plan order
    datasets: dict[str, DatasetSummary]
    index: Index
    # study id -> its tuning records (one per variant × algorithm), in plan order
    tuning: dict[str, list[TuningRecord]] = field(default_factory=dict)
    # the images the author's Markdown shows, by source: bytes, or why refused
    images: dict[str, author_images.Found] = field(default_factory=dict)
    # dataset -> its baselines; empty with `[report] baselines = false` or an older store
    baselines: dict[str, BaselineRecord] = field(default_factory=dict)

    def logo(self) -> CoverLogo | None:
        """The cover's logo, read from beside the manifest copy (None: the manifest has none)."""
        return Store.load_logo(self.manifest)

    def evidence(self) -> dict[str, bytes]:
        """The manifest copy and results.json as stored, by file name (`Store.evidence`)."""
        return Store(self.root).evidence()

    def dataset_samples(self, name: str) -> dict[str, np.ndarray] | None:
        """The sample images kept for dataset `name` (None: not images, or an older store)."""
        return Store(self.root).load_dataset_samples(name)

    def predictions(self, run_id: str) -> dict[str, np.ndarray]:
        """A run's stored predictions ({} when they are missing or unreadable)."""
        try:
            return Store(self.root).load_predictions(run_id)
        except (OSError, StoreError, ValueError):
            return {}
