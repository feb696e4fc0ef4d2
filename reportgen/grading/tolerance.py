"""How far a submission's metric may land from the answer key's: one rule for `diff` and `grade`.

In order: an explicit tolerance (`--tol X`) on every metric; else the spread the key measured over
repeated seeds (its `expected` block); else a rule that fits the metric. Rates (accuracy, F1,
ROC AUC) live on [0, 1], where an absolute tolerance means the same everywhere; a cross-entropy
loss has no fixed scale (0.05 on one dataset, 1.5 on another), so its tolerance is relative.
"""

from __future__ import annotations

RATE_TOLERANCE = 0.02  # absolute, on accuracy, macro/weighted F1 and ROC AUC
LOSS_RTOL = 0.10  # relative to the key's loss
RELATIVE_METRICS = frozenset({"loss"})


def allowed(metric: str, key_value: float | None, measured: float | None = None,
            override: float | None = None) -> float:
    """The largest accepted |submission − key| of `metric` whose key value is `key_value`;
    `measured` is the key's measured tolerance for it (None: not measured), `override` --tol."""
    if override is not None:
        return override
    if measured is not None:
        return measured
    if metric in RELATIVE_METRICS and key_value is not None:
        return LOSS_RTOL * abs(key_value)
    return RATE_TOLERANCE


def within(value: float | None, key_value: float | None, tolerance: float) -> bool:
    """Both measured and at most `tolerance` apart (1e-12: a difference written as exactly the
    tolerance must not fail on rounding)."""
    if value is None or key_value is None:
        return value is None and key_value is None
    return abs(value - key_value) <= tolerance + 1e-12


def describe() -> str:
    """The fallback rule in words, for plain-text output."""
    return f"±{RATE_TOLERANCE:g} on rates, ±{LOSS_RTOL:.0%} on losses"
