import numpy as np
import pytest
from sklearn.metrics import log_loss

from reportgen.training.metrics import split_metrics

CLASSES = ["a", "b", "c"]
Y = np.array([0, 0, 1, 1, 2, 2])
PROBA = np.array([[0.8, 0.1, 0.1], [0.4, 0.5, 0.1], [0.1, 0.8, 0.1],
                  [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.3, 0.3, 0.4]])


def test_accuracy_loss_and_confusion():
    metrics = split_metrics(Y, PROBA, CLASSES)
    assert metrics.accuracy == pytest.approx(5 / 6)
    assert metrics.loss == pytest.approx(log_loss(Y, PROBA))
    assert metrics.confusion == [[1, 1, 0], [0, 2, 0], [0, 0, 2]]


def test_per_class_rows_and_averages():
    rows = {row.name: row for row in split_metrics(Y, PROBA, CLASSES).per_class}
    assert list(rows) == ["a", "b", "c", "macro avg", "weighted avg"]
    assert rows["a"].precision == 1.0 and rows["a"].recall == 0.5
    assert rows["b"].precision == pytest.approx(2 / 3) and rows["b"].recall == 1.0
    assert rows["macro avg"].f1 == pytest.approx(np.mean([rows[c].f1 for c in CLASSES]))
    assert rows["weighted avg"].support == 6


def test_roc_auc_one_vs_rest_and_binary():
    assert 0.5 < split_metrics(Y, PROBA, CLASSES).roc_auc <= 1.0
    binary = split_metrics(np.array([0, 1, 1, 0]),
                           np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.3, 0.7]]), ["n", "p"])
    assert binary.roc_auc == pytest.approx(0.75)  # 3 of 4 positive–negative pairs ordered


def test_roc_auc_is_undefined_when_a_class_is_absent():
    assert split_metrics(Y[:4], PROBA[:4], CLASSES).roc_auc is None


def test_predictions_never_made_for_a_class_still_get_a_row():
    proba = np.tile([0.9, 0.05, 0.05], (6, 1))
    rows = split_metrics(Y, proba, CLASSES).per_class
    assert rows[1].precision == 0.0 and rows[1].support == 2
