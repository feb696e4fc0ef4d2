"""NumpyTrainer: the `training.Trainer` protocol on the from-scratch engine.

Mirrors torch_engine.TorchTrainer: same initial weights for the same seed, a fresh shuffle each
epoch, batch_size int or "full", the data loss reported without the penalty, penalties on the
Dense kernels only. Only the batch order and dropout masks differ (NumPy's generator, not
torch's), so full-batch runs without dropout follow the torch engine to float32 rounding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from reportgen.manifest import RunConfig
from reportgen.training.engines.numpy_engine.losses import make_loss, softmax
from reportgen.training.engines.numpy_engine.network import MLP
from reportgen.training.engines.numpy_engine.optimizers import make_optimizer
from reportgen.training.models import layer_sizes

if TYPE_CHECKING:
    from reportgen.data import Dataset

EVAL_CHUNK = 8192  # samples per forward pass when evaluating: bounds activation memory


class NumpyTrainer:
    """`device` is accepted for the engines' common signature and ignored: NumPy runs on the CPU.

    `dtype` is float32 like the torch engine; the gradient tests use float64.
    """

    def __init__(self, config: RunConfig, dataset: Dataset, device: str = "cpu",
                 dtype: np.dtype | type = np.float32) -> None:
        self.config = config
        self.dtype = np.dtype(dtype)
        self.n_classes = dataset.n_classes
        self.generator = np.random.default_rng(config.seed)  # batch order
        # Dropout masks draw from their own stream: turning dropout on keeps the batch order.
        dropout_rng = np.random.default_rng([config.seed, 1])
        sizes = layer_sizes(config.mlp(), dataset.n_features, dataset.n_classes)
        self.network = MLP(config.mlp(), sizes, config.seed, self.dtype, dropout_rng)
        self.splits = {
            name: (self._inputs(split.x), np.asarray(split.y, dtype=np.int64))
            for name, split in dataset.splits.items()
        }
        self.loss = make_loss(config.training.loss)
        self.optimizer = make_optimizer(config.training.optimizer, self.network.params)
        n_train = len(dataset.splits["train"])
        batch = config.training.batch_size
        self.batch_size = n_train if batch == "full" else min(batch, n_train)

    def _inputs(self, x: np.ndarray) -> np.ndarray:
        """(n, n_features) in the engine's dtype; no copy when it already is."""
        return np.ascontiguousarray(x.reshape(len(x), -1), dtype=self.dtype)

    def train_epoch(self, lr: float) -> tuple[float, float]:
        x, y = self.splits["train"]
        n = len(y)
        order = self.generator.permutation(n)
        loss_sum, correct = 0.0, 0
        # A diverging run overflows to inf/NaN; fit() sees the non-finite loss and stops it.
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, n, self.batch_size):
                index = order[start:start + self.batch_size]
                xb, yb = x[index], y[index]
                logits = self.network.forward(xb, training=True)  # (batch, n_classes)
                correct += int((logits.argmax(axis=1) == yb).sum())
                data_loss, grad = self.loss.value_and_grad(logits, yb)
                self.network.backward(grad)
                self.optimizer.step(self.network.grads, lr)
                loss_sum += data_loss * len(index)
        return loss_sum / n, correct / n

    def _logits(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return np.concatenate([self.network.forward(x[i:i + EVAL_CHUNK])
                                   for i in range(0, len(x), EVAL_CHUNK)])

    def evaluate(self, split: str) -> tuple[float, float]:
        x, y = self.splits[split]
        logits = self._logits(x)
        with np.errstate(over="ignore", invalid="ignore"):
            loss = self.loss.value(logits, y)
        return loss, float((logits.argmax(axis=1) == y).mean())

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return softmax(self._logits(self._inputs(x)).astype(np.float64))

    def snapshot(self) -> list[np.ndarray]:
        return [p.copy() for p in self.network.params]

    def restore(self, snapshot: list[np.ndarray]) -> None:
        # In place: the optimizer holds these very arrays.
        for param, saved in zip(self.network.params, snapshot, strict=True):
            param[...] = saved
