"""Where a study's best run goes wrong, on the split its confusion matrix shows (test, else
validation: `runs.final_metrics`): the class pairs it confuses most, the classes with the lowest
recall and precision and whether the weakest class is the weakest in every run of the study,
and, for a binary task, its false negatives and false positives, ROC AUC and ROC curve.

Classes are indices into the dataset's classes (the report names them in its language); the
stored (identity) names ride along in `ErrorAnalysis.classes` for the CSV and the tests.
Probabilities come from the run's stored predictions, images from the dataset's stored samples,
both through the `ResultSet`; nothing here opens a file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from reportgen.analysis.runs import final_metrics
from reportgen.store.records import DatasetSummary, RunRecord, SplitMetrics, finite
from reportgen.store.store import ResultSet

TOP_CONFUSIONS = 3  # the most confused pairs named
EXAMPLES_SHOWN = 4  # misclassified samples of the most confused pair
AVERAGE_ROWS = ("macro avg", "weighted avg", "micro avg", "accuracy")
TIE = 1e-12  # two recalls (precisions) this close are the same value


@dataclass(frozen=True)
class Confusion:
    """One off-diagonal cell: samples of class `true` predicted as `predicted`."""

    true: int
    predicted: int
    count: int
    share: float  # of the samples of the true class on the split


@dataclass(frozen=True)
class Lowest:
    """The class(es) tied at the lowest recall (or precision)."""

    classes: tuple[int, ...]
    value: float


@dataclass(frozen=True)
class Binary:
    """A two-class task read with the minority class of the training split as the positive."""

    positive: int  # class index
    negative: int
    positives: int  # samples of the positive class on the split
    negatives: int
    false_negatives: int  # positives predicted as the negative class
    false_positives: int  # negatives predicted as the positive class
    auc: float | None  # from the stored probabilities; None without them
    roc: tuple[tuple[float, float], ...] = ()  # (false-positive rate, true-positive rate)


@dataclass(frozen=True)
class Examples:
    """Samples of the most confused pair, as the run classified them."""

    pair: Confusion
    indices: tuple[int, ...]  # into the split's stored predictions (y_<split>, proba_<split>)
    proba: tuple[tuple[float, ...], ...]  # each sample's probabilities
    images: tuple[np.ndarray, ...] = ()  # (H, W[, 3]) uint8 each; () when the store kept none


@dataclass(frozen=True)
class ErrorAnalysis:
    run: RunRecord
    split: str
    n: int  # samples on the split
    classes: tuple[str, ...]  # the stored class names, by index
    confused: tuple[Confusion, ...]  # most confused first, at most TOP_CONFUSIONS, count > 0
    lowest_recall: Lowest | None  # None: every class has the same recall
    lowest_precision: Lowest | None
    recall_held: int  # runs of the study in which lowest_recall's first class is lowest
    recall_runs: int  # runs of the study with a confusion matrix on that split
    binary: Binary | None = None
    examples: Examples | None = None  # image datasets with stored predictions

    @property
    def weakest(self) -> int | None:
        """The class of lowest recall (the first, on a tie)."""
        return self.lowest_recall.classes[0] if self.lowest_recall is not None else None

    @property
    def holds_everywhere(self) -> bool:
        """The weakest class is the weakest in every run of the study (more than one)."""
        return self.recall_runs > 1 and self.recall_held == self.recall_runs

    @property
    def n_wrong(self) -> int:
        """Samples of the split the run misclassifies."""
        return sum(c.count for c in most_confused(_matrix(self.run, self.split), None))


# ---------------------------------------------------------------- from the store
def study_errors(runs: Sequence[RunRecord], ranking: Sequence[int],
                 results: ResultSet) -> ErrorAnalysis | None:
    """The error analysis of the best run (`runs[ranking[0]]`), with its stored predictions
    and the dataset's stored samples; None without a ranked run or a confusion matrix."""
    if not ranking:
        return None
    best = runs[ranking[0]]
    return analyse_errors(best, runs, results.datasets.get(best.dataset),
                          results.predictions(best.run_id), results.dataset_samples(best.dataset))


def analyse_errors(best: RunRecord, runs: Sequence[RunRecord],
                   summary: DatasetSummary | None = None,
                   predictions: Mapping[str, np.ndarray] | None = None,
                   samples: Mapping[str, np.ndarray] | None = None) -> ErrorAnalysis | None:
    split, metrics = final_metrics(best)
    if metrics is None or not metrics.confusion:
        return None
    matrix = np.asarray(metrics.confusion, dtype=np.int64)  # (k, k): rows true, columns predicted
    k = len(matrix)
    classes = tuple(summary.classes) if summary is not None and len(summary.classes) == k \
        else tuple(str(i) for i in range(k))
    recall, precision = recalls(metrics), precisions(metrics)
    low_recall = lowest(recall)
    held = compared = 0
    for record in runs:
        other = record.metrics.get(split)
        if other is None or len(other.confusion) != k:
            continue
        compared += 1
        found = lowest(recalls(other))
        if low_recall is not None and found is not None \
                and low_recall.classes[0] in found.classes:
            held += 1
    confused = tuple(most_confused(matrix, TOP_CONFUSIONS))
    proba, truth = _stored(predictions, split, len(matrix), int(matrix.sum()))
    binary = binary_errors(matrix, positive_class(matrix, summary), proba, truth) \
        if k == 2 else None
    examples = confused_examples(confused[0], proba, truth, samples, split) \
        if confused and proba is not None and truth is not None and samples is not None \
        and "pred_x" in samples \
        else None
    return ErrorAnalysis(best, split, int(matrix.sum()), classes, confused, low_recall,
                         lowest(precision), held, compared, binary, examples)


def _matrix(record: RunRecord, split: str) -> np.ndarray:
    return np.asarray(record.metrics[split].confusion, dtype=np.int64)


def _stored(predictions: Mapping[str, np.ndarray] | None, split: str, k: int,
            n: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The split's stored (proba (n, k), truth (n,)), or (None, None) when missing or not
    of the confusion matrix's shape."""
    if not predictions:
        return None, None
    proba, truth = predictions.get(f"proba_{split}"), predictions.get(f"y_{split}")
    if proba is None or truth is None or proba.ndim != 2 or proba.shape != (n, k) \
            or len(truth) != n or not np.all(np.isfinite(proba)):
        return None, None
    return proba.astype(np.float64), truth.astype(np.int64)


# ---------------------------------------------------------------- the facts, one by one
def most_confused(confusion: Sequence[Sequence[int]] | np.ndarray,
                  top: int | None = TOP_CONFUSIONS) -> list[Confusion]:
    """Off-diagonal cells with a count, largest first (on a tie, in row then column order)."""
    matrix = np.asarray(confusion, dtype=np.int64)
    support = matrix.sum(axis=1)
    cells = [Confusion(i, j, int(matrix[i, j]), float(matrix[i, j] / support[i]))
             for i in range(len(matrix)) for j in range(len(matrix))
             if i != j and matrix[i, j] > 0]
    cells.sort(key=lambda c: -c.count)  # stable: row, then column order among equals
    return cells if top is None else cells[:top]


def recalls(metrics: SplitMetrics) -> list[float]:
    """Per class, as the per-class table shows it (else from the confusion matrix)."""
    rows = _class_rows(metrics)
    if rows is not None:
        return [finite(r.recall) or 0.0 for r in rows]
    matrix = np.asarray(metrics.confusion, dtype=np.float64)
    support = matrix.sum(axis=1)
    return [float(matrix[i, i] / support[i]) if support[i] else 0.0 for i in range(len(matrix))]


def precisions(metrics: SplitMetrics) -> list[float]:
    rows = _class_rows(metrics)
    if rows is not None:
        return [finite(r.precision) or 0.0 for r in rows]
    matrix = np.asarray(metrics.confusion, dtype=np.float64)
    predicted = matrix.sum(axis=0)
    return [float(matrix[i, i] / predicted[i]) if predicted[i] else 0.0
            for i in range(len(matrix))]


def _class_rows(metrics: SplitMetrics) -> list[Any] | None:
    rows = [r for r in metrics.per_class if r.name not in AVERAGE_ROWS]
    return rows if len(rows) == len(metrics.confusion) else None


def lowest(values: Sequence[float]) -> Lowest | None:
    """The classes at the minimum; None when every class has the same value (none is lowest)."""
    if not values or max(values) - min(values) <= TIE:
        return None
    low = min(values)
    return Lowest(tuple(i for i, v in enumerate(values) if v - low <= TIE), float(low))


def positive_class(confusion: np.ndarray, summary: DatasetSummary | None) -> int:
    """The minority class of the training split (class 1 on a tie); without its counts, the
    minority class of the evaluated split."""
    counts = summary.class_counts.get("train") if summary is not None else None
    if not counts or len(counts) != 2:
        counts = [int(c) for c in np.asarray(confusion).sum(axis=1)]
    return 0 if counts[0] < counts[1] else 1


def binary_errors(confusion: np.ndarray, positive: int, proba: np.ndarray | None = None,
                  truth: np.ndarray | None = None) -> Binary:
    negative = 1 - positive
    matrix = np.asarray(confusion, dtype=np.int64)
    auc: float | None = None
    points: tuple[tuple[float, float], ...] = ()
    if proba is not None and truth is not None:
        curve = roc_curve(truth == positive, proba[:, positive])
        if curve is not None:
            points, auc = curve
    return Binary(positive, negative, int(matrix[positive].sum()), int(matrix[negative].sum()),
                  int(matrix[positive, negative]), int(matrix[negative, positive]), auc, points)


def roc_curve(is_positive: np.ndarray, scores: np.ndarray
              ) -> tuple[tuple[tuple[float, float], ...], float] | None:
    """The ROC curve's corners (false-positive rate, true-positive rate) from (0, 0) to (1, 1),
    one per distinct score, and the area under it (trapezoids: tied scores count half).
    None when the split lacks either class."""
    positive = np.asarray(is_positive, dtype=bool)
    score = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(-score, kind="stable")
    score, positive = score[order], positive[order]
    # the last sample of each run of equal scores: the thresholds
    last = np.r_[np.flatnonzero(np.diff(score) != 0), len(score) - 1]
    tp = np.cumsum(positive)[last]
    fp = np.cumsum(~positive)[last]
    tpr = np.r_[0.0, tp / n_pos]
    fpr = np.r_[0.0, fp / n_neg]
    auc = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
    return tuple(zip(fpr.tolist(), tpr.tolist(), strict=True)), auc


def confused_examples(pair: Confusion, proba: np.ndarray, truth: np.ndarray,
                      samples: Mapping[str, np.ndarray], split: str,
                      shown: int = EXAMPLES_SHOWN) -> Examples | None:
    """Up to `shown` samples of class `pair.true` predicted as `pair.predicted`, the most
    confident mistakes first, preferring those whose image the dataset's samples keep (the
    first images of the split: `pred_index`); images are left out when some are not kept."""
    guess = proba.argmax(axis=1)
    hits = np.flatnonzero((truth == pair.true) & (guess == pair.predicted))
    if len(hits) == 0:
        return None
    kept: dict[int, int] = {}  # index into the split -> position in pred_x
    if "pred_index" in samples and str(samples.get("pred_split", "")) == split:
        kept = {int(i): p for p, i in enumerate(samples["pred_index"])}
    confidence = proba[hits, pair.predicted]
    ranked = hits[np.lexsort((-confidence, [int(i) not in kept for i in hits]))][:shown]
    images: tuple[np.ndarray, ...] = ()
    if all(int(i) in kept for i in ranked):
        images = tuple(samples["pred_x"][kept[int(i)]] for i in ranked)
    return Examples(pair, tuple(int(i) for i in ranked),
                    tuple(tuple(float(p) for p in proba[i]) for i in ranked), images)
