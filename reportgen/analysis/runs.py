"""Facts about single runs and lists of runs: scores, rankings, varied values, fused groups.

Plain functions over `RunRecord`s; no language, no drawing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportgen.store.records import RunRecord, SplitMetrics, finite

SCORE_SPLITS = ("val", "test", "train")  # which accuracy picks the best run, in order


def accuracy(record: RunRecord, split: str) -> float | None:
    metrics = record.metrics.get(split)
    return finite(metrics.accuracy) if metrics else None


def rank_runs(records: Sequence[RunRecord]) -> tuple[str | None, tuple[int, ...]]:
    """The split that ranks runs (validation, else test, else train) and the ranking, best first.

    Failed runs and runs with no finite accuracy on that split are not ranked.
    """
    usable = [i for i, r in enumerate(records) if r.stop_reason != "failed"]
    for split in SCORE_SPLITS:
        scored = [i for i in usable if accuracy(records[i], split) is not None]
        if scored:
            # stable sort: on a tie the run listed first in the manifest wins
            order = sorted(scored, key=lambda i: -(accuracy(records[i], split) or 0.0))
            return split, tuple(order)
    return None, ()


def final_metrics(record: RunRecord) -> tuple[str, SplitMetrics | None]:
    """The split shown in the confusion matrix and per-class table: test, else val, else train."""
    for split in ("test", "val", "train"):
        if split in record.metrics:
            return split, record.metrics[split]
    return "test", None


def flat_varied(record: RunRecord) -> dict[str, Any]:
    """The run's varied values with tables flattened to their leaves:
    {"training.optimizer": {"name": "sgd", "lr": 5}} → training.optimizer.name, ….lr."""
    out: dict[str, Any] = {}

    def visit(path: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for key, inner in value.items():
                visit(f"{path}.{key}", inner)
        else:
            out[path] = value

    for path, value in record.varied.items():
        visit(path, value)
    return out


def varied_paths(records: Sequence[RunRecord]) -> list[str]:
    """The dotted paths (leaves) varied in a study, in order of first appearance."""
    paths: dict[str, None] = {}
    for record in records:
        paths.update(dict.fromkeys(flat_varied(record)))
    return list(paths)


def as_number(value: Any) -> float | None:
    """A varied value as a number: 0.01, 256, or a one-layer [256]."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def fused_groups(records: Sequence[RunRecord]) -> dict[str, tuple[int, list[str]]]:
    """Fused group id -> (number 1, 2, … in order of first appearance, labels of its runs)."""
    groups: dict[str, tuple[int, list[str]]] = {}
    for record in records:
        if (group := record.fused_group_id) is not None:
            groups.setdefault(group, (len(groups) + 1, []))[1].append(record.label)
    return groups


def has_values(history: list[dict[str, Any]]) -> bool:
    keys = ("loss", "val_loss", "accuracy", "val_accuracy")
    return any(finite(row.get(k)) is not None for row in history for k in keys)
