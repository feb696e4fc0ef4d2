"""Run one `plan.SearchTask` as an Optuna study: storage, sampler, the trial loop, resume.

Every trial is one training run (the same engines and `training.fit` as any run) whose config is
the task's base config with the sampled values set at their dotted paths. The Optuna study in
the RDB storage is the source of truth; `export` turns it into the tuning record the report
reads (`records.py`), which the executor hands to the store to write.

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

import dataclasses
import datetime as dt
import hashlib
import json
import os
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import optuna
import sqlalchemy
from optuna.samplers import BaseSampler, GPSampler, RandomSampler, TPESampler
from optuna.trial import FrozenTrial, TrialState
from pydantic import ValidationError

from reportgen.credentials import mask, resolve_storage
from reportgen.data import Dataset
from reportgen.errors import ReportgenError
from reportgen.manifest import RunConfig
from reportgen.plan import RunSpec, SearchTask, assign, stable_hash
from reportgen.store import slug
from reportgen.threads import run_threads
from reportgen.training import fit
from reportgen.tuning import hyperband, importance, space
from reportgen.tuning.records import FOLDER, TrialRecord, TuningRecord

DB_FILE = "studies.db"
HEARTBEAT_SECONDS = 5  # a running trial writes its heartbeat this often
GRACE_SECONDS = 20  # … and is taken for dead (its process killed) after this long without one
POLL_SECONDS = 1.0  # the coordinator's wait for trials other processes are running
SLOTS_WAIT_SECONDS = 120.0  # how long a joining process waits for the creator's placeholders
MAX_RETRIES = 2  # re-enqueues of one failed trial, over all runs
SLOT = "reportgen:slot"  # user attr of a placeholder trial: its place in the budget
SLOTS = "reportgen:slots"  # study user attr: placeholders enqueued so far
RETRY_OF = "retry_of"
ATTEMPT = "attempt"

if TYPE_CHECKING:
    from reportgen.execute import Progress

optuna.logging.set_verbosity(optuna.logging.ERROR)  # failures are recorded per trial


@dataclass(frozen=True)
class SearchResult:
    record: TuningRecord
    trials_run: int  # by this process
    best_set: dict[str, Any] | None  # dotted path -> value of the best complete trial


# ---------------------------------------------------------------- storage and study identity
def storage_url(storage: str, root: str | Path) -> str:
    """`"sqlite"` means a SQLite file in the output folder; anything else is an RDB URL."""
    storage = resolve_storage(storage)  # `{ env = "NAME" }`: the URL is in the environment
    if storage != "sqlite":
        return storage
    path = (Path(root) / FOLDER / DB_FILE).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def shown_url(url: str) -> str:
    """The URL without its password, for records and messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: say so, without echoing it
        return "<unparsable storage URL>"


def open_storage(url: str, coordinator: bool) -> optuna.storages.RDBStorage:
    """An RDB storage with heartbeats; retried because processes starting together on a new
    SQLite file race to create its tables."""
    engine_kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    last: Exception | None = None
    for attempt in range(8):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url, engine_kwargs=engine_kwargs, heartbeat_interval=HEARTBEAT_SECONDS,
                    grace_period=GRACE_SECONDS,
                    heartbeat_stale_trial_callback=requeue if coordinator else None)
        except ImportError as exc:  # e.g. postgresql:// without its driver
            raise ReportgenError(f"search.storage: cannot open {shown_url(url)}: {exc} "
                                 "(pip install 'reportgen[postgres]')") from None
        except Exception as exc:
            last = exc
            time.sleep(0.2 * (attempt + 1))
    raise ReportgenError(f"search.storage: cannot open {shown_url(url)}: {mask(str(last))}")


def study_name(task: SearchTask, data_fingerprint: str) -> str:
    """Stable across runs: the trials stored under it are reused only for the same search.

    `max_trials` and `timeout` are left out, so a larger budget continues a finished study.
    """
    search = task.search
    key = stable_hash({
        "config": task.base.config.model_dump(mode="json"), "data": data_fingerprint,
        "algorithm": task.algorithm, "space": space.describe(task.space),
        "objective": search.objective, "min_epochs": search.min_epochs,
        "max_epochs": task.max_epochs, "factor": search.factor,
        "n_startup_trials": search.n_startup_trials,
        "sampler": search.sampler if task.algorithm == "hyperband" else None,
    })[:12]
    return f"{task.study_id}/{task.label}/{key}"


def record_file(task: SearchTask) -> str:
    return f"{slug(task.study_id)}-{slug(task.label)}.json"


# ---------------------------------------------------------------- samplers and pruners
class PerTrialSeed(BaseSampler):
    """Re-create the sampler, seeded from (seed, trial number), before each trial.

    Optuna's samplers keep their random state in the process; re-seeding per trial makes a
    trial's sample independent of which process ran the earlier trials and of interruptions.
    """

    def __init__(self, make: Callable[[int], BaseSampler], seed: int, salt: str = "") -> None:
        self._make = make
        self._seed = seed
        self._salt = salt
        self._inner = make(seed)

    @property
    def inner(self) -> BaseSampler:
        return self._inner

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        key = f"{self._seed}:{self._salt}:{trial.number}"
        mixed = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
        self._inner = self._make(mixed)
        self._inner.before_trial(study, trial)

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> Any:
        return self._inner.infer_relative_search_space(study, trial)

    def sample_relative(self, study: optuna.Study, trial: FrozenTrial,
                        search_space: Any) -> dict[str, Any]:
        return self._inner.sample_relative(study, trial, search_space)

    def sample_independent(self, study: optuna.Study, trial: FrozenTrial, param_name: str,
                           param_distribution: Any) -> Any:
        return self._inner.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study: optuna.Study, trial: FrozenTrial, state: TrialState,
                    values: Any) -> None:
        self._inner.after_trial(study, trial, state, values)


def make_sampler(task: SearchTask) -> PerTrialSeed:
    startup = task.search.n_startup_trials
    kind = task.algorithm
    if kind == "hyperband":
        kind = "bayesian" if task.search.sampler == "tpe" else "random"

    def make(seed: int) -> BaseSampler:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            if kind == "bayesian":
                return TPESampler(seed=seed, n_startup_trials=startup)
            if kind == "gp":
                return GPSampler(seed=seed, n_startup_trials=startup,
                                 warn_independent_sampling=False)
            # random, and grid: every grid trial is enqueued with all its parameters fixed
            return RandomSampler(seed=seed)

    # Salted with the task's label: each algorithm (and variant) draws its own configurations.
    return PerTrialSeed(make, task.base.config.seed, salt=task.label)


def make_pruner(task: SearchTask) -> optuna.pruners.BasePruner:
    if task.algorithm == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=task.search.min_epochs,
                                              max_resource=task.max_epochs,
                                              reduction_factor=task.search.factor)
    return optuna.pruners.NopPruner()


def sampler_name(task: SearchTask) -> str:
    if task.algorithm == "grid":
        return "grid"
    return type(make_sampler(task).inner).__name__


# ---------------------------------------------------------------- opening a study
def open_study(task: SearchTask, storage: optuna.storages.RDBStorage, name: str, *,
               coordinator: bool, fresh: bool) -> optuna.Study:
    """Create the study with its placeholder trials, or join it."""
    sampler, pruner = make_sampler(task), make_pruner(task)
    direction = "minimize" if task.search.minimise else "maximize"
    if fresh and coordinator:
        with suppress(KeyError):
            optuna.delete_study(study_name=name, storage=storage)
    try:
        study = optuna.create_study(storage=storage, study_name=name, sampler=sampler,
                                    pruner=pruner, direction=direction)
        created = True
    except optuna.exceptions.DuplicatedStudyError:
        study = optuna.load_study(study_name=name, storage=storage, sampler=sampler,
                                  pruner=pruner)
        created = False
    if not created:
        _wait_for_slots(study)
    if created or coordinator:
        _top_up(study, task)
    return study


def _wait_for_slots(study: optuna.Study) -> None:
    deadline = time.monotonic() + SLOTS_WAIT_SECONDS
    while SLOTS not in study.user_attrs and time.monotonic() < deadline:
        time.sleep(0.2)


def _top_up(study: optuna.Study, task: SearchTask) -> None:
    """Enqueue a placeholder for every slot of the budget that has none yet."""
    have = {t.user_attrs[SLOT] for t in study.get_trials(deepcopy=False) if SLOT in t.user_attrs}
    points = (space.grid_points(task.space, task.base.config.seed)
              if task.algorithm == "grid" else None)
    for slot in range(task.max_trials):
        if slot in have:
            continue
        if points is not None:
            study.enqueue_trial(points[slot], user_attrs={SLOT: slot})
        else:  # no fixed parameters: the sampler draws them when a process pops the trial
            study.add_trial(optuna.trial.create_trial(state=TrialState.WAITING,
                                                      user_attrs={SLOT: slot}))
    study.set_user_attr(SLOTS, max(task.max_trials, study.user_attrs.get(SLOTS, 0)))


# ---------------------------------------------------------------- failures and retries
def requeue(study: optuna.Study, trial: FrozenTrial) -> None:
    """Enqueue a failed trial again with the same parameters (also Optuna's callback for
    trials whose heartbeat went stale)."""
    attempt = trial.user_attrs.get(ATTEMPT, 0) + 1
    if attempt > MAX_RETRIES:
        return
    study.enqueue_trial(trial.params, user_attrs={RETRY_OF: trial.number, ATTEMPT: attempt})


def back_to_waiting(storage: optuna.storages.RDBStorage, trial_id: int) -> bool:
    """RUNNING → WAITING for a trial whose process is gone (Ctrl-C, SIGKILL): it runs again as
    itself, first of the remaining trials, with the parameters it had drawn. A retry as a new
    trial at the end would let the trials after it be sampled without its result, so a resumed
    TPE search would differ from an uninterrupted one."""
    from optuna.storages._rdb import models

    with storage.engine.begin() as connection:
        for table in (models.TrialIntermediateValueModel, models.TrialHeartbeatModel):
            connection.execute(sqlalchemy.delete(table).where(table.trial_id == trial_id))
        statement = (sqlalchemy.update(models.TrialModel)
                     .where(models.TrialModel.trial_id == trial_id,
                            models.TrialModel.state == TrialState.RUNNING)
                     .values(state=TrialState.WAITING, datetime_start=None))
        return connection.execute(statement).rowcount == 1


def release_dead_local(study: optuna.Study, storage: optuna.storages.RDBStorage) -> int:
    """Put back the RUNNING trials of processes of this machine that no longer exist (killed):
    without waiting for their heartbeat to go stale, and as themselves (`back_to_waiting`)."""
    host = socket.gethostname()
    released = 0
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker_host, _, pid = str(trial.user_attrs.get("worker", "")).rpartition(":")
        if worker_host == host and pid.isdigit() and not _alive(int(pid)):
            released += back_to_waiting(storage, trial._trial_id)
    return released


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def requeue_failed(study: optuna.Study) -> int:
    """Re-enqueue every FAILED trial not yet retried (an earlier run's failures)."""
    trials = study.get_trials(deepcopy=False)
    retried = {t.user_attrs[RETRY_OF] for t in trials if RETRY_OF in t.user_attrs}
    failed = [t for t in trials if t.state == TrialState.FAIL and t.number not in retried
              and t.user_attrs.get(ATTEMPT, 0) < MAX_RETRIES]
    for trial in failed:
        requeue(study, trial)
    return len(failed)


def _fail_stale(study: optuna.Study) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


# ---------------------------------------------------------------- the trial loop
def _pop(study: optuna.Study, storage: optuna.storages.RDBStorage,
         max_trials: int) -> int | None:
    """Claim a WAITING trial (atomic in the storage); None when none is left.

    Placeholders beyond the budget and duplicates of a slot (two processes topping up at once)
    are never run.
    """
    trials = study.get_trials(deepcopy=False)
    first_of_slot: dict[int, int] = {}
    for t in trials:
        if SLOT in t.user_attrs:
            first_of_slot.setdefault(t.user_attrs[SLOT], t.number)
    for t in trials:
        if t.state != TrialState.WAITING:
            continue
        slot = t.user_attrs.get(SLOT)
        if slot is not None and (slot >= max_trials or first_of_slot[slot] != t.number):
            continue
        # FrozenTrial keeps the storage id privately; Study.ask pops the same way.
        if _claim(storage, t._trial_id):
            return t._trial_id
    return None


def _claim(storage: optuna.storages.RDBStorage, trial_id: int) -> bool:
    """WAITING → RUNNING in one conditional UPDATE, atomic on every database.

    Optuna's own pop reads the state, then writes it (SELECT … FOR UPDATE), which SQLite does
    not lock: two processes could both claim one trial. Here only one UPDATE matches the row.
    """
    from optuna.storages._rdb import models  # Optuna's schema: the trials table

    statement = (sqlalchemy.update(models.TrialModel)
                 .where(models.TrialModel.trial_id == trial_id,
                        models.TrialModel.state == TrialState.WAITING)
                 .values(state=TrialState.RUNNING, datetime_start=dt.datetime.now()))
    attrs = models.TrialUserAttributeModel
    with storage.engine.begin() as connection:
        if connection.execute(statement).rowcount != 1:
            return False
        # who runs it, in the same transaction: a process killed a moment after claiming is
        # still known to be dead on resume (`release_dead_local`)
        connection.execute(sqlalchemy.delete(attrs).where(attrs.trial_id == trial_id,
                                                          attrs.key == "worker"))
        connection.execute(sqlalchemy.insert(attrs).values(
            trial_id=trial_id, key="worker",
            value_json=json.dumps(f"{socket.gethostname()}:{os.getpid()}")))
        return True


@contextmanager
def _heartbeat(storage: optuna.storages.RDBStorage, trial_id: int) -> Iterator[None]:
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            with suppress(Exception):  # a missed beat only risks a retry, never a wrong result
                storage.record_heartbeat(trial_id)

    storage.record_heartbeat(trial_id)
    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def trial_config(task: SearchTask, values: dict[str, Any]) -> RunConfig:
    """The task's base config with sampled values set at their dotted paths."""
    tree = task.base.config.model_dump(mode="json")
    for path, value in values.items():
        assign(tree, path, value)
    return RunConfig.model_validate(tree)


class Objective:
    """Train one trial; report the objective every epoch; Hyperband prunes through it."""

    def __init__(self, task: SearchTask, dataset: Dataset, device: str,
                 make_trainer: Callable[..., Any], progress: Progress) -> None:
        self.task = task
        self.dataset = dataset
        self.device = device
        self.make_trainer = make_trainer
        self.progress = progress
        self.has_val = "val" in dataset.splits

    def __call__(self, trial: optuna.Trial) -> float:
        task, objective = self.task, self.task.search.objective
        # who runs it, before drawing: a process killed while drawing is known to be dead
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
        values = space.suggest(trial, task.space)
        trial.set_user_attr("set", values)
        try:
            config = trial_config(task, values)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"])
            raise ValueError(f"{where}: {error['msg']}") from None
        spec = RunSpec(study_id=task.study_id, label=f"{task.label} #{trial.number}",
                       variant=task.base.variant, varied=values, config=config,
                       origin=task.base.origin)
        self.progress.run_started(spec, "")
        history: list[dict[str, Any]] = []
        started = time.perf_counter()
        prune = task.algorithm == "hyperband"

        def on_epoch(row: dict[str, Any]) -> None:
            history.append(row)
            self.progress.epoch(row)
            value = row.get(objective)
            if value is None:
                return
            trial.report(value, row["epoch"])
            # The last epoch is never judged: a fully trained trial completes.
            if prune and row["epoch"] < task.max_epochs and trial.should_prune():
                raise optuna.TrialPruned(f"pruned at epoch {row['epoch']}")

        stop_reason, error, value = "failed", None, None
        try:
            with run_threads(self.device, config.engine):  # results independent of --jobs
                trainer = self.make_trainer(config, self.dataset, self.device)
                result = fit(trainer, config.training, has_val=self.has_val,
                             on_epoch=on_epoch)
            stop_reason = result.stop_reason
            if stop_reason == "diverged":  # nothing to compare: out of the race, like a prune
                raise optuna.TrialPruned(f"diverged at epoch {result.diverged_epoch}")
            value = _final_value(history, objective, result.extra.get("restored_epoch"))
            if value is None:
                raise ValueError(f"{objective} was never measured")
            return value
        except optuna.TrialPruned:
            stop_reason = "diverged" if stop_reason == "diverged" else "pruned"
            raise
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            trial.set_user_attr("epochs", len(history))
            trial.set_user_attr("history", history)
            trial.set_user_attr("seconds", time.perf_counter() - started)
            trial.set_user_attr("stop_reason", stop_reason)
            if error:
                trial.set_user_attr("error", error)
            self.progress.run_finished(spec, None, skipped=False,
                                       error=error if stop_reason == "failed" else None)
            if hasattr(self.progress, "trial_finished"):
                state = "failed" if error else "complete" if value is not None else stop_reason
                self.progress.trial_finished(spec.label, state, value, len(history), error)


def _final_value(history: list[dict[str, Any]], objective: str,
                 restored_epoch: int | None) -> float | None:
    if restored_epoch is not None and history[restored_epoch - 1].get(objective) is not None:
        return history[restored_epoch - 1][objective]
    measured = [row[objective] for row in history if row.get(objective) is not None]
    return measured[-1] if measured else None


def run_trial(study: optuna.Study, storage: optuna.storages.RDBStorage, trial_id: int,
              objective: Objective) -> TrialState:
    with _heartbeat(storage, trial_id):
        trial = optuna.Trial(study, trial_id)
        try:
            try:
                value = objective(trial)
            except optuna.TrialPruned:
                study.tell(trial, state=TrialState.PRUNED)
                return TrialState.PRUNED
            except KeyboardInterrupt:  # the next run trains this very trial first
                back_to_waiting(storage, trial_id)
                raise
            except optuna.exceptions.UpdateFinishedTrialError:
                raise
            except Exception as exc:
                if "error" not in trial.user_attrs:
                    trial.set_user_attr("error", f"{type(exc).__name__}: {exc}")
                study.tell(trial, state=TrialState.FAIL)
                return TrialState.FAIL
            study.tell(trial, value)
            return TrialState.COMPLETE
        except optuna.exceptions.UpdateFinishedTrialError:
            # The coordinator took this trial for dead (no heartbeat for GRACE_SECONDS) and
            # queued it again: the retry produces its result.
            return TrialState.FAIL


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
            _fail_stale(study)
        trial_id = _pop(study, storage, task.max_trials)
        if trial_id is not None:
            run_trial(study, storage, trial_id, objective)
            ran += 1
            continue
        running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        if not (coordinator and running):
            break
        time.sleep(POLL_SECONDS)
    return ran


def pending(study: optuna.Study, max_trials: int) -> int:
    trials = study.get_trials(deepcopy=False)
    return sum(1 for t in trials if t.state == TrialState.WAITING
               and t.user_attrs.get(SLOT, -1) < max_trials)


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


# ---------------------------------------------------------------- export
STATES = {TrialState.COMPLETE: "complete", TrialState.PRUNED: "pruned",
          TrialState.FAIL: "failed", TrialState.RUNNING: "running"}


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat(timespec="milliseconds") if moment else None


def _covered_seconds(intervals: list[tuple[dt.datetime, dt.datetime]]) -> float:
    """Length of the union of [start, end] intervals."""
    total, current_start, current_end = 0.0, None, None
    for start, end in sorted(intervals):
        if current_end is None or start > current_end:
            if current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += (current_end - current_start).total_seconds()
    return total


def _trial_record(trial: FrozenTrial, task: SearchTask, name: str) -> TrialRecord:
    attrs = trial.user_attrs
    bracket = None
    if task.algorithm == "hyperband":
        bracket = hyperband.bracket_of(name, trial.number, task.search.min_epochs,
                                       task.max_epochs, task.search.factor)
    state = STATES[trial.state]
    stop_reason = attrs.get("stop_reason")
    if state == "failed":
        stop_reason = "failed"
    return TrialRecord(
        number=trial.number, state=state, value=trial.value if state != "failed" else None,
        params=dict(trial.params), set=attrs.get("set", {}), epochs=attrs.get("epochs", 0),
        bracket=bracket, stop_reason=stop_reason, error=attrs.get("error"),
        retry_of=attrs.get(RETRY_OF), seconds=attrs.get("seconds"),
        started_at=_iso(trial.datetime_start), finished_at=_iso(trial.datetime_complete),
        worker=attrs.get("worker"), history=attrs.get("history", []),
    )


def export(study: optuna.Study, task: SearchTask, dataset: Dataset, url: str) -> TuningRecord:
    """The study as a tuning record (without `retrained`, which execute fills in)."""
    search = task.search
    frozen = [t for t in study.get_trials(deepcopy=False) if t.state in STATES]
    trials = [_trial_record(t, task, study.study_name) for t in frozen]
    complete = [t for t in trials if t.state == "complete" and t.value is not None]
    best = None
    if complete:
        pick = min if search.minimise else max
        top = pick(complete, key=lambda t: t.value)  # first of equals: the earliest trial
        best = {"number": top.number, "value": top.value, "params": top.params, "set": top.set}
    intervals = [(t.datetime_start, t.datetime_complete) for t in frozen
                 if t.datetime_start and t.datetime_complete]
    counts = {state: sum(1 for t in trials if t.state == state)
              for state in ("complete", "pruned", "failed", "running")}
    summary = {
        "trials": len(trials), **counts, "pending": pending(study, task.max_trials),
        "epochs": sum(t.epochs for t in trials),
        "trial_seconds": float(np.sum([t.seconds or 0.0 for t in trials])),
        "wall_seconds": _covered_seconds(intervals),
        "best_value": best["value"] if best else None,
    }
    plan = None
    if task.algorithm == "hyperband":
        ran = [(t.bracket, t.epochs) for t in trials if t.bracket is not None]
        plan = hyperband.plan_vs_observed(search.min_epochs, task.max_epochs, search.factor, ran)
    record = TuningRecord(
        study_id=task.study_id, label=task.label, variant=task.base.variant,
        algorithm=task.algorithm, dataset=dataset.name, file=record_file(task),
        objective=search.objective, direction="minimize" if search.minimise else "maximize",
        seed=task.base.config.seed, max_trials=task.max_trials, max_epochs=task.max_epochs,
        min_epochs=search.min_epochs, factor=search.factor,
        n_startup_trials=search.n_startup_trials, timeout=search.timeout,
        sampler=sampler_name(task), pruner=type(make_pruner(task)).__name__,
        optuna={"study_name": study.study_name, "storage": shown_url(url),
                "version": optuna.__version__},
        space=space.describe(task.space), base_config=task.base.config.model_dump(mode="json"),
        trials=trials, best=best, summary=summary, hyperband=plan, retrained=None,
        written_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    # computed here, with Optuna at hand, so that the report never needs it
    return dataclasses.replace(record, importance=importance.importance(record))


def best_run_spec(task: SearchTask, best_set: dict[str, Any]) -> RunSpec:
    """The best configuration as an ordinary run, trained for max_epochs."""
    return RunSpec(study_id=task.study_id, label=f"{task.label} best",
                   variant=task.base.variant, varied={**task.base.varied, **best_set},
                   config=trial_config(task, best_set), origin=task.base.origin)
