"""Is a difference between two configurations larger than seed-to-seed noise?

With repeats (several seeds per configuration): Welch's t-test (unequal variances, scipy) and a
percentile bootstrap interval of the difference of means, resampled with a fixed seed so the
report is reproducible. With a single seed there is no spread to compare with: a margin below a
stated threshold gets the single-seed caveat, the same rule everywhere in the report. On one
test split of n samples, an accuracy gets Wilson's 95 % interval, and a runner-up inside it is
indistinguishable from the best.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from reportgen.store.records import RunRecord

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


# ---------------------------------------------------------------- one test split, n samples
WILSON_Z = 1.96  # the normal quantile of a two-sided 95 % interval


def wilson_interval(successes: int, n: int, z: float = WILSON_Z) -> tuple[float, float]:
    """Wilson's score interval of a proportion `successes / n` (95 % with the default z):
    unlike the normal approximation it stays inside [0, 1] and is sound near 0 and 1."""
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError(f"wilson_interval: need 0 <= successes <= n and n > 0 "
                         f"(got {successes}, {n})")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def accuracy_interval(accuracy: float, n: int, z: float = WILSON_Z) -> tuple[float, float]:
    """The Wilson interval of an accuracy measured on `n` samples."""
    return wilson_interval(round(accuracy * n), n, z)


def indistinguishable(best: float, runner_up: float, n: int, z: float = WILSON_Z) -> bool:
    """Two accuracies on the same split of `n` samples are indistinguishable when the
    runner-up's lies inside the best's Wilson interval."""
    low, high = accuracy_interval(best, n, z)
    return low <= runner_up <= high


@dataclass(frozen=True)
class IntervalCheck:
    """The best run's test accuracy with its Wilson interval, against the runner-up's."""

    best: RunRecord
    runner_up: RunRecord
    accuracy: float
    n: int  # test samples
    low: float
    high: float
    runner_accuracy: float
    indistinguishable: bool


def check_test_accuracy(runs: Sequence[RunRecord],
                        ranking: Sequence[int]) -> IntervalCheck | None:
    """The best run (`runs[ranking[0]]`) against the next ranked run of another configuration
    (with repeats, another seed of the same configuration is not a runner-up), on the test
    split; None without two such runs with a test accuracy."""
    if len(ranking) < 2:
        return None
    best = runs[ranking[0]]
    runner = next((runs[i] for i in ranking[1:] if best.config_label is None
                   or runs[i].config_label != best.config_label), None)
    if runner is None:
        return None
    a, b = best.metrics.get("test"), runner.metrics.get("test")
    if a is None or b is None or not math.isfinite(a.accuracy) \
            or not math.isfinite(b.accuracy):
        return None
    n = sum(map(sum, a.confusion)) or 0
    if n <= 0:
        return None
    low, high = accuracy_interval(a.accuracy, n)
    return IntervalCheck(best, runner, float(a.accuracy), n, low, high, float(b.accuracy),
                         low <= b.accuracy <= high)


Verdict = Literal["both-differ", "both-tie", "seeds-only", "test-only"]


def reconcile(seeds: SeedComparison, check: IntervalCheck) -> Verdict:
    """What the seed t-test and the test interval say together: both that the two differ,
    both that they cannot be told apart, or only one of them that they differ."""
    if seeds.exceeds_spread:
        return "seeds-only" if check.indistinguishable else "both-differ"
    return "both-tie" if check.indistinguishable else "test-only"
