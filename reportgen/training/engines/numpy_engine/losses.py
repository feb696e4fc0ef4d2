"""Losses on logits. Softmax is fused into each loss: with cross-entropy the gradient at the
logits is simply (ŷ − y) / n, and no probability is ever logged after rounding to 0."""

from __future__ import annotations

import numpy as np


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)  # (n, k), max 0: exp cannot overflow
    shifted -= np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return shifted


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


class CrossEntropy:
    """Mean over the batch of −log ŷ[y] (torch's F.cross_entropy on logits)."""

    def value(self, logits: np.ndarray, y: np.ndarray) -> float:
        rows = np.arange(len(y))
        return float(-log_softmax(logits)[rows, y].mean())

    def value_and_grad(self, logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        n, rows = len(y), np.arange(len(y))
        log_p = log_softmax(logits)
        loss = float(-log_p[rows, y].mean())
        grad = np.exp(log_p, out=log_p)  # ŷ, (n, k)
        grad[rows, y] -= 1
        grad /= n
        return loss, grad


class MeanSquaredError:
    """Mean over all n·k entries of (softmax(z) − one_hot(y))² (torch's F.mse_loss)."""

    def value(self, logits: np.ndarray, y: np.ndarray) -> float:
        diff = softmax(logits)
        diff[np.arange(len(y)), y] -= 1
        return float(np.mean(diff * diff))

    def value_and_grad(self, logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        p = softmax(logits)  # (n, k)
        diff = p.copy()
        diff[np.arange(len(y)), y] -= 1
        loss = float(np.mean(diff * diff))
        g = diff * (2 / diff.size)  # dL/dŷ
        # Softmax Jacobian-vector product: dL/dz = ŷ ⊙ (g − Σ_j g_j ŷ_j).
        grad = p * (g - (g * p).sum(axis=1, keepdims=True))
        return loss, grad


def make_loss(name: str) -> CrossEntropy | MeanSquaredError:
    match name:
        case "cross_entropy":
            return CrossEntropy()
        case "mse":
            return MeanSquaredError()
    raise ValueError(f"unknown loss {name!r}")
