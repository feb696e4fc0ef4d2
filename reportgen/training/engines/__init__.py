"""Training engines. Each turns (RunConfig, Dataset) into a `training.Trainer`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # keep `import reportgen.training.engines` light: plan/expand.py imports it
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


def speed_option_problem(config: RunConfig) -> str | None:
    """Why `config`'s GPU speed options (`training.channels_last`, `training.precision`) cannot
    apply, or None. They change how a convolutional network runs, so they are for the torch
    engine's cnn and resnet18 models; the message starts with the option's dotted path, so the
    plan can blame the manifest key that set it."""
    training = config.training
    for key, on in (("precision", training.precision != "fp32"),
                    ("channels_last", training.channels_last)):
        if not on:
            continue
        if config.engine != "torch":
            return f"training.{key}: only the torch engine has it (use engine = \"torch\")"
        if config.model.type not in ("cnn", "resnet18"):
            return (f"training.{key}: applies to cnn and resnet18 models only (this run's "
                    f"model is {config.model.type!r}: leave the option at its default)")
    return None


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
