"""The in-memory dataset every engine trains on, and the raw form every source returns."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class RawData:
    """What a source loads, before splitting and preprocessing.

    Either `x`/`y` (to be split) or `splits` (the source's official splits) is set.
    """

    classes: list[str]
    x: np.ndarray | None = None  # (n, *input_shape)
    y: np.ndarray | None = None  # (n,) int class indices
    splits: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
    predict_x: np.ndarray | None = None  # unlabeled inputs to score (files source)


@dataclass(frozen=True)
class Split:
    x: np.ndarray  # (n, *input_shape) float32
    y: np.ndarray  # (n,) int64

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True)
class Dataset:
    """Split, preprocessed data ready for training."""

    name: str
    source: str
    classes: list[str]
    splits: dict[str, Split]  # "train", "val" (optional), "test" (optional)
    preprocess: str
    predict_x: np.ndarray | None = None
    fingerprint: str = field(default="")

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.splits["train"].x.shape[1:])

    @property
    def n_features(self) -> int:
        return int(np.prod(self.input_shape))

    @property
    def n_classes(self) -> int:
        return len(self.classes)


def fingerprint(splits: dict[str, Split], classes: list[str]) -> str:
    """sha256 over every split's arrays: any change in data or split changes run ids."""
    digest = hashlib.sha256()
    digest.update(repr(classes).encode())
    for name in sorted(splits):
        for array in (splits[name].x, splits[name].y):
            contiguous = np.ascontiguousarray(array)
            digest.update(f"{name}{contiguous.dtype}{contiguous.shape}".encode())
            digest.update(contiguous.tobytes())
    return digest.hexdigest()
