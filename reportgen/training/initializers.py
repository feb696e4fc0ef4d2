"""Weight initialisers with Keras' definitions, in NumPy so every engine starts from the same
weights for the same seed (the torch and NumPy engines then differ only in how they train).
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.stats import truncnorm

# Keras draws "normal" initialisers from a normal truncated at ±2σ; dividing by this constant
# (the std of a standard normal truncated at ±2) keeps the requested variance.
TRUNCATED_STD = 0.87962566103423978


def _truncated(rng: np.random.Generator, std: float, shape: tuple[int, ...]) -> np.ndarray:
    return truncnorm.rvs(-2, 2, scale=std / TRUNCATED_STD, size=shape, random_state=rng)


def kernel(name: str, fan_in: int, fan_out: int, rng: np.random.Generator,
           shape: tuple[int, ...] | None = None) -> np.ndarray:
    """A (fan_in, fan_out) float64 kernel, or one of `shape` with those fans (a Conv2D kernel
    (kh, kw, in, out) has Keras' fan_in = kh·kw·in and fan_out = kh·kw·out)."""
    shape = shape or (fan_in, fan_out)
    match name:
        case "zeros":
            return np.zeros(shape)
        case "ones":
            return np.ones(shape)
        case "random_normal":
            return rng.normal(0.0, 0.05, size=shape)
        case "random_uniform":
            return rng.uniform(-0.05, 0.05, size=shape)
        case "glorot_uniform":
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            return rng.uniform(-limit, limit, size=shape)
        case "glorot_normal":
            return _truncated(rng, np.sqrt(2.0 / (fan_in + fan_out)), shape)
        case "he_uniform":
            limit = np.sqrt(6.0 / fan_in)
            return rng.uniform(-limit, limit, size=shape)
        case "he_normal":
            return _truncated(rng, np.sqrt(2.0 / fan_in), shape)
        case "lecun_normal":
            return _truncated(rng, np.sqrt(1.0 / fan_in), shape)
    raise ValueError(f"unknown initialiser {name!r}")


def dense_stack(layer_sizes: list[int], init: str,
                seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(kernel (in, out), bias (out,)) for each Dense layer of sizes [n_in, h1, ..., n_out].

    Biases start at zero, as in Keras.
    """
    rng = np.random.default_rng(seed)
    return [(kernel(init, fan_in, fan_out, rng), np.zeros(fan_out))
            for fan_in, fan_out in itertools.pairwise(layer_sizes)]
