"""Run a plan: load each dataset once, train each run not already in the store, save records.

Each finished run is written atomically before the next starts, so an interrupted
`reportgen run` loses nothing that was finished, and the next one picks up where it stopped.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from reportgen.data import Dataset, load_dataset
from reportgen.data.samples import dataset_samples
from reportgen.errors import ManifestError, StoreError
from reportgen.execution.options import RunOptions
from reportgen.execution.parallel import driver
from reportgen.execution.writer import Outcome, Writer
from reportgen.manifest import Manifest
from reportgen.plan.expand import Plan, RunSpec, SearchTask
from reportgen.store.records import Index, IndexEntry
from reportgen.store.store import Store
from reportgen.training.hooks import Progress
from reportgen.training.loop import monitor_problem
from reportgen.training.models import image_problem
from reportgen.training.one_run import now, summarise, versions


def execute(manifest: Manifest, plan: Plan, store: Store,
            options: RunOptions | None = None, progress: Progress | None = None) -> Outcome:
    """Train every run of `plan` missing from `store` (all of them with `options.fresh`) and
    run its searches. A `worker` only runs trials of the plan's searches, next to a
    coordinating `execute` in another process sharing the search storage: no runs, no
    records, no index.

    Runs of a study that differ only in what a fused model can vary train as one (`grouping`):
    `fuse` None where that is expected to be faster, True wherever possible, False never;
    `max_fused_memory` bounds a group's memory in bytes (default: `grouping.default_budget`).

    The driver (`parallel.driver`) walks the plan and trains its units (a run, a fused group,
    a search's trials) in this process, or with `jobs` > 1 that many at once in worker
    processes, or with `cluster` ("auto" or "ray://HOST:PORT") as Ray tasks. This process
    alone writes the store either way, each run as soon as it is back."""
    options = options or RunOptions()
    progress = progress or Progress()
    if not options.worker and not options.in_process and not options.cluster:
        from reportgen.execution.parallel.server import warm_up  # workers import meanwhile

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
    if options.worker:
        return _work(plan, datasets, store, options, progress)
    writer = Writer(store, _start_index(manifest, plan, store), datasets, options.fresh)
    for name, dataset in datasets.items():
        store.save_dataset(summarise(dataset))
        if (images := dataset_samples(dataset)) is not None:
            store.save_dataset_samples(name, images)
        if name not in writer.index.datasets:
            writer.index.datasets.append(name)
    if manifest.report.baselines:
        save_baselines(manifest, datasets, store, options.fresh)
    store.save_manifest(manifest.source_text)
    if options.jobs == "auto":
        from reportgen.execution.parallel import devices

        options = dataclasses.replace(options, jobs=devices.auto_jobs(
            options.device, [*plan.runs, *(t.base for t in plan.searches)], datasets))
    driver.drive(manifest, plan, writer, problems, options, progress)
    store.save_index(writer.index)
    return writer.outcome


def search_problem(task: SearchTask, dataset: Dataset) -> str | None:
    objective = task.search.objective
    if objective.startswith("val_") and "val" not in dataset.splits:
        return (f"search.objective {objective!r} needs a validation split, and dataset "
                f"{dataset.name!r} has none")
    return None


def _work(plan: Plan, datasets: dict[str, Dataset], store: Store, options: RunOptions,
          progress: Progress) -> Outcome:
    from reportgen.training.engines import make_trainer, resolve_device
    from reportgen.tuning import runner

    outcome = Outcome()
    for task in plan.searches:
        result = runner.run_search(task, datasets[task.base.config.dataset], store.root,
                                   resolve_device(options.device_for(task.base)),
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
        failed={}, tuning=tuning, versions=versions(), created_at=now(),
        manifest_sha256=manifest.sha256, manifest_path=manifest.source_path)


