"""What training and tuning tell whoever shows progress: a base class whose hooks do nothing.

A display (execution/display.py), the pool's event sender (execution/parallel/units.py) or a
test overrides the hooks it needs; a plain `Progress()` is silent. It lives here, below
`execution/`, because training one run and running a search call it.
"""

from __future__ import annotations

from typing import Any

from reportgen.plan.expand import RunSpec
from reportgen.store.records import RunRecord


class Progress:
    def study(self, study_id: str, n_runs: int) -> None:
        """A study starts with `n_runs` runs to train or reuse."""

    def run_started(self, spec: RunSpec, run_id: str) -> None:
        """A run starts training."""

    def epoch(self, row: dict[str, Any]) -> None:
        """An epoch ended; `row` is its history row."""

    def run_finished(self, spec: RunSpec, record: RunRecord | None, skipped: bool,
                     error: str | None = None) -> None:
        """A run ended: trained (`record`), reused from the store (`skipped`) or failed."""

    def trial_finished(self, label: str, state: str, value: float | None, epochs: int,
                       error: str | None) -> None:
        """A search trial ended in `state` (complete, pruned, failed) after `epochs` epochs."""

    def pool(self, units: int, workers: int) -> None:
        """With --jobs or --cluster: `units` units of work over `workers` workers."""

    def worker(self, worker: str, label: str | None, epochs: int = 0) -> None:
        """What `worker` trains now (`label`, for `epochs` epochs), or None when it is idle."""

    def worker_epoch(self, worker: str) -> None:
        """`worker` finished an epoch."""
