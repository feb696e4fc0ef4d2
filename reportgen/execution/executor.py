"""Run a plan: load each dataset once, train each run not already in the store, save records.

Each finished run is written atomically before the next starts, so an interrupted
`reportgen run` loses nothing that was finished, and the next one picks up where it stopped.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from reportgen.data import Dataset, load_dataset
from reportgen.data.samples import dataset_samples
from reportgen.errors import ManifestError, StoreError
from reportgen.manifest import Manifest, Study
from reportgen.plan.expand import Plan, RunSpec, SearchTask, repeated
from reportgen.store.records import Index, IndexEntry, RunRecord, RunSpecFile
from reportgen.store.store import Store
from reportgen.training.loop import monitor_problem
from reportgen.training.models import image_problem
from reportgen.training.one_run import (  # train_run and fused_label: callers import them here
    Trained,
    _now,
    expected_failure,
    fused_label,  # noqa: F401
    fused_note,
    summarise,
    this_worker,
    train_fused,
    train_run,
    versions,
)


class Progress(Protocol):
    """Hooks the CLI implements to show progress (rich bars or plain log lines)."""

    def study(self, study_id: str, n_runs: int) -> None: ...
    def run_started(self, spec: RunSpec, run_id: str) -> None: ...
    def epoch(self, row: dict[str, Any]) -> None: ...
    def run_finished(self, spec: RunSpec, record: RunRecord | None, skipped: bool,
                     error: str | None = None) -> None: ...
    def trial_finished(self, label: str, state: str, value: float | None, epochs: int,
                       error: str | None) -> None: ...
    # with --jobs or --cluster: the units and workers, and what each worker trains now
    def pool(self, units: int, workers: int) -> None: ...
    def worker(self, worker: str, label: str | None, epochs: int = 0) -> None: ...
    def worker_epoch(self, worker: str) -> None: ...


class SilentProgress:
    def study(self, study_id: str, n_runs: int) -> None:
        pass

    def run_started(self, spec: RunSpec, run_id: str) -> None:
        pass

    def epoch(self, row: dict[str, Any]) -> None:
        pass

    def run_finished(self, spec: RunSpec, record: RunRecord | None, skipped: bool,
                     error: str | None = None) -> None:
        pass

    def trial_finished(self, label: str, state: str, value: float | None, epochs: int,
                       error: str | None) -> None:
        pass

    def pool(self, units: int, workers: int) -> None:
        pass

    def worker(self, worker: str, label: str | None, epochs: int = 0) -> None:
        pass

    def worker_epoch(self, worker: str) -> None:
        pass


@dataclass
class Outcome:
    trained: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # run id -> error
    trials: int = 0  # tuning trials run by this process


def execute(manifest: Manifest, plan: Plan, store: Store, *, device: str | None = None,
            fresh: bool = False, progress: Progress | None = None,
            worker: bool = False, fuse: bool | None = None,
            max_fused_memory: int | None = None, jobs: int | str = 1,
            cluster: str | None = None) -> Outcome:
    """Train every run of `plan` missing from `store` (all of them with `fresh`) and run its
    searches. A `worker` only runs trials of the plan's searches, next to a coordinating
    `execute` in another process sharing the search storage: no runs, no records, no index.

    Runs of a study that differ only in what a fused model can vary train as one (`grouping`):
    `fuse` None where that is expected to be faster, True wherever possible, False never;
    `max_fused_memory` bounds a group's memory in bytes (default: `grouping.default_budget`).

    `jobs` > 1 trains that many units (a run, a fused group, a search's trials) at once in
    worker processes, `cluster` ("auto" or "ray://HOST:PORT") as Ray tasks: `parallel.driver`.
    This process alone writes the store either way."""
    progress = progress or SilentProgress()
    if not worker and not cluster and jobs != 1 and jobs != "1":  # workers import meanwhile
        from reportgen.execution.parallel.server import warm_up

        warm_up(searches=bool(plan.searches))
    datasets = _load_datasets(manifest, plan)
    problems = {id(spec): problem for spec in plan.runs
                if (problem := configuration_problem(spec, datasets[spec.config.dataset]))}
    for spec in plan.runs:  # checked before any training: a bad run must not cost finished work
        if id(spec) in problems and not spec.expect_error:
            raise ManifestError(f"{spec.origin}: {problems[id(spec)]}")
    for task in plan.searches:
        dataset = datasets[task.base.config.dataset]
        if problem := configuration_problem(task.base, dataset) or search_problem(task, dataset):
            raise ManifestError(f"{task.base.origin}: {problem}")
    if worker:
        return _work(plan, datasets, store, device, progress)
    writer = Writer(store, _start_index(manifest, plan, store), datasets, fresh)
    for name, dataset in datasets.items():
        store.save_dataset(summarise(dataset))
        if (images := dataset_samples(dataset)) is not None:
            store.save_dataset_samples(name, images)
        if name not in writer.index.datasets:
            writer.index.datasets.append(name)
    if manifest.report.baselines:
        save_baselines(manifest, datasets, store, fresh)
    store.save_manifest(manifest.source_text)
    if jobs == "auto":
        from reportgen.execution.parallel import devices

        jobs = devices.auto_jobs(device, [*plan.runs, *(t.base for t in plan.searches)],
                                 datasets)
    if int(jobs) > 1 or cluster:
        from reportgen.execution.parallel import driver

        driver.drive(manifest, plan, writer, problems, device=device, fuse=fuse,
                     max_fused_memory=max_fused_memory, jobs=int(jobs), cluster=cluster,
                     progress=progress)
        store.save_index(writer.index)
        return writer.outcome
    _sequential(manifest, plan, writer, problems, device, fuse, max_fused_memory, progress)
    store.save_index(writer.index)
    return writer.outcome


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


def _sequential(manifest: Manifest, plan: Plan, writer: Writer, problems: dict[int, str],
                device: str | None, fuse: bool | None, max_fused_memory: int | None,
                progress: Progress) -> None:
    """Every unit one after another in this process; each run saved as it finishes."""
    from reportgen.training.engines import describe_device, make_trainer, resolve_device

    datasets, index = writer.datasets, writer.index

    def run_one(spec: RunSpec, evaluate: list[str],
                extra: dict[str, Any] | None = None) -> RunRecord | None:
        """Train one run unless stored; its id goes into the study's list in the index."""
        dataset = datasets[spec.config.dataset]
        run_id = writer.run_id(spec)
        list_run(index, spec, run_id)
        if (record := writer.stored(spec, run_id)) is not None:
            progress.run_finished(spec, record, skipped=True)
            return record
        progress.run_started(spec, run_id)
        if id(spec) in problems:  # an expected error: its message is the run's outcome
            record = writer.save_expected(spec, run_id, problems[id(spec)])
            progress.run_finished(spec, record, skipped=False)
            return record
        run_device = resolve_device(device or spec.config.device)
        try:
            record, history, predictions = train_run(
                spec, run_id, dataset, run_device, describe_device(run_device),
                evaluate, make_trainer, progress)
        except Exception as exc:  # a run's own failure (e.g. out of memory) spares the rest
            message = f"{type(exc).__name__}: {exc}"
            writer.fail(run_id, message)
            progress.run_finished(spec, None, skipped=False, error=message)
            return None
        record = writer.save(spec, run_id, dataclasses.replace(record, worker=this_worker()),
                             history, predictions, extra)
        progress.run_finished(spec, record, skipped=False)
        return record

    def run_group(group: list[RunSpec], evaluate: list[str]) -> None:
        """Train runs of one study as one fused model (engines/fused.py); each is saved as it
        finishes, like a run trained alone, with `extra["fused_group"]`."""
        run_ids = [writer.run_id(spec) for spec in group]
        note = fused_note(group, run_ids)
        records: dict[int, RunRecord] = {}

        def save(position: int, trained: Trained) -> None:
            record, history, predictions = trained
            records[position] = writer.save(
                group[position], run_ids[position],
                dataclasses.replace(record, worker=this_worker()), history, predictions, note)

        resolved = resolve_device(device or group[0].config.device)
        left = train_fused(group, run_ids, datasets[group[0].config.dataset], resolved,
                           evaluate, progress, save)
        for position, spec in enumerate(group):
            if position in left:
                run_one(spec, evaluate)
            else:
                progress.run_finished(spec, records[position], skipped=False)

    for study in manifest.studies:
        runs = plan.for_study(study.id)
        if runs:
            progress.study(study.id, len(runs))
        groups = _fused_groups(study, runs, datasets, problems, writer.store, writer.fresh,
                               device, fuse, max_fused_memory)
        for spec in runs if groups else ():  # the index lists a study's runs in plan order
            list_run(index, spec, writer.run_id(spec))
        for spec in runs:
            group = groups.get(id(spec))
            if group is None:
                run_one(spec, study.evaluate)
            elif group[0] is spec:
                run_group(group, study.evaluate)
        for task in plan.searches_for(study.id):
            _search(task, study.repeats, writer, device, progress,
                    lambda spec, extra, study=study: run_one(spec, study.evaluate, extra))


def _fused_groups(study: Study, runs: list[RunSpec], datasets: dict[str, Dataset],
                  problems: dict[int, str], store: Store, fresh: bool, device: str | None,
                  fuse: bool | None, max_fused_memory: int | None) -> dict[int, list[RunSpec]]:
    """id(spec) → its fused group, for each run of the study that trains in one: runs still to
    train (not stored, not expected to fail, each id once) that `grouping` puts together.
    `fuse` False (or the study's `fuse = false`) fuses nothing; True fuses wherever possible;
    None where it is expected to pay (`grouping.worth_fusing`)."""
    from reportgen.training.engines import grouping, resolve_device

    if fuse is False or not study.fuse:
        return {}
    pending: dict[str, RunSpec] = {}
    for spec in runs:
        run_id = spec.run_id(datasets[spec.config.dataset].fingerprint)
        if id(spec) not in problems and run_id not in pending \
                and (fresh or not store.has(run_id)):
            pending[run_id] = spec
    groups = grouping.fused_groups(
        list(pending.values()), datasets,
        lambda spec: resolve_device(device or spec.config.device),
        budget=max_fused_memory, force=fuse is True)
    return {id(spec): group for group in groups for spec in group}


def search_problem(task: SearchTask, dataset: Dataset) -> str | None:
    objective = task.search.objective
    if objective.startswith("val_") and "val" not in dataset.splits:
        return (f"search.objective {objective!r} needs a validation split, and dataset "
                f"{dataset.name!r} has none")
    return None


def _search(task: SearchTask, repeats: int, writer: Writer, device: str | None,
            progress: Progress, run_one: Any) -> None:
    """Tune one (variant × algorithm), retrain its best configuration (`repeats` times, with
    seeds seed, seed+1, …), write its record; the record names the first retrained run."""
    from reportgen.training.engines import make_trainer, resolve_device
    from reportgen.tuning import runner

    list_search(writer.index, task)
    result = runner.run_search(task, writer.datasets[task.base.config.dataset],
                               writer.store.root,
                               resolve_device(device or task.base.config.device), make_trainer,
                               progress, coordinator=True, fresh=writer.fresh)
    writer.outcome.trials += result.trials_run
    specs, extra = retrain_specs(task, result, repeats)
    if specs:
        progress.study(f"{task.study_id} · {specs[0].config_label or specs[0].label}",
                       len(specs))
    trained = [run_one(spec, extra) for spec in specs]  # the record names the first
    finish_search(writer, result.record, trained[0] if trained else None)


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


def _work(plan: Plan, datasets: dict[str, Dataset], store: Store, device: str | None,
          progress: Progress) -> Outcome:
    from reportgen.training.engines import make_trainer, resolve_device
    from reportgen.tuning import runner

    outcome = Outcome()
    for task in plan.searches:
        result = runner.run_search(task, datasets[task.base.config.dataset], store.root,
                                   resolve_device(device or task.base.config.device),
                                   make_trainer, progress, coordinator=False)
        outcome.trials += result.trials_run
    return outcome


def _load_datasets(manifest: Manifest, plan: Plan) -> dict[str, Dataset]:
    """Every dataset the plan uses, loaded once, in first-use order."""
    base_dir = Path(manifest.source_path).parent
    datasets: dict[str, Dataset] = {}
    for spec in [*plan.runs, *(task.base for task in plan.searches)]:
        name = spec.config.dataset
        if name not in datasets:
            datasets[name] = load_dataset(name, manifest.datasets[name], base_dir)
    return datasets


def save_baselines(manifest: Manifest, datasets: dict[str, Dataset], store: Store,
                   fresh: bool = False) -> list[str]:
    """Compute and store the baselines (`reportgen.training.baselines`) of each dataset that has
    none yet, or whose stored ones were fitted on other data (another fingerprint), or all of them
    with `fresh`. Returns the names of the datasets computed."""
    from reportgen.training import baselines

    computed = []
    for name, dataset in datasets.items():
        try:
            stored = None if fresh else store.load_baselines(name)
        except StoreError:  # unreadable: computed again
            stored = None
        if stored is not None and stored.fingerprint == dataset.fingerprint:
            continue
        split = getattr(manifest.datasets[name], "split", None)  # official splits have none
        seed = split.seed if split is not None else manifest.defaults.seed
        store.save_baselines(baselines.compute(dataset, seed=seed))
        computed.append(name)
    return computed


def configuration_problem(spec: RunSpec, dataset: Dataset) -> str | None:
    """What makes a run impossible on its dataset, found only once the data is known."""
    outputs = spec.config.model.outputs
    if outputs != "auto" and outputs != dataset.n_classes:
        return (f"model.outputs = {outputs} but dataset {dataset.name!r} has "
                f"{dataset.n_classes} classes (use outputs = \"auto\")")
    return image_problem(spec.config.model, dataset.input_shape) or \
        monitor_problem(spec.config.training, "val" in dataset.splits)


def _start_index(manifest: Manifest, plan: Plan, store: Store) -> Index:
    """The index this run writes: studies not in the plan (`--only`) keep their earlier runs
    and tuning records."""
    try:
        previous = store.read_index()
    except StoreError:
        previous = Index(studies={}, datasets=[])
    planned = {r.study_id for r in plan.runs} | {t.study_id for t in plan.searches}
    kept = {s.id: previous.studies.get(s.id) for s in manifest.studies if s.id not in planned}
    studies: dict[str, list[IndexEntry]] = {
        s.id: [] if s.id in planned else list(kept[s.id] or ()) for s in manifest.studies
        if s.id in planned or kept.get(s.id)}
    tuning: dict[str, list[str]] = {}
    for s in manifest.studies:
        if s.id in planned and s.search is not None:
            tuning[s.id] = []
        elif s.id not in planned and previous.tuning.get(s.id):
            tuning[s.id] = list(previous.tuning[s.id])
    return Index(
        studies=studies,
        datasets=[d for d in previous.datasets if d in manifest.datasets] if kept else [],
        failed={}, tuning=tuning, versions=versions(), created_at=_now(),
        manifest_sha256=manifest.sha256, manifest_path=manifest.source_path)


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


