"""The from-scratch NumPy engine: layers, activations, losses and optimizers written out by hand,
vectorised over the batch, with torch.optim's update formulas. No autograd: every backward pass
is explicit, and tests check each gradient against torch.
"""

from typing import Any

from reportgen.training.engines.numpy_engine.options import option_path, unsupported_options

__all__ = ["NumpyTrainer", "option_path", "unsupported_options"]


def __getattr__(name: str) -> Any:
    # The plan imports only the option check; the trainer (and scipy) load when a run starts.
    if name == "NumpyTrainer":
        from reportgen.training.engines.numpy_engine.trainer import NumpyTrainer

        return NumpyTrainer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
