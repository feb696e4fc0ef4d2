"""One trial: the task's base config with the sampled values set, trained like any run, its
objective reported every epoch so that Hyperband can prune it."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import optuna
from optuna.trial import TrialState
from pydantic import ValidationError

from reportgen.data import Dataset
from reportgen.manifest import RunConfig
from reportgen.plan import search_space
from reportgen.plan.expand import RunSpec, SearchTask, assign
from reportgen.training.loop import fit
from reportgen.training.threads import run_threads
from reportgen.tuning.storage import back_to_waiting, heartbeat

if TYPE_CHECKING:
    from reportgen.training.hooks import Progress


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
        values = search_space.suggest(trial, task.space)
        trial.set_user_attr("set", values)
        try:
            config = trial_config(task, values)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"{where}: {first['msg']}") from None
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

        stop_reason = "failed"
        error: str | None = None
        value: float | None = None
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
    with heartbeat(storage, trial_id):
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
