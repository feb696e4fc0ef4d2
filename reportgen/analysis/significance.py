"""Is a difference between two configurations larger than seed-to-seed noise?

With repeats (several seeds per configuration): Welch's t-test (unequal variances, scipy) and a
percentile bootstrap interval of the difference of means, resampled with a fixed seed so the
report is reproducible. With a single seed there is no spread to compare with: a margin below a
stated threshold gets the single-seed caveat, the same rule everywhere in the report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

ALPHA = 0.05  # two-sided significance level of the t-test; the interval is 1 − ALPHA
BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 0

# Single-seed caveat. An accuracy margin below one percentage point, or below two samples of
# the evaluated split (one sample flipping each way), is within what a different seed
# typically changes for the small models and datasets of a lab; a loss margin below 5 % of the
# smaller loss likewise. Margins under these get the caveat.
SINGLE_SEED_ACCURACY_MARGIN = 0.01
SINGLE_SEED_SAMPLES = 2
SINGLE_SEED_LOSS_REL_MARGIN = 0.05


@dataclass(frozen=True)
class SeedComparison:
    """Scores of configuration A against B over seeds.

    `difference` is mean(A) − mean(B); [`ci_low`, `ci_high`] its bootstrap interval at level
    `confidence`; `p_value` Welch's two-sided p (None when both sides have zero spread, where
    the test is undefined). `exceeds_spread`: the interval excludes 0 and p < ALPHA (with zero
    spread on both sides: any non-zero difference).
    """

    difference: float
    ci_low: float
    ci_high: float
    confidence: float
    p_value: float | None
    n_a: int
    n_b: int
    exceeds_spread: bool


def _scores(values: Sequence[float], side: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or len(array) < 2:
        raise ValueError(f"compare_seeds: {side} needs at least 2 scores (got {len(array)})")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"compare_seeds: {side} has a non-finite score")
    return array


def bootstrap_interval(a: np.ndarray, b: np.ndarray, confidence: float = 1 - ALPHA,
                       resamples: int = BOOTSTRAP_RESAMPLES,
                       seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """Percentile interval of mean(A) − mean(B), each side resampled with replacement."""
    rng = np.random.default_rng(seed)
    mean_a = a[rng.integers(0, len(a), size=(resamples, len(a)))].mean(axis=1)
    mean_b = b[rng.integers(0, len(b), size=(resamples, len(b)))].mean(axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(mean_a - mean_b, [tail, 100 - tail])
    return float(low), float(high)


def compare_seeds(a: Sequence[float], b: Sequence[float], *, confidence: float = 1 - ALPHA,
                  resamples: int = BOOTSTRAP_RESAMPLES,
                  seed: int = BOOTSTRAP_SEED) -> SeedComparison:
    """Welch's t-test and a bootstrap interval for the scores of A and B (≥ 2 seeds each)."""
    x, y = _scores(a, "A"), _scores(b, "B")
    difference = float(x.mean() - y.mean())
    low, high = bootstrap_interval(x, y, confidence, resamples, seed)
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        p_value = None
        exceeds = difference != 0
    else:
        p_value = float(stats.ttest_ind(x, y, equal_var=False).pvalue)
        exceeds = p_value < 1 - confidence and not (low <= 0 <= high)
    return SeedComparison(difference=difference, ci_low=low, ci_high=high,
                          confidence=confidence, p_value=p_value, n_a=len(x), n_b=len(y),
                          exceeds_spread=exceeds)


@dataclass(frozen=True)
class MarginCheck:
    """A single-seed margin and the threshold it is held to; `caveat` when below it."""

    margin: float
    threshold: float
    caveat: bool


def single_seed_margin(a: float, b: float, metric: str,
                       n_samples: int | None = None) -> MarginCheck:
    """Whether the margin between two single-seed scores of `metric` needs the caveat.

    Accuracy-like metrics (anything without "loss" in the name) are held to
    max(SINGLE_SEED_ACCURACY_MARGIN, SINGLE_SEED_SAMPLES / n_samples); losses to
    SINGLE_SEED_LOSS_REL_MARGIN of the smaller loss.
    """
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"single_seed_margin: {metric} scores must be finite (got {a}, {b})")
    margin = abs(a - b)
    if "loss" in metric:
        threshold = SINGLE_SEED_LOSS_REL_MARGIN * min(abs(a), abs(b))
    else:
        threshold = SINGLE_SEED_ACCURACY_MARGIN
        if n_samples:
            threshold = max(threshold, SINGLE_SEED_SAMPLES / n_samples)
    return MarginCheck(margin=margin, threshold=threshold, caveat=margin < threshold)
