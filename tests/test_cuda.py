"""The GPU path: engines on CUDA against the CPU, fused against one by one, --check's CUDA
tolerance over repeated runs, CNN and ResNet-18 with the speed options, device-resident data and
no host synchronisation inside an epoch's steps.

Every test takes the device as a parameter: "cpu" runs everywhere (in CI), "cuda" is marked
`cuda` and skipped without a CUDA device (`pytest -m cuda` runs only those; benchmarks/gpu.py
runs them and records the outcome). On the CPU the same logic checks the stronger statement
that holds there: reruns and engines agree bit for bit.
"""

from __future__ import annotations

import sys
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from reportgen.data import Dataset, Split
from reportgen.execution import reproduce
from reportgen.manifest import RunConfig
from reportgen.plan.expand import RunSpec
from reportgen.training.engines import describe_device, fused, make_trainer
from reportgen.training.engines.torch_engine import TorchTrainer
from reportgen.training.hooks import Progress
from reportgen.training.loop import FitResult, fit
from reportgen.training.one_run import train_run

HAS_CUDA = torch.cuda.is_available()
CUDA = pytest.param("cuda", marks=[pytest.mark.cuda,
                                   pytest.mark.skipif(not HAS_CUDA, reason="no CUDA device")])
DEVICES = ["cpu", CUDA]

# What "agrees with the CPU" means for a run on CUDA: --check's CUDA tolerance (check.CUDA:
# losses within 1 % + 1e-4, rates within 0.005 + one sample), per epoch of the history and on
# the final metrics. On the CPU itself the agreement is exact.
AGREEMENT = reproduce.CUDA


# ---------------------------------------------------------------- data and configs
def tabular(n: int = 240, features: int = 12, classes: int = 3, seed: int = 0) -> Dataset:
    """A learnable linear problem, train/val/test 160/40/40."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    y = (x @ rng.normal(size=(features, classes)) + 0.5 * rng.normal(size=(n, classes)))
    return _split("toy", x, y.argmax(axis=1).astype(np.int64), classes)


def images(n: int = 30, side: int = 8, channels: int = 3, classes: int = 3,
           seed: int = 0) -> Dataset:
    """Channels-last images whose class is the brightest of `classes` image quarters: small
    enough for a ResNet-18 on a CPU, learnable enough for its losses to move."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, side, side, channels), dtype=np.float32) * 0.5
    y = rng.integers(0, classes, size=n).astype(np.int64)
    half = side // 2
    for i, label in enumerate(y):
        rows, cols = divmod(int(label), 2)
        x[i, rows * half:(rows + 1) * half, cols * half:(cols + 1) * half] += 0.5
    return _split("img", x, y, classes)


def _split(name: str, x: np.ndarray, y: np.ndarray, classes: int) -> Dataset:
    n = len(y)
    cut = [0, n * 2 // 3, n * 5 // 6, n]
    splits = {part: Split(x[a:b], y[a:b])
              for part, a, b in zip(("train", "val", "test"), cut[:-1], cut[1:], strict=True)}
    return Dataset(name=name, source="files", classes=[f"c{i}" for i in range(classes)],
                   splits=splits, preprocess="none")


TABULAR, IMAGES = tabular(), images()

MODELS = {
    "mlp": {"hidden": [16, 8], "l2": 1e-3},  # no dropout: a GPU draws other masks
    "cnn": {"type": "cnn", "filters": [4, 8], "hidden": [16], "batchnorm": True},
    "resnet18": {"type": "resnet18"},
}


def config(model: str = "mlp", device: str = "cpu", *, seed: int = 1, epochs: int = 3,
           optimizer: dict | None = None, **training: Any) -> RunConfig:
    return RunConfig.model_validate({
        "dataset": "img" if model != "mlp" else "toy", "engine": "torch", "seed": seed,
        "device": device, "model": MODELS[model],
        "training": {"epochs": epochs, "batch_size": 16,
                     "optimizer": optimizer or {"name": "adam", "lr": 0.005}, **training},
    })


def data_for(cfg: RunConfig) -> Dataset:
    return TABULAR if cfg.model.type == "mlp" else IMAGES


def trained(cfg: RunConfig, device: str) -> tuple[FitResult, np.ndarray, TorchTrainer]:
    data = data_for(cfg)
    trainer = make_trainer(cfg, data, device)
    result = fit(trainer, cfg.training, has_val=True)
    return result, trainer.predict_proba(data.splits["test"].x), trainer


def assert_agree(want: FitResult, got: FitResult, tolerance: reproduce.Tolerance,
                 sizes: dict[str, int], where: str) -> None:
    """Same epochs and stops; every history metric within `tolerance`."""
    assert (got.stop_reason, len(got.history)) == (want.stop_reason, len(want.history)), where
    for a, b in zip(want.history, got.history, strict=True):
        for key, n in sizes.items():
            if "loss" in key:
                allowed = tolerance.loss_atol + tolerance.loss_rtol * abs(a[key])
            else:
                allowed = tolerance.atol + tolerance.samples / n
            assert abs(a[key] - b[key]) <= allowed, (where, a["epoch"], key, a[key], b[key])


def sizes_of(data: Dataset) -> dict[str, int]:
    train, val = len(data.splits["train"]), len(data.splits["val"])
    return {"loss": train, "accuracy": train, "val_loss": val, "val_accuracy": val}


# ---------------------------------------------------------------- engines against the CPU
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("model", list(MODELS))
def test_the_torch_engine_on_the_device_agrees_with_the_cpu(model: str, device: str) -> None:
    cfg = config(model, epochs=1 if model == "resnet18" else 3)
    want, want_proba, _ = trained(cfg, "cpu")
    got, got_proba, _ = trained(cfg.model_copy(update={"device": device}), device)
    tolerance = reproduce.EXACT if device == "cpu" else AGREEMENT
    assert_agree(want, got, tolerance, sizes_of(data_for(cfg)), f"{model} on {device}")
    np.testing.assert_allclose(got_proba, want_proba, atol=0 if device == "cpu" else 2e-2)


@pytest.mark.parametrize("device", DEVICES)
def test_the_fused_engine_on_the_device_agrees_with_the_cpu(device: str) -> None:
    configs = [config(optimizer={"name": "adam", "lr": lr}, seed=seed)
               for lr, seed in ((0.005, 1), (0.01, 2))]
    want, got = fused_results(configs, "cpu"), fused_results(configs, device)
    tolerance = reproduce.EXACT if device == "cpu" else AGREEMENT
    for index, (a, b) in enumerate(zip(want, got, strict=True)):
        assert_agree(a, b, tolerance, sizes_of(TABULAR), f"member {index} on {device}")


def fused_results(configs: list[RunConfig], device: str) -> list[FitResult]:
    got: dict[int, FitResult] = {}
    fused.train_group(configs, TABULAR, device,
                      lambda member: got.__setitem__(member.index, member.result))
    return [got[i] for i in range(len(configs))]


@pytest.mark.parametrize("device", DEVICES)
def test_fused_on_the_device_equals_one_by_one_within_the_fused_tolerance(device: str) -> None:
    """The documented fused guarantee (fused.TOLERANCE), on the device. Without dropout: on a
    GPU a member's masks are not the ones a lone run draws."""
    configs = [config(optimizer=opt, seed=seed)
               for opt, seed in (({"name": "adam", "lr": 0.005}, 1),
                                 ({"name": "adam", "lr": 0.01, "beta1": 0.8}, 2),
                                 ({"name": "adamw", "lr": 0.005, "weight_decay": 0.1}, 3))]
    tol = fused.TOLERANCE
    tolerance = reproduce.Tolerance("fused", loss_rtol=tol["loss_rtol"], loss_atol=tol["loss_atol"],
                                samples=tol["accuracy_samples"])
    alone = [fit(TorchTrainer(c, TABULAR, device), c.training, has_val=True) for c in configs]
    for index, (a, b) in enumerate(zip(alone, fused_results(configs, device), strict=True)):
        assert_agree(a, b, tolerance, sizes_of(TABULAR), f"member {index} on {device}")


# ---------------------------------------------------------------- --check's tolerance
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_checks_tolerance_holds_over_repeated_runs(model: str, device: str) -> None:
    """Three trainings of one run: each reproduces the first as `reportgen run --check` judges
    it (check.compare): exactly on the CPU, within check.CUDA on a GPU. benchmarks/gpu.py
    measures the differences themselves."""
    cfg = config(model, device, epochs=2)
    spec = RunSpec(study_id="s", label="run", variant=None, varied={}, config=cfg)
    data = data_for(cfg)
    records = [train_run(spec, "id", data, device, describe_device(device), ["val", "test"],
                         make_trainer, Progress())[0] for _ in range(3)]
    tolerance = reproduce.tolerance_for(records[0], device, None)
    assert tolerance == (reproduce.EXACT if device == "cpu" else reproduce.CUDA)
    for record in records[1:]:
        assert reproduce.compare(records[0], record, tolerance) == []


# ---------------------------------------------------------------- CNN, ResNet-18, options
OPTIONS = {"default": {}, "channels_last": {"channels_last": True},
           "bf16": {"precision": "bf16"},
           "bf16 channels_last": {"precision": "bf16", "channels_last": True}}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("model", "options"), [("cnn", name) for name in OPTIONS] + [
    ("resnet18", "default"), ("resnet18", "bf16 channels_last")])
def test_image_models_run_with_every_speed_option(model: str, options: str,
                                                  device: str) -> None:
    cfg = config(model, device, epochs=1, **OPTIONS[options])
    result, proba, trainer = trained(cfg, device)
    assert result.stop_reason == "completed" and np.isfinite(result.history[0]["loss"])
    assert proba.shape == (len(IMAGES.splits["test"]), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    conv = next(m for m in trainer.model.modules() if isinstance(m, torch.nn.Conv2d))
    x = trainer.splits["train"][0]
    nhwc = torch.channels_last
    assert conv.weight.is_contiguous(memory_format=nhwc) == cfg.training.channels_last
    assert x.is_contiguous(memory_format=nhwc) == cfg.training.channels_last
    with trainer._precision():
        logits = trainer.model(x[:4])
    assert logits.dtype == (torch.bfloat16 if cfg.training.precision == "bf16"
                            else torch.float32)
    assert conv.weight.dtype == torch.float32  # autocast: the weights stay float32


@pytest.mark.parametrize("device", DEVICES)
def test_bf16_changes_the_rounding_a_little(device: str) -> None:
    """The option is honoured: bf16 losses differ from fp32 ones, by rounding only."""
    fp32, _, _ = trained(config("cnn", device), device)
    bf16, _, _ = trained(config("cnn", device, precision="bf16"), device)
    losses = [row["loss"] for row in fp32.history], [row["loss"] for row in bf16.history]
    assert losses[0] != losses[1]
    np.testing.assert_allclose(losses[1], losses[0], rtol=0.1)


# ---------------------------------------------------------------- where the data lives
@pytest.mark.parametrize("device", DEVICES)
def test_data_and_weights_live_on_the_device(device: str) -> None:
    want = torch.device(device).type
    trainer = TorchTrainer(config("cnn", device), IMAGES, device)
    group = fused.FusedTrainer([config(seed=1), config(seed=2)], TABULAR, device)
    for tensors in (trainer.splits.values(), group.splits.values()):
        assert {t.device.type for pair in tensors for t in pair} == {want}
    assert {p.device.type for p in trainer.model.parameters()} == {want}
    assert group.params.device.type == group.grads.device.type == want


# ---------------------------------------------------------------- no host syncs per step
SYNCS = ("item", "tolist", "cpu", "__bool__", "__float__", "__int__")


@contextmanager
def host_reads() -> Iterator[Counter]:
    """Counts tensor reads back to the host (`.item()`, `.cpu()`, `bool(t)`…) made by
    reportgen's own code: each waits for the device to finish everything queued."""
    counts: Counter = Counter()
    package = str(Path(fused.__file__).parents[1])
    saved = {name: getattr(torch.Tensor, name) for name in SYNCS}

    def counting(name: str, method: Callable) -> Callable:
        def wrapper(self: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            if sys._getframe(1).f_code.co_filename.startswith(package):
                counts[name] += 1
            return method(self, *args, **kwargs)
        return wrapper

    try:
        for name, method in saved.items():
            setattr(torch.Tensor, name, counting(name, method))
        yield counts
    finally:
        for name, method in saved.items():
            setattr(torch.Tensor, name, method)


def cuda_transfers(fn: Callable[[], Any]) -> Counter:
    """Host↔device copies and stream/device synchronisations while `fn` runs (torch.profiler),
    and the synchronising calls torch's sync debug mode warns about."""
    from torch.profiler import ProfilerActivity, profile

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
                fn()
        finally:
            torch.cuda.set_sync_debug_mode("default")
        torch.cuda.synchronize()
    counts: Counter = Counter(
        sync_warnings=sum("synchroniz" in str(w.message) for w in caught))
    for event in prof.events():
        name = event.name
        if "HtoD" in name or "DtoH" in name:
            counts["copies"] += 1
        elif name in ("cudaStreamSynchronize", "cudaDeviceSynchronize"):
            counts["syncs"] += 1
    return counts


def epoch_reads(make: Callable[[int], Any], epoch: Callable[[Any], Any], device: str,
                batches: tuple[int, int] = (8, 32)) -> list[tuple[Counter, Counter]]:
    """Per batch size: host reads (and on CUDA, profiled copies and syncs) of one epoch after a
    warm-up epoch. Equal counts for 4× as many steps: nothing happens per step."""
    out = []
    for batch in batches:
        trainer = make(batch)
        epoch(trainer)  # warm-up: first-use allocations, cached optimizer columns
        with host_reads() as reads:
            epoch(trainer)
        profiled = cuda_transfers(lambda t=trainer: epoch(t)) if device != "cpu" else Counter()
        out.append((reads, profiled))
    return out


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_the_torch_engine_reads_back_once_per_epoch_not_per_step(model: str,
                                                                  device: str) -> None:
    def make(batch: int) -> TorchTrainer:
        cfg = config(model, device, batch_size=batch)
        return TorchTrainer(cfg, data_for(cfg), device)

    steps = epoch_reads(make, lambda t: t.train_steps(0.01), device)
    assert [reads for reads, _ in steps] == [Counter(), Counter()]  # the steps: none at all
    assert steps[0][1] == steps[1][1]  # CUDA: as many copies and syncs for 4× the steps
    whole = epoch_reads(make, lambda t: t.train_epoch(0.01), device)
    assert [reads for reads, _ in whole] == [Counter(item=2)] * 2  # loss and accuracy
    assert whole[0][1] == whole[1][1]


@pytest.mark.parametrize("device", DEVICES)
def test_the_fused_engine_reads_back_once_per_epoch_not_per_step(device: str) -> None:
    optimizers = [{"name": "adam", "lr": 0.005}, {"name": "adam", "lr": 0.01, "eps": 1e-6}]

    def make(batch: int) -> fused.FusedTrainer:
        configs = [config(optimizer=opt, seed=i, batch_size=batch)
                   for i, opt in enumerate(optimizers)]
        return fused.FusedTrainer(configs, TABULAR, device)

    counts = epoch_reads(make, lambda t: t.train_epoch([0.005, 0.01]), device)
    assert counts[0] == counts[1]  # host reads and CUDA copies/syncs: not per step
    assert counts[0][0] == Counter(cpu=2)  # the members' losses and accuracies

