"""Optimizers with torch.optim's update formulas, step for step.

Each holds the parameter arrays it updates (in place) and one state entry per parameter, like
torch.optim; `step(grads, lr)` takes the learning rate of the current epoch from the schedule.
The `eps` placements differ between optimizers and follow torch's, not the papers'.
"""

from __future__ import annotations

import math

import numpy as np

from reportgen.manifest import OptimizerSpec


class Optimizer:
    def __init__(self, params: list[np.ndarray]) -> None:
        self.params = params
        self.steps = 0
        # One scratch array per parameter: the updates below allocate nothing per step.
        self.scratch = [np.empty_like(p) for p in params]

    def step(self, grads: list[np.ndarray], lr: float) -> None:
        self.steps += 1
        for i, (param, grad) in enumerate(zip(self.params, grads, strict=True)):
            self.update(i, param, grad, lr)

    def update(self, i: int, param: np.ndarray, grad: np.ndarray, lr: float) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """θ ← θ − lr·d, with d = g, or with momentum μ the buffer b ← μ b + g (b = g on the first
    step) and d = b, or d = g + μ b with Nesterov. "gd" is this on the full batch."""

    def __init__(self, params: list[np.ndarray], momentum: float = 0.0,
                 nesterov: bool = False) -> None:
        super().__init__(params)
        self.momentum, self.nesterov = momentum, nesterov
        self.buffers: list[np.ndarray | None] = [None] * len(params)

    def update(self, i: int, param: np.ndarray, grad: np.ndarray, lr: float) -> None:
        tmp, direction = self.scratch[i], grad
        if self.momentum:
            buffer = self.buffers[i]
            if buffer is None:
                buffer = self.buffers[i] = grad.copy()
            else:
                buffer *= self.momentum
                buffer += grad
            direction = buffer
            if self.nesterov:
                direction = np.multiply(buffer, self.momentum, out=tmp)
                direction += grad
        param -= np.multiply(direction, lr, out=tmp)


class Adagrad(Optimizer):
    """s ← s + g²;  θ ← θ − lr·g / (√s + eps), s starting at `initial_accumulator_value`."""

    def __init__(self, params: list[np.ndarray], eps: float = 1e-7,
                 initial_accumulator_value: float = 0.1) -> None:
        super().__init__(params)
        self.eps = eps
        self.sums = [np.full_like(p, initial_accumulator_value) for p in params]

    def update(self, i: int, param: np.ndarray, grad: np.ndarray, lr: float) -> None:
        total, tmp = self.sums[i], self.scratch[i]
        total += np.multiply(grad, grad, out=tmp)
        np.sqrt(total, out=tmp)
        tmp += self.eps
        np.divide(grad, tmp, out=tmp)
        tmp *= lr
        param -= tmp


class RMSprop(Optimizer):
    """v ← ρ v + (1 − ρ) g²;  θ ← θ − lr·g / (√v + eps). Centered subtracts the squared mean
    gradient from v first; momentum μ accumulates b ← μ b + g / (√v + eps), θ ← θ − lr·b."""

    def __init__(self, params: list[np.ndarray], rho: float = 0.9, eps: float = 1e-7,
                 momentum: float = 0.0, centered: bool = False) -> None:
        super().__init__(params)
        self.rho, self.eps, self.momentum, self.centered = rho, eps, momentum, centered
        self.square_avgs = [np.zeros_like(p) for p in params]
        self.grad_avgs = [np.zeros_like(p) for p in params] if centered else []
        self.buffers = [np.zeros_like(p) for p in params] if momentum else []

    def update(self, i: int, param: np.ndarray, grad: np.ndarray, lr: float) -> None:
        square_avg, tmp = self.square_avgs[i], self.scratch[i]
        square_avg *= self.rho
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - self.rho
        square_avg += tmp
        if self.centered:
            grad_avg = self.grad_avgs[i]
            np.subtract(grad, grad_avg, out=tmp)
            tmp *= 1 - self.rho
            grad_avg += tmp  # = ρ ḡ + (1 − ρ) g, as torch's lerp
            np.multiply(grad_avg, grad_avg, out=tmp)
            np.subtract(square_avg, tmp, out=tmp)
            np.sqrt(tmp, out=tmp)
        else:
            np.sqrt(square_avg, out=tmp)
        tmp += self.eps
        np.divide(grad, tmp, out=tmp)  # g / (√v + eps)
        if self.momentum:
            buffer = self.buffers[i]
            buffer *= self.momentum
            buffer += tmp
            np.multiply(buffer, lr, out=tmp)
        else:
            tmp *= lr
        param -= tmp


class Adam(Optimizer):
    """m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²;
    θ ← θ − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps).

    torch adds eps to the bias-corrected √v̂, as the paper does (Keras adds it to the
    uncorrected √v, which matters only in the first steps).
    AMSGrad divides by the running maximum of v instead of v.
    """

    def __init__(self, params: list[np.ndarray], beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-7, amsgrad: bool = False) -> None:
        super().__init__(params)
        self.beta1, self.beta2, self.eps, self.amsgrad = beta1, beta2, eps, amsgrad
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.v_max = [np.zeros_like(p) for p in params] if amsgrad else []

    def update(self, i: int, param: np.ndarray, grad: np.ndarray, lr: float) -> None:
        m, v, tmp = self.m[i], self.v[i], self.scratch[i]
        np.subtract(grad, m, out=tmp)
        tmp *= 1 - self.beta1
        m += tmp  # = β1 m + (1 − β1) g, as torch's lerp
        v *= self.beta2
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - self.beta2
        v += tmp
        if self.amsgrad:
            v = np.maximum(self.v_max[i], v, out=self.v_max[i])
        np.sqrt(v, out=tmp)
        tmp *= 1 / math.sqrt(1 - self.beta2**self.steps)
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= lr / (1 - self.beta1**self.steps)
        param -= tmp


class AdamW(Adam):
    """Adam with decoupled weight decay: θ ← θ (1 − lr·λ) before the Adam step."""

    def __init__(self, params: list[np.ndarray], weight_decay: float = 0.0, beta1: float = 0.9,
                 beta2: float = 0.999, eps: float = 1e-7, amsgrad: bool = False) -> None:
        super().__init__(params, beta1=beta1, beta2=beta2, eps=eps, amsgrad=amsgrad)
        self.weight_decay = weight_decay

    def update(self, i: int, param: np.ndarray, grad: np.ndarray, lr: float) -> None:
        if self.weight_decay:
            param *= 1 - lr * self.weight_decay
        super().update(i, param, grad, lr)


def make_optimizer(spec: OptimizerSpec, params: list[np.ndarray]) -> Optimizer:
    """The optimizer the torch engine builds for `spec` (torch_engine.make_optimizer)."""
    match spec.name:
        case "gd" | "sgd":
            return SGD(params, momentum=spec.momentum, nesterov=spec.nesterov)
        case "adagrad":
            return Adagrad(params, eps=spec.eps,
                           initial_accumulator_value=spec.initial_accumulator_value)
        case "rmsprop":
            return RMSprop(params, rho=spec.rho, eps=spec.eps, momentum=spec.momentum,
                           centered=spec.centered)
        case "adam":
            return Adam(params, beta1=spec.beta1, beta2=spec.beta2, eps=spec.eps,
                        amsgrad=spec.amsgrad)
        case "adamw":
            return AdamW(params, weight_decay=spec.weight_decay, beta1=spec.beta1,
                         beta2=spec.beta2, eps=spec.eps, amsgrad=spec.amsgrad)
    raise ValueError(f"unknown optimizer {spec.name!r}")
