"""Integrity, measured: are a submission's numbers the ones its runs computed, what did the student
change in the manifest, and do its runs reproduce?

- `edited_values`: results.json recomputed from the submission's own run records (the function
  `reportgen report` writes it with) and compared field by field; a hand-edited number shows up
  with both values. Timings, versions and the `expected` block are not compared.
- `manifest_changes`: the submission's manifest copy against the key's, per setting, both values.
  The `[report]` table (title, authors…) and the studies' `repeats` (an answer key measures its
  tolerances over more seeds than a lab asks for) are expected to differ and left out.
- `verify`: N runs retrained from their stored specs, sampled as `reportgen run --check` samples.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from reportgen import manifest as manifest_mod
from reportgen.analysis import results_json
from reportgen.errors import ReportgenError
from reportgen.execution.options import RunOptions
from reportgen.grading.diff import config_differences
from reportgen.grading.submissions import Submission
from reportgen.store.records import RunRecord
from reportgen.store.store import MANIFEST_COPY, Store, dump_json, run_id_of

COMPARED = ("stop_reason", "epochs_run", "best_epoch", "seed", "config_label")
IGNORED_MANIFEST = ("report",)
IGNORED_STUDY_KEYS = ("repeats",)
Verdict = Literal["reproduced", "differs", "data changed", "rerun failed"]


@dataclass(frozen=True)
class EditedValue:
    study: str
    run: str
    field: str  # "val.accuracy", "stop_reason", "config.training.epochs", or "run" (present?)
    submitted: Any
    recomputed: Any


@dataclass(frozen=True)
class ManifestChange:
    path: str  # "trainings.quick.epochs", "studies[width].vary.model.hidden"
    key: Any  # None: absent
    submission: Any


@dataclass(frozen=True)
class Rerun:
    run: str  # "study / label / run id[:8]"
    status: Verdict
    detail: str = ""  # the differences, or why the rerun could not compare
    worker: str = ""  # host:pid of the worker process that retrained it (`grade --jobs`)


@dataclass
class Integrity:
    records_checked: bool = False
    note: str = ""  # why the records were not checked
    edited: list[EditedValue] = field(default_factory=list)
    manifest_checked: bool = False
    manifest_changes: list[ManifestChange] = field(default_factory=list)
    reruns: list[Rerun] = field(default_factory=list)
    recomputed: dict[str, Any] | None = field(default=None, repr=False)  # the records' numbers

    @property
    def edited_studies(self) -> set[str]:
        return {e.study for e in self.edited}


# ---------------------------------------------------------------- recomputed results.json
def recompute(submission: Submission) -> dict[str, Any]:
    """The runs of results.json as the submission's run records give them, named as its index
    names them (results.run_summary, as `reportgen report` writes them; raises ReportgenError).
    Only what grading and the comparison read: no `expected` block, no manifest to parse."""
    assert submission.root is not None
    store = Store(submission.root)
    try:
        studies = []
        for study_id, entries in store.load_index().get("studies", {}).items():
            runs = []
            for entry in entries:
                folder = store.run_dir(run_id_of(entry))
                if not (folder / "record.json").is_file():
                    continue  # as Store.load: a run of the plan that is not stored
                record = RunRecord.from_dict(json.loads((folder / "record.json").read_text()))
                if isinstance(entry, dict):
                    record = replace(record, study_id=study_id, label=entry["label"],
                                     varied=entry["varied"],
                                     config_label=entry.get("config_label"))
                runs.append(results_json.run_summary(record))
            studies.append({"id": study_id, "runs": runs})
    except ReportgenError:
        raise
    except Exception as exc:  # a record of another shape: its fields are the student's
        raise ReportgenError(f"run records unreadable ({type(exc).__name__}: {exc})") from None
    # as the file holds it: floats round-trip exactly
    return json.loads(dump_json({"schema": results_json.SCHEMA, "studies": studies}))


def edited_values(submitted: dict[str, Any], recomputed: dict[str, Any]) -> list[EditedValue]:
    out: list[EditedValue] = []
    theirs = {s["id"]: s for s in recomputed["studies"]}
    for study in submitted["studies"]:
        if study["id"] not in theirs:
            out.append(EditedValue(study["id"], "", "study", "present", "absent"))
            continue
        mine_runs = {r["label"]: r for r in study["runs"]}
        true_runs = {r["label"]: r for r in theirs[study["id"]]["runs"]}
        for label in mine_runs.keys() | true_runs.keys():
            a, b = mine_runs.get(label), true_runs.get(label)
            if a is None or b is None:
                out.append(EditedValue(study["id"], label, "run",
                                       "present" if a else "absent", "present" if b else "absent"))
                continue
            out += [EditedValue(study["id"], label, f, x, y) for f, x, y in _run_fields(a, b)]
    present = {s["id"] for s in submitted["studies"]}
    out += [EditedValue(s, "", "study", "absent", "present") for s in theirs if s not in present]
    return sorted(out, key=lambda e: (e.study, e.run, e.field))


def _run_fields(mine: dict[str, Any], true: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    fields = [(f, mine.get(f), true.get(f)) for f in COMPARED if mine.get(f) != true.get(f)]
    fields += [(f"config.{k}", a, b)
               for k, a, b in config_differences(mine["config"], true["config"])]
    for split in sorted(mine["metrics"].keys() | true["metrics"].keys()):
        a, b = mine["metrics"].get(split) or {}, true["metrics"].get(split) or {}
        for metric in sorted(a.keys() | b.keys()):
            if not _same(a.get(metric), b.get(metric)):
                fields.append((f"{split}.{metric}", a.get(metric), b.get(metric)))
    return fields


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


# ---------------------------------------------------------------- manifest
def manifest_changes(key_text: str, submission_text: str) -> list[ManifestChange]:
    """Every setting that differs between two manifests (raises tomllib.TOMLDecodeError)."""
    key, other = _settings(tomllib.loads(key_text)), _settings(tomllib.loads(submission_text))
    return [ManifestChange(path, key.get(path), other.get(path))
            for path in sorted(key.keys() | other.keys()) if key.get(path) != other.get(path)]


def _settings(data: dict[str, Any]) -> dict[str, Any]:
    """Dotted path → value; studies keyed by their id, so reordering them changes nothing."""
    flat: dict[str, Any] = {}
    for name, value in data.items():
        if name in IGNORED_MANIFEST:
            continue
        if name == "studies" and isinstance(value, list):
            for i, study in enumerate(value):
                if not isinstance(study, dict):
                    continue
                sid = study.get("id", i)
                for k, v in study.items():
                    if k not in IGNORED_STUDY_KEYS:
                        flat |= _flatten(v, f"studies[{sid}].{k}")
        else:
            flat |= _flatten(value, name)
    return flat


def _flatten(value: Any, prefix: str) -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out |= _flatten(v, f"{prefix}.{k}")
        return out
    return {prefix: value}


# ---------------------------------------------------------------- reruns
def _sample(submission: Submission, sample: int) -> tuple[Any, Store, list[Any]] | Rerun:
    """The submission's manifest, store and the stored runs to retrain (as `run --check`
    chooses them); a Rerun "rerun failed" when the folder cannot give them."""
    from reportgen.execution import reproduce  # imports torch: only when reruns are asked for

    assert submission.root is not None and submission.manifest_text is not None
    try:
        manifest = manifest_mod.loads(submission.manifest_text,
                                      source=str(submission.root / MANIFEST_COPY))
        store = Store(submission.root)
        candidates, _ = reproduce.stored_candidates(store)
    except (ReportgenError, ValueError, OSError) as exc:
        return Rerun("—", "rerun failed", str(exc))
    return manifest, store, list(reproduce.choose(candidates, sample, manifest.sha256))


def verify(submission: Submission, sample: int, device: str | None = None) -> list[Rerun]:
    """Retrain `sample` of the submission's stored runs (as `run --check` chooses them) and
    compare each with its record. A problem of the whole submission is one Rerun "rerun failed"."""
    from reportgen.execution import reproduce  # imports torch: only when reruns are asked for

    opened = _sample(submission, sample)
    if isinstance(opened, Rerun):
        return [opened]
    manifest, store, chosen = opened
    datasets: dict[str, Any] = {}
    out = []
    for candidate in chosen:
        try:
            result = reproduce.check_run(candidate, manifest, store, datasets, device, None)
        except (ReportgenError, OSError, ValueError) as exc:
            out.append(Rerun(candidate.name, "rerun failed", str(exc)))
            continue
        detail = ", ".join(map(str, result.differences)) or result.detail
        out.append(Rerun(candidate.name, result.status, detail))
    return out


@dataclass(frozen=True)
class RerunJob:
    """One sampled run to retrain elsewhere (`grading.reruns`): all `reproduce.check_run` needs,
    read while the submission's folder exists."""

    name: str  # "study / label / run id[:8]"
    run_id: str
    spec: Any  # plan.RunSpec
    stored: RunRecord
    tolerance: Any  # reproduce.Tolerance
    dataset: Any  # data.Dataset, as the submission's manifest loads it
    evaluate: tuple[str, ...]


def rerun_jobs(submission: Submission, sample: int,
               device: str | None = None) -> list[Rerun | RerunJob]:
    """`verify`'s sample, each as a RerunJob, or already a Rerun where it cannot retrain (the
    data changed, an unreadable spec): the same verdicts `verify` gives, without training."""
    from reportgen.execution import reproduce as check
    from reportgen.training.engines import resolve_device

    opened = _sample(submission, sample)
    if isinstance(opened, Rerun):
        return [opened]
    manifest, store, chosen = opened
    datasets: dict[str, Any] = {}
    out: list[Rerun | RerunJob] = []
    for candidate in chosen:
        try:
            stored = store.load_run(candidate.run_id).record
            spec = check.read_spec(store, candidate.run_id)
            tolerance = check.tolerance_for(
                stored, resolve_device(RunOptions(device=device).device_for(spec)), None)
            dataset, problem = check.dataset_of_run(spec, candidate.run_id, manifest, datasets)
        except (ReportgenError, OSError, ValueError) as exc:
            out.append(Rerun(candidate.name, "rerun failed", str(exc)))
            continue
        if dataset is None:
            out.append(Rerun(candidate.name, "data changed", problem))
            continue
        evaluate = tuple(split for split in stored.metrics if split != "train")
        out.append(RerunJob(candidate.name, candidate.run_id, spec, stored, tolerance, dataset,
                            evaluate))
    return out


def rerun_verdict(job: RerunJob, rerun: RunRecord | None, error: str = "") -> Rerun:
    """A retrained RerunJob (or its failure) compared with its record as `check` compares."""
    from reportgen.execution import reproduce as check

    if rerun is None:
        return Rerun(job.name, "rerun failed", error)
    differences = check.compare(job.stored, rerun, job.tolerance)
    return Rerun(job.name, "differs" if differences else "reproduced",
                 ", ".join(map(str, differences)), rerun.worker or "")


def check_submission(submission: Submission, key_manifest: str | None,
                     sample: int = 0, device: str | None = None) -> Integrity:
    """Every integrity check the submission allows; what it does not allow says why in `note`."""
    integrity = Integrity()
    if submission.has_records:
        try:
            integrity.recomputed = recompute(submission)
            integrity.edited = edited_values(submission.results, integrity.recomputed)
            integrity.records_checked = True
        except ReportgenError as exc:
            integrity.note = str(exc)
    else:
        integrity.note = "no run records (a results.json alone)"
    if key_manifest is not None and submission.manifest_text is not None:
        try:
            integrity.manifest_changes = manifest_changes(key_manifest, submission.manifest_text)
            integrity.manifest_checked = True
        except tomllib.TOMLDecodeError:
            pass
    if sample and submission.has_records and submission.manifest_text is not None:
        integrity.reruns = verify(submission, sample, device)
    return integrity
