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
own shuffled batch into a (K, batch, features) input. `FusedOptimizer` applies torch.optim's
single-tensor update rules, operation for operation, to the whole (K, P) buffer with (K, 1)
hyperparameter columns: on the CPU each parameter gets the very bits a lone run's optimizer
gives it (on a GPU torch.optim uses other, multi-tensor kernels).
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

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from reportgen.data import Dataset
from reportgen.manifest import OptimizerSpec, RunConfig
from reportgen.models import build_torch, layer_sizes
from reportgen.training import FitResult, RunCallbacks

EVAL_CHUNK = 8192  # samples per forward pass when evaluating (as the torch engine)

# Optimizers whose update rules are one formula with per-member hyperparameters: adam is adamw
# with weight_decay 0, gd is sgd on the full batch.
FAMILIES = {"gd": "sgd", "sgd": "sgd", "adagrad": "adagrad", "rmsprop": "rmsprop",
            "adam": "adam", "adamw": "adam"}

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
    model = config.model
    return (config.engine == "torch" and getattr(model, "type", "mlp") == "mlp"
            and not model.batchnorm and config.training.optimizer.name in FAMILIES)


def activation_order(config: RunConfig) -> tuple[tuple[str, float], ...]:
    """Per hidden layer, (activation, negative slope): members with equal ones are kept side by
    side in a group, so each layer applies each activation once."""
    model = config.model
    return tuple((a, model.negative_slope) for a in model.layer_activations())


# ---------------------------------------------------------------- optimizers
# Cached columns that depend on the learning rates, rebuilt by `set_lr` each epoch.
LR_COLUMNS = ("lr", "neg_lr", "decay", "betas")

# On the CPU, column updates run over blocks of members of about this many parameters, so that
# a block's parameters, gradients and state stay in cache across the ~10 passes of an update
# (2-core EPYC, Adam on 8 × 407,050 parameters: 5.9 ms a step in one block, 2.9 ms in blocks
# of two members; torch.optim on each member alone: 2.5 ms in all).
CPU_BLOCK = 1 << 20


class FusedOptimizer:
    """torch.optim's single-tensor update rules, operation for operation, on a (K, P) buffer of
    K members' parameters, each with its own hyperparameters: on the CPU every parameter gets
    the bits a lone run's optimizer gives it (tests/test_fused.py checks it for every
    optimizer)."""

    def __init__(self, specs: Sequence[OptimizerSpec], params: torch.Tensor) -> None:
        self.family = FAMILIES[specs[0].name]
        self.device = params.device
        # float64 on the host: the Python floats torch.optim computes its factors in
        self.hyper = {name: np.array([float(getattr(s, name)) for s in specs])
                      for name in ("lr", "momentum", "beta1", "beta2", "eps", "rho",
                                   "weight_decay", "initial_accumulator_value")}
        self.hyper["weight_decay"] *= np.array([s.name == "adamw" for s in specs])
        self.flags = {name: np.array([bool(getattr(s, name)) for s in specs])
                      for name in ("nesterov", "centered", "amsgrad")}
        self.steps = 0
        self.state: dict[str, torch.Tensor] = {}
        self.columns: dict[str, torch.Tensor] = {}  # (K, 1) device copies, made on first use

    def set_lr(self, lrs: Sequence[float]) -> None:
        self.hyper["lr"] = np.array(lrs, dtype=np.float64)
        self._refresh(LR_COLUMNS)

    def keep(self, positions: Sequence[int]) -> None:
        """Keep only the members at `positions` (a finished member leaves the group)."""
        rows = torch.tensor(positions, dtype=torch.long, device=self.device)
        self.hyper = {k: v[list(positions)] for k, v in self.hyper.items()}
        self.flags = {k: v[list(positions)] for k, v in self.flags.items()}
        self.state = {k: v[rows] for k, v in self.state.items()}
        self._refresh(None)

    def _refresh(self, names: Sequence[str] | None) -> None:
        """Rebuild the cached columns in `names` (None: all) from the current hyperparameters,
        now, between epochs: host-to-device copies never happen inside an epoch's steps (the
        steps only ask for columns a previous epoch already made)."""
        stale = [name for name in self.columns if names is None or name in names]
        for name in stale:
            del self.columns[name]
        for name in stale:
            if name == "betas":
                self._betas()
            else:
                self.column(name)

    def _any(self, name: str) -> bool:
        return bool(np.any(self.hyper[name] if name in self.hyper else self.flags[name]))

    def values(self, name: str) -> np.ndarray:
        """(K,) host values of a hyperparameter, a flag or a factor derived from them."""
        h, t = self.hyper, self.steps
        match name:
            case "neg_lr":
                return -h["lr"]
            case "one_minus_rho" | "one_minus_beta1" | "one_minus_beta2":
                return 1 - h[name.removeprefix("one_minus_")]
            case "decay":  # adamw: 1 - lr·weight_decay
                return 1 - h["lr"] * h["weight_decay"]
            case "neg_step_size":  # adam: -lr / (1 - beta1^t), in Python floats as torch.optim
                return np.array([-(lr / (1 - b1**t))
                                 for lr, b1 in zip(h["lr"], h["beta1"], strict=True)])
            case "bias_correction2_sqrt":  # adam: (1 - beta2^t) ** 0.5
                return np.array([(1 - b2**t) ** 0.5 for b2 in h["beta2"]])
        return h[name] if name in h else self.flags[name]

    def column(self, name: str) -> torch.Tensor:
        """`values(name)` as a (K, 1) float32 (or bool) column on the device; per-step factors
        are made afresh, the others cached until the learning rates change."""
        if name in self.columns:
            return self.columns[name]
        if self.device.type != "cpu" and name in ("neg_step_size", "bias_correction2_sqrt"):
            column = self._device_factor(name)  # a host copy each step would wait for the GPU
        else:
            values = self.values(name)
            dtype = np.bool_ if values.dtype == np.bool_ else np.float32
            column = torch.from_numpy(np.ascontiguousarray(values, dtype=dtype)[:, None])
            column = column.to(self.device, non_blocking=True)
        if name not in ("neg_step_size", "bias_correction2_sqrt"):
            self.columns[name] = column
        return column

    def _betas(self) -> torch.Tensor:
        """(3, K) float64 beta1, beta2 and -lr on the device, for `_device_factor`."""
        if "betas" not in self.columns:
            h = self.hyper
            self.columns["betas"] = torch.from_numpy(np.stack(
                [h["beta1"], h["beta2"], -h["lr"]])).to(self.device)
        return self.columns["betas"]

    def _device_factor(self, name: str) -> torch.Tensor:
        beta1, beta2, neg_lr = self._betas()
        t = self.steps
        factor = neg_lr / (1 - beta1**t) if name == "neg_step_size" else (1 - beta2**t) ** 0.5
        return factor.to(torch.float32).unsqueeze(1)

    @torch.no_grad()
    def step(self, p: torch.Tensor, g: torch.Tensor) -> None:
        """One update of the (K, P) parameters `p` with gradients `g`."""
        self.steps += 1
        if not self.state:
            self._init_state(p)
        update = getattr(self, f"_{self.family}")
        k, size = p.shape
        block = k if self.device.type != "cpu" else max(1, CPU_BLOCK // size)
        for start in range(0, k, block):
            rows = slice(start, min(start + block, k))
            update(p[rows], g[rows], {name: s[rows] for name, s in self.state.items()},
                   _Block(self, rows))

    def _init_state(self, p: torch.Tensor) -> None:
        """Zeroed state (torch.optim's first steps then give the same values: a momentum
        buffer of 0·m + g is g), and Adagrad's initial accumulator."""
        names = {"sgd": ["momentum_buffer"] * self._any("momentum"),
                 "adagrad": ["sum"],
                 "rmsprop": ["square_avg"] + ["grad_avg"] * self._any("centered")
                 + ["momentum_buffer"] * self._any("momentum"),
                 "adam": ["exp_avg", "exp_avg_sq"] + ["max_exp_avg_sq"] * self._any("amsgrad")}
        for name in names[self.family]:
            self.state[name] = torch.zeros_like(p)
        if self.family == "adagrad":
            self.state["sum"] += self.column("initial_accumulator_value")

    # Each rule updates a block of members (`b`): p, g and state are (k, P); the comments give
    # the torch.optim operation each line reproduces (b's methods take its Python-float
    # argument per member).
    def _sgd(self, p: torch.Tensor, g: torch.Tensor, s: dict[str, torch.Tensor],
             b: _Block) -> None:
        if "momentum_buffer" in s:  # a member without momentum: buf = 0·buf + g = g
            buf = s["momentum_buffer"]
            b.mul_(buf, "momentum").add_(g)  # buf.mul_(momentum).add_(grad)
            if b.all("nesterov"):
                g = b.add(g, buf, "momentum")  # grad.add(buf, alpha=momentum)
            elif b.any("nesterov"):
                g = torch.where(b.flag("nesterov"), b.add(g, buf, "momentum"), buf)
            else:
                g = buf
        b.add_(p, g, "neg_lr")  # param.add_(grad, alpha=-lr)

    def _adagrad(self, p: torch.Tensor, g: torch.Tensor, s: dict[str, torch.Tensor],
                 b: _Block) -> None:
        s["sum"].addcmul_(g, g, value=1)
        std = b.add_eps(s["sum"].sqrt())  # state_sum.sqrt().add_(eps)
        b.addcdiv_(p, g, std, "neg_lr")  # param.addcdiv_(grad, std, value=-clr)

    def _rmsprop(self, p: torch.Tensor, g: torch.Tensor, s: dict[str, torch.Tensor],
                 b: _Block) -> None:
        square_avg = s["square_avg"]
        b.mul_(square_avg, "rho")  # square_avg.mul_(alpha).addcmul_(grad, grad, value=1-alpha)
        b.addcmul_(square_avg, g, g, "one_minus_rho")
        if "grad_avg" in s:
            b.lerp_(s["grad_avg"], g, "one_minus_rho")  # grad_avg.lerp_(grad, 1 - alpha)
            centered = square_avg.addcmul(s["grad_avg"], s["grad_avg"], value=-1).sqrt_()
            avg = centered if b.all("centered") else \
                torch.where(b.flag("centered"), centered, square_avg.sqrt())
        else:
            avg = square_avg.sqrt()
        avg = b.add_eps(avg)  # avg.add_(eps)
        if "momentum_buffer" not in s:
            b.addcdiv_(p, g, avg, "neg_lr")  # param.addcdiv_(grad, avg, value=-lr)
            return
        buf = s["momentum_buffer"]
        b.mul_(buf, "momentum").addcdiv_(g, avg)  # buf.mul_(momentum).addcdiv_(grad, avg)
        if b.all("momentum"):
            b.add_(p, buf, "neg_lr")  # param.add_(buf, alpha=-lr)
        else:  # those without momentum as torch updates them: not through buf
            moved = b.add_(p.clone(), buf, "neg_lr")
            b.addcdiv_(p, g, avg, "neg_lr")
            p.copy_(torch.where(b.flag("momentum"), moved, p))

    def _adam(self, p: torch.Tensor, g: torch.Tensor, s: dict[str, torch.Tensor],
              b: _Block) -> None:
        if b.any("weight_decay"):  # adamw: param.mul_(1 - lr * weight_decay)
            b.mul_(p, "decay")
        exp_avg, exp_avg_sq = s["exp_avg"], s["exp_avg_sq"]
        b.lerp_(exp_avg, g, "one_minus_beta1")  # exp_avg.lerp_(grad, 1 - beta1)
        b.mul_(exp_avg_sq, "beta2")  # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
        b.addcmul_(exp_avg_sq, g, g, "one_minus_beta2")
        second = exp_avg_sq
        if "max_exp_avg_sq" in s:
            top = s["max_exp_avg_sq"]
            torch.maximum(top, exp_avg_sq, out=top)
            second = top if b.all("amsgrad") else \
                torch.where(b.flag("amsgrad"), top, exp_avg_sq)
        # denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
        denom = b.add_eps(b.div(second.sqrt(), "bias_correction2_sqrt"))
        b.addcdiv_(p, exp_avg, denom, "neg_step_size")  # addcdiv_(.., value=-step_size)


class _Block:
    """A block of members' hyperparameters for the update rules. Where all members of the block
    share a value, torch's own operation runs with it as a Python float; otherwise a (k, 1)
    float32 column stands in, in a form that rounds as the scalar kernels do (checked bit for
    bit), or, for large members, torch's operation runs member by member."""

    def __init__(self, optimizer: FusedOptimizer, rows: slice) -> None:
        self.optimizer, self.rows = optimizer, rows
        self.size = rows.stop - rows.start

    def _values(self, name: str) -> np.ndarray:
        return self.optimizer.values(name)[self.rows]

    def scalar(self, name: str) -> float | None:
        values = self._values(name)
        return float(values[0]) if bool(np.all(values == values[0])) else None

    def _column(self, name: str) -> torch.Tensor:
        return self.optimizer.column(name)[self.rows]

    def any(self, name: str) -> bool:
        return bool(np.any(self._values(name)))

    def all(self, name: str) -> bool:
        return bool(np.all(self._values(name)))

    def flag(self, name: str) -> torch.Tensor:
        """(k, 1) booleans: the members whose `name` is set (a flag, or a non-zero value)."""
        column = self._column(name)
        return column if column.dtype == torch.bool else column != 0

    def mul_(self, t: torch.Tensor, name: str) -> torch.Tensor:
        value = self.scalar(name)
        return t.mul_(self._column(name) if value is None else value)

    def div(self, t: torch.Tensor, name: str) -> torch.Tensor:
        value = self.scalar(name)
        return t / (self._column(name) if value is None else value)

    def add_eps(self, t: torch.Tensor) -> torch.Tensor:
        value = self.scalar("eps")
        return t.add_(self._column("eps") if value is None else value)

    def add(self, t: torch.Tensor, other: torch.Tensor, name: str) -> torch.Tensor:
        """t + value·other: torch's t.add(other, alpha=value)."""
        value = self.scalar(name)
        return t.add(other, alpha=value) if value is not None else \
            t.addcmul(other, self._column(name))

    def add_(self, t: torch.Tensor, other: torch.Tensor, name: str) -> torch.Tensor:
        """t += value·other: torch's t.add_(other, alpha=value)."""
        value = self.scalar(name)
        return t.add_(other, alpha=value) if value is not None else \
            t.addcmul_(other, self._column(name))

    def addcmul_(self, t: torch.Tensor, t1: torch.Tensor, t2: torch.Tensor,
                 name: str) -> torch.Tensor:
        """t += value·t1·t2: torch's t.addcmul_(t1, t2, value=value)."""
        value = self.scalar(name)
        return t.addcmul_(t1, t2, value=value) if value is not None else \
            t.addcmul_(t1 * self._column(name), t2)

    def addcdiv_(self, t: torch.Tensor, t1: torch.Tensor, t2: torch.Tensor,
                 name: str) -> torch.Tensor:
        """t += value·t1/t2: torch's t.addcdiv_(t1, t2, value=value)."""
        value = self.scalar(name)
        if value is not None:
            return t.addcdiv_(t1, t2, value=value)
        if t.shape[1] >= ROW_BY_ROW:  # one scalar call per member beats a scaled copy of t1
            for row, scale in enumerate(self._values(name)):
                t[row].addcdiv_(t1[row], t2[row], value=float(scale))
            return t
        return t.addcdiv_(t1 * self._column(name), t2)

    def lerp_(self, t: torch.Tensor, end: torch.Tensor, name: str) -> torch.Tensor:
        """torch's t.lerp_(end, weight)."""
        value = self.scalar(name)
        return t.lerp_(end, value if value is not None else self._column(name).expand_as(t))


# Members of at least this many parameters take `addcdiv_` one scalar call per member when
# their values differ (Adam's step size in a learning-rate sweep): 8 × 407,050 parameters,
# 0.37 ms a step against 0.81 ms for the scaled copy (2-core EPYC).
ROW_BY_ROW = 65_536


def group_optimizer(specs: Sequence[OptimizerSpec], params: torch.Tensor) -> FusedOptimizer:
    families = {FAMILIES[s.name] for s in specs}
    if len(families) != 1:
        raise ValueError(f"one optimizer family per group, got {sorted(families)}")
    return FusedOptimizer(specs, params)


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
        self.sizes = layer_sizes(first.model, dataset.n_features, dataset.n_classes)
        for config in configs:
            sizes = layer_sizes(config.model, dataset.n_features, dataset.n_classes)
            if not fusable(config) or sizes != self.sizes:
                raise ValueError("fused members need the same layer sizes (torch MLPs)")
        self.loss = first.training.loss
        self.ids = list(range(len(configs)))  # original positions of the members still here
        self.members = [_Member(activation_order(c), tuple(c.model.layer_dropouts()))
                        for c in configs]
        # per member, (l1, l2) of each weight layer: 0 where `penalty_layers` leaves it out
        n_layers = len(self.sizes) - 1
        self.penalties = [[(c.model.l1, c.model.l2) if c.model.penalises(i) else (0.0, 0.0)
                           for i in range(n_layers)] for c in configs]
        # (K, P) parameters from each member's own torch module: the same weights, and the
        # global RNG state a lone TorchTrainer would draw its dropout masks from.
        rows, self.generators = [], []
        wants_masks = any(p > 0 for m in self.members for p in m.dropouts)
        for config in configs:
            torch.manual_seed(config.seed)
            model = build_torch(config.model, dataset.n_features, dataset.n_classes, config.seed)
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
        if generators is None or self.dropout_scales[layer] is None:
            return h
        mask = torch.empty_like(h)
        for k, (member, generator) in enumerate(zip(members, generators, strict=True)):
            if member.dropouts[layer] > 0:
                mask[k].bernoulli_(1 - member.dropouts[layer], generator=generator)
            else:
                mask[k].fill_(1)
        return h * mask * self.dropout_scales[layer]  # as F.dropout: x·mask·1/(1−p)

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
            if run.check(lambda p=p: trainer.snapshot(p)):
                finished.append(p)
        for p in finished:
            i = ids[p]
            model = trainer.predictor(p, runs[i].best_snapshot)
            on_member(MemberResult(i, runs[i].result(), model, shares[i]))
        if finished:
            trainer.keep([p for p in range(len(ids)) if p not in finished])
        yield epoch
        epoch += 1
