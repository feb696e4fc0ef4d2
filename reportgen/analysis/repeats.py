"""Statistics over a study's repeats: one configuration trained with seeds seed, seed+1, ….

A configuration's runs share `config_label` (a study without `repeats` has one run per
configuration). Spreads are computed per split and metric over the runs with a finite value;
the tolerance an answer key suggests comes from that measured spread, never from a guess.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeGuard

from reportgen.store.records import RunRecord

TOLERANCE_SIGMAS = 3  # a new seed falls within mean ± 3σ with ~99.7% probability (normal)
TOLERANCE_STEP = 1e-4  # tolerances are rounded up to this step

# split -> metric -> value, e.g. {"val": {"accuracy": 0.95, "loss": 0.2}}
MetricTable = Mapping[str, Mapping[str, float | None]]


@dataclass(frozen=True)
class Spread:
    """Mean, sample standard deviation (None for one value), min and max of n values."""

    mean: float
    std: float | None
    min: float
    max: float
    n: int

    @staticmethod
    def of(values: Sequence[float]) -> Spread:
        return Spread(mean=statistics.fmean(values),
                      std=statistics.stdev(values) if len(values) > 1 else None,
                      min=min(values), max=max(values), n=len(values))

    @property
    def tolerance(self) -> float | None:
        """How far a rerun with another seed may land from the mean: 3σ, and never less than
        the observed range; None with a single value (no spread was measured)."""
        if self.std is None:
            return None
        wide = max(TOLERANCE_SIGMAS * self.std, self.max - self.min)
        return math.ceil(round(wide / TOLERANCE_STEP, 6)) * TOLERANCE_STEP


@dataclass(frozen=True)
class Configuration:
    """One configuration of a study and its runs (one per seed)."""

    label: str
    runs: tuple[RunRecord, ...]

    def spread(self, metric_tables: Mapping[str, MetricTable], split: str,
               metric: str) -> Spread | None:
        """The spread of `metric` on `split` over this configuration's runs; `metric_tables`
        maps run id -> its metrics. None when no run has a finite value."""
        values = [value for run in self.runs
                  if _finite(value := metric_tables[run.run_id].get(split, {}).get(metric))]
        return Spread.of(values) if values else None


def configurations(records: Iterable[RunRecord]) -> list[Configuration]:
    """The runs grouped by configuration, in order of first appearance."""
    groups: dict[str, list[RunRecord]] = {}
    for record in records:
        groups.setdefault(record.config_label or record.label, []).append(record)
    return [Configuration(label, tuple(runs)) for label, runs in groups.items()]


def spreads(config: Configuration,
            metric_tables: Mapping[str, MetricTable]) -> dict[str, dict[str, Spread]]:
    """split -> metric -> Spread, for every split and metric any run of `config` has."""
    out: dict[str, dict[str, Spread]] = {}
    for run in config.runs:
        for split, metrics in metric_tables[run.run_id].items():
            for metric in metrics:
                if metric not in out.get(split, {}) and \
                        (spread := config.spread(metric_tables, split, metric)) is not None:
                    out.setdefault(split, {})[metric] = spread
    return out


def best_configuration(configs: Sequence[Configuration],
                       metric_tables: Mapping[str, MetricTable],
                       splits: Sequence[str] = ("val", "test", "train"),
                       ) -> tuple[str | None, Configuration | None]:
    """The split that ranks configurations (the first any run has an accuracy on) and the
    configuration with the highest mean accuracy on it; a tie goes to the one listed first."""
    for split in splits:
        scored = [(spread.mean, -i, config) for i, config in enumerate(configs)
                  if (spread := config.spread(metric_tables, split, "accuracy")) is not None]
        if scored:
            return split, max(scored, key=lambda item: item[:2])[2]
    return None, None


def _finite(value: float | None) -> TypeGuard[float]:
    return isinstance(value, int | float) and math.isfinite(value)
