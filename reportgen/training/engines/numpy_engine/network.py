"""The MLP as a list of layers, with Keras-initialised weights shared with the torch engine."""

from __future__ import annotations

import numpy as np

from reportgen.manifest import ModelSpec
from reportgen.training import initializers
from reportgen.training.engines.numpy_engine.activations import Activation, make_activation
from reportgen.training.engines.numpy_engine.layers import Dense, Dropout


class MLP:
    """Dense → activation → dropout for each hidden layer, then a Dense output layer (logits)."""

    def __init__(self, spec: ModelSpec, sizes: list[int], seed: int,
                 dtype: np.dtype | type = np.float32,
                 rng: np.random.Generator | None = None) -> None:
        rng = rng if rng is not None else np.random.default_rng(seed)
        weights = initializers.dense_stack(sizes, spec.init, seed)
        activations, dropouts = spec.layer_activations(), spec.layer_dropouts()
        self.layers: list[Dense | Activation | Dropout] = []
        for i, (kernel, bias) in enumerate(weights):
            self.layers.append(Dense(kernel.astype(dtype), bias.astype(dtype)))
            if i == len(weights) - 1:
                break
            self.layers.append(make_activation(activations[i], spec.negative_slope))
            if dropouts[i] > 0:
                self.layers.append(Dropout(dropouts[i], rng))
        self.dense = [layer for layer in self.layers if isinstance(layer, Dense)]
        self.dense[0].needs_input_grad = False
        self.l1, self.l2 = spec.l1, spec.l2
        self.penalised = [d for i, d in enumerate(self.dense) if spec.penalises(i)]

    @property
    def params(self) -> list[np.ndarray]:
        return [p for layer in self.dense for p in layer.params]

    @property
    def grads(self) -> list[np.ndarray]:
        return [g for layer in self.dense for g in layer.grads]

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """Logits (batch, n_outputs) of inputs (batch, n_features)."""
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def backward(self, grad: np.ndarray) -> None:
        """Fill every layer's gradients from dL/dlogits, penalty gradients included."""
        upstream: np.ndarray | None = grad
        for layer in reversed(self.layers):
            assert upstream is not None  # only the first layer returns None, and it runs last
            upstream = layer.backward(upstream)
        if self.l1 or self.l2:
            for layer in self.penalised:
                w, dw = layer.kernel, layer.grad_kernel
                if self.l1:
                    dw += self.l1 * np.sign(w)  # torch's d|w|/dw at 0 is 0, as np.sign
                if self.l2:
                    dw += (2 * self.l2) * w

    def penalty(self) -> float:
        """l1·Σ|W| + l2·ΣW² over the Dense kernels (Keras' kernel_regularizer; not the biases)."""
        total = 0.0
        for layer in self.penalised:
            if self.l1:
                total += self.l1 * float(np.abs(layer.kernel).sum())
            if self.l2:
                total += self.l2 * float(np.square(layer.kernel).sum())
        return total
