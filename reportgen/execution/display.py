"""Progress display for `reportgen run`: rich bars on a terminal, plain log lines otherwise.

The same hooks serve one process (a study's runs, the current run's epochs) and a pool of
workers (`--jobs`, `--cluster`: every run of the plan, and each worker's current unit).
"""

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

from reportgen.plan.expand import RunSpec
from reportgen.store.records import RunRecord
from reportgen.training import hooks


def _outcome(record: RunRecord) -> str:
    """'val accuracy 0.955, 40 epochs, completed, 1.2 s': the split named with its metric."""
    split = next((s for s in ("val", "test", "train") if s in record.metrics), None)
    accuracy = f"{split} accuracy {record.metrics[split].accuracy:.3f}, " if split else ""
    return (f"{accuracy}{record.epochs_run} epochs, {record.stop_reason.replace('_', ' ')}, "
            f"{record.wall_seconds:.1f} s")


def _reused(spec: RunSpec, record: RunRecord) -> str:
    """Why a run did not train: another study's run of the same configuration (its record
    names the study and run that trained it), or this one, trained by an earlier `run`."""
    if (record.study_id, record.label) != (spec.study_id, spec.label):
        return (f"same configuration as run {record.label} of study {record.study_id}, "
                f"reused ({_outcome(record)})")
    return f"already trained, reused ({_outcome(record)})"


def _trial(label: str, state: str, value: float | None, epochs: int, error: str | None) -> str:
    if error:
        return f"{label}: failed after {epochs} epoch(s): {error}"
    shown = f", objective {value:.4g}" if value is not None else ""
    return f"{label}: {state} after {epochs} epoch(s){shown}"


class LogProgress(hooks.Progress):
    """One line per study, per run and per trial: readable in CI logs and redirected output."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.done = 0
        self.total = 0
        self.pooled = False
        self.busy: dict[str, str] = {}  # worker → the unit it trains now

    def _print(self, line: str) -> None:
        self.console.print(line, highlight=False, markup=False)

    def study(self, study_id: str, n_runs: int) -> None:
        if self.pooled:  # with workers, runs are counted over the whole plan
            return
        self.done, self.total = 0, n_runs
        self._print(f"study {study_id}: {n_runs} run(s)")

    def pool(self, units: int, workers: int) -> None:
        self.pooled, self.done, self.total = True, 0, units
        self._print(f"{units} run(s) on {workers} worker(s)")

    def worker(self, worker: str, label: str | None, epochs: int = 0) -> None:
        if label is None:
            self.busy.pop(worker, None)
        else:
            self.busy[worker] = label

    def worker_epoch(self, worker: str) -> None:
        pass

    def run_started(self, spec: RunSpec, run_id: str) -> None:
        pass

    def epoch(self, row: dict[str, Any]) -> None:
        pass

    def run_finished(self, spec: RunSpec, record: RunRecord | None, skipped: bool,
                     error: str | None = None) -> None:
        if record is None and not error:  # a trial: trial_finished says how it ended
            return
        self.done += 1
        where = f" · {spec.study_id}" if self.pooled else ""
        flight = f", {len(self.busy)} in flight" if self.pooled else ""
        prefix = f"  [{self.done}/{self.total}{flight}] {spec.label}{where}"
        if error:
            self._print(f"{prefix}: FAILED {error}")
        elif record is not None:
            by = f" on {record.worker}" if self.pooled and record.worker and not skipped else ""
            self._print(f"{prefix}: {_reused(spec, record) if skipped else _outcome(record)}{by}")

    def trial_finished(self, label: str, state: str, value: float | None, epochs: int,
                       error: str | None) -> None:
        self._print(f"  trial {_trial(label, state, value, epochs, error)}")


class BarProgress(hooks.Progress):
    """rich progress bars: the study's runs and the current run's epochs; with workers, every
    run of the plan and one line per worker with its current unit's epochs."""

    def __init__(self, console: Console) -> None:
        self.bars = Progress(TextColumn("{task.description}"), BarColumn(),
                             MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                             transient=False)
        self.runs_task: Any = None
        self.epoch_task: Any = None
        self.pooled = False
        self.workers: dict[str, Any] = {}  # worker → its task line

    def __enter__(self) -> BarProgress:
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.stop()

    def _print(self, line: str) -> None:
        self.bars.console.print(line, highlight=False, markup=False)

    def study(self, study_id: str, n_runs: int) -> None:
        if self.pooled:
            return
        if self.runs_task is not None:
            self.bars.update(self.runs_task, visible=True)
        self.runs_task = self.bars.add_task(f"study {study_id}", total=n_runs)

    def pool(self, units: int, workers: int) -> None:
        self.pooled = True
        self.runs_task = self.bars.add_task(f"{units} run(s), {workers} worker(s)",
                                            total=units)

    def worker(self, worker: str, label: str | None, epochs: int = 0) -> None:
        if worker not in self.workers:
            self.workers[worker] = self.bars.add_task("", total=None)
        task = self.workers[worker]
        if label is None:
            self.bars.update(task, description=f"  {worker}: idle", total=None, completed=0)
        else:
            self.bars.update(task, description=f"  {worker}: {label}", total=epochs or None,
                             completed=0)
        in_flight = sum(1 for t in self.bars.tasks
                        if t.id in self.workers.values() and not t.description.endswith("idle"))
        if self.runs_task is not None:
            total = self.bars.tasks[self.runs_task].total
            self.bars.update(self.runs_task,
                             description=f"{total} run(s), {in_flight} in flight")

    def worker_epoch(self, worker: str) -> None:
        if worker in self.workers:
            self.bars.advance(self.workers[worker])

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
        if record is None and not error:  # a trial: counted by trial_finished
            return
        if self.runs_task is not None:
            self.bars.advance(self.runs_task)
        if error:
            self.bars.console.print(f"  {spec.label}: [red]failed[/red] {error}",
                                    highlight=False, markup=True)
        elif record is not None:
            self._print(f"  {spec.label}: "
                        f"{_reused(spec, record) if skipped else _outcome(record)}")

    def trial_finished(self, label: str, state: str, value: float | None, epochs: int,
                       error: str | None) -> None:
        if self.runs_task is not None and not self.pooled:
            self.bars.advance(self.runs_task)
        self._print(f"  trial {_trial(label, state, value, epochs, error)}")
