"""Small, deterministic image samples of a dataset, kept so the report can show images without
loading the dataset again: `out/<name>/datasets/<dataset>.npz` (see `Store.save_dataset_samples`).

Arrays (all absent for datasets that are not images):
- `grid_x` (m, H, W[, 3]) uint8, `grid_y` (m,), `grid_index` (m,): training images, the first
  two of every class in split order (one per class past 20 classes, at most 64 classes), for the
  dataset section's sample grid.
- `pred_x` (n, H, W[, 3]) uint8, `pred_index` (n,), `pred_split` (a 0-d string): the first n
  images of the test split (the validation split when there is no test split), whose predictions
  every run stores in predictions.npz (`proba_<split>`), for the sample predictions and the
  gallery of misclassified images. n is bounded by a byte budget (PRED_BYTES).

Pixels are the preprocessed inputs mapped linearly from the training split's value range to
0–255; images larger than MAX_SIDE pixels are subsampled (they are shown a few millimetres wide).
"""

from __future__ import annotations

import math

import numpy as np

from reportgen.data.base import Dataset

PER_CLASS = 2
GRID_TARGET = 40  # two images per class up to this many images, then one per class
GRID_MAX_CLASSES = 64
PRED_BYTES = 2_000_000  # uint8 pixels of the stored test images, before compression
PRED_MIN = 64
MAX_SIDE = 64


def is_image(input_shape: tuple[int, ...] | list[int]) -> bool:
    """(H, W) grayscale or (H, W, C) with one or three channels."""
    shape = tuple(input_shape)
    return len(shape) == 2 or (len(shape) == 3 and shape[2] in (1, 3))


def to_uint8(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """Images for display: 0–255 over [low, high], one channel squeezed, large ones subsampled."""
    if x.ndim == 4 and x.shape[3] == 1:
        x = x[..., 0]
    step = math.ceil(max(x.shape[1], x.shape[2]) / MAX_SIDE)
    if step > 1:
        x = x[:, ::step, ::step]
    scale = 255.0 / (high - low) if high > low else 0.0
    return np.clip(np.rint((x.astype(np.float64) - low) * scale), 0, 255).astype(np.uint8)


def grid_indices(y: np.ndarray, n_classes: int) -> np.ndarray:
    """The first PER_CLASS samples of each class (one past GRID_TARGET images), class by class."""
    per_class = PER_CLASS if PER_CLASS * n_classes <= GRID_TARGET else 1
    picked = [np.flatnonzero(y == c)[:per_class] for c in range(min(n_classes,
                                                                     GRID_MAX_CLASSES))]
    return np.concatenate(picked).astype(np.int64) if picked else np.zeros(0, np.int64)


def dataset_samples(dataset: Dataset) -> dict[str, np.ndarray] | None:
    """The arrays described above, or None for a dataset that is not images."""
    if not is_image(dataset.input_shape):
        return None
    train = dataset.splits["train"]
    low, high = float(train.x.min()), float(train.x.max())
    index = grid_indices(train.y, dataset.n_classes)
    out = {"grid_x": to_uint8(train.x[index], low, high), "grid_y": train.y[index],
           "grid_index": index}
    split = next((s for s in ("test", "val") if s in dataset.splits), None)
    if split is not None:
        part = dataset.splits[split]
        shown = to_uint8(part.x[:1], low, high)
        per_image = max(1, shown[0].nbytes)
        n = min(len(part), max(PRED_MIN, PRED_BYTES // per_image))
        out |= {"pred_x": to_uint8(part.x[:n], low, high), "pred_index": np.arange(n),
                "pred_split": np.array(split)}
    return out
