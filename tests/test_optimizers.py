"""The torch engine's optimizers and penalties against their written formulas.

Two full-batch steps from the same initial weights: the engine's weights must equal a reference
computed here with autograd gradients and the documented update rules (docs/manifest.md).
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from reportgen.data import Dataset, Split
from reportgen.manifest import RunConfig
from reportgen.training.engines.torch_engine import TorchTrainer

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 5)).astype(np.float32)
Y = RNG.integers(0, 3, size=40)
DATASET = Dataset(name="toy", source="files", classes=["a", "b", "c"],
                  splits={"train": Split(X, Y)}, preprocess="none")


def make(optimizer, **model):
    config = RunConfig.model_validate({
        "dataset": "toy", "engine": "torch", "seed": 1, "device": "cpu",
        "model": {"hidden": [4], "activation": "tanh", **model},
        "training": {"epochs": 2, "batch_size": "full", "optimizer": optimizer},
    })
    return TorchTrainer(config, DATASET, "cpu")


def params_of(trainer):
    return [p.detach().double().clone() for p in trainer.model.parameters()]


def loss_and_grads(params, l1=0.0, l2=0.0):
    params = [p.clone().requires_grad_(True) for p in params]
    w1, b1, w2, b2 = params
    logits = torch.tanh(torch.from_numpy(X).double() @ w1.T + b1) @ w2.T + b2
    loss = F.cross_entropy(logits, torch.from_numpy(Y))
    for w in (w1, w2):
        loss = loss + l1 * w.abs().sum() + l2 * w.square().sum()
    return torch.autograd.grad(loss, params)


def reference(params, update, steps=2, **penalty):
    state = [{} for _ in params]
    for t in range(1, steps + 1):
        grads = loss_and_grads(params, **penalty)
        params = [update(p, g, s, t) for p, g, s in zip(params, grads, state, strict=True)]
    return params


LR = 0.1


def sgd(momentum=0.0, nesterov=False):
    def update(p, g, s, t):
        if not momentum:
            return p - LR * g
        s["buf"] = g if t == 1 else momentum * s["buf"] + g
        step = g + momentum * s["buf"] if nesterov else s["buf"]
        return p - LR * step
    return update


def adagrad(init=0.1, eps=1e-7):
    def update(p, g, s, t):
        s["sum"] = s.get("sum", torch.full_like(p, init)) + g * g
        return p - LR * g / (s["sum"].sqrt() + eps)
    return update


def rmsprop(rho=0.9, eps=1e-7, momentum=0.0, centered=False):
    def update(p, g, s, t):
        s["sq"] = rho * s.get("sq", torch.zeros_like(p)) + (1 - rho) * g * g
        avg = s["sq"]
        if centered:
            s["g"] = rho * s.get("g", torch.zeros_like(p)) + (1 - rho) * g
            avg = avg - s["g"] ** 2
        step = g / (avg.sqrt() + eps)
        if momentum:
            s["buf"] = momentum * s.get("buf", torch.zeros_like(p)) + step
            step = s["buf"]
        return p - LR * step
    return update


def adam(b1=0.9, b2=0.999, eps=1e-7, weight_decay=0.0):
    def update(p, g, s, t):
        p = p * (1 - LR * weight_decay)
        s["m"] = b1 * s.get("m", torch.zeros_like(p)) + (1 - b1) * g
        s["v"] = b2 * s.get("v", torch.zeros_like(p)) + (1 - b2) * g * g
        m_hat, v_hat = s["m"] / (1 - b1**t), s["v"] / (1 - b2**t)
        return p - LR * m_hat / (v_hat.sqrt() + eps)
    return update


CASES = {
    "gd": ({"name": "gd", "lr": LR}, sgd()),
    "sgd+momentum": ({"name": "sgd", "lr": LR, "momentum": 0.9}, sgd(0.9)),
    "sgd+nesterov": ({"name": "sgd", "lr": LR, "momentum": 0.9, "nesterov": True},
                     sgd(0.9, nesterov=True)),
    "adagrad": ({"name": "adagrad", "lr": LR}, adagrad()),
    "rmsprop": ({"name": "rmsprop", "lr": LR}, rmsprop()),
    "rmsprop centered+momentum": ({"name": "rmsprop", "lr": LR, "centered": True,
                                   "momentum": 0.5}, rmsprop(momentum=0.5, centered=True)),
    "adam": ({"name": "adam", "lr": LR, "beta1": 0.8, "beta2": 0.99}, adam(0.8, 0.99)),
    "adamw": ({"name": "adamw", "lr": LR, "weight_decay": 0.1}, adam(weight_decay=0.1)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_two_steps_follow_the_formula(case):
    optimizer, update = CASES[case]
    trainer = make(optimizer)
    expected = reference(params_of(trainer), update)
    trainer.train_epoch(LR)
    trainer.train_epoch(LR)
    for got, want in zip(params_of(trainer), expected, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("l1", "l2"), [(0.0, 0.01), (0.01, 0.0), (0.01, 0.01)])
def test_penalties_change_the_step_by_the_analytic_amount(l1, l2):
    plain, penalised = make({"name": "gd", "lr": LR}), make({"name": "gd", "lr": LR}, l1=l1, l2=l2)
    start = params_of(plain)
    plain.train_epoch(LR)
    penalised.train_epoch(LR)
    for index in (0, 2):  # kernels only; biases are not penalised
        w = start[index]
        extra = l1 * torch.sign(w) + 2 * l2 * w
        diff = params_of(penalised)[index] - params_of(plain)[index]
        torch.testing.assert_close(diff, -LR * extra, rtol=1e-3, atol=1e-6)
    torch.testing.assert_close(params_of(penalised)[1], params_of(plain)[1])


def test_reported_loss_excludes_the_penalty():
    plain, penalised = make({"name": "gd", "lr": LR}), make({"name": "gd", "lr": LR}, l2=10.0)
    assert plain.train_epoch(LR)[0] == pytest.approx(penalised.train_epoch(LR)[0])
