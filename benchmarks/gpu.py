"""The GPU path measured in one command: writes gpu.json and gpu.md (a Markdown table).

    python benchmarks/gpu.py                          # on cuda: the full measurement (< 8 min)
    python benchmarks/gpu.py --device cpu --small     # the same code on tiny data: seconds
    python benchmarks/gpu.py --only lab,floor         # some sections again

Sections (each is timed and recorded on its own; one that fails records its error and the
others still run; the JSON is rewritten after each, so a run cut short keeps what it measured):

- lab: seed 004's lab (examples/mnist-lab.toml, ~30 trainings) end to end through
  `executor.execute` (data, plan, training, final metrics, store; no rendering) on MNIST-shaped
  synthetic data (60,000 × 784, made here: no download), one by one, fused, and with --jobs
  per GPU when this branch's `executor.execute` has a `jobs` parameter.
- sweep: 8 learning rates of Adam on a 784-512-10 MLP (batch 32), one by one vs fused.
- floor: seconds per epoch of the torch engine against a plain hand-written PyTorch loop on
  the same device (the engine's own overhead).
- resnet: a ResNet-18 on RetinaMNIST-shaped data (1,080 × 28 × 28 × 3, synthetic), seconds
  per epoch and validation accuracy for fp32, channels_last, bf16 and both.
- tolerance: one MLP and one CNN run trained N times; the largest difference of each final
  metric from the first training, against `reportgen run --check`'s CUDA tolerance.
- tests: `pytest -m cuda tests/test_cuda.py`, its outcome.
- compile (last: its compilation may take a minute): the plain loop with its model under
  `torch.compile(mode="reduce-overhead")` (CUDA graphs), to tell whether compiling the engine's
  step would pay. Skipped on the CPU.

Targets (issue 20), printed beside the figures: the whole lab under 60 s; fused ≥ 5× one by
one for the sweep; the torch engine ≤ 1.1× the plain loop. The synthetic data stand in for
MNIST and RetinaMNIST only in shape and learnability: timings transfer, accuracies do not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import inspect
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import reportgen  # noqa: F401, I001 — first: sets OMP_WAIT_POLICY before torch loads OpenMP
import numpy as np
import torch
import torch.nn.functional as F

from reportgen.execution.options import RunOptions
from reportgen.execution import reproduce, executor

from reportgen import manifest

from reportgen.plan import expand
from reportgen.data import Dataset, Split
from reportgen.training.engines import describe_device, fused, make_trainer, resolve_device
from reportgen.training.engines.torch_engine import TorchTrainer, make_optimizer
from reportgen.manifest import RunConfig
from reportgen.training.models import build_torch
from reportgen.store.records import split_summary
from reportgen.store.store import Store
from reportgen.training.hooks import Progress
from reportgen.training.one_run import train_run
from reportgen.training.loop import fit

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("lab", "sweep", "floor", "resnet", "tolerance", "tests", "compile")
TARGETS = {"lab_seconds": 60.0, "fused_speedup": 5.0, "engine_over_plain": 1.1}


# ---------------------------------------------------------------- sizes
class Size:
    """The figures a full run uses, and the tiny ones of --small."""

    def __init__(self, small: bool) -> None:
        self.small = small
        self.mnist = 400 if small else 60_000
        self.mnist_test = 80 if small else 10_000
        # --small: three of the lab's studies (one unfusable, two fused groups)
        self.lab_studies = ["width", "activations", "regularisation"] if small else None
        self.width_divisor = 32 if small else 1  # hidden layers of 512 → 16 with --small
        self.epoch_cap = 2 if small else None
        self.sweep_epochs = 1 if small else 2
        self.floor_epochs = 1 if small else 3
        self.retina = (16, 8) if small else (1_080, 28)  # training images, side
        self.resnet_epochs = 1 if small else 3
        self.tolerance_samples = 300 if small else 10_000
        self.tolerance_repeats = 2 if small else 5
        self.jobs = 2 if small else 4
        self.warm_up = not small  # an untimed first epoch (cuDNN algorithms, allocator)


# ---------------------------------------------------------------- synthetic data
@functools.cache
def mnist_like(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n × 784 uint8 "digits": ten random stroke prototypes, each sample its class's prototype
    shifted by up to two pixels, with pixel noise; learnable to about MNIST's accuracies.
    Made once per size (callers copy before changing them)."""
    rng = np.random.default_rng(seed)
    prototypes = (rng.random((10, 28, 28)) < 0.15).astype(np.int16) * 160
    y = rng.integers(0, 10, size=n).astype(np.int64)
    x = np.empty((n, 28, 28), dtype=np.int16)
    shifts = rng.integers(-3, 4, size=(n, 2))
    for label in range(10):
        rows = np.flatnonzero(y == label)
        for (dy, dx), group in _by_shift(shifts[rows], rows):
            x[group] = np.roll(prototypes[label], (dy, dx), axis=(0, 1))
    x += rng.integers(-40, 160, size=x.shape, dtype=np.int16)
    return np.clip(x, 0, 255).astype(np.uint8).reshape(n, 784), y


def _by_shift(shifts: np.ndarray, rows: np.ndarray) -> list[tuple[tuple[int, int], np.ndarray]]:
    keys = shifts[:, 0] * 7 + shifts[:, 1]
    return [((int(shifts[keys == k][0, 0]), int(shifts[keys == k][0, 1])), rows[keys == k])
            for k in np.unique(keys)]


def retina_like(n_train: int, side: int, seed: int = 0) -> Dataset:
    """RetinaMNIST-shaped images (n × side × side × 3 float32 in [0, 1], 5 grades): a smooth
    class pattern under noise; validation and test as RetinaMNIST's (120 and 400 at 1,080)."""
    rng = np.random.default_rng(seed)
    n_val, n_test = max(n_train // 9, 8), max(n_train * 10 // 27, 8)
    n = n_train + n_val + n_test
    grid = np.linspace(-1, 1, side, dtype=np.float32)
    radius = np.hypot(*np.meshgrid(grid, grid))
    patterns = np.stack([np.stack([np.cos((k + 1) * radius * (c + 1)) for c in range(3)], -1)
                         for k in range(5)]) * 0.25 + 0.5
    y = rng.integers(0, 5, size=n).astype(np.int64)
    x = patterns[y] + rng.normal(0, 0.3, size=(n, side, side, 3)).astype(np.float32)
    x = np.clip(x, 0, 1).astype(np.float32)
    cut = [0, n_train, n_train + n_val, n]
    splits = {part: Split(x[a:b], y[a:b])
              for part, a, b in zip(("train", "val", "test"), cut[:-1], cut[1:], strict=True)}
    return Dataset(name="retina", source="files", classes=[str(k) for k in range(5)],
                   splits=splits, preprocess="none")


def mnist_dataset(x: np.ndarray, y: np.ndarray, images: bool = False) -> Dataset:
    """The first 80 % train, then 10 % val and 10 % test; /255; (n, 28, 28) when `images`."""
    n = len(y)
    x = x.astype(np.float32) / 255
    if images:
        x = x.reshape(n, 28, 28)
    cut = [0, n * 8 // 10, n * 9 // 10, n]
    splits = {part: Split(x[a:b], y[a:b])
              for part, a, b in zip(("train", "val", "test"), cut[:-1], cut[1:], strict=True)}
    return Dataset(name="mnist", source="files", classes=[str(k) for k in range(10)],
                   splits=splits, preprocess="divide255")


# ---------------------------------------------------------------- timing helpers
def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def timed(fn: Callable[[], Any], device: str) -> tuple[float, Any]:
    sync(device)
    started = time.perf_counter()
    value = fn()
    sync(device)
    return time.perf_counter() - started, value


def mlp_config(hidden: list[int], device: str, *, lr: float = 1e-3, batch: int = 32,
               epochs: int = 1, optimizer: str = "adam", momentum: float = 0.0,
               seed: int = 0) -> RunConfig:
    return RunConfig.model_validate({
        "dataset": "mnist", "engine": "torch", "seed": seed, "device": device,
        "model": {"hidden": hidden},
        "training": {"epochs": epochs, "batch_size": batch,
                     "optimizer": {"name": optimizer, "lr": lr, "momentum": momentum}},
    })


def warm_up(device: str) -> None:
    """CUDA context, cuBLAS and cuDNN handles: paid once, before anything is timed."""
    data = retina_like(32, 12)
    for cfg in (mlp_config([32], device), RunConfig.model_validate({
            "dataset": "retina", "engine": "torch", "seed": 0, "device": device,
            "model": {"type": "cnn", "filters": [4]}, "training": {"epochs": 1}})):
        TorchTrainer(cfg, data, device).train_epoch(1e-3)
    sync(device)


# ---------------------------------------------------------------- lab
def lab_manifest(folder: Path, size: Size, device: str, write_data: bool = True) -> Path:
    """examples/mnist-lab.toml on synthetic files (and, with --small, narrower and shorter)."""
    if write_data:
        x, y = mnist_like(size.mnist)
        np.save(folder / "x.npy", x)
        np.save(folder / "y.npy", y)
    tree = tomllib.loads((ROOT / "examples" / "mnist-lab.toml").read_text(encoding="utf-8"))
    original = tree["datasets"]["mnist"]
    tree["datasets"]["mnist"] = {
        "source": "files", "x": str(folder / "x.npy"), "y": str(folder / "y.npy"),
        "title": "Synthetic MNIST-shaped data", "preprocess": original["preprocess"],
        "split": {**original["split"], "test": size.mnist_test}}
    tree["defaults"]["device"] = device
    if size.small:
        tree = shrink(tree, size.width_divisor, size.epoch_cap or 1)
    path = folder / "lab.toml"
    path.write_text(toml_text(tree), encoding="utf-8")
    return path


def shrink(value: Any, divisor: int, cap: int, key: str = "") -> Any:
    """Hidden widths divided by `divisor`, epochs capped at `cap` (keys and swept values)."""
    if isinstance(value, dict):
        return {k: shrink(v, divisor, cap, k) for k, v in value.items()}
    if key in ("hidden", "model.hidden") and isinstance(value, list):
        return [shrink(v, divisor, cap, key) for v in value] if value and \
            isinstance(value[0], list) else [max(4, v // divisor) for v in value]
    if key in ("epochs", "training.epochs"):
        if isinstance(value, list):
            return sorted({min(v, cap) for v in value})
        return min(value, cap)
    if isinstance(value, list):
        return [shrink(v, divisor, cap, key) for v in value]
    return value


def toml_text(tree: dict[str, Any]) -> str:
    """TOML for a tree of tables, arrays and scalars: every top-level key one line."""
    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(item) for item in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(item)}"
                                    for k, item in v.items()) + " }"
        raise TypeError(f"no TOML for {type(v).__name__}")

    return "".join(f"{json.dumps(k)} = {value(v)}\n" for k, v in tree.items())


def jobs_support() -> str | None:
    """How this branch offers --jobs: "execute" (a `jobs` parameter, run in-process), "cli"
    (only `reportgen run --jobs`, run as a command), or None."""
    if "jobs" in inspect.signature(executor.execute).parameters:
        return "execute"
    import typer

    from reportgen.cli import app

    run = typer.main.get_command(app).commands["run"]  # type: ignore[attr-defined]
    return "cli" if any("--jobs" in getattr(p, "opts", []) for p in run.params) else None


def lab_with_cli_jobs(path: Path, out: Path, device: str, jobs: int) -> float:
    """Seconds of `reportgen run --no-fuse --jobs N`, English HTML report included."""
    command = [sys.executable, "-m", "reportgen", "run", str(path), "--out", str(out),
               "--device", device, "--no-fuse", "--jobs", str(jobs), "--lang", "en",
               "--format", "html"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"reportgen run --jobs exited {done.returncode}: "
                           f"{(done.stdout + done.stderr).strip().splitlines()[-1:]}")
    return time.perf_counter() - started


def lab(size: Size, device: str, folder: Path) -> dict[str, Any]:
    path = lab_manifest(folder, size, device)
    spec = manifest.load(path)
    the_plan = expand.expand(spec, only=size.lab_studies)
    modes: dict[str, dict[str, Any]] = {"one_by_one": {"fuse": False}, "fused": {"fuse": True}}
    notes = []
    jobs = jobs_support()
    if jobs == "execute":
        modes[f"jobs_{size.jobs}"] = {"fuse": False, "jobs": size.jobs}
    elif jobs is None:
        notes.append("--jobs: not on this branch (neither `reportgen run` nor "
                     "executor.execute has it); column skipped")
    out: dict[str, Any] = {"runs": len(the_plan.runs), "samples": size.mnist,
                           "studies": size.lab_studies or [s.id for s in spec.studies],
                           "notes": notes, "modes": {}}
    for name, options in modes.items():
        store = Store(folder / f"out-{name}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            seconds, outcome = timed(lambda s=store, o=options: executor.execute(
                spec, the_plan, s, RunOptions(device=device, **o), Progress()),
                device)
        records = [store.load_run(run_id).record for run_id in outcome.trained]
        out["modes"][name] = {
            "seconds": round(seconds, 2), "trained": len(outcome.trained),
            "failed": len(outcome.failed), "epochs": sum(r.epochs_run for r in records),
            "fused_runs": sum(r.fused_group is not None for r in records),
            "warnings": [str(w.message) for w in caught][:5]}
    if jobs == "cli":
        seconds = lab_with_cli_jobs(path, folder / "out-jobs-cli", device, size.jobs)
        out["modes"][f"jobs_{size.jobs}_cli"] = {
            "seconds": round(seconds, 2), "trained": len(the_plan.runs), "failed": 0,
            "epochs": None, "fused_runs": 0, "warnings": []}
        notes.append(f"jobs_{size.jobs}_cli: `reportgen run --jobs` as a command, its English "
                     "HTML report included (executor.execute has no `jobs` parameter)")
    return out


# ---------------------------------------------------------------- sweep
def sweep(size: Size, device: str) -> dict[str, Any]:
    x, y = mnist_like(size.mnist)
    data = mnist_dataset(x, y)
    train_only = Dataset(name="mnist", source="files", classes=data.classes,
                         splits={"train": data.splits["train"]}, preprocess="divide255")
    width = 512 // size.width_divisor
    lrs = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2)
    configs = [mlp_config([width], device, lr=lr, epochs=size.sweep_epochs) for lr in lrs]

    def one_by_one() -> None:
        for cfg in configs:
            fit(TorchTrainer(cfg, train_only, device), cfg.training, has_val=False)

    alone, _ = timed(one_by_one, device)
    together, _ = timed(lambda: fused.train_group(configs, train_only, device,
                                                  lambda member: None), device)
    return {"runs": len(configs), "hidden": [width], "batch": 32, "epochs": size.sweep_epochs,
            "samples": len(train_only.splits["train"]), "one_by_one_seconds": round(alone, 3),
            "fused_seconds": round(together, 3), "speedup": round(alone / together, 2)}


# ---------------------------------------------------------------- floor
class PlainLoop:
    """What a student writes: nn.Sequential, one optimizer, a shuffled index on the device."""

    def __init__(self, cfg: RunConfig, data: Dataset, device: str) -> None:
        split = data.splits["train"]
        self.x = torch.from_numpy(split.x.reshape(len(split), -1)).to(device)
        self.y = torch.from_numpy(split.y).to(device)
        self.model = build_torch(cfg.model, self.x.shape[1], 10, cfg.seed).to(device)
        self.optimizer = make_optimizer(cfg.training.optimizer, self.model.parameters())
        self.batch = int(cfg.training.batch_size)
        self.device = device

    def train_epoch(self, lr: float) -> None:
        order = torch.randperm(len(self.y), device=self.device)
        for start in range(0, len(self.y), self.batch):
            index = order[start:start + self.batch]
            loss = F.cross_entropy(self.model(self.x[index]), self.y[index])
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()


def floor(size: Size, device: str) -> dict[str, Any]:
    x, y = mnist_like(size.mnist)
    data = mnist_dataset(x, y)
    width = 512 // size.width_divisor
    cases = {"mlp512 adam batch 32": mlp_config([width], device),
             "deep 4×512 sgd+momentum batch 128": mlp_config(
                 [width] * 4, device, lr=0.01, batch=128, optimizer="sgd", momentum=0.9)}
    out = {}
    for name, cfg in cases.items():
        lr = float(cfg.training.optimizer.lr or 1e-3)
        ways = {"plain": PlainLoop(cfg, data, device).train_epoch,
                "engine": TorchTrainer(cfg, data, device).train_epoch}
        for epoch in ways.values() if size.warm_up else ():
            timed(lambda e=epoch, lr=lr: e(lr), device)
        times: dict[str, list[float]] = {way: [] for way in ways}
        for _ in range(size.floor_epochs):  # in turns: a burst of load hits both
            for way, epoch in ways.items():
                times[way].append(timed(lambda e=epoch, lr=lr: e(lr), device)[0])
        best = {way: min(t) for way, t in times.items()}
        out[name] = {"plain_seconds": round(best["plain"], 4),
                     "engine_seconds": round(best["engine"], 4),
                     "ratio": round(best["engine"] / best["plain"], 3),
                     "all": {way: [round(t, 4) for t in ts] for way, ts in times.items()}}
    return {"cases": out}


def compiled(size: Size, device: str) -> dict[str, Any]:
    """The plain loop's epoch, eager and with its model compiled into CUDA graphs."""
    if not device.startswith("cuda"):
        return {"skipped": "CUDA only (on the CPU torch.compile needs a C++ toolchain and "
                           "minutes)"}
    x, y = mnist_like(size.mnist)
    data = mnist_dataset(x, y)
    cfg = mlp_config([512 // size.width_divisor], device)
    eager, graphed = PlainLoop(cfg, data, device), PlainLoop(cfg, data, device)
    graphed.model = torch.compile(graphed.model, mode="reduce-overhead")
    first, _ = timed(lambda: graphed.train_epoch(1e-3), device)  # compiles: both batch shapes
    timed(lambda: eager.train_epoch(1e-3), device)
    times: dict[str, list[float]] = {"eager": [], "compiled": []}
    for _ in range(size.floor_epochs):
        for way, loop in (("eager", eager), ("compiled", graphed)):
            times[way].append(timed(lambda lp=loop: lp.train_epoch(1e-3), device)[0])
    best = {way: min(t) for way, t in times.items()}
    return {"case": "mlp512 adam batch 32", "first_epoch_seconds": round(first, 2),
            "eager_seconds": round(best["eager"], 4),
            "compiled_seconds": round(best["compiled"], 4),
            "speedup": round(best["eager"] / best["compiled"], 2)}


# ---------------------------------------------------------------- resnet
RESNET_VARIANTS = {"fp32": {}, "channels_last": {"channels_last": True},
                   "bf16": {"precision": "bf16"},
                   "bf16 + channels_last": {"precision": "bf16", "channels_last": True}}


def resnet(size: Size, device: str) -> dict[str, Any]:
    n_train, side = size.retina
    data = retina_like(n_train, side)
    out: dict[str, Any] = {"train_images": n_train, "shape": [side, side, 3], "batch": 128,
                           "epochs": size.resnet_epochs, "variants": {}}
    for name, options in RESNET_VARIANTS.items():
        cfg = RunConfig.model_validate({
            "dataset": "retina", "engine": "torch", "seed": 0, "device": device,
            "model": {"type": "resnet18"},
            "training": {"epochs": size.resnet_epochs, "batch_size": 128,
                         "optimizer": {"name": "adam", "lr": 1e-3}, **options}})
        trainer = TorchTrainer(cfg, data, device)
        if size.warm_up:
            trainer.train_epoch(1e-3)
        seconds = [timed(lambda t=trainer: t.train_epoch(1e-3), device)[0]
                   for _ in range(size.resnet_epochs)]
        val_loss, val_accuracy = trainer.evaluate("val")
        out["variants"][name] = {"seconds_per_epoch": round(min(seconds), 4),
                                 "median": round(statistics.median(seconds), 4),
                                 "val_loss": round(val_loss, 4),
                                 "val_accuracy": round(val_accuracy, 4)}
    base = out["variants"]["fp32"]["seconds_per_epoch"]
    for variant in out["variants"].values():
        variant["speedup"] = round(base / variant["seconds_per_epoch"], 2)
    return out


# ---------------------------------------------------------------- tolerance
def tolerance(size: Size, device: str) -> dict[str, Any]:
    x, y = mnist_like(size.tolerance_samples, seed=1)
    small = size.small
    runs = {
        "mlp": (mlp_config([512 // size.width_divisor], device, epochs=2 - small),
                mnist_dataset(x, y)),
        "cnn": (RunConfig.model_validate({
            "dataset": "mnist", "engine": "torch", "seed": 13, "device": device,
            "model": {"type": "cnn", "filters": [4, 8] if small else [32, 64],
                      "hidden": [16] if small else [128], "dropout": [0.0, 0.25, 0.5]},
            "training": {"epochs": 2 - small, "batch_size": 128}}),
            mnist_dataset(x, y, images=True)),
    }
    out: dict[str, Any] = {"repeats": size.tolerance_repeats, "runs": {}}
    for name, (cfg, data) in runs.items():
        spec = expand.RunSpec(study_id="tolerance", label=name, variant=None, varied={},
                            config=cfg)
        records = [train_run(spec, name, data, device, describe_device(device),
                                     ["val", "test"], make_trainer, Progress())[0]
                   for _ in range(size.tolerance_repeats)]
        rule = reproduce.tolerance_for(records[0], device, None)
        first = records[0]
        diffs: dict[str, float] = {}
        allowed: dict[str, float] = {}
        for split, metrics in first.metrics.items():
            for metric, value in split_summary(metrics).items():
                key = f"{split}.{metric}"
                values = [split_summary(r.metrics[split])[metric] for r in records[1:]]
                if value is None or any(v is None for v in values):
                    continue
                diffs[key] = max((abs(v - value) for v in values), default=0.0)
                allowed[key] = rule.allowed(metric, value, metrics)
        out["runs"][name] = {
            "tolerance": rule.name, "max_abs_diff": diffs, "allowed": allowed,
            "same_epochs_and_stop": all((r.epochs_run, r.stop_reason)
                                        == (first.epochs_run, first.stop_reason)
                                        for r in records),
            "holds": all(not reproduce.compare(first, r, rule) for r in records[1:])}
    return out


# ---------------------------------------------------------------- tests
_OUTCOME = re.compile(r"(\d+) (passed|failed|skipped|deselected|errors?)")


def cuda_tests() -> dict[str, Any]:
    command = [sys.executable, "-m", "pytest", "-m", "cuda", "tests/test_cuda.py",
               "-o", "addopts=", "-q", "-p", "no:cacheprovider"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    tail = (done.stdout + done.stderr).strip().splitlines()
    # the last line that counts outcomes: plugins may print warnings after pytest's summary
    summary = next((line for line in reversed(tail) if _OUTCOME.search(line)),
                   tail[-1] if tail else "")
    counts = {word: int(n) for n, word in _OUTCOME.findall(summary)}
    ran = counts.get("passed", 0) + counts.get("failed", 0) + counts.get("errors", 0)
    return {"command": " ".join(command[1:]), "returncode": done.returncode,
            "summary": summary, "counts": counts,
            # None: every test skipped (no CUDA device here)
            "ok": (done.returncode == 0 and not counts.get("failed")) if ran else None,
            "output_tail": tail[-30:]}


# ---------------------------------------------------------------- report
def environment(device: str, small: bool) -> dict[str, Any]:
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True, check=False).stdout.strip()
    return {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "device": describe_device(device), "gpu": gpu, "small": small,
            "torch": torch.__version__, "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version() if torch.cuda.is_available() else None,
            "python": platform.python_version(), "cpu_cores": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "commit": commit or None}


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "NOT met")


def markdown(results: dict[str, Any]) -> str:
    env = results["environment"]
    rows: list[tuple[str, str, str, str]] = []
    lab_result = results.get("lab", {})
    for name, mode in lab_result.get("modes", {}).items():
        target = f"< {TARGETS['lab_seconds']:g} s" if name != "one_by_one" else ""
        ok = mode["seconds"] < TARGETS["lab_seconds"] if target else None
        rows.append((f"lab ({lab_result['runs']} runs) {name.replace('_', ' ')}",
                     f"{mode['seconds']:.1f} s, {mode['epochs'] or '?'} epochs, "
                     f"{mode['fused_runs']} fused, {mode['failed']} failed",
                     target, _met(ok)))
    for note in lab_result.get("notes", []):
        rows.append(("lab", note, "", "—"))
    if "modes" in lab_result and {"one_by_one", "fused"} <= set(lab_result["modes"]):
        modes = lab_result["modes"]
        rows.append(("lab one by one / fused",
                     f"{modes['one_by_one']['seconds'] / modes['fused']['seconds']:.2f}×",
                     "", "—"))
    if "speedup" in (s := results.get("sweep", {})):
        rows.append((f"sweep {s['runs']} × {s['hidden']} adam, batch 32: one by one / fused",
                     f"{s['one_by_one_seconds']:.2f} s / {s['fused_seconds']:.2f} s = "
                     f"{s['speedup']:.2f}×", f"≥ {TARGETS['fused_speedup']:g}×",
                     _met(s["speedup"] >= TARGETS["fused_speedup"])))
    for name, case in results.get("floor", {}).get("cases", {}).items():
        rows.append((f"floor {name}: engine / plain loop, s per epoch",
                     f"{case['engine_seconds']:.3f} / {case['plain_seconds']:.3f} = "
                     f"{case['ratio']:.3f}×", f"≤ {TARGETS['engine_over_plain']:g}×",
                     _met(case["ratio"] <= TARGETS["engine_over_plain"])))
    for name, variant in results.get("resnet", {}).get("variants", {}).items():
        rows.append((f"resnet18 {name}, s per epoch",
                     f"{variant['seconds_per_epoch']:.3f} s ({variant['speedup']:.2f}× fp32), "
                     f"val accuracy {variant['val_accuracy']:.3f}", "", "—"))
    for name, run in results.get("tolerance", {}).get("runs", {}).items():
        worst = ", ".join(f"{k} {v:.2g}" for k, v in run["max_abs_diff"].items()
                          if k.startswith(("val.", "test.")))
        rows.append((f"--check {run['tolerance']} tolerance, {name} × "
                     f"{results['tolerance']['repeats']}", worst or "no differences",
                     "within the tolerance", _met(run["holds"])))
    if "speedup" in (c := results.get("compile", {})):
        rows.append(("plain loop compiled (CUDA graphs) vs eager, s per epoch",
                     f"{c['eager_seconds']:.3f} / {c['compiled_seconds']:.3f} = "
                     f"{c['speedup']:.2f}× (first epoch {c['first_epoch_seconds']:.0f} s)",
                     "", "—"))
    if "summary" in (t := results.get("tests", {})):
        rows.append(("pytest -m cuda", t["summary"], "all pass", _met(t["ok"])))
    for name in SECTIONS:
        if "error" in results.get(name, {}):
            rows.append((name, f"ERROR: {results[name]['error']}", "", "NOT met"))
    small = " (--small: tiny data, figures mean nothing)" if env["small"] else ""
    lines = [f"GPU benchmark: {env['device']}, torch {env['torch']}, CUDA {env['cuda']}, "
             f"{env['date']}{small}",
             "", "| measurement | figure | target | |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    seconds = {name: results[name].get("seconds") for name in SECTIONS if name in results}
    lines += ["", "section seconds: " + ", ".join(f"{k} {v}" for k, v in seconds.items()),
              f"total: {results.get('total_seconds')} s"]
    return "\n".join(lines) + "\n"


def write(results: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (out / "gpu.md").write_text(markdown(results), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N or cpu")
    parser.add_argument("--small", action="store_true", help="tiny data: seconds (CI)")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "gpu-benchmark")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections (default all: {','.join(SECTIONS)})")
    args = parser.parse_args(argv)
    device = resolve_device(args.device)
    if device.startswith("cuda") and not torch.cuda.is_available():
        print("no CUDA device here: use --device cpu (with --small for a quick run)",
              file=sys.stderr)
        return 2
    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    if unknown := [s for s in wanted if s not in SECTIONS]:
        print(f"--only: unknown section {', '.join(unknown)} ({', '.join(SECTIONS)})",
              file=sys.stderr)
        return 2
    size = Size(args.small)
    started = time.perf_counter()
    results: dict[str, Any] = {"environment": environment(device, args.small),
                               "targets": TARGETS}
    warm_up(device)
    with tempfile.TemporaryDirectory(prefix="gpu-benchmark-") as tmp:
        work: dict[str, Callable[[], dict[str, Any]]] = {
            "lab": lambda: lab(size, device, Path(tmp)), "sweep": lambda: sweep(size, device),
            "floor": lambda: floor(size, device), "resnet": lambda: resnet(size, device),
            "tolerance": lambda: tolerance(size, device), "tests": cuda_tests,
            "compile": lambda: compiled(size, device)}
        for name in wanted:
            section_started = time.perf_counter()
            print(f"[{time.perf_counter() - started:6.1f} s] {name}…", flush=True)
            try:
                results[name] = work[name]()
            except Exception as exc:  # one section's failure must not cost the others
                results[name] = {"error": f"{type(exc).__name__}: {exc}",
                                 "traceback": traceback.format_exc(limit=8)}
            results[name]["seconds"] = round(time.perf_counter() - section_started, 1)
            results["total_seconds"] = round(time.perf_counter() - started, 1)
            write(results, args.out)
    print(markdown(results))
    print(f"written: {args.out / 'gpu.json'}, {args.out / 'gpu.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
