"""Models built from a model spec: layer sizes, Keras-style summary rows, and the torch module.

Three types: the MLP (`ModelSpec`, inputs flattened), a small CNN (`CnnSpec`) and ResNet-18
(`ResnetSpec`); the last two take images as (N, C, H, W) tensors (`model_input`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from reportgen.manifest import IMAGE_MODELS, CnnSpec, ModelSpec, ResnetSpec
from reportgen.store.records import LayerRow
from reportgen.training import initializers

if TYPE_CHECKING:
    import torch

AnySpec = ModelSpec | CnnSpec | ResnetSpec


def n_outputs(spec: AnySpec, n_classes: int) -> int:
    return n_classes if spec.outputs == "auto" else spec.outputs


def layer_sizes(spec: ModelSpec, n_features: int, n_classes: int) -> list[int]:
    return [n_features, *spec.hidden, n_outputs(spec, n_classes)]


def summary_rows(spec: AnySpec, input_shape: tuple[int, ...], n_classes: int) -> list[LayerRow]:
    """Rows like Keras' `model.summary()`: layer (type), output shape, parameters."""
    if isinstance(spec, CnnSpec | ResnetSpec) and image_problem(spec, input_shape):
        return []  # the run cannot be built (execute.configuration_problem says why)
    if isinstance(spec, CnnSpec):
        return cnn_summary_rows(spec, input_shape, n_classes)
    if isinstance(spec, ResnetSpec):
        return resnet_summary_rows(spec, input_shape, n_classes)
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


def kernel_weights(model: torch.nn.Module) -> list[torch.Tensor]:
    """The Dense and Conv2D kernels: what L1/L2 penalties apply to (Keras' kernel_regularizer)."""
    from torch import nn

    return [m.weight for m in model.modules() if isinstance(m, nn.Linear | nn.Conv2d)]


# ---------------------------------------------------------------- images: CNN and ResNet-18
def image_layout(input_shape: tuple[int, ...]) -> tuple[int, int, int] | None:
    """(channels, height, width) of per-sample shape (H, W) or channels-last (H, W, C); None for
    inputs that are not images."""
    if len(input_shape) == 2:
        return 1, input_shape[0], input_shape[1]
    if len(input_shape) == 3:
        return input_shape[2], input_shape[0], input_shape[1]
    return None


def model_input(spec: AnySpec, x: np.ndarray) -> np.ndarray:
    """The array a model takes: (n, features) for an MLP, (n, C, H, W) float32 for the others."""
    if spec.type not in IMAGE_MODELS:
        return x.reshape(len(x), -1)
    if x.ndim == 3:
        x = x[:, None]  # (n, H, W) → (n, 1, H, W)
    elif x.ndim == 4:
        x = x.transpose(0, 3, 1, 2)  # channels-last → channels-first
    return np.ascontiguousarray(x, dtype=np.float32)


def image_problem(spec: AnySpec, input_shape: tuple[int, ...]) -> str | None:
    """Why an image model cannot take inputs of `input_shape`, or None when it can."""
    if spec.type not in IMAGE_MODELS:
        return None
    shape = "×".join(str(d) for d in input_shape)
    if image_layout(input_shape) is None:
        return (f'model.type: "{spec.type}" needs images (per-sample shape H×W or H×W×C), and '
                f"the dataset's samples have shape {shape}; use an MLP, or give the files "
                "source a `shape`")
    if isinstance(spec, CnnSpec):
        for index, (height, width, _) in enumerate(_cnn_shapes(spec, input_shape)):
            if height < 1 or width < 1:
                return (f"model.filters: {shape} inputs shrink to nothing by convolution block "
                        f"{index + 1} of {len(spec.filters)}; use fewer blocks, "
                        'padding = "same" or pool = "none"')
    return None


def _cnn_shapes(spec: CnnSpec, input_shape: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """(height, width, filters) after each convolution block (after its pooling)."""
    layout = image_layout(input_shape)
    assert layout is not None
    _, height, width = layout
    shapes = []
    for filters in spec.filters:
        if spec.padding == "valid":
            height, width = height - spec.kernel + 1, width - spec.kernel + 1
        if spec.pool == "max":
            height, width = height // 2, width // 2
        shapes.append((height, width, filters))
    return shapes


def _namer() -> Callable[[str, str], str]:
    counts: dict[str, int] = {}

    def name(kind: str, cls: str) -> str:
        index = counts.get(kind, 0)
        counts[kind] = index + 1
        return f"{kind}{'' if index == 0 else f'_{index}'} ({cls})"

    return name


def _batchnorm_row(name: Callable[[str, str], str], shape: str, channels: int) -> LayerRow:
    # gamma and beta train; the moving mean and variance do not.
    return LayerRow(name("batch_normalization", "BatchNormalization"), shape, 4 * channels,
                    non_trainable=2 * channels)


def cnn_summary_rows(spec: CnnSpec, input_shape: tuple[int, ...],
                     n_classes: int) -> list[LayerRow]:
    layout = image_layout(input_shape)
    assert layout is not None
    channels, height, width = layout
    name = _namer()
    rows = []
    dropouts = spec.layer_dropouts()  # activations live inside Conv2D/Dense rows, as in Keras
    for i, filters in enumerate(spec.filters):
        if spec.padding == "valid":
            height, width = height - spec.kernel + 1, width - spec.kernel + 1
        shape = f"(None, {height}, {width}, {filters})"
        rows.append(LayerRow(name("conv2d", "Conv2D"), shape,
                             spec.kernel * spec.kernel * channels * filters + filters))
        if spec.batchnorm:
            rows.append(_batchnorm_row(name, shape, filters))
        if spec.pool == "max":
            height, width = height // 2, width // 2
            shape = f"(None, {height}, {width}, {filters})"
            rows.append(LayerRow(name("max_pooling2d", "MaxPooling2D"), shape, 0))
        if dropouts[i] > 0:
            rows.append(LayerRow(name("dropout", "Dropout"), shape, 0))
        channels = filters
    n_flat = height * width * channels
    rows.append(LayerRow(name("flatten", "Flatten"), f"(None, {n_flat})", 0))
    sizes = [n_flat, *spec.hidden, n_outputs(spec, n_classes)]
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        rows.append(LayerRow(name("dense", "Dense"), f"(None, {fan_out})",
                             fan_in * fan_out + fan_out))
        if i == len(sizes) - 2:
            break
        if spec.batchnorm:
            rows.append(_batchnorm_row(name, f"(None, {fan_out})", fan_out))
        if dropouts[len(spec.filters) + i] > 0:
            rows.append(LayerRow(name("dropout", "Dropout"), f"(None, {fan_out})", 0))
    return rows


def build_cnn(spec: CnnSpec, input_shape: tuple[int, ...], n_classes: int,
              seed: int) -> torch.nn.Sequential:
    """The CNN as torch modules. Conv2D and Dense kernels are drawn by `initializers` with Keras'
    fans (one NumPy generator seeded with `seed`, in layer order); biases start at zero."""
    import torch
    from torch import nn

    layout = image_layout(input_shape)
    assert layout is not None
    channels = layout[0]
    rng = np.random.default_rng(seed)
    activations, dropouts = spec.layer_activations(), spec.layer_dropouts()
    k = spec.kernel
    layers: list[nn.Module] = []

    def load(module: nn.Conv2d | nn.Linear, kernel: np.ndarray) -> None:
        with torch.no_grad():
            module.weight.copy_(torch.from_numpy(kernel))
            if module.bias is not None:  # every layer built here has a bias
                module.bias.zero_()

    for i, filters in enumerate(spec.filters):
        conv = nn.Conv2d(channels, filters, k, padding="same" if spec.padding == "same" else 0)
        kernel = initializers.kernel(spec.init, k * k * channels, k * k * filters, rng,
                                     shape=(k, k, channels, filters))
        load(conv, kernel.transpose(3, 2, 0, 1).copy())  # Keras (kh, kw, in, out) → torch
        layers.append(conv)
        if spec.batchnorm:
            # Keras defaults: momentum 0.99 (torch counts the other way), epsilon 1e-3.
            layers.append(nn.BatchNorm2d(filters, momentum=0.01, eps=1e-3))
        layers.append(activation_module(activations[i], spec.negative_slope))
        if spec.pool == "max":
            layers.append(nn.MaxPool2d(2))
        if dropouts[i] > 0:
            layers.append(nn.Dropout(dropouts[i]))
        channels = filters
    height, width, channels = _cnn_shapes(spec, input_shape)[-1]
    layers.append(nn.Flatten())
    sizes = [height * width * channels, *spec.hidden, n_outputs(spec, n_classes)]
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        linear = nn.Linear(fan_in, fan_out)
        load(linear, initializers.kernel(spec.init, fan_in, fan_out, rng).T.copy())
        layers.append(linear)
        if i == len(sizes) - 2:
            break
        if spec.batchnorm:
            layers.append(nn.BatchNorm1d(fan_out, momentum=0.01, eps=1e-3))
        layers.append(activation_module(activations[len(spec.filters) + i], spec.negative_slope))
        if dropouts[len(spec.filters) + i] > 0:
            layers.append(nn.Dropout(dropouts[len(spec.filters) + i]))
    return nn.Sequential(*layers).float()


# ResNet-18: (stage, output channels, stride of its first block); two BasicBlocks per stage.
RESNET18_STAGES = (("layer1", 64, 1), ("layer2", 128, 2), ("layer3", 256, 2), ("layer4", 512, 2))


def resnet_summary_rows(spec: ResnetSpec, input_shape: tuple[int, ...],
                        n_classes: int) -> list[LayerRow]:
    """One row per stem layer and per stage of two residual blocks (a layer-by-layer listing
    would run to 60 rows); parameters counted as torchvision builds them."""
    layout = image_layout(input_shape)
    assert layout is not None
    channels, height, width = layout
    name = _namer()
    shape = f"(None, {height}, {width}, 64)"
    rows = [LayerRow(name("conv2d", "Conv2D"), shape, 9 * channels * 64),  # no bias
            _batchnorm_row(name, shape, 64)]
    channels = 64
    for stage, out, stride in RESNET18_STAGES:
        params = frozen = 0
        for block in range(2):
            first = block == 0
            c_in = channels if first else out
            params += 9 * c_in * out + 9 * out * out + 2 * 4 * out  # two convs, two batch norms
            frozen += 2 * 2 * out
            if first and (stride != 1 or c_in != out):  # 1×1 projection of the shortcut
                params += c_in * out + 4 * out
                frozen += 2 * out
        height, width = (height - 1) // stride + 1, (width - 1) // stride + 1
        rows.append(LayerRow(f"{stage} (BasicBlock ×2)", f"(None, {height}, {width}, {out})",
                             params, non_trainable=frozen))
        channels = out
    k = n_outputs(spec, n_classes)
    rows.append(LayerRow(name("global_average_pooling2d", "GlobalAveragePooling2D"),
                         f"(None, {channels})", 0))
    rows.append(LayerRow(name("dense", "Dense"), f"(None, {k})", channels * k + k))
    return rows


def build_resnet18(spec: ResnetSpec, input_shape: tuple[int, ...], n_classes: int,
                   seed: int) -> torch.nn.Module:
    """torchvision's resnet18(weights=None) with MedMNIST's small-image stem: a 3×3 stride-1
    first convolution taking the images' channels, and no max pooling. torchvision's own
    initialisation (He normal for convolutions), drawn from torch's generator seeded with
    `seed`."""
    import torch
    from torch import nn
    from torchvision.models import resnet18

    layout = image_layout(input_shape)
    assert layout is not None
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = resnet18(weights=None, num_classes=n_outputs(spec, n_classes))
        model.conv1 = nn.Conv2d(layout[0], 64, kernel_size=3, stride=1, padding=1, bias=False)
        nn.init.kaiming_normal_(model.conv1.weight, mode="fan_out", nonlinearity="relu")
        model.maxpool = nn.Identity()
    return model


def build_model(spec: AnySpec, input_shape: tuple[int, ...], n_classes: int,
                seed: int) -> torch.nn.Module:
    """The torch module of any model type; it takes `model_input(spec, x)`."""
    if isinstance(spec, CnnSpec):
        return build_cnn(spec, input_shape, n_classes, seed)
    if isinstance(spec, ResnetSpec):
        return build_resnet18(spec, input_shape, n_classes, seed)
    return build_torch(spec, int(np.prod(input_shape)), n_classes, seed)
