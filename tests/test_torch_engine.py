from pathlib import Path

import pytest
import torch

from reportgen import data, manifest
from reportgen.plan import expand
from reportgen.training.engines.torch_engine import TorchTrainer
from reportgen.training.loop import fit
from tests.helpers import TINY


@pytest.fixture(scope="module")
def digits():
    spec = manifest.loads(TINY)
    return spec, data.load_dataset("digits", spec.datasets["digits"], Path("."))


def config(spec, **overrides):
    tree = expand.expand(spec).runs[0].config.model_dump()
    for path, value in overrides.items():
        section, key = path.split(".")
        tree[section][key] = value
    return manifest.RunConfig.model_validate(tree)


def test_same_seed_same_history_other_seed_differs(digits):
    spec, dataset = digits
    histories = []
    for seed in (7, 7, 8):
        cfg = config(spec).model_copy(update={"seed": seed})
        result = fit(TorchTrainer(cfg, dataset, "cpu"), cfg.training, has_val=True)
        histories.append([(r["loss"], r["val_loss"]) for r in result.history])
    assert histories[0] == histories[1]
    assert histories[0] != histories[2]


def test_training_learns_digits(digits):
    spec, dataset = digits
    cfg = config(spec, **{"training.epochs": 15, "model.hidden": [32]})
    trainer = TorchTrainer(cfg, dataset, "cpu")
    result = fit(trainer, cfg.training, has_val=True)
    assert result.history[-1]["val_accuracy"] > 0.85
    assert result.history[-1]["loss"] < result.history[0]["loss"]


def test_restore_best_puts_back_the_best_epochs_weights(digits):
    spec, dataset = digits
    cfg = config(spec, **{"training.epochs": 12, "training.optimizer": {"name": "sgd", "lr": 3.0},
                          "training.early_stopping": {"patience": 3}})
    trainer = TorchTrainer(cfg, dataset, "cpu")
    result = fit(trainer, cfg.training, has_val=True)
    best = result.history[result.best_epoch - 1]["val_loss"]
    assert trainer.evaluate("val")[0] == pytest.approx(best, rel=1e-5)


def test_exploding_run_is_recorded_as_diverged(digits):
    spec, dataset = digits
    cfg = config(spec, **{"training.epochs": 10, "training.optimizer": {"name": "sgd", "lr": 1e3},
                          "model.activation": "linear"})
    result = fit(TorchTrainer(cfg, dataset, "cpu"), cfg.training, has_val=True)
    assert result.stop_reason == "diverged"
    assert result.history[-1]["loss"] is None


def test_full_batch_is_one_step_per_epoch(digits):
    spec, dataset = digits
    cfg = config(spec, **{"training.batch_size": "full",
                          "training.optimizer": {"name": "gd", "lr": 0.1}})
    trainer = TorchTrainer(cfg, dataset, "cpu")
    assert trainer.batch_size == len(dataset.splits["train"])
    steps = []
    trainer.optimizer.register_step_post_hook(lambda *args: steps.append(1))
    trainer.train_epoch(0.1)
    assert len(steps) == 1


def test_weights_start_from_the_shared_initialiser(digits):
    spec, dataset = digits
    cfg = config(spec, **{"model.init": "zeros"})
    trainer = TorchTrainer(cfg, dataset, "cpu")
    first = next(m for m in trainer.model if isinstance(m, torch.nn.Linear))
    assert torch.count_nonzero(first.weight) == 0


def test_probabilities_sum_to_one(digits):
    spec, dataset = digits
    trainer = TorchTrainer(config(spec), dataset, "cpu")
    proba = trainer.predict_proba(dataset.splits["test"].x)
    assert proba.shape == (len(dataset.splits["test"]), 10)
    assert proba.sum(axis=1) == pytest.approx(1.0)


def test_importing_reportgen_makes_openmp_wait_passively():
    import subprocess
    import sys

    code = "import os; os.environ.pop('OMP_WAIT_POLICY', None); import reportgen; " \
           "print(os.environ['OMP_WAIT_POLICY'])"
    env = {k: v for k, v in __import__("os").environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True).stdout
    assert out.strip() == "PASSIVE"
