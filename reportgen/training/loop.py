"""The epoch loop and callbacks shared by every engine.

An engine only knows how to run one epoch, evaluate a split and snapshot its weights (the
`Trainer` protocol). Schedules, evaluation cadence, early stopping with restore-best, the
`stop_at` threshold and divergence handling live here, once, so both engines behave the same.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from reportgen.manifest import EarlyStoppingSpec, ScheduleSpec, TrainingSpec
from reportgen.store.records import StopReason


class Trainer(Protocol):
    """What an engine provides to the shared loop."""

    def train_epoch(self, lr: float) -> tuple[float, float]:
        """One pass over the (shuffled) training split at learning rate `lr`.

        Returns the mean data loss (without penalties) and accuracy over the epoch's batches.
        """

    def evaluate(self, split: str) -> tuple[float, float]:
        """Mean data loss and accuracy on a split, in inference mode (no dropout)."""

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities, (n_samples, n_classes)."""

    def snapshot(self) -> Any:
        """A copy of the current weights (for restore-best)."""

    def restore(self, snapshot: Any) -> None:
        """Put back weights taken by `snapshot`."""


# ---------------------------------------------------------------- schedules
def learning_rate(schedule: ScheduleSpec, lr0: float, epoch: int, epochs: int) -> float:
    """Learning rate at 0-based `epoch` of `epochs` (seed 002's linear/exponential formulas)."""
    t, total = epoch, max(epochs, 1)
    final = schedule.final_lr or 0.0
    match schedule.kind:
        case "none":
            return lr0
        case "linear":
            return max(lr0 * (1 - t / total), final)
        case "exponential":
            gamma = (final / lr0) ** (1 / total)
            return lr0 * gamma**t
        case "step":
            return lr0 * schedule.gamma ** (t // schedule.step_size)
        case "cosine":
            return final + (lr0 - final) * (1 + math.cos(math.pi * t / total)) / 2
    raise ValueError(f"unknown schedule {schedule.kind!r}")


# ---------------------------------------------------------------- monitoring
def lower_is_better(metric: str) -> bool:
    return "loss" in metric


@dataclass
class EarlyStopping:
    spec: EarlyStoppingSpec
    best: float | None = None
    best_epoch: int | None = None
    waited: int = 0

    @property
    def minimise(self) -> bool:
        return self.spec.mode == "min" or (self.spec.mode == "auto"
                                           and lower_is_better(self.spec.monitor))

    def improved(self, value: float) -> bool:
        if self.best is None:
            return True
        delta = self.spec.min_delta
        return value < self.best - delta if self.minimise else value > self.best + delta

    def armed(self, value: float) -> bool:
        """Whether `value` counts: always, or once it reaches the spec's `arm_at`."""
        arm_at = self.spec.arm_at
        if arm_at is None:
            return True
        return value <= arm_at if self.minimise else value >= arm_at

    def update(self, epoch: int, value: float) -> bool:
        """Record a measurement; True when patience has run out."""
        if self.improved(value):
            self.best, self.best_epoch, self.waited = value, epoch, 0
            return False
        self.waited += 1
        return self.waited >= self.spec.patience  # Keras: patience epochs without improvement


def reached(threshold: float, monitor: str, value: float) -> bool:
    return value <= threshold if lower_is_better(monitor) else value >= threshold


# ---------------------------------------------------------------- the loop
@dataclass
class FitResult:
    history: list[dict[str, Any]]
    stop_reason: StopReason
    best_epoch: int | None
    monitor: str
    diverged_epoch: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


EpochCallback = Callable[[dict[str, Any]], None]


def default_monitor(training: TrainingSpec, has_val: bool) -> str:
    if training.early_stopping is not None:
        return training.early_stopping.monitor
    return "val_loss" if has_val else "loss"


def monitor_problem(training: TrainingSpec, has_val: bool) -> str | None:
    """A callback watching a validation metric of a dataset without a validation split would
    never act: a configuration error, found once the data is known."""
    if has_val:
        return None
    for key, spec in (("early_stopping", training.early_stopping),
                      ("stop_at", training.stop_at)):
        if spec is not None and spec.monitor.startswith("val_"):
            return (f"training.{key}.monitor = {spec.monitor!r} needs a validation split, and "
                    f"the dataset has none (split val = 0); monitor a training metric instead")
    return None


class RunCallbacks:
    """The callbacks of one run, stepped epoch by epoch: schedule, evaluation cadence, early
    stopping with restore-best, `stop_at` and divergence.

    `fit` drives one; the fused engine (engines/fused.py) drives one per member of a group of
    runs trained as a single batched model, so both follow exactly the same rules.
    """

    def __init__(self, training: TrainingSpec, has_val: bool) -> None:
        self.training = training
        self.has_val = has_val
        # `previous_epochs` come first, with no callbacks: the model being continued.
        self.previous = training.previous_epochs
        self.total_epochs = training.previous_epochs + training.epochs
        monitor = default_monitor(training, has_val)
        if not has_val and monitor.startswith("val_"):
            monitor = monitor.removeprefix("val_")
        self.monitor = monitor
        self.stopper = EarlyStopping(training.early_stopping) if training.early_stopping \
            else None
        self.tracker = EarlyStopping(EarlyStoppingSpec(monitor=monitor,
                                                       patience=training.epochs))
        self.best_snapshot: Any = None
        self.history: list[dict[str, Any]] = []
        self.stop_reason: StopReason = "completed"
        self.diverged_epoch: int | None = None
        self.done = False
        assert training.optimizer.lr is not None

    def learning_rate(self, epoch: int) -> float:
        """The learning rate of 0-based `epoch`."""
        training = self.training
        assert training.optimizer.lr is not None
        return learning_rate(training.schedule, training.optimizer.lr, epoch, training.epochs)

    def evaluates(self, epoch: int) -> bool:
        """Whether 0-based `epoch` ends with a validation pass (when its loss is finite)."""
        last = epoch == self.total_epochs - 1
        return self.has_val and ((epoch + 1) % self.training.eval_every == 0 or last)

    def end_epoch(self, epoch: int, lr: float, train: tuple[float, float],
                  val: tuple[float, float] | None, seconds: float) -> dict[str, Any]:
        """Record 0-based `epoch`'s history row; a non-finite training loss ends the run."""
        loss, accuracy = train
        row: dict[str, Any] = {"epoch": epoch + 1, "lr": lr, "loss": _finite(loss),
                               "accuracy": _finite(accuracy), "val_loss": None,
                               "val_accuracy": None}
        if val is not None:
            row["val_loss"], row["val_accuracy"] = _finite(val[0]), _finite(val[1])
        row["seconds"] = seconds
        self.history.append(row)
        if not math.isfinite(loss):
            self.stop_reason, self.diverged_epoch, self.done = "diverged", epoch + 1, True
        elif epoch + 1 >= self.total_epochs:
            self.done = True
        return row

    def check(self, snapshot: Callable[[], Any]) -> bool:
        """Apply the callbacks to the last row (after it was reported); True once the run is
        over. `snapshot()` copies the weights when they are the best so far (restore-best)."""
        if self.stop_reason == "diverged":
            return True
        row, epoch = self.history[-1], self.history[-1]["epoch"]
        if epoch <= self.previous:  # still the earlier training: no callbacks yet
            return self.done
        stopper, tracker, training = self.stopper, self.tracker, self.training
        value = row.get(self.monitor)
        if value is not None and tracker.improved(value):
            tracker.update(epoch, value)
            if stopper is not None and stopper.spec.restore_best:
                self.best_snapshot = snapshot()
        if stopper is not None and (current := row.get(stopper.spec.monitor)) is not None \
                and stopper.armed(current) and stopper.update(epoch, current):
            self.stop_reason, self.done = "early_stopped", True
        elif training.stop_at is not None and (current := row.get(training.stop_at.monitor)) \
                is not None and reached(training.stop_at.threshold, training.stop_at.monitor,
                                        current):
            self.stop_reason, self.done = "threshold", True
        return self.done

    def result(self) -> FitResult:
        """The run's outcome; restore `best_snapshot` (if any) before calling it."""
        restored = ({"restored_epoch": self.tracker.best_epoch}
                    if self.best_snapshot is not None else {})
        if self.previous:
            restored["previous_epochs"] = self.previous
        return FitResult(history=self.history, stop_reason=self.stop_reason,
                         best_epoch=self.tracker.best_epoch, monitor=self.monitor,
                         diverged_epoch=self.diverged_epoch, extra=restored)


def fit(trainer: Trainer, training: TrainingSpec, has_val: bool,
        on_epoch: EpochCallback | None = None) -> FitResult:
    """Train for `training.previous_epochs` + `training.epochs` epochs or until a callback
    stops the run (callbacks act only after the previous epochs)."""
    run = RunCallbacks(training, has_val)
    for epoch in range(run.total_epochs):
        started = time.perf_counter()
        lr = run.learning_rate(epoch)
        loss, accuracy = trainer.train_epoch(lr)
        val = trainer.evaluate("val") if math.isfinite(loss) and run.evaluates(epoch) else None
        row = run.end_epoch(epoch, lr, (loss, accuracy), val, time.perf_counter() - started)
        _notify(on_epoch, row)
        if run.check(trainer.snapshot):
            break
    if run.best_snapshot is not None:
        trainer.restore(run.best_snapshot)
    return run.result()


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _notify(callback: EpochCallback | None, row: dict[str, Any]) -> None:
    if callback is not None:
        callback(row)
