"""Facts about a study with `repeats`: each configuration over its seeds.

Configurations are ranked by their mean accuracy; spreads come from
`reportgen.analysis.repeats`, the same statistics `results.json` and answer keys use.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reportgen.analysis import repeats
from reportgen.store.records import RunRecord, finite

HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")
MetricTables = dict[str, dict[str, dict[str, float | None]]]


@dataclass(frozen=True)
class Seeds:
    """A study's configurations over their seeds, best first by mean on `split`."""

    split: str | None  # the split that ranks configurations; None when nothing scored
    configurations: tuple[repeats.Configuration, ...]  # manifest order
    order: tuple[tuple[repeats.Configuration, repeats.Spread], ...]  # best first
    tables: MetricTables  # run id -> split -> {"accuracy", "loss"}

    def spread(self, config: repeats.Configuration, split: str) -> repeats.Spread | None:
        return config.spread(self.tables, split, "accuracy")


def has_repeats(runs: Sequence[RunRecord]) -> bool:
    return any(record.config_label for record in runs)


def metric_tables(runs: Sequence[RunRecord]) -> MetricTables:
    """run id -> split -> {"accuracy", "loss"}: what the spreads are computed over."""
    return {r.run_id: {split: {"accuracy": finite(m.accuracy), "loss": finite(m.loss)}
                       for split, m in r.metrics.items()} for r in runs}


def seeds(runs: Sequence[RunRecord]) -> Seeds:
    tables = metric_tables(runs)
    configs = repeats.configurations(r for r in runs if r.stop_reason != "failed")
    split, _ = repeats.best_configuration(configs, tables)
    order: list[tuple[repeats.Configuration, repeats.Spread]] = []
    if split is not None:
        scored = [(c, s) for c in configs
                  if (s := c.spread(tables, split, "accuracy")) is not None]
        order = sorted(scored, key=lambda item: -item[1].mean)  # a tie keeps manifest order
    return Seeds(split, tuple(configs), tuple(order), tables)


def factor_points(found: Seeds, split: str,
                  value_of: Callable[[RunRecord], float | None]) -> list[tuple[float, float]]:
    """(numeric value of the varied factor, mean score) per configuration."""
    points = []
    for config in found.configurations:
        spread = found.spread(config, split)
        if spread is not None and (x := value_of(config.runs[0])) is not None:
            points.append((x, spread.mean))
    return sorted(points)


def pointwise(histories: Sequence[Sequence[Mapping[str, Any]]],
              ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Mean, min and max of each history column per epoch, up to the last epoch every run
    reached: past the first run that early stopping ended, a "mean" over the seeds still
    training jumps as seeds drop out (a rise the curve reading would call overfitting)."""
    epochs = sorted({row.get("epoch") or i for h in histories
                     for i, row in enumerate(h, start=1)})
    ends = [max(row.get("epoch") or i for i, row in enumerate(h, start=1))
            for h in histories if h]
    if ends:
        epochs = [e for e in epochs if e <= min(ends)]
    by_epoch = [{row.get("epoch") or i: row for i, row in enumerate(h, start=1)}
                for h in histories]
    mean, low, high = [], [], []
    for epoch in epochs:
        rows = [{"epoch": epoch}, {"epoch": epoch}, {"epoch": epoch}]
        for key in HISTORY_KEYS:
            values = [v for h in by_epoch if (v := finite(h.get(epoch, {}).get(key)))
                      is not None]
            if values:
                rows[0][key] = statistics.fmean(values)
                rows[1][key], rows[2][key] = min(values), max(values)
        mean.append(rows[0])
        low.append(rows[1])
        high.append(rows[2])
    return mean, low, high
