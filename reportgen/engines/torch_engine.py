"""The PyTorch engine: every split lives on the device as one tensor; batches are index slices.

No DataLoader: for datasets that fit in memory (every lab dataset does) slicing a device tensor
with a shuffled index is several times faster than collating Python batches.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from reportgen.data import Dataset
from reportgen.manifest import OptimizerSpec, RunConfig
from reportgen.models import build_model, kernel_weights, model_input

EVAL_CHUNK = 8192  # samples per forward pass when evaluating: bounds activation memory
IMAGE_EVAL_CHUNK = 512  # the same for CNNs and ResNets, whose activations are per pixel


def make_optimizer(spec: OptimizerSpec, params: Any) -> torch.optim.Optimizer:
    lr = spec.lr
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
        # MLPs take flat rows; image models (N, C, H, W) tensors
        self.splits = {
            name: (torch.from_numpy(model_input(config.model, split.x)).to(self.device),
                   torch.from_numpy(split.y).to(self.device))
            for name, split in dataset.splits.items()
        }
        self.optimizer = make_optimizer(config.training.optimizer, self.model.parameters())
        # the kernels l1/l2 apply to (`penalty_layers`: chosen ones only)
        self.kernels = [w for i, w in enumerate(kernel_weights(self.model))
                        if config.model.penalises(i)]
        self.generator = torch.Generator(device=self.device).manual_seed(config.seed)
        n_train = len(dataset.splits["train"])
        batch = config.training.batch_size
        self.batch_size = n_train if batch == "full" else min(batch, n_train)

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
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.model.train()
        x, y = self.splits["train"]
        n = len(y)
        order = torch.randperm(n, generator=self.generator, device=self.device)
        loss_sum = torch.zeros((), device=self.device)
        correct = torch.zeros((), device=self.device, dtype=torch.long)
        for start in range(0, n, self.batch_size):
            index = order[start:start + self.batch_size]
            xb, yb = x[index], y[index]
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
        return loss_sum.item() / n, correct.item() / n

    @torch.no_grad()
    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        self.model.eval()
        step = self.eval_chunk
        return torch.cat([self.model(x[i:i + step]) for i in range(0, len(x), step)])

    def evaluate(self, split: str) -> tuple[float, float]:
        x, y = self.splits[split]
        logits = self._logits(x)
        loss = self._data_loss(logits, y)
        accuracy = (logits.argmax(dim=1) == y).float().mean()
        return loss.item(), accuracy.item()

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        tensor = torch.from_numpy(np.ascontiguousarray(model_input(self.config.model, x),
                                                       dtype=np.float32))
        logits = self._logits(tensor.to(self.device))
        return torch.softmax(logits.double(), dim=1).cpu().numpy()

    def snapshot(self) -> dict[str, torch.Tensor]:
        return copy.deepcopy(self.model.state_dict())

    def restore(self, snapshot: dict[str, torch.Tensor]) -> None:
        self.model.load_state_dict(snapshot)
