"""The NumPy engine's parts against torch autograd and finite differences, on float64.

Tolerances: analytic gradients within a relative error of 1e-6 of torch's and of central
differences (both are ~1e-9 or better in practice); optimizer updates within 1e-10 relative.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from reportgen import manifest
from reportgen.errors import ManifestError
from reportgen.manifest import ModelSpec, OptimizerSpec
from reportgen.plan import expand
from reportgen.training.engines.numpy_engine.layers import Dense, Dropout
from reportgen.training.engines.numpy_engine.losses import make_loss
from reportgen.training.engines.numpy_engine.network import MLP
from reportgen.training.engines.numpy_engine.optimizers import make_optimizer
from reportgen.training.engines.torch_engine import make_optimizer as make_torch_optimizer
from reportgen.training.models import build_torch, kernel_weights
from tests.helpers import TINY

ROOT = Path(__file__).resolve().parents[1]
ACTIVATIONS = ["relu", "leaky_relu", "sigmoid", "tanh", "elu", "gelu", "linear"]
SIZES = [6, 5, 4, 3]  # features, two hidden layers, classes
GRAD_TOL = 1e-6


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12))


def batch(n: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, SIZES[0])), rng.integers(0, SIZES[-1], size=n)


def numpy_loss(net: MLP, loss_name: str, x: np.ndarray, y: np.ndarray) -> float:
    return make_loss(loss_name).value(net.forward(x), y) + net.penalty()


def numpy_grads(net: MLP, loss_name: str, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    _, grad = make_loss(loss_name).value_and_grad(net.forward(x, training=True), y)
    net.backward(grad)
    return [g.copy() for g in net.grads]


# ---------------------------------------------------------------- gradients
@pytest.mark.parametrize("loss_name", ["cross_entropy", "mse"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradients_match_torch_autograd(activation, loss_name):
    spec = ModelSpec(hidden=SIZES[1:-1], activation=activation, init="he_normal", l1=1e-3,
                     l2=1e-2, negative_slope=0.2)
    x, y = batch()
    net = MLP(spec, SIZES, seed=3, dtype=np.float64)
    model = build_torch(spec, SIZES[0], SIZES[-1], seed=3).double()
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    # build_torch stores float32 parameters: take its rounded weights so both are identical.
    for layer, linear in zip(net.dense, linears, strict=True):
        layer.kernel[...] = linear.weight.detach().numpy().T
        layer.bias[...] = linear.bias.detach().numpy()
    logits = model(torch.from_numpy(x))
    if loss_name == "mse":
        target = F.one_hot(torch.from_numpy(y), SIZES[-1]).double()
        loss = F.mse_loss(torch.softmax(logits, dim=1), target)
    else:
        loss = F.cross_entropy(logits, torch.from_numpy(y))
    for w in kernel_weights(model):
        loss = loss + spec.l1 * w.abs().sum() + spec.l2 * w.square().sum()
    loss.backward()

    assert numpy_loss(net, loss_name, x, y) == pytest.approx(loss.item(), rel=1e-12)
    ours = numpy_grads(net, loss_name, x, y)
    theirs = [g for m in linears for g in (m.weight.grad.numpy().T, m.bias.grad.numpy())]
    for mine, reference in zip(ours, theirs, strict=True):
        assert rel_error(mine, reference) <= GRAD_TOL


@pytest.mark.parametrize(("activation", "loss_name"), [
    ("relu", "cross_entropy"), ("tanh", "mse"), ("sigmoid", "cross_entropy"),
    ("elu", "mse"), ("gelu", "cross_entropy"), ("leaky_relu", "mse"),
])
def test_gradients_match_central_differences(activation, loss_name):
    spec = ModelSpec(hidden=SIZES[1:-1], activation=activation, init="glorot_normal", l1=1e-3,
                     l2=1e-2)
    x, y = batch(seed=1)
    net = MLP(spec, SIZES, seed=5, dtype=np.float64)
    # Non-zero biases: with zero biases a sample whose hidden units are all off sits exactly on
    # ReLU's kink in the next layer, where a central difference is meaningless.
    rng = np.random.default_rng(2)
    for layer in net.dense:
        layer.bias[...] = rng.normal(scale=0.1, size=layer.bias.shape)
    analytic = numpy_grads(net, loss_name, x, y)
    h = 1e-6
    for param, grad in zip(net.params, analytic, strict=True):
        numeric = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + h
            up = numpy_loss(net, loss_name, x, y)
            param[index] = saved - h
            down = numpy_loss(net, loss_name, x, y)
            param[index] = saved
            numeric[index] = (up - down) / (2 * h)
        assert rel_error(grad, numeric) <= GRAD_TOL


def test_dense_backward_returns_the_input_gradient():
    rng = np.random.default_rng(0)
    layer = Dense(rng.normal(size=(4, 3)), rng.normal(size=3))
    x = torch.from_numpy(rng.normal(size=(5, 4))).requires_grad_()
    upstream = rng.normal(size=(5, 3))
    layer.forward(x.detach().numpy())
    dx = layer.backward(upstream)
    (x @ torch.from_numpy(layer.kernel)).backward(torch.from_numpy(upstream))
    assert rel_error(dx, x.grad.numpy()) <= 1e-12
    assert rel_error(layer.grad_bias, upstream.sum(axis=0)) <= 1e-12


def test_dropout_is_inverted_and_seeded():
    x = np.ones((2000, 50))
    first = Dropout(0.25, np.random.default_rng(4))
    out = first.forward(x, training=True)
    assert set(np.unique(out)) == {0.0, 1 / 0.75}
    assert abs((out == 0).mean() - 0.25) < 0.01
    assert np.array_equal(first.backward(np.ones_like(x)), out)  # same mask backwards
    again = Dropout(0.25, np.random.default_rng(4)).forward(x, training=True)
    assert np.array_equal(out, again)
    assert first.forward(x, training=False) is x  # inference: identity


def test_numpy_and_torch_start_from_identical_weights():
    spec = ModelSpec(hidden=[5, 4], init="he_normal")
    net = MLP(spec, SIZES, seed=11)
    model = build_torch(spec, SIZES[0], SIZES[-1], seed=11)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    for layer, linear in zip(net.dense, linears, strict=True):
        assert np.array_equal(layer.kernel, linear.weight.detach().numpy().T)
        assert np.array_equal(layer.bias, linear.bias.detach().numpy())


def test_float32_network_stays_float32():
    spec = ModelSpec(hidden=[5, 4], activation="gelu", dropout=0.1, l1=1e-3, l2=1e-3)
    net = MLP(spec, SIZES, seed=0)
    x, y = batch()
    grads = numpy_grads(net, "mse", x.astype(np.float32), y)
    assert {p.dtype for p in net.params} | {g.dtype for g in grads} == {np.dtype(np.float32)}


# ---------------------------------------------------------------- optimizers
OPTIMIZERS = {
    "gd": {"name": "gd", "lr": 0.1},
    "sgd": {"name": "sgd", "lr": 0.1},
    "sgd-momentum": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
    "sgd-nesterov": {"name": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True},
    "adam": {"name": "adam", "lr": 0.01},
    "adam-amsgrad": {"name": "adam", "lr": 0.01, "beta1": 0.8, "eps": 1e-3, "amsgrad": True},
    "adamw": {"name": "adamw", "lr": 0.01, "weight_decay": 0.1},
    "rmsprop": {"name": "rmsprop", "lr": 0.01},
    "rmsprop-centered-momentum": {"name": "rmsprop", "lr": 0.01, "centered": True,
                                  "momentum": 0.5, "rho": 0.8},
    "adagrad": {"name": "adagrad", "lr": 0.1},
}


@pytest.mark.parametrize("key", list(OPTIMIZERS))
def test_optimizer_steps_match_torch(key):
    spec = OptimizerSpec.model_validate(OPTIMIZERS[key])
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(4, 3)), rng.normal(size=3)]
    ours = [p.copy() for p in params]
    theirs = [torch.tensor(p, requires_grad=True) for p in params]
    optimizer = make_optimizer(spec, ours)
    reference = make_torch_optimizer(spec, theirs)
    # Several steps with a changing lr: exercises the state (moments, buffers, step counts).
    for lr in (spec.lr, spec.lr, spec.lr / 2, spec.lr):
        grads = [rng.normal(size=p.shape) for p in params]
        optimizer.step(grads, lr)
        for tensor, grad in zip(theirs, grads, strict=True):
            tensor.grad = torch.from_numpy(grad.copy())
        for group in reference.param_groups:
            group["lr"] = lr
        reference.step()
        for mine, tensor in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(mine, tensor.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert not np.allclose(ours[0], params[0])  # the weights did move


# ---------------------------------------------------------------- plan errors & examples
BATCHNORM = TINY.replace("[models.mlp]\nhidden = [16]", "[models.mlp]\nhidden = [16]\n"
                         "batchnorm = true").replace('device = "cpu"',
                                                     'device = "cpu"\nengine = "numpy"')


def test_unsupported_option_is_a_plan_error_naming_option_and_engine():
    with pytest.raises(ManifestError) as error:
        expand.expand(manifest.loads(BATCHNORM, source="m.toml"))
    message = str(error.value)
    assert message.startswith("m.toml:")
    assert "model.batchnorm: not available in the numpy engine" in message
    assert 'engine = "torch"' in message


def test_unsupported_option_set_by_a_variant_blames_the_variant_key():
    text = TINY.replace('vary = { "model.hidden" = [[8], [16]] }', '''
[[studies.variants]]
name = "bn"
engine = "numpy"
set = { "model.batchnorm" = true }
''')
    with pytest.raises(ManifestError) as error:
        expand.expand(manifest.loads(text, source="m.toml"))
    lines = text.splitlines()
    line = next(i for i, s in enumerate(lines, 1) if '"model.batchnorm" = true' in s)
    assert str(error.value).startswith(f"m.toml:{line}: studies[0].variants[0].set.")
    assert "model.batchnorm: not available in the numpy engine" in str(error.value)


def test_batchnorm_is_fine_on_torch():
    runs = expand.expand(manifest.loads(BATCHNORM.replace('engine = "numpy"', ""))).runs
    assert runs and all(r.config.model.batchnorm for r in runs)


def test_k49_example_expands():
    runs = expand.expand(manifest.load(ROOT / "examples" / "k49-m0-m4.toml")).runs
    by_name = {r.variant: r.config for r in runs}
    assert list(by_name) == ["M0", "M1", "M2", "M3", "M4"]
    assert [c.engine for c in by_name.values()] == ["numpy", "numpy", "torch", "torch", "torch"]
    m0, m1, m2, m3 = by_name["M0"], by_name["M1"], by_name["M2"], by_name["M3"]
    assert m0.model.hidden == [100, 80] and m0.training.batch_size == "full"
    assert (m0.training.optimizer.name, m0.training.optimizer.lr, m0.training.epochs) == \
        ("gd", 0.1, 500)
    assert m1.model == m2.model and m1.training == m2.training  # M2 = M1 in torch
    assert m1.model.l2 == 0.001 and m1.training.batch_size == 32
    assert m3.model.hidden == [512] and m3.training.early_stopping.patience == 20
    assert m3.training.early_stopping.restore_best
    assert by_name["M4"].model.l2 == 0 and sum(by_name["M4"].model.hidden) > 2000


def test_scratch_engine_example_expands():
    loaded = manifest.load(ROOT / "examples" / "scratch-engine.toml")
    runs = expand.expand(loaded).runs
    assert {r.config.engine for r in runs} == {"numpy"}
    assert {r.config.dataset for r in runs} == {"mnist", "fashion"}
    assert {loaded.datasets[d].name for d in ("mnist", "fashion")} == {"mnist_784",
                                                                       "Fashion-MNIST"}
    assert all(r.config.training.epochs == 260 and r.config.training.eval_every == 20
               for r in runs)
    def lrs(study_id: str, dataset: str = "mnist") -> list[float]:
        return [r.config.training.optimizer.lr for r in runs
                if r.study_id == study_id and r.config.dataset == dataset]

    assert lrs("gd-lr-mnist") == [0.1, 0.5, 1.0]  # seed 003, experiment A.1
    assert lrs("gd-lr-fashion", "fashion") == [0.01, 0.1, 0.5]  # experiment B.1
    assert lrs("adam-lr") == lrs("adam-lr", "fashion") == [0.0005, 0.001, 0.005, 0.01, 0.05]
    assert [r.config.model.hidden for r in runs if r.study_id == "depth"][:2] == [[128], [128, 64]]
