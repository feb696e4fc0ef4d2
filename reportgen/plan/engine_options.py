"""What each engine cannot run, checked while the plan is expanded: the NumPy engine's missing
layers and the torch engine's GPU speed options. Each message starts with the option's dotted
path ("model.batchnorm: ..."), so the plan can blame the manifest key that set it."""

from __future__ import annotations

from reportgen.manifest import RunConfig


def unsupported_options(config: RunConfig) -> str | None:
    """Why `config` cannot run on the NumPy engine, or None when it can.

    The message starts with the option's dotted path ("model.batchnorm: ..."), so the plan can
    blame the manifest key that set it.
    """
    if config.engine != "numpy":
        return None
    hint = 'use engine = "torch"'
    if config.model.type != "mlp":
        return f"model.type: {config.model.type!r} is not available in the numpy engine ({hint})"
    if config.model.batchnorm:
        return f"model.batchnorm: not available in the numpy engine ({hint})"
    return None


def option_path(message: str) -> str:
    """The dotted path a message from `unsupported_options` is about."""
    return message.partition(":")[0]


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
