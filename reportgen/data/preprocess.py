"""Input scaling, always fitted on the training split only (no leakage into val/test)."""

from __future__ import annotations

import numpy as np


def fit_transform(train: np.ndarray, others: list[np.ndarray], method: str) -> list[np.ndarray]:
    """Scale `train` and each array in `others` with statistics of `train`. Shapes are kept."""
    arrays = [train, *others]
    if method == "none":
        return [a.astype(np.float32) for a in arrays]
    if method == "divide255":
        return [(a / np.float32(255.0)).astype(np.float32) for a in arrays]
    flat = train.reshape(len(train), -1).astype(np.float64)
    if method == "minmax":
        low, span = flat.min(axis=0), np.ptp(flat, axis=0)
        shift, scale = low, np.where(span > 0, span, 1.0)
    elif method == "standard":
        shift, std = flat.mean(axis=0), flat.std(axis=0)
        scale = np.where(std > 0, std, 1.0)
    else:
        raise ValueError(f"unknown preprocess {method!r}")
    return [((a.reshape(len(a), -1) - shift) / scale).reshape(a.shape).astype(np.float32)
            for a in arrays]
