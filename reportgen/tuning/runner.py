"""Run one `plan.SearchTask` as an Optuna study: open it, run its trials, export its record.

Every trial is one training run (the same engines and `training.fit` as any run) whose config is
the task's base config with the sampled values set at their dotted paths (`objective.py`). The
Optuna study in the RDB storage is the source of truth (`storage.py`, with the samplers of
`samplers.py`); `export.py` turns it into the tuning record the report reads
(`store/tuning_records.py`), which the executor hands to the store to write.

How trials are shared out, so that several processes never lose or duplicate one:
- The process that creates a study enqueues `max_trials` placeholder trials (WAITING, tagged
  with a slot number); processes then only ever pop WAITING trials (an atomic state change in
  the storage), never create new ones.
- Each running trial records a heartbeat; the coordinating process (`reportgen run`, not
  `--worker`) fails trials whose heartbeat went stale (a killed worker) and re-enqueues them
  with the same parameters, as it does at start-up for trials left FAILED by an earlier run.
- The sampler is re-seeded from (seed, trial number) before each trial, so what a trial samples
  depends only on the seed, its number and the finished trials: a re-run, a resumed run and an
  uninterrupted run of a sequential study sample the same configurations.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna
from optuna.trial import TrialState

from reportgen.data import Dataset
from reportgen.manifest import RunConfig
from reportgen.plan.expand import RunSpec, SearchTask
from reportgen.store.tuning_records import TuningRecord
from reportgen.tuning.export import export
from reportgen.tuning.objective import Objective, run_trial, trial_config
from reportgen.tuning.storage import (
    fail_stale,
    open_storage,
    open_study,
    pending,
    pop_waiting_trial,
    release_dead_local,
    requeue_failed,
    storage_url,
    study_name,
)

POLL_SECONDS = 1.0  # the coordinator's wait for trials other processes are running

if TYPE_CHECKING:
    from reportgen.training.hooks import Progress

@dataclass(frozen=True)
class SearchResult:
    record: TuningRecord
    trials_run: int  # by this process
    best_set: dict[str, Any] | None  # dotted path -> value of the best complete trial


def optimise(study: optuna.Study, storage: optuna.storages.RDBStorage, task: SearchTask,
             objective: Objective, *, coordinator: bool) -> int:
    """Run WAITING trials until none is left; the coordinator then waits for the trials other
    processes are running (re-enqueueing those whose process died). Returns trials run here."""
    deadline = time.monotonic() + task.search.timeout if task.search.timeout else None
    if coordinator:
        release_dead_local(study, storage)
        requeue_failed(study)
    ran = 0
    while deadline is None or time.monotonic() < deadline:
        if coordinator:
            fail_stale(study)
        trial_id = pop_waiting_trial(study, storage, task.max_trials)
        if trial_id is not None:
            run_trial(study, storage, trial_id, objective)
            ran += 1
            continue
        running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        if not (coordinator and running):
            break
        time.sleep(POLL_SECONDS)
    return ran


# ---------------------------------------------------------------- the whole search
_warm: set[str] = set()


def warm_up(make_trainer: Callable[..., Any], config: RunConfig, dataset: Dataset,
             device: str) -> None:
    """Build one trainer, untimed: the first one in a process pays the engine's library
    imports (seconds), which would otherwise be charged to the first algorithm's first trial."""
    if config.engine not in _warm:
        make_trainer(config, dataset, device)
        _warm.add(config.engine)


def prepare_search(task: SearchTask, dataset: Dataset, root: str | Path, *,
                   fresh: bool = False) -> int:
    """Open (or create) the search's study as its coordinator, with placeholders for the
    whole budget and earlier failures re-enqueued, before workers join it (`--jobs`,
    `--cluster`); returns the trials waiting to run."""
    url = storage_url(task.search.storage, root)
    storage = open_storage(url, coordinator=True)
    study = open_study(task, storage, study_name(task, dataset.fingerprint), coordinator=True,
                       fresh=fresh)
    requeue_failed(study)
    return pending(study, task.max_trials)


def run_search(task: SearchTask, dataset: Dataset, root: str | Path, device: str,
               make_trainer: Callable[..., Any], progress: Progress, *,
               coordinator: bool = True, fresh: bool = False) -> SearchResult:
    warm_up(make_trainer, task.base.config, dataset, device)
    url = storage_url(task.search.storage, root)
    storage = open_storage(url, coordinator)
    name = study_name(task, dataset.fingerprint)
    study = open_study(task, storage, name, coordinator=coordinator, fresh=fresh)
    progress.study(f"{task.study_id} · {task.label}", pending(study, task.max_trials))
    objective = Objective(task, dataset, device, make_trainer, progress)
    ran = optimise(study, storage, task, objective, coordinator=coordinator)
    record = export(study, task, dataset, url)
    return SearchResult(record=record, trials_run=ran,
                        best_set=record.best["set"] if record.best else None)


def best_run_spec(task: SearchTask, best_set: dict[str, Any]) -> RunSpec:
    """The best configuration as an ordinary run, trained for max_epochs."""
    return RunSpec(study_id=task.study_id, label=f"{task.label} best",
                   variant=task.base.variant, varied={**task.base.varied, **best_set},
                   config=trial_config(task, best_set), origin=task.base.origin)
