"""Hidden-layer activations with their derivatives.

Each activation is a layer: `forward` caches what `backward` needs, `backward` turns dL/da into
dL/dz. Derivatives at the kinks (z = 0) follow torch's choices, so gradients match autograd.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erf


class Activation:
    """a = f(z), elementwise. Subclasses cache inputs or outputs in `forward`."""

    def forward(self, z: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Linear(Activation):
    def forward(self, z: np.ndarray, training: bool = False) -> np.ndarray:
        return z

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad


class ReLU(Activation):
    def forward(self, z: np.ndarray, training: bool = False) -> np.ndarray:
        self.active = z > 0
        return np.maximum(z, 0)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * self.active  # torch: the derivative at 0 is 0


class LeakyReLU(Activation):
    def __init__(self, negative_slope: float) -> None:
        self.slope = negative_slope

    def forward(self, z: np.ndarray, training: bool = False) -> np.ndarray:
        self.active = z > 0
        return np.where(self.active, z, self.slope * z)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return np.where(self.active, grad, self.slope * grad)  # the slope at 0, as torch


class Sigmoid(Activation):
    def forward(self, z: np.ndarray, training: bool = False) -> np.ndarray:
        # 1 / (1 + e^-z) written with tanh: no overflow for very negative z.
        self.out = 0.5 * (np.tanh(0.5 * z) + 1)
        return self.out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * self.out * (1 - self.out)


class Tanh(Activation):
    def forward(self, z: np.ndarray, training: bool = False) -> np.ndarray:
        self.out = np.tanh(z)
        return self.out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * (1 - self.out * self.out)


class ELU(Activation):
    """alpha = 1 (Keras' and torch's default)."""

    def forward(self, z: np.ndarray, training: bool = False) -> np.ndarray:
        self.active = z > 0
        # expm1 of the clipped input: no overflow on the branch np.where discards.
        self.out = np.where(self.active, z, np.expm1(np.minimum(z, 0)))
        return self.out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return np.where(self.active, grad, grad * (self.out + 1))  # d/dz (e^z - 1) = a + 1


class GELU(Activation):
    """The exact GELU, z Φ(z) (torch's default, not the tanh approximation)."""

    def forward(self, z: np.ndarray, training: bool = False) -> np.ndarray:
        self.z = z
        self.cdf = 0.5 * (1 + erf(z * (1 / math.sqrt(2))))
        return z * self.cdf

    def backward(self, grad: np.ndarray) -> np.ndarray:
        pdf = np.exp(-0.5 * self.z * self.z) * (1 / math.sqrt(2 * math.pi))
        return grad * (self.cdf + self.z * pdf)


def make_activation(name: str, negative_slope: float = 0.01) -> Activation:
    match name:
        case "relu":
            return ReLU()
        case "leaky_relu":
            return LeakyReLU(negative_slope)
        case "sigmoid":
            return Sigmoid()
        case "tanh":
            return Tanh()
        case "elu":
            return ELU()
        case "gelu":
            return GELU()
        case "linear":
            return Linear()
    raise ValueError(f"unknown activation {name!r}")
