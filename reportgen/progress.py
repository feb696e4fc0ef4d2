"""Progress display for `reportgen run`: rich bars on a terminal, plain log lines otherwise."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from reportgen.plan import RunSpec
from reportgen.records import RunRecord


def _outcome(record: RunRecord) -> str:
    metric = record.metrics.get("val") or record.metrics.get("test") or record.metrics.get("train")
    accuracy = f"accuracy {metric.accuracy:.3f}, " if metric else ""
    return (f"{accuracy}{record.epochs_run} epochs, {record.stop_reason.replace('_', ' ')}, "
            f"{record.wall_seconds:.1f} s")


class LogProgress:
    """One line per study and per run: readable in CI logs and redirected output."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.done = 0
        self.total = 0

    def study(self, study_id: str, n_runs: int) -> None:
        self.done, self.total = 0, n_runs
        self.console.print(f"study {study_id}: {n_runs} run(s)", highlight=False)

    def run_started(self, spec: RunSpec, run_id: str) -> None:
        pass

    def epoch(self, row: dict[str, Any]) -> None:
        pass

    def run_finished(self, spec: RunSpec, record: RunRecord | None, skipped: bool,
                     error: str | None = None) -> None:
        self.done += 1
        prefix = f"  [{self.done}/{self.total}] {spec.label}"
        if error:
            self.console.print(f"{prefix}: FAILED {error}", highlight=False)
        elif record is not None:
            state = "already trained, reused" if skipped else _outcome(record)
            self.console.print(f"{prefix}: {state}", highlight=False)


class BarProgress:
    """rich progress bars: the study's runs, and the epochs of the current run."""

    def __init__(self, console: Console) -> None:
        self.bars = Progress(TextColumn("{task.description}"), BarColumn(),
                             MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                             transient=False)
        self.runs_task: Any = None
        self.epoch_task: Any = None

    def __enter__(self) -> BarProgress:
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.stop()

    def study(self, study_id: str, n_runs: int) -> None:
        if self.runs_task is not None:
            self.bars.update(self.runs_task, visible=True)
        self.runs_task = self.bars.add_task(f"study {study_id}", total=n_runs)

    def run_started(self, spec: RunSpec, run_id: str) -> None:
        if self.epoch_task is not None:
            self.bars.remove_task(self.epoch_task)
        self.epoch_task = self.bars.add_task(f"  {spec.label}", total=spec.config.training.epochs
                                                + spec.config.training.previous_epochs)

    def epoch(self, row: dict[str, Any]) -> None:
        if self.epoch_task is not None:
            self.bars.advance(self.epoch_task)

    def run_finished(self, spec: RunSpec, record: RunRecord | None, skipped: bool,
                     error: str | None = None) -> None:
        if self.epoch_task is not None:
            self.bars.remove_task(self.epoch_task)
            self.epoch_task = None
        self.bars.advance(self.runs_task)
        if error:
            self.bars.console.print(f"  {spec.label}: [red]failed[/red] {error}",
                                    highlight=False, markup=True)
        elif record is not None and not skipped:
            self.bars.console.print(f"  {spec.label}: {_outcome(record)}", highlight=False)
