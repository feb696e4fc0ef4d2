"""Models built from a ModelSpec: layer sizes, Keras-style summary rows, and the torch module."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from reportgen import initializers
from reportgen.manifest import ModelSpec
from reportgen.records import LayerRow

if TYPE_CHECKING:
    import torch


def n_outputs(spec: ModelSpec, n_classes: int) -> int:
    return n_classes if spec.outputs == "auto" else spec.outputs


def layer_sizes(spec: ModelSpec, n_features: int, n_classes: int) -> list[int]:
    return [n_features, *spec.hidden, n_outputs(spec, n_classes)]


def summary_rows(spec: ModelSpec, input_shape: tuple[int, ...], n_classes: int) -> list[LayerRow]:
    """Rows like Keras' `model.summary()`: layer (type), output shape, parameters."""
    n_features = 1
    for dim in input_shape:
        n_features *= dim
    rows = []
    if len(input_shape) > 1:
        rows.append(LayerRow("flatten (Flatten)", f"(None, {n_features})", 0))
    sizes = layer_sizes(spec, n_features, n_classes)
    counts = {"dense": 0, "batch_normalization": 0, "dropout": 0}

    def name(kind: str, cls: str) -> str:
        index = counts[kind]
        counts[kind] += 1
        return f"{kind}{'' if index == 0 else f'_{index}'} ({cls})"

    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        rows.append(LayerRow(name("dense", "Dense"), f"(None, {fan_out})",
                             fan_in * fan_out + fan_out))
        if i == len(sizes) - 2:
            break
        if spec.batchnorm:
            # gamma and beta train; the moving mean and variance do not.
            rows.append(LayerRow(name("batch_normalization", "BatchNormalization"),
                                 f"(None, {fan_out})", 4 * fan_out, non_trainable=2 * fan_out))
        if spec.layer_dropouts()[i] > 0:
            rows.append(LayerRow(name("dropout", "Dropout"), f"(None, {fan_out})", 0))
    return rows


def build_torch(spec: ModelSpec, n_features: int, n_classes: int, seed: int) -> torch.nn.Sequential:
    """The MLP as torch modules, with Keras-initialised weights from `initializers`.

    Softmax is not part of the module: losses take logits, for numerical stability.
    """
    import torch
    from torch import nn

    sizes = layer_sizes(spec, n_features, n_classes)
    weights = initializers.dense_stack(sizes, spec.init, seed)
    layers: list[nn.Module] = [nn.Flatten()]
    activations, dropouts = spec.layer_activations(), spec.layer_dropouts()
    for i, (kernel, bias) in enumerate(weights):
        linear = nn.Linear(kernel.shape[0], kernel.shape[1])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(kernel.T))  # torch keeps (out, in)
            linear.bias.copy_(torch.from_numpy(bias))
        layers.append(linear)
        if i == len(weights) - 1:
            break
        if spec.batchnorm:
            # Keras defaults: momentum 0.99 (torch counts the other way), epsilon 1e-3.
            layers.append(nn.BatchNorm1d(kernel.shape[1], momentum=0.01, eps=1e-3))
        layers.append(activation_module(activations[i], spec.negative_slope))
        if dropouts[i] > 0:
            layers.append(nn.Dropout(dropouts[i]))
    return nn.Sequential(*layers)


def activation_module(name: str, negative_slope: float) -> torch.nn.Module:
    from torch import nn

    match name:
        case "relu":
            return nn.ReLU()
        case "leaky_relu":
            return nn.LeakyReLU(negative_slope)
        case "sigmoid":
            return nn.Sigmoid()
        case "tanh":
            return nn.Tanh()
        case "elu":
            return nn.ELU()
        case "gelu":
            return nn.GELU()
        case "linear":
            return nn.Identity()
    raise ValueError(f"unknown activation {name!r}")


def kernel_weights(model: torch.nn.Sequential) -> list[torch.Tensor]:
    """The Dense kernels: what L1/L2 penalties apply to (Keras' kernel_regularizer)."""
    from torch import nn

    return [m.weight for m in model if isinstance(m, nn.Linear)]
