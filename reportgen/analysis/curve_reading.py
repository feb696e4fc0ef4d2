"""A study's learning curves read across its configurations, with the mechanism (if one
factor separates them) behind each contrast.

One curve per configuration: a run's own history, or with repeats the configuration's mean
curve over its seeds. Features and findings come from `analysis.curves`; the contrasts pair
the configuration a finding names with one it does not (the largest gap with the smallest, an
overfitting run with one that does not overfit) and ask `mechanisms.difference` what separates
them. Frozen records, no prose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportgen.analysis import seeds as seed_facts
from reportgen.analysis.curves import (
    CurveFeatures,
    CurveFindings,
    History,
    compare_curves,
    curve_features,
)
from reportgen.analysis.mechanisms import Mechanism, difference
from reportgen.records import RunRecord


@dataclass(frozen=True)
class Contrast:
    """`a` shows a finding that `b` does not (or less); `mechanism`: the one factor that
    separates them, seen from `a`, or None."""

    a: str
    b: str
    mechanism: Mechanism | None


@dataclass(frozen=True)
class CurveReading:
    over_means: bool  # features of mean curves over seeds (repeats)
    labels: tuple[str, ...]  # configurations, manifest order
    features: tuple[CurveFeatures, ...]  # same order
    findings: CurveFindings
    convergence: Contrast | None  # fastest against slowest
    overfitting: Contrast | None  # an overfitting configuration against one that does not
    gap: Contrast | None  # the largest end-of-training loss ratio against the smallest
    instability: Contrast | None  # an unstable configuration against a stable one
    divergence: Contrast | None  # a diverged configuration against one that did not

    def of(self, label: str) -> CurveFeatures:
        return self.features[self.labels.index(label)]


def _loss_ratio(features: CurveFeatures) -> float | None:
    gap = features.gap_at_end
    return gap.loss_ratio if gap is not None else None


def read_curves(runs: Sequence[RunRecord], histories: Sequence[list[dict[str, Any]]],
                seeds: seed_facts.Seeds | None = None) -> CurveReading | None:
    """None when no configuration recorded a validation curve."""
    representative: dict[str, RunRecord] = {}
    curves: dict[str, History] = {}
    if seeds is not None:
        by_id = {r.run_id: h for r, h in zip(runs, histories, strict=True)}
        for config in seeds.configurations:
            mean, _, _ = seed_facts.pointwise([by_id[r.run_id] for r in config.runs])
            curves[config.label] = History.from_rows(mean)
            representative[config.label] = config.runs[0]
    else:
        for record, history in zip(runs, histories, strict=True):
            if record.stop_reason == "failed":
                continue
            curves[record.label] = History.from_rows(history)
            representative[record.label] = record
    features = {k: curve_features(h) for k, h in curves.items() if h.epochs}
    if not any(f.best_epoch is not None for f in features.values()):
        return None
    found = compare_curves(features)

    def contrast(a: str | None, b: str | None) -> Contrast | None:
        if a is None or b is None or a == b:
            return None
        return Contrast(a, b, difference(representative[a], representative[b]))

    healthy = [k for k, f in features.items() if not f.diverged]
    overfit = {o.config for o in found.overfitting}
    unstable = {u.config for u in found.unstable}
    ratios = {k: r for k in healthy if (r := _loss_ratio(features[k])) is not None}
    largest = max(ratios, key=lambda k: ratios[k]) if len(ratios) > 1 else None
    smallest = min(ratios, key=lambda k: ratios[k]) if len(ratios) > 1 else None
    diverged = [d.config for d in found.diverged]
    return CurveReading(
        over_means=seeds is not None,
        labels=tuple(features), features=tuple(features.values()), findings=found,
        convergence=contrast(found.convergence.fastest, found.convergence.slowest)
        if found.convergence else None,
        overfitting=contrast(next(iter(overfit), None) if len(overfit) == 1 else None,
                             next((k for k in healthy if k not in overfit), None)),
        gap=contrast(largest, smallest) if found.gaps else None,
        instability=contrast(next(iter(unstable), None) if len(unstable) == 1 else None,
                             next((k for k in healthy if k not in unstable), None)),
        divergence=contrast(diverged[0] if len(diverged) == 1 else None,
                            healthy[0] if healthy else None),
    )
