"""Reading a run's learning curves: overfitting onset, gaps, convergence speed, instability.

Pure functions over one run's per-epoch history (`History`), giving a frozen `CurveFeatures`,
and `compare_curves`, which turns the features of a study's configurations into
language-neutral findings (`CurveFindings`). No prose here: the report words the findings.

Conventions
- Epochs are 1-based, as in the store's history rows and in the report.
- A value of None (or NaN) in `val_loss` / `val_accuracy` means "not measured that epoch"
  (`eval_every > 1`, no validation split); the store writes None for non-finite values too, so a
  missing *training* loss means the loss was not finite: the run diverged.
- "Final" means the last epoch where the quantity was measured.

Thresholds are named constants below, each with the reason for its value; the report states
them where it uses them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

# -------------------------------------------------------------------- thresholds
# Overfitting onset: validation loss ends at least this fraction above its minimum, and the
# minimum lies at least OVERFIT_MIN_EPOCHS_AFTER measured epochs before the end. 10 % is well
# above the epoch-to-epoch noise of a converged run (a few %), and the epoch count keeps one
# noisy last epoch from counting as a trend.
OVERFIT_MIN_RISE_REL = 0.10
OVERFIT_MIN_EPOCHS_AFTER = 2

# Generalisation gap at the end of training. The validation loss is at least GAP_LOSS_RATIO
# times the training loss *and* above it by GAP_LOSS_MIN_ABS (so two tiny losses such as 0.001
# and 0.002 do not count), or training accuracy exceeds validation accuracy by GAP_ACC_MIN
# (3 points). A training loss of 0.010 against a validation loss of 0.08 is a gap (ratio 8):
# the model fits the training set far better than data it has not seen.
GAP_LOSS_RATIO = 2.0
GAP_LOSS_MIN_ABS = 0.02
GAP_ACC_MIN = 0.03

# Convergence speed: the first epoch whose validation accuracy reaches this fraction of the
# final validation accuracy. Comparisons need at least CONVERGENCE_MIN_MARGIN epochs between
# the fastest and the slowest configuration to be reported (one epoch is within noise).
CONVERGENCE_FRACTION = 0.95
CONVERGENCE_MIN_MARGIN = 2

# Instability: over the last INSTABILITY_WINDOW measured validation losses, the standard
# deviation of the epoch-to-epoch steps divided by the mean loss of the window. A steadily
# falling (or flat) curve has near-constant steps and scores ~0; a curve that zig-zags scores
# high. 0.05 means the steps scatter by 5 % of the loss level, which a smooth run stays below.
# A curve still falling steeply (an exponential early in training) also has unequal steps, so
# the verdict also needs the curve to change direction at least INSTABILITY_MIN_TURNS times in
# the window: oscillation goes up and down.
INSTABILITY_WINDOW = 5
INSTABILITY_THRESHOLD = 0.05
INSTABILITY_MIN_TURNS = 2

# Overfitting verdict (`fit_verdict`), one per configuration, read by every sentence: a run
# overfits when its validation loss rises after its minimum (OVERFIT_MIN_RISE_REL above), or
# when, in the final evaluation the tables show, its training accuracy exceeds its validation
# accuracy by more than OVERFIT_ACC_GAP (5 points). A large gap short of that (GAP_*) is a
# generalisation gap, not called overfitting; a diverged run is diverged, never overfitting.
OVERFIT_ACC_GAP = 0.05

# Divergence: the training loss is not finite, or exceeds DIVERGENCE_RATIO times its first
# value (a loss that grows tenfold from its start is running away, not learning).
DIVERGENCE_RATIO = 10.0


# -------------------------------------------------------------------- inputs
def _floats(values: Iterable[float | None] | None) -> tuple[float, ...]:
    """None → NaN, everything as float."""
    if values is None:
        return ()
    return tuple(math.nan if v is None else float(v) for v in values)


@dataclass(frozen=True)
class History:
    """One run's per-epoch curves, index i = epoch i + 1. Missing values are NaN."""

    loss: tuple[float, ...]
    val_loss: tuple[float, ...] = ()
    accuracy: tuple[float, ...] = ()
    val_accuracy: tuple[float, ...] = ()

    @staticmethod
    def of(loss: Sequence[float | None], val_loss: Sequence[float | None] | None = None,
           accuracy: Sequence[float | None] | None = None,
           val_accuracy: Sequence[float | None] | None = None) -> History:
        """From plain sequences (lists, arrays); None marks an epoch without a value."""
        history = History(_floats(loss), _floats(val_loss), _floats(accuracy),
                          _floats(val_accuracy))
        n = len(history.loss)
        for name in ("val_loss", "accuracy", "val_accuracy"):
            length = len(getattr(history, name))
            if length not in (0, n):
                raise ValueError(f"history: {name} has {length} epochs, loss has {n}")
        return history

    @staticmethod
    def from_rows(rows: Iterable[Mapping[str, float | None]]) -> History:
        """From the store's history rows (`records.HISTORY_COLUMNS`), ordered by epoch."""
        rows = list(rows)
        return History.of([r.get("loss") for r in rows], [r.get("val_loss") for r in rows],
                          [r.get("accuracy") for r in rows],
                          [r.get("val_accuracy") for r in rows])

    @property
    def epochs(self) -> int:
        return len(self.loss)


# -------------------------------------------------------------------- final evaluation
@dataclass(frozen=True)
class FinalFit:
    """The end-of-training evaluation on the training and validation splits, as the tables
    show it (`record.metrics`, the mean over seeds with repeats). The history's training
    loss and accuracy are running means over each epoch; every end-of-training figure the
    text quotes comes from here instead, so the text and the tables agree."""

    epoch: int  # the epoch whose weights were evaluated (the restored one with restore_best)
    train_loss: float | None
    val_loss: float | None
    train_accuracy: float | None
    val_accuracy: float | None

    @property
    def gap(self) -> Gap:
        loss_gap = ratio = acc_gap = None
        if self.train_loss is not None and self.val_loss is not None:
            loss_gap = self.val_loss - self.train_loss
            ratio = self.val_loss / self.train_loss if self.train_loss > 0 else math.inf
        if self.train_accuracy is not None and self.val_accuracy is not None:
            acc_gap = self.train_accuracy - self.val_accuracy
        return Gap(epoch=self.epoch, loss=loss_gap, loss_ratio=ratio, accuracy=acc_gap)


Fit = Literal["diverged", "overfits", "gap", "none"]


# -------------------------------------------------------------------- features
@dataclass(frozen=True)
class Gap:
    """Train–validation gap at one epoch: loss val − train, ratio val / train, and accuracy
    train − val. A part is None where one of its two values was not measured."""

    epoch: int
    loss: float | None
    loss_ratio: float | None
    accuracy: float | None

    @property
    def large(self) -> bool:
        loss_gap = (self.loss is not None and self.loss_ratio is not None
                    and self.loss_ratio >= GAP_LOSS_RATIO and self.loss >= GAP_LOSS_MIN_ABS)
        return loss_gap or (self.accuracy is not None and self.accuracy >= GAP_ACC_MIN)


@dataclass(frozen=True)
class CurveFeatures:
    epochs: int
    # Lowest validation loss and its epoch; None without validation.
    best_epoch: int | None
    best_val_loss: float | None
    final_val_loss: float | None
    # How far validation loss rose after its minimum, at the end: absolute and relative to
    # the minimum. 0 when the minimum is the last measured epoch.
    val_loss_rise: float | None
    val_loss_rise_rel: float | None
    overfits: bool
    overfitting_onset: int | None  # the epoch of lowest validation loss, when `overfits`
    gap_at_best: Gap | None
    gap_at_end: Gap | None
    large_gap: bool  # the gap at the end is large (see GAP_*)
    final_val_accuracy: float | None
    epochs_to_converge: int | None  # to CONVERGENCE_FRACTION of the final val accuracy
    instability: float | None  # see INSTABILITY_*; None with fewer than 3 measured values
    unstable: bool
    diverged: bool
    divergence_epoch: int | None


def _measured(values: tuple[float, ...]) -> list[int]:
    """Indices (0-based) of finite values."""
    return [i for i, v in enumerate(values) if math.isfinite(v)]


def _at(values: tuple[float, ...], index: int) -> float | None:
    if index < len(values) and math.isfinite(values[index]):
        return values[index]
    return None


def gap_at(history: History, epoch: int) -> Gap:
    """The train–validation gap at 1-based `epoch`."""
    i = epoch - 1
    loss, val_loss = _at(history.loss, i), _at(history.val_loss, i)
    acc, val_acc = _at(history.accuracy, i), _at(history.val_accuracy, i)
    loss_gap = ratio = None
    if loss is not None and val_loss is not None:
        loss_gap = val_loss - loss
        ratio = val_loss / loss if loss > 0 else math.inf
    acc_gap = acc - val_acc if acc is not None and val_acc is not None else None
    return Gap(epoch=epoch, loss=loss_gap, loss_ratio=ratio, accuracy=acc_gap)


def divergence_epoch(loss: tuple[float, ...]) -> int | None:
    """First epoch whose training loss is not finite or exceeds DIVERGENCE_RATIO × the first."""
    if not loss:
        return None
    first = loss[0]
    for i, value in enumerate(loss):
        if not math.isfinite(value):
            return i + 1
        if math.isfinite(first) and first > 0 and value > DIVERGENCE_RATIO * first:
            return i + 1
    return None


def epochs_to_converge(val_accuracy: tuple[float, ...],
                       fraction: float = CONVERGENCE_FRACTION) -> int | None:
    """First epoch reaching `fraction` of the final measured validation accuracy."""
    measured = _measured(val_accuracy)
    if not measured:
        return None
    target = fraction * val_accuracy[measured[-1]]
    return next(i + 1 for i in measured if val_accuracy[i] >= target)


def instability(val_loss: tuple[float, ...], window: int = INSTABILITY_WINDOW) -> float | None:
    """std of the steps between the last `window` measured validation losses / their mean."""
    values = np.array([val_loss[i] for i in _measured(val_loss)][-window:])
    if len(values) < 3:
        return None
    level = float(values.mean())
    if level <= 0:
        return 0.0
    return float(np.std(np.diff(values)) / level)


def turns(val_loss: tuple[float, ...], window: int = INSTABILITY_WINDOW) -> int:
    """How often the last `window` measured validation losses change direction."""
    steps = np.diff([val_loss[i] for i in _measured(val_loss)][-window:])
    signs = [s for s in np.sign(steps) if s != 0]
    return sum(1 for a, b in itertools.pairwise(signs) if a != b)


def curve_features(history: History) -> CurveFeatures:
    """Everything the report reads off one run's curves."""
    n = history.epochs
    measured = _measured(history.val_loss)
    best_epoch = best = final = rise = rise_rel = None
    overfits = False
    if measured:
        best_index = min(measured, key=lambda i: history.val_loss[i])  # first of equal minima
        best_epoch, best = best_index + 1, history.val_loss[best_index]
        final = history.val_loss[measured[-1]]
        rise = final - best
        rise_rel = rise / best if best > 0 else (0.0 if rise == 0 else math.inf)
        after = sum(1 for i in measured if i > best_index)
        overfits = rise_rel >= OVERFIT_MIN_RISE_REL and after >= OVERFIT_MIN_EPOCHS_AFTER
    end_epoch = (measured[-1] + 1) if measured else n
    gap_end = gap_at(history, end_epoch) if n else None
    score = instability(history.val_loss)
    diverged_at = divergence_epoch(history.loss)
    final_acc = next((history.val_accuracy[i] for i in reversed(_measured(history.val_accuracy))),
                     None)
    return CurveFeatures(
        epochs=n,
        best_epoch=best_epoch,
        best_val_loss=best,
        final_val_loss=final,
        val_loss_rise=rise,
        val_loss_rise_rel=rise_rel,
        overfits=overfits,
        overfitting_onset=best_epoch if overfits else None,
        gap_at_best=gap_at(history, best_epoch) if best_epoch else None,
        gap_at_end=gap_end,
        large_gap=bool(gap_end and gap_end.large),
        final_val_accuracy=final_acc,
        epochs_to_converge=epochs_to_converge(history.val_accuracy),
        instability=score,
        unstable=score is not None and score >= INSTABILITY_THRESHOLD
        and turns(history.val_loss) >= INSTABILITY_MIN_TURNS,
        diverged=diverged_at is not None,
        divergence_epoch=diverged_at,
    )


def with_final(features: CurveFeatures, final: FinalFit | None) -> CurveFeatures:
    """The features with their end-of-training gap taken from the final evaluation."""
    if final is None:
        return features
    gap = final.gap
    return replace(features, gap_at_end=gap, large_gap=gap.large,
                   final_val_accuracy=final.val_accuracy
                   if final.val_accuracy is not None else features.final_val_accuracy)


def fit_verdict(features: CurveFeatures, final: FinalFit | None = None) -> Fit:
    """The one overfitting verdict of a configuration (rule at OVERFIT_ACC_GAP)."""
    if features.diverged:
        return "diverged"
    if features.overfits:
        return "overfits"
    gap = final.gap if final is not None else features.gap_at_end
    if gap is not None and gap.accuracy is not None and gap.accuracy > OVERFIT_ACC_GAP:
        return "overfits"
    if gap is not None and gap.large:
        return "gap"
    return "none"


# -------------------------------------------------------------------- comparison
@dataclass(frozen=True)
class ConvergenceFinding:
    """`fastest` reaches CONVERGENCE_FRACTION of its final validation accuracy in
    `fastest_epochs`, `slowest` in `slowest_epochs` (margin ≥ CONVERGENCE_MIN_MARGIN)."""

    fastest: str
    fastest_epochs: int
    slowest: str
    slowest_epochs: int

    @property
    def margin(self) -> int:
        return self.slowest_epochs - self.fastest_epochs


@dataclass(frozen=True)
class OverfitFinding:
    """Validation loss was lowest at `onset_epoch` and ended `rise` (`rise_rel`) above it."""

    config: str
    onset_epoch: int
    rise: float
    rise_rel: float


@dataclass(frozen=True)
class GapFinding:
    """A large train–validation gap at the end of training (`gap.epoch`)."""

    config: str
    gap: Gap


@dataclass(frozen=True)
class InstabilityFinding:
    config: str
    instability: float


@dataclass(frozen=True)
class DivergenceFinding:
    config: str
    epoch: int


@dataclass(frozen=True)
class CurveFindings:
    """What the curves of a study's configurations say, in the configurations' own order.
    Empty tuples and None mean "nothing to report"."""

    convergence: ConvergenceFinding | None
    # the configurations whose validation loss rises after its minimum: one sign only; which
    # configurations overfit is `CurveReading.overfitting_configs` (their `fit_verdict`)
    overfitting: tuple[OverfitFinding, ...]
    gaps: tuple[GapFinding, ...]
    unstable: tuple[InstabilityFinding, ...]
    diverged: tuple[DivergenceFinding, ...]


def compare_curves(features: Mapping[str, CurveFeatures]) -> CurveFindings:
    """Findings across configurations (`features` keyed by configuration label, in order).

    A diverged run is reported as diverged only: its convergence, gap and instability
    measures describe a broken curve.
    """
    healthy = {k: f for k, f in features.items() if not f.diverged}
    timed = [(f.epochs_to_converge, k) for k, f in healthy.items()
             if f.epochs_to_converge is not None]
    convergence = None
    if len(timed) >= 2:
        fast = min(timed, key=lambda t: t[0])  # first in order among ties
        slow = max(timed, key=lambda t: t[0])
        if slow[0] - fast[0] >= CONVERGENCE_MIN_MARGIN:
            convergence = ConvergenceFinding(fast[1], fast[0], slow[1], slow[0])
    return CurveFindings(
        convergence=convergence,
        overfitting=tuple(
            OverfitFinding(k, f.overfitting_onset, f.val_loss_rise, f.val_loss_rise_rel)
            for k, f in healthy.items()
            if f.overfits and f.overfitting_onset is not None
            and f.val_loss_rise is not None and f.val_loss_rise_rel is not None),
        gaps=tuple(GapFinding(k, f.gap_at_end) for k, f in healthy.items()
                   if f.large_gap and f.gap_at_end is not None),
        unstable=tuple(InstabilityFinding(k, f.instability) for k, f in healthy.items()
                       if f.unstable and f.instability is not None),
        diverged=tuple(DivergenceFinding(k, f.divergence_epoch) for k, f in features.items()
                       if f.divergence_epoch is not None),
    )
