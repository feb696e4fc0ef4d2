"""The fused optimizer: torch.optim's single-tensor update rules, operation for operation, on
the (K, P) parameter buffer of a fused group (`engines/fused.py`), with (K, 1) hyperparameter
columns, so that on the CPU every member's parameters get the very bits a lone run's optimizer
gives them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from reportgen.manifest import OptimizerSpec

# Optimizers whose update rules are one formula with per-member hyperparameters: adam is adamw
# with weight_decay 0, gd is sgd on the full batch.
FAMILIES = {"gd": "sgd", "sgd": "sgd", "adagrad": "adagrad", "rmsprop": "rmsprop",
            "adam": "adam", "adamw": "adam"}


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

