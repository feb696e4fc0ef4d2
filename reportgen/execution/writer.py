"""The bookkeeping both ways of running a plan share (in this process, or through the driver
and its workers): the one writer of the store, which saves each record as it comes back and
keeps the index and the outcome, and the index entries of runs and searches."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reportgen.data import Dataset
from reportgen.execution.options import RunOptions
from reportgen.manifest import Study
from reportgen.plan.expand import RunSpec, SearchTask, repeated
from reportgen.store.records import Index, IndexEntry, RunRecord, RunSpecFile
from reportgen.store.store import Store
from reportgen.training.one_run import expected_failure


@dataclass
class Outcome:
    trained: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # run id -> error
    trials: int = 0  # tuning trials run by this process


@dataclass
class Writer:
    """The one writer of a store: saves records and keeps the index and the outcome."""

    store: Store
    index: Index  # extended as runs finish, saved after each
    datasets: dict[str, Dataset]
    fresh: bool
    outcome: Outcome = field(default_factory=Outcome)

    def run_id(self, spec: RunSpec) -> str:
        return spec.run_id(self.datasets[spec.config.dataset].fingerprint)

    def stored(self, spec: RunSpec, run_id: str) -> RunRecord | None:
        """The stored record when the run need not train (not `fresh`), counted as reused."""
        if self.fresh or not self.store.has(run_id):
            return None
        self.outcome.skipped.append(run_id)
        return self.store.load_run(run_id).record

    def save_expected(self, spec: RunSpec, run_id: str, problem: str) -> RunRecord:
        record = expected_failure(spec, run_id, self.datasets[spec.config.dataset], problem)
        self.store.save_run(record, spec_json(spec, run_id), [], {})
        self.outcome.trained.append(run_id)
        self.store.save_index(self.index)
        return record

    def save(self, spec: RunSpec, run_id: str, record: RunRecord,
             history: list[dict[str, Any]], predictions: dict[str, np.ndarray],
             extra: dict[str, Any] | None) -> RunRecord:
        record = record.with_origin(extra)
        self.store.save_run(record, spec_json(spec, run_id), history, predictions)
        if "proba_predict" in predictions:
            self.store.save_posteriors(spec.study_id, spec.label, predictions["proba_predict"],
                                       self.datasets[spec.config.dataset].classes)
        self.index.failed.pop(run_id, None)
        self.outcome.trained.append(run_id)
        self.store.save_index(self.index)
        return record

    def fail(self, run_id: str, message: str) -> None:
        self.index.failed[run_id] = message
        self.outcome.failed[run_id] = message
        self.store.save_index(self.index)


def fused_groups(study: Study, runs: list[RunSpec], datasets: dict[str, Dataset],
                 problems: dict[int, str], store: Store,
                 options: RunOptions) -> dict[int, list[RunSpec]]:
    """id(spec) → its fused group, for each run of the study that trains in one: runs still to
    train (not stored, not expected to fail, each id once) that `grouping` puts together.
    `options.fuse` False (or the study's `fuse = false`) fuses nothing; True fuses wherever
    possible; None where it is expected to pay (`grouping.worth_fusing`)."""
    from reportgen.training.engines import grouping, resolve_device

    if options.fuse is False or not study.fuse:
        return {}
    pending: dict[str, RunSpec] = {}
    for spec in runs:
        run_id = spec.run_id(datasets[spec.config.dataset].fingerprint)
        if id(spec) not in problems and run_id not in pending \
                and (options.fresh or not store.has(run_id)):
            pending[run_id] = spec
    groups = grouping.fused_groups(
        list(pending.values()), datasets,
        lambda spec: resolve_device(options.device_for(spec)),
        budget=options.max_fused_memory, force=options.fuse is True)
    return {id(spec): group for group in groups for spec in group}


def list_search(index: Index, task: SearchTask) -> None:
    from reportgen.tuning.export import record_file

    files = index.tuning.setdefault(task.study_id, [])
    if record_file(task) not in files:
        files.append(record_file(task))


def retrain_specs(task: SearchTask, result: Any,
                  repeats: int) -> tuple[list[RunSpec], dict[str, Any]]:
    """The runs retraining a search's best configuration, and the note each record keeps."""
    from reportgen.tuning import runner

    if not task.search.retrain_best or result.best_set is None:
        return [], {}
    record = result.record
    extra = {"tuning": {"file": record.file, "algorithm": task.algorithm,
                        "trial": record.best["number"], "objective": record.objective,
                        "value": record.best["value"]}}
    return repeated(runner.best_run_spec(task, result.best_set), repeats), extra


def finish_search(writer: Writer, record: Any, best: RunRecord | None) -> None:
    """Write the tuning record, naming the first retrained run."""
    if best is not None:
        metrics = {split: {"accuracy": m.accuracy, "loss": m.loss}
                   for split, m in best.metrics.items()}
        record = dataclasses.replace(record, retrained={
            "run_id": best.run_id, "label": best.label, "epochs": best.epochs_run,
            "wall_seconds": best.wall_seconds, "metrics": metrics})
    writer.store.save_tuning_record(record)
    writer.store.save_index(writer.index)


def list_run(index: Index, spec: RunSpec, run_id: str) -> None:
    """Name the run in its study's list in the index, once. The entry carries the study's own
    name for it: one stored run may serve two studies under different labels."""
    entries = index.studies[spec.study_id]
    if all(entry.run_id != run_id for entry in entries):
        entries.append(IndexEntry(run_id, spec.label, spec.varied, spec.config_label))


def spec_json(spec: RunSpec, run_id: str) -> RunSpecFile:
    """What runs/<id>/spec.json keeps of the run (`Store.save_run` writes it)."""
    return RunSpecFile(run_id=run_id, study_id=spec.study_id, label=spec.label,
                       variant=spec.variant, varied=spec.varied,
                       config=spec.config.model_dump(mode="json"))
