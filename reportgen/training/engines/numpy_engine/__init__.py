"""The from-scratch NumPy engine: layers, activations, losses and optimizers written out by hand,
vectorised over the batch, with torch.optim's update formulas. No autograd: every backward pass
is explicit, and tests check each gradient against torch.
"""

from typing import Any

__all__ = ["NumpyTrainer"]


def __getattr__(name: str) -> Any:
    # The trainer (and scipy) load when a run starts, not when the package is imported.
    if name == "NumpyTrainer":
        from reportgen.training.engines.numpy_engine.trainer import NumpyTrainer

        return NumpyTrainer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
