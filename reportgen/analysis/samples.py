"""Facts about the images themselves: the sample grid of a dataset and, for a study's best run,
which test images it gets right and wrong, and how confidently.

Images come from the store's `datasets/<name>.npz` (see `reportgen.data.samples`), probabilities
from the run's predictions; both through the `ResultSet`, never by opening files here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reportgen.store.records import RunRecord
from reportgen.store.store import ResultSet

CORRECT_SHOWN = 4  # sample predictions: the first correctly classified images …
WRONG_SHOWN = 4  # … and the first misclassified ones
GALLERY_MAX = 24  # misclassified images in the gallery


@dataclass(frozen=True)
class DatasetSamples:
    grid_images: tuple[np.ndarray, ...]  # the first training images of every class
    grid_labels: tuple[int, ...]
    arrays: dict[str, np.ndarray]  # everything the store kept (pred_x, pred_index, …)


@dataclass(frozen=True)
class Predictions:
    """The best run's probabilities on the dataset's sample images of one split."""

    run: RunRecord
    split: str
    available: bool  # False: the run has no stored predictions on that split
    n: int = 0  # images looked at
    whole_split: bool = False  # n is the whole split
    images: np.ndarray | None = None  # (n, H, W[, 3]) uint8
    proba: np.ndarray | None = None  # (n, k)
    truth: np.ndarray | None = None  # (n,)
    guess: np.ndarray | None = None  # (n,)
    wrong: tuple[int, ...] = ()  # indices into the n images
    shown: tuple[int, ...] = ()  # the first right ones, then the first wrong ones
    gallery: tuple[int, ...] = ()  # wrong ones, most confident mistake first


def dataset_samples(results: ResultSet, name: str) -> DatasetSamples | None:
    arrays = results.dataset_samples(name)
    if arrays is None:
        return None
    grid = arrays.get("grid_x")
    images = tuple(grid) if grid is not None else ()
    labels = tuple(int(y) for y in arrays.get("grid_y", ()))
    return DatasetSamples(images, labels, arrays)


def predictions(results: ResultSet, dataset: str, best: RunRecord) -> Predictions | None:
    """None where there is nothing to show: not images, or a store from before samples."""
    summary = results.datasets.get(dataset)
    samples = results.dataset_samples(dataset)
    if summary is None or samples is None or "pred_x" not in samples:
        return None
    split = str(samples["pred_split"])
    stored = results.predictions(best.run_id)
    proba = stored.get(f"proba_{split}")
    truth = stored.get(f"y_{split}")
    index = samples["pred_index"]
    if proba is None or truth is None or len(index) == 0 or int(index.max()) >= len(proba):
        return Predictions(best, split, available=False)
    proba, truth = proba[index], truth[index]  # (n, k), (n,)
    guess = proba.argmax(axis=1)
    wrong = np.flatnonzero(guess != truth)
    right = np.flatnonzero(guess == truth)
    shown = np.concatenate([right[:CORRECT_SHOWN], wrong[:WRONG_SHOWN]]).astype(int)
    confidence = proba[wrong, guess[wrong]]
    gallery = wrong[np.argsort(-confidence, kind="stable")][:GALLERY_MAX]
    n = len(index)
    return Predictions(
        best, split, True, n=n, whole_split=n == summary.split_sizes.get(split),
        images=samples["pred_x"], proba=proba, truth=truth, guess=guess,
        wrong=tuple(int(i) for i in wrong), shown=tuple(int(i) for i in shown),
        gallery=tuple(int(i) for i in gallery))
