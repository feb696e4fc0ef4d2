"""The PyTorch engine: every split lives on the device as one tensor; batches are index slices.

No DataLoader: for datasets that fit in memory (every lab dataset does) slicing a device tensor
with a shuffled index is several times faster than collating Python batches.

No host synchronisation inside an epoch: the steps queue work on the device and the epoch's loss
and accuracy are summed there, read back once at its end (`train_steps` / `train_epoch`), so a
GPU is never left waiting for Python between steps (tests/test_cuda.py checks it).

GPU speed options of cnn/resnet18 models (docs/manifest.md): `training.channels_last` keeps the
network and the images in NHWC memory order (cuDNN's fastest convolutions, also on the CPU's
oneDNN); `training.precision = "bf16"` runs forward passes under bfloat16 autocast (weights,
gradients and optimizer state stay float32). Both change rounding, so results differ slightly
from the defaults; with the defaults every operation is the one it always was.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from reportgen.data import Dataset
from reportgen.manifest import OptimizerSpec, RunConfig
from reportgen.training.models import IMAGE_MODELS, build_model, kernel_weights, model_input

EVAL_CHUNK = 8192  # samples per forward pass when evaluating: bounds activation memory
IMAGE_EVAL_CHUNK = 512  # the same for CNNs and ResNets, whose activations are per pixel


def make_optimizer(spec: OptimizerSpec, params: Any) -> torch.optim.Optimizer:
    lr = spec.lr
    assert lr is not None  # the manifest fills in each optimizer's default rate
    match spec.name:
        case "gd" | "sgd":
            return torch.optim.SGD(params, lr=lr, momentum=spec.momentum, nesterov=spec.nesterov)
        case "adagrad":
            return torch.optim.Adagrad(params, lr=lr, eps=spec.eps,
                                       initial_accumulator_value=spec.initial_accumulator_value)
        case "rmsprop":
            return torch.optim.RMSprop(params, lr=lr, alpha=spec.rho, eps=spec.eps,
                                       momentum=spec.momentum, centered=spec.centered)
        case "adam":
            return torch.optim.Adam(params, lr=lr, betas=(spec.beta1, spec.beta2), eps=spec.eps,
                                    amsgrad=spec.amsgrad)
        case "adamw":
            return torch.optim.AdamW(params, lr=lr, betas=(spec.beta1, spec.beta2), eps=spec.eps,
                                     weight_decay=spec.weight_decay, amsgrad=spec.amsgrad)
    raise ValueError(f"unknown optimizer {spec.name!r}")


class TorchTrainer:
    def __init__(self, config: RunConfig, dataset: Dataset, device: str) -> None:
        torch.manual_seed(config.seed)  # dropout masks
        self.device = torch.device(device)
        self.config = config
        self.n_classes = dataset.n_classes
        self.eval_chunk = EVAL_CHUNK if config.model.type == "mlp" else IMAGE_EVAL_CHUNK
        self.model = build_model(config.model, dataset.input_shape, dataset.n_classes,
                                 config.seed).to(self.device)
        image = config.model.type in IMAGE_MODELS
        self.channels_last = image and config.training.channels_last
        self.autocast = image and config.training.precision == "bf16"
        if self.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        # MLPs take flat rows; image models (N, C, H, W) tensors
        self.splits = {
            name: (self._input(torch.from_numpy(model_input(config.model, split.x))),
                   torch.from_numpy(split.y).to(self.device))
            for name, split in dataset.splits.items()
        }
        self.optimizer = make_optimizer(config.training.optimizer, self.model.parameters())
        # the kernels l1/l2 apply to (`penalty_layers`: chosen ones only)
        self.kernels = [w for i, w in enumerate(kernel_weights(self.model))
                        if config.model.penalises(i)]
        # Shuffled on the CPU, whatever the device: a GPU run sees the CPU run's batches
        # (one small copy per epoch), so the two differ only by rounding (and dropout masks).
        self.generator = torch.Generator().manual_seed(config.seed)
        n_train = len(dataset.splits["train"])
        batch = config.training.batch_size
        self.batch_size = n_train if batch == "full" else min(batch, n_train)

    def _input(self, x: torch.Tensor) -> torch.Tensor:
        """Host inputs as the model takes them on the device (NHWC with channels_last: a batch
        indexed out of it stays NHWC)."""
        x = x.to(self.device)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def _precision(self) -> contextlib.AbstractContextManager[Any]:
        """bfloat16 autocast for forward passes with precision "bf16"; else nothing."""
        if self.autocast:
            return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _data_loss(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.config.training.loss == "mse":
            target = F.one_hot(y, logits.shape[1]).to(logits.dtype)
            return F.mse_loss(torch.softmax(logits, dim=1), target)
        return F.cross_entropy(logits, y)

    def _penalty(self) -> torch.Tensor | None:
        l1, l2 = self.config.model.l1, self.config.model.l2
        if not (l1 or l2):
            return None
        total = torch.zeros((), device=self.device)
        for w in self.kernels:
            if l1:
                total = total + l1 * w.abs().sum()
            if l2:
                total = total + l2 * w.square().sum()
        return total

    def train_epoch(self, lr: float) -> tuple[float, float]:
        loss_sum, correct = self.train_steps(lr)
        n = len(self.splits["train"][1])
        return loss_sum.item() / n, correct.item() / n  # the epoch's only host syncs

    def train_steps(self, lr: float) -> tuple[torch.Tensor, torch.Tensor]:
        """One epoch's steps, queued on the device without waiting for it: the summed data
        loss (float32) and the number of correct predictions, as device scalars."""
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.model.train()
        x, y = self.splits["train"]
        n = len(y)
        order = torch.randperm(n, generator=self.generator).to(self.device, non_blocking=True)
        loss_sum = torch.zeros((), device=self.device)
        correct = torch.zeros((), device=self.device, dtype=torch.long)
        for start in range(0, n, self.batch_size):
            index = order[start:start + self.batch_size]
            xb, yb = x[index], y[index]
            with self._precision():
                logits = self.model(xb)  # (batch, n_classes)
                data_loss = self._data_loss(logits, yb)
            penalty = self._penalty()
            loss = data_loss if penalty is None else data_loss + penalty
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            # Accumulate on the device: one host sync per epoch, not per step.
            loss_sum += data_loss.detach() * len(index)
            correct += (logits.detach().argmax(dim=1) == yb).sum()
        return loss_sum, correct

    @torch.no_grad()
    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        self.model.eval()
        step = self.eval_chunk
        with self._precision():
            logits = torch.cat([self.model(x[i:i + step]) for i in range(0, len(x), step)])
        return logits.float()  # bf16 logits: losses and probabilities in float32

    def evaluate(self, split: str) -> tuple[float, float]:
        x, y = self.splits[split]
        logits = self._logits(x)
        loss = self._data_loss(logits, y)
        accuracy = (logits.argmax(dim=1) == y).float().mean()
        return loss.item(), accuracy.item()

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        tensor = torch.from_numpy(np.ascontiguousarray(model_input(self.config.model, x),
                                                       dtype=np.float32))
        logits = self._logits(self._input(tensor))
        return torch.softmax(logits.double(), dim=1).cpu().numpy()

    def snapshot(self) -> dict[str, torch.Tensor]:
        return copy.deepcopy(self.model.state_dict())

    def restore(self, snapshot: dict[str, torch.Tensor]) -> None:
        self.model.load_state_dict(snapshot)
