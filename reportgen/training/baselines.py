"""Baselines per dataset: the majority class and a logistic regression (scikit-learn), fitted on
the training split of the very `Dataset` the runs train on (same split, same preprocessing)
and scored on every split. The executor computes them once per dataset (`reportgen run`,
`[report] baselines = true`); the store keeps them in baselines/<dataset>.json.

The majority baseline predicts the most frequent training class for every sample, with the
training class shares as its probabilities (its log loss is that of the class prior). The
logistic regression sees the inputs flattened (an image becomes one row of pixels), and is
left out when the training split holds more than `LOGISTIC_MAX_VALUES` values (samples ×
inputs): the majority baseline is kept.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from reportgen.data import Dataset
from reportgen.store.records import BaselineRecord, BaselineScores
from reportgen.training import metrics

# Training samples × inputs above which the logistic regression is skipped. 5 million values
# fit in about 40 MB as float64 and the solver finishes in seconds on one core: every
# scikit-learn dataset, the MedMNIST sets at 28×28 (RetinaMNIST: 1 080 × 2 352 ≈ 2.5 M) and
# subsets of MNIST up to about 6 000 images pass; full MNIST (60 000 × 784 ≈ 47 M) does not.
LOGISTIC_MAX_VALUES = 5_000_000
MAX_ITER = 1000


def compute(dataset: Dataset, seed: int = 0) -> BaselineRecord:
    """Both baselines of `dataset`, scored on each of its splits."""
    k = dataset.n_classes
    train = dataset.splits["train"]
    counts = np.bincount(train.y, minlength=k).astype(np.float64)
    prior = counts / counts.sum()
    scores = {"majority": {name: _scores(split.y, np.tile(prior, (len(split), 1)),
                                         dataset.classes)
                           for name, split in dataset.splits.items()}}
    skipped: dict[str, str] = {}
    converged: bool | None = None
    values = len(train) * dataset.n_features
    if values > LOGISTIC_MAX_VALUES:
        skipped["logistic_regression"] = (f"{values} training values (samples × inputs), "
                                          f"more than {LOGISTIC_MAX_VALUES}")
    elif np.count_nonzero(counts) < 2:
        skipped["logistic_regression"] = "the training split holds a single class"
    else:
        model = LogisticRegression(max_iter=MAX_ITER, random_state=seed)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(_flat(train.x), train.y)
        converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        scores["logistic_regression"] = {
            name: _scores(split.y, _proba(model, split.x, k), dataset.classes)
            for name, split in dataset.splits.items()}
    return BaselineRecord(dataset=dataset.name, fingerprint=dataset.fingerprint, seed=seed,
                          scores=scores, skipped=skipped, converged=converged,
                          max_values=LOGISTIC_MAX_VALUES, max_iter=MAX_ITER)


def _flat(x: np.ndarray) -> np.ndarray:
    return x.reshape(len(x), -1).astype(np.float64)  # float32 probabilities miss 1 by 1e-7


def _proba(model: LogisticRegression, x: np.ndarray, k: int) -> np.ndarray:
    """Probabilities over all `k` classes (a class absent from training gets 0)."""
    proba = np.zeros((len(x), k))
    proba[:, model.classes_] = model.predict_proba(_flat(x))
    return proba


def _scores(y: np.ndarray, proba: np.ndarray, classes: list[str]) -> BaselineScores:
    found = metrics.split_metrics(y, proba, classes)
    return BaselineScores(accuracy=found.accuracy, loss=found.loss, confusion=found.confusion)
