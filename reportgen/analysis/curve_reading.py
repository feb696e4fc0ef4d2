"""A study's learning curves read across its configurations, with the mechanism (if one
factor separates them) behind each contrast.

One curve per configuration: a run's own history, or with repeats the configuration's mean
curve over its seeds. Features and findings come from `analysis.curves`; the contrasts pair
the configuration a finding names with one it does not (the largest gap with the smallest, an
overfitting run with one that does not overfit) and ask `mechanisms.difference` what separates
them. Frozen records, no prose.

One truth per fact: the history gives the curves' shapes (best epoch, onset, convergence,
oscillation); every end-of-training figure (training and validation loss and accuracy, their
ratio and gap) is the final evaluation the tables show (`FinalFit`, from `record.metrics`),
and each configuration gets one overfitting verdict (`curves.fit_verdict`: `verdicts`),
which `findings.gap` follows too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportgen.analysis import seeds as seed_facts
from reportgen.analysis.curves import (
    CurveFeatures,
    CurveFindings,
    FinalFit,
    Fit,
    History,
    compare_curves,
    curve_features,
    fit_verdict,
    with_final,
)
from reportgen.analysis.mechanisms import Mechanism, difference
from reportgen.store.records import RunRecord, finite


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
    features: tuple[CurveFeatures, ...]  # same order; gap_at_end from the final evaluation
    findings: CurveFindings
    convergence: Contrast | None  # fastest against slowest
    overfitting: Contrast | None  # an overfitting configuration against one that does not
    gap: Contrast | None  # the largest end-of-training loss ratio against the smallest
    instability: Contrast | None  # an unstable configuration against a stable one
    divergence: Contrast | None  # a diverged configuration against one that did not
    # the end-of-training evaluation the tables show, per configuration (None: not evaluated)
    finals: tuple[FinalFit | None, ...] = ()
    # the one overfitting verdict per configuration (curves.fit_verdict), read by every text
    verdicts: tuple[Fit, ...] = ()

    def of(self, label: str) -> CurveFeatures:
        return self.features[self.labels.index(label)]

    def final(self, label: str) -> FinalFit | None:
        return self.finals[self.labels.index(label)] if self.finals else None

    def verdict(self, label: str) -> Fit | None:
        """The configuration's overfitting verdict; None for a label without a curve."""
        return self.verdicts[self.labels.index(label)] if label in self.labels else None

    @property
    def overfitting_configs(self) -> tuple[str, ...]:
        """The configurations whose verdict is "overfits", in order: the one answer to "which
        configurations overfit" that every text reads (the experiment's curve paragraph, the
        general discussion). `findings.overfitting` lists only those whose validation loss
        rises; a configuration can also overfit by its accuracies."""
        if not self.verdicts:
            return ()
        return tuple(k for k, v in zip(self.labels, self.verdicts, strict=True)
                     if v == "overfits")


def _loss_ratio(features: CurveFeatures) -> float | None:
    gap = features.gap_at_end
    return gap.loss_ratio if gap is not None else None


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def final_fit(records: Sequence[RunRecord]) -> FinalFit | None:
    """The final evaluation of a configuration's runs (their mean over seeds)."""
    def value(record: RunRecord, split: str, name: str) -> float | None:
        metrics = record.metrics.get(split)
        return finite(getattr(metrics, name)) if metrics is not None else None

    usable = [r for r in records if "train" in r.metrics or "val" in r.metrics]
    if not usable:
        return None
    epoch = max(r.restored_epoch or r.epochs_run for r in usable)
    return FinalFit(epoch=epoch,
                    train_loss=_mean([value(r, "train", "loss") for r in usable]),
                    val_loss=_mean([value(r, "val", "loss") for r in usable]),
                    train_accuracy=_mean([value(r, "train", "accuracy") for r in usable]),
                    val_accuracy=_mean([value(r, "val", "accuracy") for r in usable]))


def read_curves(runs: Sequence[RunRecord], histories: Sequence[list[dict[str, Any]]],
                seeds: seed_facts.Seeds | None = None) -> CurveReading | None:
    """None when no configuration recorded a validation curve."""
    representative: dict[str, RunRecord] = {}
    curves: dict[str, History] = {}
    finals: dict[str, FinalFit | None] = {}
    if seeds is not None:
        by_id = {r.run_id: h for r, h in zip(runs, histories, strict=True)}
        for config in seeds.configurations:
            mean, _, _ = seed_facts.pointwise([by_id[r.run_id] for r in config.runs])
            curves[config.label] = History.from_rows(mean)
            representative[config.label] = config.runs[0]
            finals[config.label] = final_fit(config.runs)
    else:
        for record, history in zip(runs, histories, strict=True):
            if record.stop_reason == "failed":
                continue
            curves[record.label] = History.from_rows(history)
            representative[record.label] = record
            finals[record.label] = final_fit([record])
    features = {k: with_final(curve_features(h), finals[k]) for k, h in curves.items()
                if h.epochs}
    if not any(f.best_epoch is not None for f in features.values()):
        return None
    verdicts = {k: fit_verdict(f, finals[k]) for k, f in features.items()}
    found = compare_curves(features)

    def contrast(a: str | None, b: str | None) -> Contrast | None:
        if a is None or b is None or a == b:
            return None
        return Contrast(a, b, difference(representative[a], representative[b]))

    healthy = [k for k, f in features.items() if not f.diverged]
    overfit = {k for k, v in verdicts.items() if v == "overfits"}
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
        finals=tuple(finals[k] for k in features),
        verdicts=tuple(verdicts.values()),
    )
