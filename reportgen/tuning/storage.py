"""The Optuna side of a search: where studies are stored, how a study is created or joined
with its placeholder trials, and how processes claim trials, re-enqueue failed ones and prove
they are alive (heartbeats). How trials are shared out is told in `runner`'s docstring."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import optuna
import sqlalchemy
from optuna.trial import FrozenTrial, TrialState

from reportgen.errors import ReportgenError
from reportgen.manifest.credentials import mask, resolve_storage
from reportgen.plan import search_space
from reportgen.plan.expand import SearchTask, stable_hash
from reportgen.store.tuning_records import FOLDER
from reportgen.tuning.samplers import make_pruner, make_sampler

DB_FILE = "studies.db"
HEARTBEAT_SECONDS = 5  # a running trial writes its heartbeat this often
GRACE_SECONDS = 20  # … and is taken for dead (its process killed) after this long without one
SLOTS_WAIT_SECONDS = 120.0  # how long a joining process waits for the creator's placeholders
MAX_RETRIES = 2  # re-enqueues of one failed trial, over all runs
SLOT = "reportgen:slot"  # user attr of a placeholder trial: its place in the budget
SLOTS = "reportgen:slots"  # study user attr: placeholders enqueued so far
RETRY_OF = "retry_of"
ATTEMPT = "attempt"

optuna.logging.set_verbosity(optuna.logging.ERROR)  # failures are recorded per trial


# ---------------------------------------------------------------- storage and study identity
def storage_url(storage: str | object, root: str | Path) -> str:
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
        "algorithm": task.algorithm, "space": search_space.describe(task.space),
        "objective": search.objective, "min_epochs": search.min_epochs,
        "max_epochs": task.max_epochs, "factor": search.factor,
        "n_startup_trials": search.n_startup_trials,
        "sampler": search.sampler if task.algorithm == "hyperband" else None,
    })[:12]
    return f"{task.study_id}/{task.label}/{key}"


# ---------------------------------------------------------------- opening a study
def open_study(task: SearchTask, storage: optuna.storages.RDBStorage, name: str, *,
               coordinator: bool, fresh: bool) -> optuna.Study:
    """Create the study with its placeholder trials, or join it."""
    sampler, pruner = make_sampler(task), make_pruner(task)
    direction = (optuna.study.StudyDirection.MINIMIZE if task.search.minimise
                 else optuna.study.StudyDirection.MAXIMIZE)
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
    points = (search_space.grid_points(task.space, task.base.config.seed)
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


def fail_stale(study: optuna.Study) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


# ---------------------------------------------------------------- claiming trials
def pop_waiting_trial(study: optuna.Study, storage: optuna.storages.RDBStorage,
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
        if claim(storage, t._trial_id):
            return t._trial_id
    return None


def claim(storage: optuna.storages.RDBStorage, trial_id: int) -> bool:
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
def heartbeat(storage: optuna.storages.RDBStorage, trial_id: int) -> Iterator[None]:
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


def pending(study: optuna.Study, max_trials: int) -> int:
    trials = study.get_trials(deepcopy=False)
    return sum(1 for t in trials if t.state == TrialState.WAITING
               and t.user_attrs.get(SLOT, -1) < max_trials)
