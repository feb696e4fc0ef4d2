"""fANOVA parameter importance of a finished search, computed once when the search is exported
and kept in its tuning record, so that nothing downstream of the store needs Optuna.

The record's `importance` is one of
  {"values": {param: share, …}}   shares summing to 1, most important first
  {"unavailable": "too_few"}      fewer than MIN_COMPLETE complete trials
  {"unavailable": "no_variation"} the objective is the same in every complete trial
  {"unavailable": "failed", "detail": "<the estimator's own message, in English>"}
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from reportgen.store.records import finite
from reportgen.store.store import ResultSet
from reportgen.store.tuning_records import TrialRecord, TuningRecord
from reportgen.tuning.distributions import Dist, distributions

MIN_COMPLETE = 2  # importance (and parallel coordinates) need this many complete trials


def complete_trials(record: TuningRecord) -> list[TrialRecord]:
    return [t for t in record.trials if t.state == "complete" and finite(t.value) is not None]


def importance(record: TuningRecord) -> dict[str, Any]:
    """The record's `importance` entry (see the module docstring)."""
    complete = complete_trials(record)
    if len(complete) < MIN_COMPLETE:
        return {"unavailable": "too_few"}
    import optuna
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    def optuna_distribution(dist: Dist) -> Any:
        if dist.kind == "int":
            return IntDistribution(int(dist.low), int(dist.high), log=dist.log,
                                   step=int(dist.step or 1))
        if dist.kind == "float":
            return FloatDistribution(dist.low, dist.high, log=dist.log, step=dist.step)
        return CategoricalDistribution(list(dist.choices))

    known = {name: optuna_distribution(d) for name, d in distributions(record).items()}
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(
            direction=optuna.study.StudyDirection[record.direction.upper()])
        study.add_trials([
            optuna.trial.create_trial(
                params={k: v for k, v in t.params.items() if k in known},
                distributions={k: known[k] for k in t.params if k in known},
                value=float(t.value))  # type: ignore[arg-type]
            for t in complete])
        evaluator = optuna.importance.FanovaImportanceEvaluator(seed=record.seed)
        importances = optuna.importance.get_param_importances(study, evaluator=evaluator)
    except Exception as exc:  # any failure is recorded and reported, never a crash
        return {"unavailable": "failed", "detail": f"{type(exc).__name__}: {exc}"}
    finally:
        optuna.logging.set_verbosity(verbosity)
    values = {k: float(v) for k, v in importances.items()}
    if not values or not all(math.isfinite(v) for v in values.values()) \
            or sum(values.values()) <= 0:
        return {"unavailable": "no_variation"}
    return {"values": dict(sorted(values.items(), key=lambda kv: -kv[1]))}


def with_importance(results: ResultSet) -> ResultSet:
    """`results` with the importance of each tuning record written before importance was stored
    in records computed now, in memory, so that older output folders still give the same report
    (this needs Optuna; the report does not)."""
    tuning = results.tuning
    if all(r.importance is not None for records in tuning.values() for r in records):
        return results
    return replace(results, tuning={
        study_id: [r if r.importance is not None else replace(r, importance=importance(r))
                   for r in records] for study_id, records in tuning.items()})
