"""`penalty_layers`: l1/l2 on chosen weight layers only (seed 000's M4), the same in the torch,
numpy and fused engines."""

from __future__ import annotations

import numpy as np
import pytest

from reportgen import manifest
from reportgen.errors import ManifestError
from reportgen.training.engines.numpy_engine import NumpyTrainer
from reportgen.training.engines.torch_engine import TorchTrainer
from tests.helpers import TINY
from tests.test_fused import DATA, alone, assert_same, config, together
from tests.test_numpy_vs_torch import column, digits, full_batch, run_both  # noqa: F401


def test_torch_penalty_is_on_the_chosen_layer_only():
    cfg = config({"name": "sgd", "lr": 0.05}, model={"l2": 0.5, "penalty_layers": [2]})
    trainer = TorchTrainer(cfg, DATA, "cpu")
    kernels = [m.weight for m in trainer.model.modules() if hasattr(m, "weight")]
    assert len(kernels) == 3  # hidden [16, 8] and the output layer
    expected = 0.5 * float(kernels[1].detach().square().sum())
    assert float(trainer._penalty().detach()) == pytest.approx(expected, rel=1e-6)


def test_numpy_penalty_is_on_the_chosen_layers_only():
    cfg = config({"name": "sgd", "lr": 0.05}, model={"l1": 0.1, "penalty_layers": [1, 3]})
    net = NumpyTrainer(cfg, DATA, "cpu").network
    dense = net.dense
    expected = 0.1 * (np.abs(dense[0].kernel).sum() + np.abs(dense[2].kernel).sum())
    assert net.penalty() == pytest.approx(float(expected), rel=1e-6)


def test_numpy_follows_torch_with_l2_on_one_layer(digits):  # noqa: F811
    spec, dataset = digits
    overrides = full_batch({"name": "gd", "lr": 1.0}, **{
        "training.epochs": 8, "model.hidden": [32, 16], "model.l2": 0.05,
        "model.penalty_layers": [2]})
    _, results = run_both(spec, dataset, **overrides)
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(column(results["numpy"], key), column(results["torch"], key),
                                   rtol=1e-4)
    # and the penalty changes the trajectory: it is not ignored
    _, plain = run_both(spec, dataset, **{**overrides, "model.l2": 0.0})
    assert not np.allclose(column(plain["torch"], "loss"), column(results["torch"], "loss"),
                           rtol=1e-4)


def test_fused_members_with_different_penalty_layers_match_training_alone():
    first = {"name": "adam", "lr": 0.01}
    configs = [config(first, model={"l2": 0.01, "penalty_layers": [2]}),
               config(first, seed=2, model={"l2": 0.01}),
               config(first, seed=3, model={"l1": 0.002, "penalty_layers": [1, 3]})]
    for index, (want, got) in enumerate(zip(alone(configs), together(configs), strict=True)):
        assert_same(want, got, f"member {index}")


def model_error(model: str) -> str:
    text = TINY.replace("[models.mlp]\nhidden = [16]", f"[models.mlp]\n{model}")
    with pytest.raises(ManifestError) as err:
        manifest.loads(text)
    return str(err.value)


def test_a_layer_that_does_not_exist_is_refused():
    message = model_error("hidden = [16]\nl2 = 0.001\npenalty_layers = [3]")
    assert "models.mlp" in message and "layer 3 does not exist" in message
    assert "2 weight layers" in message


def test_penalty_layers_is_not_a_resnet_key():
    message = model_error('type = "resnet18"\npenalty_layers = [1]')
    assert "penalty_layers" in message and '"mlp" or "cnn"' in message
