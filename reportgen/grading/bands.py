"""The data of a study's band plot: per configuration of the key, its expected band of the
study's headline metric, and where each graded student's value of that configuration falls.

The headline metric is the one the rubric weighs most in the study (the first listed on a tie:
validation accuracy by default). The band is the key's mean over its seeds ± the tolerance
(measured where the key has repeats, else the metric's rule around the key's run); a student's
value is the mean over their runs of the configuration.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from reportgen.grading import tolerance as tolerances
from reportgen.grading.grader import ClassGrades
from reportgen.grading.score import reported_metrics


@dataclass(frozen=True)
class Point:
    student: str
    value: float
    within: bool


@dataclass(frozen=True)
class Band:
    configuration: str
    center: float
    tolerance: float
    points: tuple[Point, ...]

    @property
    def low(self) -> float:
        return self.center - self.tolerance

    @property
    def high(self) -> float:
        return self.center + self.tolerance


@dataclass(frozen=True)
class StudyBands:
    study: str
    split: str
    metric: str
    bands: tuple[Band, ...]


def study_bands(grades: ClassGrades) -> list[StudyBands]:
    """One StudyBands per study of the key that has a graded metric."""
    graded = {s.identifier: s.results for s in grades.students if s.results is not None}
    out = []
    for study in grades.key.results["studies"]:
        weights = grades.rubric.weights(study["id"], reported_metrics(study))
        if not weights:
            continue
        name = max(weights, key=lambda m: (weights[m], -list(weights).index(m)))
        split, metric = name.split(".")
        bands = []
        for label, center, tol in _key_bands(study, split, metric):
            points = []
            for student, results in graded.items():
                value = _student_value(results, study["id"], label, split, metric)
                if value is not None:
                    points.append(Point(student, value, tolerances.within(value, center, tol)))
            bands.append(Band(label, center, tol, tuple(points)))
        out.append(StudyBands(study["id"], split, metric, tuple(bands)))
    return out


def _config(run: dict[str, Any]) -> str:
    return run.get("config_label") or run["label"]


def _key_bands(study: dict[str, Any], split: str, metric: str) -> list[tuple[str, float, float]]:
    expected = {c["label"]: c for c in (study.get("expected") or {}).get("configurations") or []}
    labels = list(dict.fromkeys(_config(r) for r in study["runs"]))
    out = []
    for label in labels:
        values = [v for r in study["runs"] if _config(r) == label
                  and (v := r["metrics"].get(split, {}).get(metric)) is not None]
        if not values:
            continue
        configuration = expected.get(label, {})
        spread = configuration.get("metrics", {}).get(split, {}).get(metric) or {}
        center = spread.get("mean", statistics.fmean(values))
        measured = (configuration.get("tolerance") or {}).get(split, {}).get(metric)
        out.append((label, center, tolerances.allowed(metric, center, measured)))
    return out


def _student_value(results: dict[str, Any], study_id: str, label: str, split: str,
                   metric: str) -> float | None:
    study = next((s for s in results["studies"] if s["id"] == study_id), None)
    if study is None:
        return None
    values = [v for r in study["runs"] if _config(r) == label
              and (v := r["metrics"].get(split, {}).get(metric)) is not None]
    return statistics.fmean(values) if values else None
