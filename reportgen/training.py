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
from reportgen.records import StopReason


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


def fit(trainer: Trainer, training: TrainingSpec, has_val: bool,
        on_epoch: EpochCallback | None = None) -> FitResult:
    """Train for `training.epochs` epochs or until a callback stops the run."""
    monitor = default_monitor(training, has_val)
    if not has_val and monitor.startswith("val_"):
        monitor = monitor.removeprefix("val_")
    stopper = EarlyStopping(training.early_stopping) if training.early_stopping else None
    tracker = EarlyStopping(EarlyStoppingSpec(monitor=monitor, patience=training.epochs))
    best_snapshot: Any = None
    history: list[dict[str, Any]] = []
    stop_reason: StopReason = "completed"
    diverged_epoch = None
    lr0 = training.optimizer.lr
    assert lr0 is not None
    for epoch in range(training.epochs):
        started = time.perf_counter()
        lr = learning_rate(training.schedule, lr0, epoch, training.epochs)
        loss, accuracy = trainer.train_epoch(lr)
        row: dict[str, Any] = {"epoch": epoch + 1, "lr": lr, "loss": _finite(loss),
                               "accuracy": _finite(accuracy), "val_loss": None,
                               "val_accuracy": None}
        if not math.isfinite(loss):
            row["seconds"] = time.perf_counter() - started
            history.append(row)
            stop_reason, diverged_epoch = "diverged", epoch + 1
            _notify(on_epoch, row)
            break
        last = epoch == training.epochs - 1
        if has_val and ((epoch + 1) % training.eval_every == 0 or last):
            val_loss, val_accuracy = trainer.evaluate("val")
            row["val_loss"], row["val_accuracy"] = _finite(val_loss), _finite(val_accuracy)
        row["seconds"] = time.perf_counter() - started
        history.append(row)
        _notify(on_epoch, row)
        value = row.get(monitor)
        if value is not None and tracker.improved(value):
            tracker.update(epoch + 1, value)
            if stopper is not None and stopper.spec.restore_best:
                best_snapshot = trainer.snapshot()
        if stopper is not None and (current := row.get(stopper.spec.monitor)) is not None \
                and stopper.update(epoch + 1, current):
            stop_reason = "early_stopped"
            break
        if training.stop_at is not None and (current := row.get(training.stop_at.monitor)) \
                is not None and reached(training.stop_at.threshold, training.stop_at.monitor,
                                        current):
            stop_reason = "threshold"
            break
    if best_snapshot is not None:
        trainer.restore(best_snapshot)
    return FitResult(history=history, stop_reason=stop_reason, best_epoch=tracker.best_epoch,
                     monitor=monitor, diverged_epoch=diverged_epoch,
                     extra={"restored_epoch": tracker.best_epoch} if best_snapshot else {})


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _notify(callback: EpochCallback | None, row: dict[str, Any]) -> None:
    if callback is not None:
        callback(row)
