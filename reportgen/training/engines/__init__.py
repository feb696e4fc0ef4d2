"""Training engines. Each turns (RunConfig, Dataset) into a `training.Trainer`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # keep `import reportgen.training.engines` light: the plan need not load torch
    from reportgen.data import Dataset
    from reportgen.manifest import RunConfig
    from reportgen.training.loop import Trainer


def make_trainer(config: RunConfig, dataset: Dataset, device: str) -> Trainer:
    if config.engine == "torch":
        from reportgen.training.engines.torch_engine import TorchTrainer

        return TorchTrainer(config, dataset, device)
    if config.engine == "numpy":
        from reportgen.training.engines.numpy_engine import NumpyTrainer

        return NumpyTrainer(config, dataset, device)
    raise ValueError(f"unknown engine {config.engine!r}")


def resolve_device(requested: str) -> str:
    """'auto' means the first CUDA device when there is one, else the CPU."""
    if requested == "cpu":
        return "cpu"
    import torch

    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return requested


def describe_device(device: str) -> str:
    if device.startswith("cuda"):
        import torch

        return f"{device} ({torch.cuda.get_device_name(torch.device(device))})"
    return "cpu"
