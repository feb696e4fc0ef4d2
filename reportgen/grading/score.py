"""One submission's study against the key's: its status in the class table and its points.

Runs are matched as `reportgen diff` matches them (diff.pair_runs) and each graded metric is
compared within the tolerance of tolerance.py. The status, in order of precedence:
- "changed": a matched run was trained with another configuration, or the submission trained
  other configurations of the study than the key (runs missing and extra runs at once);
- "missing": the study is absent, or runs of the key are;
- "outside": a graded metric of a run lies beyond its tolerance;
- "within": every graded metric of every run within its tolerance.
Points: each metric's share of the study's points times its mean credit over the compared runs
(1 within the tolerance, the partial credit within `band` × the tolerance, else 0), less the
penalties, never below 0.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from reportgen.grading import tolerance as tolerances
from reportgen.grading.diff import config_differences, pair_runs
from reportgen.grading.rubric import Rubric

Status = Literal["within", "outside", "missing", "changed"]
STATUSES: tuple[Status, ...] = ("within", "outside", "missing", "changed")


@dataclass(frozen=True)
class MetricScore:
    run: str
    split: str
    metric: str
    key: float | None  # the key's run, or the mean of its seeds (seeds_in_key)
    value: float | None
    tolerance: float
    credit: float  # 0…1
    seeds_in_key: int | None = None

    @property
    def name(self) -> str:
        return f"{self.split}.{self.metric}"

    @property
    def delta(self) -> float | None:
        return None if self.key is None or self.value is None else self.value - self.key

    @property
    def within(self) -> bool:
        return tolerances.within(self.value, self.key, self.tolerance)


@dataclass(frozen=True)
class ConfigChange:
    run: str
    setting: str  # dotted key of the run's configuration
    key: Any
    submission: Any


@dataclass
class StudyGrade:
    study: str
    status: Status
    points: float
    max_points: float
    metrics: list[MetricScore] = field(default_factory=list)
    missing_runs: list[str] = field(default_factory=list)
    extra_runs: list[str] = field(default_factory=list)
    config_changes: list[ConfigChange] = field(default_factory=list)
    edited_runs: int = 0
    penalty: float = 0.0


def grade_study(key_study: dict[str, Any], study: dict[str, Any] | None, rubric: Rubric,
                edited_runs: int = 0) -> StudyGrade:
    """`study` is the submission's (None: absent); `edited_runs` how many of its runs hold a
    number their records do not give (integrity)."""
    weights = rubric.weights(key_study["id"], reported_metrics(key_study))
    max_points = rubric.for_study(key_study["id"]).points if weights else 0.0
    if study is None:
        return StudyGrade(key_study["id"], "missing", 0.0, max_points)
    pairing = pair_runs(key_study, study)
    grade = StudyGrade(key_study["id"], "within", 0.0, max_points,
                       missing_runs=_missing(key_study, study),
                       extra_runs=pairing.extra,
                       edited_runs=edited_runs)
    partial = rubric.partial
    for pair in pairing.pairs:
        grade.config_changes += [ConfigChange(pair.label, k, a, b) for k, a, b in
                                 config_differences(pair.key["config"], pair.other["config"],
                                                    pair.ignore)]
        for name in weights:
            split, metric = name.split(".")
            key = pair.key["metrics"].get(split, {}).get(metric)
            value = pair.other["metrics"].get(split, {}).get(metric)
            allowed = tolerances.allowed(metric, key, pair.measured.get(split, {}).get(metric))
            if tolerances.within(value, key, allowed):
                credit = 1.0
            elif tolerances.within(value, key, partial.band * allowed):
                credit = partial.credit
            else:
                credit = 0.0
            grade.metrics.append(MetricScore(pair.label, split, metric, key, value, allowed,
                                             credit, pair.seeds_in_key))
    earned = sum(points * _mean([m.credit for m in grade.metrics if m.name == name])
                 for name, points in weights.items())
    changed_runs = len({c.run for c in grade.config_changes})
    penalties = rubric.penalties
    grade.penalty = (penalties.missing_run * len(grade.missing_runs)
                     + penalties.changed_configuration * changed_runs
                     + penalties.edited * edited_runs)
    grade.points = round(min(max(earned - grade.penalty, 0.0), max_points), 2)
    grade.status = _status(grade, changed_runs)
    return grade


def _status(grade: StudyGrade, changed_runs: int) -> Status:
    if (grade.missing_runs and grade.extra_runs) or changed_runs:
        return "changed"
    if grade.missing_runs or (not grade.metrics and grade.max_points):
        return "missing"
    if any(m.credit < 1 for m in grade.metrics):
        return "outside"
    return "within"


def _missing(key_study: dict[str, Any], study: dict[str, Any]) -> list[str]:
    """The runs a submission lacks. It is expected to train each of the key's configurations as
    many times as it trained its most repeated one (its `repeats`), whatever the seeds: a lab
    without repeats that skipped a configuration misses one run (named by the configuration),
    not one per seed of the key, and one trained with other seeds misses none."""
    trained = Counter(_configuration(r) for r in study["runs"])
    seeds = {(_configuration(r), r.get("seed")) for r in study["runs"]}
    per_configuration = max(trained.values(), default=1)
    by_config: dict[str, list[str]] = {}
    for run in key_study["runs"]:
        by_config.setdefault(_configuration(run), [])
        if (_configuration(run), run.get("seed")) not in seeds:
            by_config[_configuration(run)].append(run["label"])
    out = []
    for name, unmatched in by_config.items():
        short = per_configuration - trained[name]
        if short > 0:
            out += [name] if per_configuration == 1 else (unmatched + [name] * short)[:short]
    return out


def _configuration(run: dict[str, Any]) -> str:
    return run.get("config_label") or run["label"]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def reported_metrics(study: dict[str, Any]) -> set[str]:
    """The split.metric names any run of a key's study has a value for."""
    return {f"{split}.{metric}" for run in study["runs"]
            for split, metrics in run["metrics"].items()
            for metric, value in metrics.items() if value is not None}
