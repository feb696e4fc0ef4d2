"""Fused training: a group of same-shaped MLP runs trained as one batched model.

The K members of a group share the dataset, the layer sizes, the batch size, the loss and the
optimizer family (`FAMILIES`); everything else may differ per member: seed (initial weights,
shuffle order, dropout masks), initialiser, activation, dropout rate, l1/l2, every optimizer
hyperparameter, schedule, epochs, early stopping, `stop_at` and `eval_every`.

Layout. Each member's parameters are one row of a (K, P) buffer: for every Dense layer its
kernel in torch's (out, in) layout, then its bias. The tensors autograd sees are (K, out, in)
and (K, out) views of that buffer; backward writes their gradients into the matching views of a
(K, P) gradient buffer (`_BatchedLinear`: no zeroing, no accumulation pass), so the optimizer,
snapshots and the removal of a finished member each work on one tensor. A layer is one
`torch.baddbmm` over the K members; `torch.func.vmap` of `grad(functional_call)` over
`stack_module_state` was measured slower per step (`python benchmarks/fused.py`, 2-core CPU:
1.2× slower for 8 × 784-512-10 at batch 32, 1.7× for 10 × 64-64-10). Each member gathers its
own shuffled batch into a (K, batch, features) input. `FusedOptimizer` (`fused_optimizer.py`)
applies torch.optim's single-tensor update rules, operation for operation, to the whole (K, P)
buffer with (K, 1) hyperparameter columns: on the CPU each parameter gets the very bits a lone
run's optimizer gives it (on a GPU torch.optim uses other, multi-tensor kernels).
(torch's one-kernel `fused=True` updates are faster on large members but round differently,
which L1 penalties, whose sign flips amplify any difference, turned into 1e-3 differences in
a 40-epoch loss.)

Callbacks. Every member has its own `training.RunCallbacks` (the very rules `training.fit`
applies to a single run), stepped once per epoch. A member that completes, early-stops, reaches
`stop_at` or diverges is finished there: its final weights (the restored best ones, if any)
leave the group with it, and the group goes on with the others, smaller (a diverged member's
non-finite values never mix with the others': every operation is per member).

Equality with one-by-one training (torch engine, same seeds): same initial weights, same
shuffles and, on the CPU, the same dropout masks (each member draws them from its own generator,
put in the state a lone run's global generator has after its model is built); the arithmetic
differs only in rounding (batched vs single GEMMs, per-member loss means, fused optimizer
kernels). Guaranteed, and asserted by tests/test_fused.py on the CPU for every optimizer
(`TOLERANCE`): the same epochs, stop reasons, best and restored epochs; losses within rtol 1e-4 /
atol 1e-5, accuracies within one sample, probabilities within 1e-4. Observed over 10 epochs: at
most 4e-7 relative on losses, identical accuracies. Rounding differences can grow in long,
chaotic trainings, as between two BLAS libraries. On a GPU, dropout masks are drawn per member
from a generator seeded with its seed, but not the stream a lone run uses: same distribution,
other masks.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from reportgen.data import Dataset
from reportgen.manifest import ModelSpec, RunConfig
from reportgen.training.engines.fused_optimizer import FAMILIES, group_optimizer
from reportgen.training.loop import FitResult, RunCallbacks
from reportgen.training.models import build_torch, layer_sizes

EVAL_CHUNK = 8192  # samples per forward pass when evaluating (as the torch engine)

# What "the same results" means, checked by tests/test_fused.py on the CPU for every optimizer.
TOLERANCE = {"loss_rtol": 1e-4, "loss_atol": 1e-5, "accuracy_samples": 1}

_ACTIVATIONS: dict[str, Callable[[torch.Tensor, float], torch.Tensor]] = {
    "relu": lambda h, _: torch.relu(h),
    "leaky_relu": lambda h, slope: F.leaky_relu(h, slope),
    "sigmoid": lambda h, _: torch.sigmoid(h),
    "tanh": lambda h, _: torch.tanh(h),
    "elu": lambda h, _: F.elu(h),
    "gelu": lambda h, _: F.gelu(h),
    "linear": lambda h, _: h,
}


def fusable(config: RunConfig) -> bool:
    """Whether a run can be trained fused: a torch MLP without batch normalisation."""
    return (config.engine == "torch" and isinstance(config.model, ModelSpec)
            and not config.model.batchnorm and config.training.optimizer.name in FAMILIES)


def activation_order(config: RunConfig) -> tuple[tuple[str, float], ...]:
    """Per hidden layer, (activation, negative slope): members with equal ones are kept side by
    side in a group, so each layer applies each activation once."""
    model = config.mlp()
    return tuple((a, model.negative_slope) for a in model.layer_activations())


# ---------------------------------------------------------------- the batched network
class _BatchedLinear(torch.autograd.Function):
    """x (K, n, in) → x·kernelᵀ + bias for K members at once (kernel (K, out, in), bias
    (K, out)): one baddbmm. Backward writes the kernel and bias gradients straight into the
    group's gradient buffer (as nn.Linear's: grad_outᵀ·x and the sum over samples) and returns
    only the input's gradient."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, kernel: torch.Tensor, bias: torch.Tensor,
                kernel_grad: torch.Tensor, bias_grad: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x, kernel)
        ctx.grads = (kernel_grad, bias_grad)
        return torch.baddbmm(bias.unsqueeze(1), x, kernel.transpose(1, 2))

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, None, None,
                                                         None, None]:
        x, kernel = ctx.saved_tensors
        kernel_grad, bias_grad = ctx.grads
        torch.bmm(grad.transpose(1, 2), x, out=kernel_grad)
        torch.sum(grad, dim=1, out=bias_grad)
        grad_x = torch.bmm(grad, kernel) if ctx.needs_input_grad[0] else None
        return grad_x, None, None, None, None


@dataclass(frozen=True)
class _Member:
    """What the batched forward pass needs to know about one member."""

    activations: tuple[tuple[str, float], ...]  # per hidden layer: (name, negative slope)
    dropouts: tuple[float, ...]  # per hidden layer


class FusedTrainer:
    """K runs of the torch engine trained as one model; members are addressed by their
    position in `configs`, and leave the group with `keep`."""

    def __init__(self, configs: Sequence[RunConfig], dataset: Dataset, device: str) -> None:
        first = configs[0]
        self.device = torch.device(device)
        if not all(fusable(config) for config in configs):
            raise ValueError("fused members need the same layer sizes (torch MLPs)")
        self.sizes = layer_sizes(first.mlp(), dataset.n_features, dataset.n_classes)
        for config in configs:
            sizes = layer_sizes(config.mlp(), dataset.n_features, dataset.n_classes)
            if sizes != self.sizes:
                raise ValueError("fused members need the same layer sizes (torch MLPs)")
        self.loss = first.training.loss
        self.ids = list(range(len(configs)))  # original positions of the members still here
        self.members = [_Member(activation_order(c), tuple(c.mlp().layer_dropouts()))
                        for c in configs]
        # per member, (l1, l2) of each weight layer: 0 where `penalty_layers` leaves it out
        n_layers = len(self.sizes) - 1
        self.penalties = [[(c.mlp().l1, c.mlp().l2) if c.mlp().penalises(i) else (0.0, 0.0)
                           for i in range(n_layers)] for c in configs]
        # (K, P) parameters from each member's own torch module: the same weights, and the
        # global RNG state a lone TorchTrainer would draw its dropout masks from.
        rows, self.generators = [], []
        wants_masks = any(p > 0 for m in self.members for p in m.dropouts)
        for config in configs:
            torch.manual_seed(config.seed)
            model = build_torch(config.mlp(), dataset.n_features, dataset.n_classes, config.seed)
            rows.append(torch.cat([p.detach().reshape(-1) for p in model.parameters()]))
            if wants_masks:
                self.generators.append(self._mask_generator(config.seed))
        self.params = torch.stack(rows).to(self.device)
        self.grads = torch.zeros_like(self.params)
        self.optimizer = group_optimizer([c.training.optimizer for c in configs], self.params)
        # on the CPU whatever the device, as TorchTrainer's: a lone run's batches
        self.shuffles = [torch.Generator().manual_seed(c.seed) for c in configs]
        self.splits = {
            name: (torch.from_numpy(split.x.reshape(len(split), -1)).to(self.device),
                   torch.from_numpy(split.y).to(self.device))
            for name, split in dataset.splits.items()
        }
        n_train = len(dataset.splits["train"])
        batch = first.training.batch_size
        self.batch_size = n_train if batch == "full" else min(batch, n_train)
        self._bind()

    def _mask_generator(self, seed: int) -> torch.Generator:
        generator = torch.Generator(device=self.device)
        if self.device.type == "cpu":
            generator.set_state(torch.get_rng_state())
        else:
            generator.manual_seed(seed)
        return generator

    # -- layout
    def _views(self, flat: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """(kernel (K, out, in), bias (K, out)) views of a (K, P) buffer, per Dense layer."""
        out, offset = [], 0
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            kernel = flat[:, offset:offset + fan_in * fan_out].view(-1, fan_out, fan_in)
            offset += fan_in * fan_out
            out.append((kernel, flat[:, offset:offset + fan_out]))
            offset += fan_out
        return out

    def _bind(self) -> None:
        """Per Dense layer: (kernel, bias) views of the parameters, marked as needing gradients
        so autograd runs backward through them, and the matching views of the gradient
        buffer, which `_BatchedLinear.backward` writes into."""
        self.layers = [(kernel.detach().requires_grad_(), bias.detach().requires_grad_())
                       for kernel, bias in self._views(self.params)]
        self.layer_grads = self._views(self.grads)
        # per hidden layer, each member's 1/(1−p) as a (K, 1, 1) column; None: no dropout
        self.dropout_scales = [
            torch.tensor([1 / (1 - m.dropouts[i]) for m in self.members],
                         device=self.device).view(-1, 1, 1)
            if any(m.dropouts[i] for m in self.members) else None
            for i in range(len(self.sizes) - 2)]
        # (K, layers) coefficients
        self.l1 = torch.tensor([[p[0] for p in m] for m in self.penalties], device=self.device)
        self.l2 = torch.tensor([[p[1] for p in m] for m in self.penalties], device=self.device)
        self.penalised = any(l1 or l2 for m in self.penalties for l1, l2 in m)

    @property
    def size(self) -> int:
        return len(self.ids)

    def keep(self, positions: Sequence[int]) -> None:
        """Keep only the members at `positions` (indices into the current group)."""
        rows = torch.tensor(positions, dtype=torch.long, device=self.device)
        self.params, self.grads = self.params[rows], torch.zeros_like(self.params[rows])
        self.optimizer.keep(positions)
        for name in ("ids", "members", "penalties", "shuffles"):
            setattr(self, name, [getattr(self, name)[i] for i in positions])
        if self.generators:
            self.generators = [self.generators[i] for i in positions]
        self._bind()

    # -- forward
    def _hidden(self, layer: int, h: torch.Tensor, members: Sequence[_Member],
                generators: Sequence[torch.Generator] | None) -> torch.Tensor:
        """Activation (members with equal ones in runs of the K axis) and, while training,
        dropout with each member's own rate and generator. `h` is (K, n, units)."""
        keys = [m.activations[layer] for m in members]
        if all(key == keys[0] for key in keys):
            h = _ACTIVATIONS[keys[0][0]](h, keys[0][1])
        else:
            parts, start = [], 0
            for end in range(1, len(keys) + 1):
                if end == len(keys) or keys[end] != keys[start]:
                    parts.append(_ACTIVATIONS[keys[start][0]](h[start:end], keys[start][1]))
                    start = end
            h = torch.cat(parts)
        scale = self.dropout_scales[layer]
        if generators is None or scale is None:
            return h
        mask = torch.empty_like(h)
        for k, (member, generator) in enumerate(zip(members, generators, strict=True)):
            if member.dropouts[layer] > 0:
                mask[k].bernoulli_(1 - member.dropouts[layer], generator=generator)
            else:
                mask[k].fill_(1)
        return h * mask * scale  # as F.dropout: x·mask·1/(1−p)

    def _train_logits(self, x: torch.Tensor) -> torch.Tensor:
        """(K, batch, features) → (K, batch, n_classes), with dropout."""
        h = x
        last = len(self.layers) - 1
        for i, ((kernel, bias), grads) in enumerate(zip(self.layers, self.layer_grads,
                                                        strict=True)):
            h = _BatchedLinear.apply(h, kernel, bias, *grads)
            if i < last:
                h = self._hidden(i, h, self.members, self.generators or None)
        return h

    @torch.no_grad()
    def _eval_logits(self, flat: torch.Tensor, members: Sequence[_Member],
                     x: torch.Tensor) -> torch.Tensor:
        """Logits (K', n, n_classes) of the members whose parameters are the rows of `flat`,
        on inputs (n, features) they share, in chunks; no dropout."""
        layers = self._views(flat)
        kernel, bias = layers[0]
        k, fan_out, fan_in = kernel.shape
        # Shared inputs: the first layer of all members is one (n, K'·out) product.
        first, first_bias = kernel.reshape(k * fan_out, fan_in).t(), bias.reshape(-1)
        chunks = []
        for start in range(0, len(x), EVAL_CHUNK):
            h = torch.addmm(first_bias, x[start:start + EVAL_CHUNK], first)
            h = h.view(-1, k, fan_out).transpose(0, 1)
            for i, (kernel, bias) in enumerate(layers[1:]):
                h = self._hidden(i, h, members, None)
                h = torch.baddbmm(bias.unsqueeze(1), h, kernel.transpose(1, 2))
            chunks.append(h)
        return torch.cat(chunks, dim=1)

    def _losses(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean data loss per member, (K,), for logits (K, n, C) and labels (K, n) or (n,)."""
        k, n, c = logits.shape
        y = y.expand(k, n)
        if self.loss == "mse":
            target = F.one_hot(y, c).to(logits.dtype)
            return F.mse_loss(torch.softmax(logits, dim=2), target,
                              reduction="none").mean(dim=(1, 2))
        return F.cross_entropy(logits.reshape(k * n, c), y.reshape(-1),
                               reduction="none").view(k, n).mean(dim=1)

    @torch.no_grad()
    def _add_penalty_gradients(self) -> None:
        """d(l1·Σ|W| + l2·ΣW²)/dW = l1·sign(W) + 2·l2·W, added to each kernel's gradient (the
        autograd gradient of TorchTrainer's penalty term; biases are not penalised)."""
        pairs = zip(self.layers, self.layer_grads, strict=True)
        for i, ((kernel, _), (kernel_grad, _)) in enumerate(pairs):
            l1, l2 = self.l1[:, i].view(-1, 1, 1), self.l2[:, i].view(-1, 1, 1)
            kernel_grad.add_(kernel.sign() * l1 + kernel * (2 * l2))

    # -- the Trainer protocol, per member
    def train_epoch(self, lrs: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """One epoch; `lrs` per member. Mean data loss and accuracy per member, (K,) each."""
        self.optimizer.set_lr(lrs)
        x, y = self.splits["train"]
        n = len(y)
        orders = torch.stack([torch.randperm(n, generator=g) for g in self.shuffles]).to(
            self.device, non_blocking=True)  # (K, n): each member its own order
        loss_sum = torch.zeros(self.size, device=self.device)
        correct = torch.zeros(self.size, device=self.device, dtype=torch.long)
        for start in range(0, n, self.batch_size):
            index = orders[:, start:start + self.batch_size]  # (K, batch)
            xb, yb = x[index], y[index]  # (K, batch, features), (K, batch)
            logits = self._train_logits(xb)
            data_loss = self._losses(logits, yb)
            # Summed over members: each member's gradient is that of its own loss. Backward
            # writes every parameter's gradient (no zeroing needed).
            data_loss.sum().backward()
            if self.penalised:
                self._add_penalty_gradients()
            self.optimizer.step(self.params, self.grads)
            loss_sum += data_loss.detach() * index.shape[1]
            correct += (logits.detach().argmax(dim=2) == yb).sum(dim=1)
        # as TorchTrainer: float32 sums, divided in float64
        return (loss_sum.double() / n).cpu().numpy(), (correct.double() / n).cpu().numpy()

    def evaluate(self, split: str, positions: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Mean data loss and accuracy on a split for the members at `positions`."""
        x, y = self.splits[split]
        rows = torch.tensor(positions, dtype=torch.long, device=self.device)
        logits = self._eval_logits(self.params[rows], [self.members[i] for i in positions], x)
        losses = self._losses(logits, y)
        accuracy = (logits.argmax(dim=2) == y).float().mean(dim=1)
        return losses.cpu().numpy(), accuracy.cpu().numpy()

    def snapshot(self, position: int) -> torch.Tensor:
        return self.params[position].clone()

    def predictor(self, position: int, weights: torch.Tensor | None = None) -> FusedMember:
        """A finished member's model: its (restored) weights, detached from the group."""
        flat = self.params[position].clone() if weights is None else weights
        return FusedMember(self, flat, self.members[position])


class FusedMember:
    """One member's final weights; predicts like TorchTrainer.predict_proba."""

    def __init__(self, group: FusedTrainer, flat: torch.Tensor, member: _Member) -> None:
        self.group, self.flat, self.member = group, flat.unsqueeze(0), member

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        tensor = torch.from_numpy(np.ascontiguousarray(x.reshape(len(x), -1), dtype=np.float32))
        logits = self.group._eval_logits(self.flat, [self.member], tensor.to(self.flat.device))
        return torch.softmax(logits[0].double(), dim=1).cpu().numpy()


# ---------------------------------------------------------------- the epoch loop of a group
@dataclass(frozen=True)
class MemberResult:
    index: int  # position of the run in the configs given to `train_group`
    result: FitResult
    model: FusedMember
    train_seconds: float  # its share of the group's time (each epoch's time / members then)


def train_group(configs: Sequence[RunConfig], dataset: Dataset, device: str,
                on_member: Callable[[MemberResult], None],
                on_epoch: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Train `configs` as one fused model; `on_member` receives each run as it finishes.

    Each member's history rows, stop reason, best epoch and restored weights follow the rules of
    `training.fit` (one `RunCallbacks` per member); a row's `seconds` is the epoch's time
    divided among the members that trained in it.
    """
    for _ in group_epochs(configs, dataset, device, on_member, on_epoch):
        pass


def group_epochs(configs: Sequence[RunConfig], dataset: Dataset, device: str,
                 on_member: Callable[[MemberResult], None],
                 on_epoch: Callable[[dict[str, Any]], None] | None = None) -> Iterator[int]:
    """`train_group`, one epoch per step of the iteration (yields the 0-based epoch done)."""
    trainer = FusedTrainer(configs, dataset, device)
    has_val = "val" in dataset.splits
    runs = [RunCallbacks(c.training, has_val) for c in configs]
    shares = [0.0] * len(configs)
    epoch = 0
    while trainer.size:
        started = time.perf_counter()
        ids = list(trainer.ids)
        lrs = [runs[i].learning_rate(epoch) for i in ids]
        losses, accuracies = trainer.train_epoch(lrs)
        wanted = [p for p, i in enumerate(ids)
                  if math.isfinite(losses[p]) and runs[i].evaluates(epoch)]
        val: dict[int, tuple[float, float]] = {}
        if wanted:
            val_losses, val_accuracies = trainer.evaluate("val", wanted)
            val = {p: (float(val_losses[j]), float(val_accuracies[j]))
                   for j, p in enumerate(wanted)}
        share = (time.perf_counter() - started) / len(ids)
        finished = []
        for p, i in enumerate(ids):
            run = runs[i]
            row = run.end_epoch(epoch, lrs[p], (float(losses[p]), float(accuracies[p])),
                                val.get(p), share)
            shares[i] += share
            if on_epoch is not None and p == 0:
                on_epoch(row)
            if run.check(functools.partial(trainer.snapshot, p)):
                finished.append(p)
        for p in finished:
            i = ids[p]
            model = trainer.predictor(p, runs[i].best_snapshot)
            on_member(MemberResult(i, runs[i].result(), model, shares[i]))
        if finished:
            trainer.keep([p for p in range(len(ids)) if p not in finished])
        yield epoch
        epoch += 1
