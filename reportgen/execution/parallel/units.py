"""A unit of work and what a worker does with it: train, return the results, write nothing.

A unit is one run, one fused group, or a share of one search's trials (which the workers
claim from the search's Optuna storage one at a time: `tuning.runner`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from reportgen.data import Dataset
from reportgen.plan.expand import RunSpec, SearchTask
from reportgen.store.records import RunRecord
from reportgen.training.hooks import Progress


@dataclass(frozen=True)
class RunUnit:
    """One run (one spec) or a fused group (several) of one study."""

    key: int
    specs: tuple[RunSpec, ...]
    run_ids: tuple[str, ...]
    evaluate: tuple[str, ...]
    device: str  # what the unit's runs ask for (RunOptions.device_for)
    dataset: str | None = None  # the worker's dataset to train on, else the specs' dataset name

    @property
    def label(self) -> str:
        from reportgen.training.one_run import fused_label

        return self.specs[0].label if len(self.specs) == 1 else fused_label(list(self.specs))


@dataclass(frozen=True)
class TrialsUnit:
    """Run trials of one search until its storage has none left to claim."""

    key: int
    task: SearchTask
    root: str  # the output folder, where a "sqlite" storage lives
    device: str  # what the search's runs ask for (RunOptions.device_for)

    @property
    def label(self) -> str:
        return f"{self.task.study_id} · {self.task.label} trials"


Unit = RunUnit | TrialsUnit


@dataclass
class Member:
    """One run of a unit: trained (record, history, predictions) or failed (error)."""

    position: int
    record: RunRecord | None
    history: list[dict[str, Any]] = field(default_factory=list)
    predictions: dict[str, np.ndarray] = field(default_factory=dict)
    error: str | None = None
    fused: bool = False  # trained within its fused group (not alone after the group failed)


@dataclass
class Done:
    key: int
    worker: str  # shown in the progress: "worker 2", or a Ray node
    members: list[Member] = field(default_factory=list)
    trials: int = 0


class Sink(Protocol):
    def put(self, event: tuple[Any, ...]) -> None: ...


class EventProgress(Progress):
    """The executor's Progress hooks, sent to the driver as events (it shows them)."""

    def __init__(self, sink: Sink | None, worker: str) -> None:
        self.sink = sink
        self.name = worker

    def _send(self, *event: Any) -> None:
        if self.sink is not None:
            try:
                self.sink.put(event)
            except Exception:  # the driver is gone or its queue closed: progress only
                self.sink = None

    def run_started(self, spec: RunSpec, run_id: str) -> None:
        self._send("start", self.name, spec.label, spec.config.training.epochs)

    def epoch(self, row: dict[str, Any]) -> None:
        self._send("epoch", self.name)

    def trial_finished(self, label: str, state: str, value: float | None, epochs: int,
                       error: str | None) -> None:
        self._send("trial", self.name, label, state, value, epochs, error)


def run_device(requested: str, pin: str | None) -> str:
    """The device a run trains on: `pin` (this worker's GPU) where the run asks for any GPU."""
    from reportgen.training.engines import resolve_device

    device = resolve_device(requested)
    return pin if pin is not None and device == "cuda" else device


def perform(unit: Unit, datasets: dict[str, Dataset], worker: str, identity: str,
            pin: str | None, progress: Progress) -> Done:
    """Train `unit`, telling `progress` (a worker's `EventProgress`, or the display itself
    when this process trains); `identity` goes into each record's `worker` (host:pid, node)."""
    from reportgen.training.engines import make_trainer
    from reportgen.training.one_run import train_fused, train_run

    if isinstance(unit, TrialsUnit):
        from reportgen.tuning import runner  # Optuna: only where a search runs

        task = unit.task
        device = run_device(unit.device, pin)
        result = runner.run_search(task, datasets[task.base.config.dataset], unit.root, device,
                                   make_trainer, progress, coordinator=False)
        return Done(unit.key, worker, trials=result.trials_run)
    from reportgen.training.engines import describe_device

    specs = list(unit.specs)
    dataset = datasets[unit.dataset or specs[0].config.dataset]
    members: dict[int, Member] = {}

    def keep(position: int, trained: tuple[Any, ...], fused: bool) -> None:
        record, history, predictions = trained
        members[position] = Member(position, dataclasses.replace(record, worker=identity),
                                   history, predictions, fused=fused)

    left = list(range(len(specs)))
    if len(specs) > 1:
        device = run_device(unit.device, pin)
        left = train_fused(specs, list(unit.run_ids), dataset, device, list(unit.evaluate),
                           progress, lambda position, trained: keep(position, trained, True))
    device = run_device(unit.device, pin)
    for position in left:
        spec = specs[position]
        progress.run_started(spec, unit.run_ids[position])
        try:
            keep(position, train_run(spec, unit.run_ids[position], dataset, device,
                                     describe_device(device), list(unit.evaluate),
                                     make_trainer, progress), False)
        except Exception as exc:  # a run's own failure (e.g. out of memory) spares the rest
            members[position] = Member(position, None, error=f"{type(exc).__name__}: {exc}")
    return Done(unit.key, worker, [members[p] for p in sorted(members)])
