"""Seconds to train the same sweep one run at a time (TorchTrainer + training.fit's loop, as
`reportgen run --no-fuse` does) and as one fused group (engines/fused.py, `--fuse`), and the
ratio; first, the two ways of batching a layer over the group's members, timed per step.

    python benchmarks/fused.py                   # both sweeps below, CPU (or --device cuda)
    python benchmarks/fused.py --epochs 1 --digits-epochs 10 --repeats 1   # a quicker look
    python benchmarks/fused.py --crossover       # where fusing starts to pay on this CPU

Sweeps: "mnist-adam-lr" — 8 learning rates of Adam on a 784-512-10 MLP, batch 32, 45,000
samples of RANDOM float32 data of MNIST's shape (timing only); "digits-seeds" — 10 seeds of
the default manifest's digits MLP (64-64-10, Adam, batch 32, 1,078 training samples, validation
every epoch). Each timing trains every run from its construction to its last epoch (final
metrics not included); the two ways advance in turns, epoch by epoch, so that load from other
processes hits both alike. The table gives the best of `--repeats` (other processes can only
add time) and every measurement.

"--backends" (on by default) compares, per training step, the engine's batched layer (one
torch.baddbmm per layer, gradients written straight into the group's buffer) with torch.func:
the members' modules stacked by `stack_module_state` and `vmap(grad(functional_call))` (whose
fresh gradient tensors would still have to be copied into the group's buffer: not timed).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import reportgen  # noqa: F401, I001 — first: sets OMP_WAIT_POLICY before torch loads OpenMP
import numpy as np
import torch

from reportgen.data import Dataset, Split, load_dataset
from reportgen.training.engines import fused
from reportgen.training.engines.torch_engine import TorchTrainer
from reportgen.training.engines.grouping import CPU_MAX_STEP_MACS, n_params
from reportgen.manifest import RunConfig, SklearnDataset, SplitSpec
from reportgen.training.models import build_torch
from reportgen.training.loop import RunCallbacks


def random_mnist(n: int, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784), dtype=np.float32)
    y = rng.integers(0, 10, size=n).astype(np.int64)
    return Dataset(name="random", source="random", classes=[str(c) for c in range(10)],
                   splits={"train": Split(x, y)}, preprocess="none")


def digits() -> Dataset:
    spec = SklearnDataset(source="sklearn", name="digits", preprocess="minmax",
                          split=SplitSpec(train=0.6, val=0.2, test=0.2))
    return load_dataset("digits", spec, Path("."))


def config(dataset: str, hidden: list[int], lr: float, seed: int, epochs: int,
           device: str, batch: int = 32) -> RunConfig:
    return RunConfig.model_validate({
        "dataset": dataset, "engine": "torch", "seed": seed, "device": device,
        "model": {"hidden": hidden},
        "training": {"epochs": epochs, "batch_size": batch,
                     "optimizer": {"name": "adam", "lr": lr}},
    })


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def alone_epochs(config: RunConfig, data: Dataset, device: str) -> Iterator[int]:
    """training.fit, one epoch per step of the iteration (the same calls, in the same order)."""
    trainer = TorchTrainer(config, data, device)
    run = RunCallbacks(config.training, has_val="val" in data.splits)
    for epoch in range(config.training.epochs):
        started = time.perf_counter()
        lr = run.learning_rate(epoch)
        loss, accuracy = trainer.train_epoch(lr)
        val = trainer.evaluate("val") if math.isfinite(loss) and run.evaluates(epoch) else None
        run.end_epoch(epoch, lr, (loss, accuracy), val, time.perf_counter() - started)
        yield epoch
        if run.check(trainer.snapshot):
            break


def timed(epochs: Iterator[int], device: str) -> float | None:
    """Seconds the next epoch (the first one: with building the run) takes; None when done."""
    started = time.perf_counter()
    try:
        next(epochs)
    except StopIteration:
        return None
    sync(device)
    return time.perf_counter() - started


def both(configs: list[RunConfig], data: Dataset, device: str) -> tuple[float, float]:
    """Seconds to train `configs` one by one and fused. Both advance epoch by epoch in turns
    (all runs' epoch e alone, then the group's epoch e), so that load from other processes,
    which varies over seconds on a shared machine, hits both alike."""
    alone = [alone_epochs(c, data, device) for c in configs]
    group = fused.group_epochs(configs, data, device, lambda member: None)
    seconds = {"alone": 0.0, "fused": 0.0}
    while alone or group is not None:
        for run in list(alone):
            if (spent := timed(run, device)) is None:
                alone.remove(run)
            else:
                seconds["alone"] += spent
        if group is not None:
            if (spent := timed(group, device)) is None:
                group = None
            else:
                seconds["fused"] += spent
    return seconds["alone"], seconds["fused"]


def compare(name: str, configs: list[RunConfig], data: Dataset, device: str,
            repeats: int) -> None:
    times = [both(configs, data, device) for _ in range(repeats)]
    alone, group = min(t[0] for t in times), min(t[1] for t in times)
    print(f"{name:<14} {len(configs):>3} runs × {configs[0].training.epochs:>2} epochs | "
          f"one by one {alone:8.2f} s | fused {group:8.2f} s | ratio {alone / group:5.2f}× | "
          f"all: {' '.join(f'{t[0]:.2f}' for t in times)} / "
          f"{' '.join(f'{t[1]:.2f}' for t in times)}")


# ---------------------------------------------------------------- bmm vs vmap, per step
def step_times(configs: list[RunConfig], data: Dataset, device: str,
               steps: int) -> dict[str, float]:
    """Microseconds per forward + backward pass of one batch for the K members."""
    from torch.func import functional_call, grad, stack_module_state, vmap

    trainer = fused.FusedTrainer(configs, data, device)
    x, y = trainer.splits["train"]
    k, batch = len(configs), trainer.batch_size
    index = torch.stack([torch.randperm(len(y), device=trainer.device)[:batch]
                         for _ in range(k)])
    xb, yb = x[index], y[index]

    def engine() -> None:
        logits = trainer._train_logits(xb)
        trainer._losses(logits, yb).sum().backward()

    modules = [build_torch(c.model, data.n_features, data.n_classes, c.seed).to(device)
               for c in configs]
    params, buffers = stack_module_state(modules)
    base = modules[0]

    def loss(p: dict, b: dict, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.cross_entropy(functional_call(base, (p, b), (xs,)), ys)

    batched = vmap(grad(loss), in_dims=(0, 0, 0, 0))

    def vmapped() -> None:
        batched(params, buffers, xb, yb)

    ways = {"bmm": engine, "vmap": vmapped}
    for step in ways.values():
        for _ in range(5):
            step()
    best = dict.fromkeys(ways, float("inf"))
    for _ in range(7):  # taking turns, so a burst of load hits both alike
        for name, step in ways.items():
            sync(device)
            started = time.perf_counter()
            for _ in range(steps):
                step()
            sync(device)
            best[name] = min(best[name], (time.perf_counter() - started) / steps)
    return {name: seconds * 1e6 for name, seconds in best.items()}


def crossover(device: str, members: int) -> None:
    """Per-epoch time of K runs, one by one and fused, over network sizes (batch 32, 6,400
    samples): where fusing starts to pay, next to the CPU rule of grouping.worth_fusing."""
    data = random_mnist(6_400)
    print(f"\ncrossover: {members} runs, one epoch each, batch 32, 784 inputs; fused on the "
          f"CPU by default when parameters × batch ≤ {CPU_MAX_STEP_MACS:,}")
    print(f"{'hidden':>10} {'params×batch':>13} | {'one by one':>10} | {'fused':>8} | ratio")
    for hidden in ([16], [32], [64], [128], [256], [512]):
        configs = [config("random", hidden, 1e-3 * (i + 1), 0, 1, device)
                   for i in range(members)]
        times = [both(configs, data, device) for _ in range(2)]
        alone, group = min(t[0] for t in times), min(t[1] for t in times)
        macs = n_params(configs[0], data) * 32
        print(f"{hidden!s:>10} {macs:>13,} | {alone:9.2f}s | {group:7.2f}s | "
              f"{alone / group:4.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--samples", type=int, default=45_000)
    parser.add_argument("--epochs", type=int, default=2, help="epochs of the MNIST sweep")
    parser.add_argument("--digits-epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--backends", action=argparse.BooleanOptionalAction, default=True,
                        help="also time bmm against vmap per step")
    parser.add_argument("--crossover", action="store_true",
                        help="also time network sizes around the CPU rule")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none available"
    print(f"torch {torch.__version__}, device {device}; CPU: {os.cpu_count()} logical cores, "
          f"torch threads {torch.get_num_threads()}; GPU: {gpu}")
    mnist, small = random_mnist(args.samples), digits()
    sweeps = {
        "digits-seeds": ([config("digits", [64], 1e-3, seed, args.digits_epochs, device)
                          for seed in range(10)], small),
        "mnist-adam-lr": ([config("random", [512], lr, 0, args.epochs, device)
                           for lr in (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2)], mnist),
    }
    if args.backends:  # first, in a fresh process: after the sweeps, small steps were at
        # times twice as slow, bmm and vmap alike
        print("per training step (forward + backward of one batch for all members), µs:")
        for name, (configs, data) in sweeps.items():
            times = step_times(configs, data, device, steps=20 if "mnist" in name else 200)
            print(f"{name:<14} bmm {times['bmm']:10.0f} | vmap {times['vmap']:10.0f} | "
                  f"vmap/bmm {times['vmap'] / times['bmm']:4.2f}×")
        print()
    print(f"best of {args.repeats}, taking turns; seconds from building the runs to their "
          "last epoch")
    for name, (configs, data) in sweeps.items():
        compare(name, configs, data, device, args.repeats)
    if args.crossover:
        crossover(device, 8)


if __name__ == "__main__":
    main()
