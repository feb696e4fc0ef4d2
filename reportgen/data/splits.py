"""Train/val/test splits: fractions or counts, stratified and seeded, or Keras-style unshuffled."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split

from reportgen.errors import DataError
from reportgen.manifest import SplitSpec


def _count(part: int | float | None, total: int) -> int:
    if part is None:
        return 0
    return part if isinstance(part, int) else round(part * total)


def split_indices(y: np.ndarray, spec: SplitSpec, where: str) -> dict[str, np.ndarray]:
    """Indices of each split. See SplitSpec for how fractions and counts are read."""
    n = len(y)
    n_test = _count(spec.test, n)
    if spec.train is not None:
        n_val = _count(spec.val, n)
        parts = (spec.train, spec.val, spec.test)
        fractions = [p for p in parts if isinstance(p, float)]
        covers_all = len(fractions) == len([p for p in parts if p is not None]) and \
            abs(sum(fractions) - 1) < 1e-9
        # Fractions adding up to 1 mean "everything": rounding must not drop a sample.
        n_train = n - n_test - n_val if covers_all else _count(spec.train, n)
    else:
        n_val = _count(spec.val, n - n_test)
        n_train = n - n_test - n_val
    if n_train <= 0 or n_train + n_val + n_test > n:
        raise DataError(f"{where}: split asks for {n_train} train + {n_val} val + {n_test} test "
                        f"samples but the dataset has {n}")
    order = np.arange(n)
    if not spec.shuffle:
        # Keras validation_split: the last samples, in file order.
        train_end = n - n_test - n_val
        return _drop_empty({"train": order[:n_train], "val": order[train_end:train_end + n_val],
                            "test": order[n - n_test:]})
    rest, test = _take(order, y, n_test, spec, seed_offset=0)
    rest_y = y[rest]
    train_pool, val = _take(rest, rest_y, n_val, spec, seed_offset=1)
    train = train_pool if len(train_pool) == n_train else _take(
        train_pool, y[train_pool], len(train_pool) - n_train, spec, seed_offset=2)[0]
    return _drop_empty({"train": np.sort(train), "val": np.sort(val), "test": np.sort(test)})


def _take(indices: np.ndarray, y: np.ndarray, size: int, spec: SplitSpec,
          seed_offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Split `indices` into (rest, taken) with `size` taken, stratified when possible."""
    if size == 0:
        return indices, indices[:0]
    stratify = y if spec.stratify and _can_stratify(y, size) else None
    rest, taken = train_test_split(indices, test_size=size, random_state=spec.seed + seed_offset,
                                   shuffle=True, stratify=stratify)
    return rest, taken


def _can_stratify(y: np.ndarray, size: int) -> bool:
    counts = np.bincount(y)
    counts = counts[counts > 0]
    return counts.min() >= 2 and size >= len(counts) and len(y) - size >= len(counts)


def _drop_empty(splits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {name: idx for name, idx in splits.items() if len(idx) or name == "train"}
