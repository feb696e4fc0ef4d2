"""Classification metrics (scikit-learn). Names carry direction: *_loss down, the rest up."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    log_loss,
    precision_recall_fscore_support,
    roc_auc_score,
)

from reportgen.store.records import ClassMetrics, SplitMetrics


def split_metrics(y_true: np.ndarray, proba: np.ndarray, classes: list[str]) -> SplitMetrics:
    """Metrics of predicted class probabilities `proba` (n, k) against integer labels."""
    labels = list(range(len(classes)))
    y_pred = proba.argmax(axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    rows = [ClassMetrics(name, float(p), float(r), float(f), int(s))
            for name, p, r, f, s in zip(classes, precision, recall, f1, support, strict=True)]
    for average in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels,
                                                     average=average, zero_division=0)
        rows.append(ClassMetrics(f"{average} avg", float(p), float(r), float(f),
                                 int(support.sum())))
    return SplitMetrics(
        accuracy=float(accuracy_score(y_true, y_pred)),
        loss=float(log_loss(y_true, np.clip(proba, 1e-15, 1.0), labels=labels)),
        per_class=rows,
        confusion=confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        roc_auc=roc_auc(y_true, proba, labels),
    )


def roc_auc(y_true: np.ndarray, proba: np.ndarray, labels: list[int]) -> float | None:
    """One-vs-rest macro ROC AUC; undefined (None) when a class has no samples in y_true."""
    present = np.unique(y_true)
    if len(present) < len(labels):
        return None
    if len(labels) == 2:
        return float(roc_auc_score(y_true, proba[:, 1]))
    rows = proba / proba.sum(axis=1, keepdims=True)  # sklearn insists rows sum to exactly 1
    return float(roc_auc_score(y_true, rows, multi_class="ovr", average="macro", labels=labels))
