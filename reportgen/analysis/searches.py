"""Facts about hyperparameter searches, from their tuning records: trials best first, the best
value so far, which searches to compare and which found the best objective.

Importance is not computed here: the tuning side stores it in the record when the search
finishes (`reportgen.tuning.importance`), so nothing here needs Optuna.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from reportgen.store.records import finite
from reportgen.store.tuning_records import TrialRecord, TuningRecord
from reportgen.tuning.importance import MIN_COMPLETE, complete_trials

__all__ = ["MIN_COMPLETE", "best_record", "best_so_far", "complete_trials", "groups",
           "ranked_trials"]


def ranked_trials(record: TuningRecord) -> list[TrialRecord]:
    """Best first: complete trials by objective, then pruned ones by the epochs they reached
    (then their value when stopped), then failed and running ones by number."""
    sign = 1.0 if record.minimise else -1.0

    def key(trial: TrialRecord) -> tuple[float, ...]:
        value = finite(trial.value)
        if trial.state == "complete" and value is not None:
            return (0, sign * value, trial.number)
        if trial.state == "pruned":
            return (1, -trial.epochs, sign * value if value is not None else math.inf,
                    trial.number)
        return (2, trial.number)

    return sorted(record.trials, key=key)


def best_so_far(record: TuningRecord) -> list[tuple[int, float]]:
    """(trial number, best complete value up to it) at every improvement."""
    out: list[tuple[int, float]] = []
    for trial in sorted(complete_trials(record), key=lambda t: t.number):
        value = float(trial.value)  # type: ignore[arg-type]
        if not out or (value < out[-1][1] if record.minimise else value > out[-1][1]):
            out.append((trial.number, value))
    return out


def groups(records: list[TuningRecord]) -> list[list[TuningRecord]]:
    """Searches to compare with each other: the algorithms of each variant, or, when every
    variant has one algorithm, all searches together."""
    variants: dict[str | None, list[TuningRecord]] = {}
    for record in records:
        variants.setdefault(record.variant, []).append(record)
    if any(len(group) > 1 for group in variants.values()):
        return [group for group in variants.values() if len(group) > 1]
    return [records] if len(records) > 1 else []


def best_record(records: Sequence[TuningRecord]) -> TuningRecord | None:
    """The search with the best objective (the first of equals)."""
    scored = [r for r in records if finite(r.summary.get("best_value")) is not None]
    if not scored:
        return None
    pick = min if scored[0].minimise else max
    return pick(scored, key=lambda r: r.summary["best_value"])
