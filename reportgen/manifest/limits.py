"""Limits on the work one manifest may plan, so an abusive or mistyped manifest is refused at
`validate` instead of running for days or exhausting memory.

The limits are generous for a lab (the largest example plans a few hundred runs); `--allow-large`
or `[limits] allow_large = true` lifts them. A grid search is capped even then: its points are
materialised in memory before the first trial.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_RUNS = 1_000  # runs of the whole manifest (repeats included)
MAX_EPOCHS = 10_000  # epochs of one run or one trial
MAX_TRIALS = 1_000  # trials of one search (one algorithm of one study)
MAX_TOTAL_EPOCHS = 200_000  # epochs of every run and every trial together
MAX_GRID = 1_000_000  # points of a grid search, whatever the flags

HOW_TO_ALLOW = "pass --allow-large or set [limits] allow_large = true"


@dataclass(frozen=True)
class Work:
    """What a plan will train: runs, tuning trials and the epochs of both (trials at most)."""

    runs: int
    trials: int
    epochs: int

    def describe(self) -> str:
        trials = f", up to {self.trials:,} trial(s)" if self.trials else ""
        return f"{self.runs:,} run(s){trials}, up to {self.epochs:,} epochs in all"


def over(what: str, count: int, limit: int) -> str:
    """The message for a planned amount above its limit."""
    return f"{what} {count:,}, more than the limit of {limit:,} ({HOW_TO_ALLOW})"
