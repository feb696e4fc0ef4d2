"""A finished (or paused) Optuna study as the tuning record the report reads
(`store/tuning_records.py`), with its fANOVA importance computed while Optuna is at hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import cast

import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState

from reportgen.data import Dataset
from reportgen.plan import hyperband, search_space
from reportgen.plan.expand import SearchTask
from reportgen.store.store import safe_file_name
from reportgen.store.tuning_records import TrialRecord, TuningRecord
from reportgen.tuning import importance
from reportgen.tuning.samplers import make_pruner, sampler_name
from reportgen.tuning.storage import RETRY_OF, pending, shown_url


def record_file(task: SearchTask) -> str:
    """The record's file name under tuning/: one per (study × variant × algorithm)."""
    return f"{safe_file_name(task.study_id)}-{safe_file_name(task.label)}.json"


STATES = {TrialState.COMPLETE: "complete", TrialState.PRUNED: "pruned",
          TrialState.FAIL: "failed", TrialState.RUNNING: "running"}


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat(timespec="milliseconds") if moment else None


def _covered_seconds(intervals: list[tuple[dt.datetime, dt.datetime]]) -> float:
    """Length of the union of [start, end] intervals."""
    merged: list[list[dt.datetime]] = []  # [start, end] of disjoint intervals, in order
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return sum(((end - start).total_seconds() for start, end in merged), 0.0)


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
        top = pick(complete, key=lambda t: cast(float, t.value))  # first of equals: earliest
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
        space=search_space.describe(task.space),
        base_config=task.base.config.model_dump(mode="json"),
        trials=trials, best=best, summary=summary, hyperband=plan, retrained=None,
        written_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    # computed here, with Optuna at hand, so that the report never needs it
    return dataclasses.replace(record, importance=importance.importance(record))
