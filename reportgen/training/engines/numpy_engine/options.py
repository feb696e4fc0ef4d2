"""Which manifest options the NumPy engine cannot run, checked while the plan is expanded."""

from __future__ import annotations

from reportgen.manifest import RunConfig

ENGINE = "numpy"


def unsupported_options(config: RunConfig) -> str | None:
    """Why `config` cannot run on the NumPy engine, or None when it can.

    The message starts with the option's dotted path ("model.batchnorm: ..."), so the plan can
    blame the manifest key that set it.
    """
    if config.engine != ENGINE:
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
