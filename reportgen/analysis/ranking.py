"""Which run of a study is its best: the one place that decides it.

A study with a `[studies.search]` is ranked by the search's own objective (e.g. validation
loss, minimised): a search's retrained run carries the objective value the search selected it
on (the value its comparison table shows), any other run the same quantity measured on it.
Every other study is ranked by the documented score: accuracy on the validation split, else
test, else train (`runs.SCORE_SPLITS`). Ties go to the documented score, then to the run listed
first in the manifest. The abstract, results, tuning sections, discussion and conclusions all
name `StudyFindings.best`, which is the first run of this ranking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportgen.analysis.runs import SCORE_SPLITS, accuracy, rank_runs
from reportgen.store.records import RunRecord, finite
from reportgen.store.tuning_records import TuningRecord

# a search objective → (split, metric) measured on a run
OBJECTIVE_METRICS = {"val_loss": ("val", "loss"), "val_accuracy": ("val", "accuracy"),
                     "loss": ("train", "loss"), "accuracy": ("train", "accuracy")}


@dataclass(frozen=True)
class Criterion:
    """What ranks a study's runs: `metric` ("accuracy" or "loss") on `split`.

    `objective`: the search objective's name when the study's search set the criterion;
    None when it is the documented score (accuracy, highest first).
    """

    split: str
    metric: str
    minimise: bool
    objective: str | None = None

    @property
    def name(self) -> str:
        """"val_loss", "val_accuracy", "train_loss" …: the key of the wording tables."""
        return f"{self.split}_{self.metric}"

    def better(self, a: float, b: float) -> float:
        """How much `a` beats `b` (positive when it does), in the metric's own units."""
        return b - a if self.minimise else a - b


@dataclass(frozen=True)
class Ranking:
    criterion: Criterion | None  # None: no run has a score
    order: tuple[int, ...]  # indices into the runs, best first; unscored runs left out
    values: tuple[float | None, ...]  # per run (manifest order): its value on the criterion

    @property
    def score_split(self) -> str | None:
        return self.criterion.split if self.criterion else None


def measured(record: RunRecord, split: str, metric: str) -> float | None:
    metrics = record.metrics.get(split)
    return finite(getattr(metrics, metric)) if metrics else None


def search_criterion(searches: Sequence[TuningRecord]) -> Criterion | None:
    """The criterion of a study's searches (they share one objective); None when the
    objective is not one a run measures."""
    if not searches or searches[0].objective not in OBJECTIVE_METRICS:
        return None
    split, metric = OBJECTIVE_METRICS[searches[0].objective]
    return Criterion(split, metric, searches[0].minimise, searches[0].objective)


def rank(records: Sequence[RunRecord], searches: Sequence[TuningRecord] = ()) -> Ranking:
    """The study's ranking: by its search's objective when it has one, else by the
    documented score (see the module docstring)."""
    criterion = search_criterion(searches)
    if criterion is None:
        split, order = rank_runs(records)
        if split is None:
            return Ranking(None, (), tuple(None for _ in records))
        return Ranking(Criterion(split, "accuracy", minimise=False), order,
                       tuple(accuracy(r, split) for r in records))
    selected = {(s.retrained or {}).get("run_id"): finite(s.summary.get("best_value"))
                for s in searches if s.retrained}
    values: list[float | None] = []
    for record in records:
        value = selected.get(record.run_id)
        values.append(value if value is not None
                      else measured(record, criterion.split, criterion.metric))
    usable = [i for i, r in enumerate(records)
              if r.stop_reason != "failed" and values[i] is not None]
    if not usable:  # nothing measured the objective: fall back to the documented score
        return rank(records)
    sign = 1.0 if criterion.minimise else -1.0

    def key(i: int) -> tuple[float, float]:
        tie = next((a for s in SCORE_SPLITS if (a := accuracy(records[i], s)) is not None), 0.0)
        return (sign * values[i], -tie)  # type: ignore[operator]

    return Ranking(criterion, tuple(sorted(usable, key=key)), tuple(values))
