"""Dense and dropout layers. `forward` caches what `backward` needs; `backward` returns dL/dx."""

from __future__ import annotations

import numpy as np


class Dense:
    """z = x W + b with W (in, out), as Keras stores it."""

    def __init__(self, kernel: np.ndarray, bias: np.ndarray) -> None:
        self.kernel = kernel  # (in, out)
        self.bias = bias  # (out,)
        self.grad_kernel = np.zeros_like(kernel)
        self.grad_bias = np.zeros_like(bias)
        # The first layer's input is the data: its gradient would be one wasted matmul.
        self.needs_input_grad = True

    @property
    def params(self) -> list[np.ndarray]:
        return [self.kernel, self.bias]

    @property
    def grads(self) -> list[np.ndarray]:
        return [self.grad_kernel, self.grad_bias]

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self.x = x  # (batch, in)
        z = x @ self.kernel  # (batch, out)
        z += self.bias
        return z

    def backward(self, grad: np.ndarray) -> np.ndarray | None:
        """Store dW, db from dL/dz (batch, out); return dL/dx (batch, in)."""
        np.matmul(self.x.T, grad, out=self.grad_kernel)
        np.sum(grad, axis=0, out=self.grad_bias)
        return grad @ self.kernel.T if self.needs_input_grad else None


class Dropout:
    """Inverted dropout: in training keep each unit with probability 1 - rate and scale it by
    1 / (1 - rate), so inference needs no rescaling (Keras and torch do the same)."""

    def __init__(self, rate: float, rng: np.random.Generator) -> None:
        self.rate = rate
        self.rng = rng
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if not training or self.rate == 0:
            self.mask = None
            return x
        keep = self.rng.random(x.shape, dtype=x.dtype) >= self.rate
        self.mask = keep * x.dtype.type(1 / (1 - self.rate))  # (batch, units)
        return x * self.mask

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad if self.mask is None else grad * self.mask
