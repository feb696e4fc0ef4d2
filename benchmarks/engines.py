"""Seconds per training epoch on the CPU: the NumPy engine, the torch engine, and a plain
hand-written PyTorch loop (the floor the torch engine's own overhead is measured against).

    python benchmarks/engines.py                       # 784-512-10, batch 32 and 128, Adam
    python benchmarks/engines.py --optimizer sgd --batch-sizes 32 128 full

Timing only: the inputs are random float32 of MNIST's shape (n × 784, labels 0–9), so the
losses mean nothing. Every implementation runs the same number of batches of the same size
per epoch, from the same initial weights. After one warm-up epoch each, the three take turns
epoch by epoch, so a burst of load from another process hits all of them alike; the table gives
the best epoch (other processes can only add time) and the median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reportgen.data.base import Dataset, Split
from reportgen.manifest import ModelSpec, OptimizerSpec, RunConfig, TrainingSpec
from reportgen.training.engines.numpy_engine import NumpyTrainer
from reportgen.training.engines.torch_engine import TorchTrainer, make_optimizer
from reportgen.training.models import build_torch

N_FEATURES, N_CLASSES = 784, 10


def random_dataset(n: int, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.random((n, N_FEATURES), dtype=np.float32)
    y = rng.integers(0, N_CLASSES, size=n).astype(np.int64)
    return Dataset(name="random", source="random", classes=[str(c) for c in range(N_CLASSES)],
                   splits={"train": Split(x, y)}, preprocess="none")


def run_config(hidden: int, batch: int | str, optimizer: str, lr: float, seed: int) -> RunConfig:
    name = "gd" if batch == "full" and optimizer == "sgd" else optimizer
    return RunConfig(dataset="random", model=ModelSpec(hidden=[hidden]),
                     training=TrainingSpec(batch_size=batch,
                                           optimizer=OptimizerSpec(name=name, lr=lr)),
                     engine="torch", seed=seed, device="cpu")


class PlainTorchLoop:
    """What a student would write: nn.Sequential, one optimizer, index slices, no callbacks."""

    def __init__(self, config: RunConfig, dataset: Dataset) -> None:
        split = dataset.splits["train"]
        self.x, self.y = torch.from_numpy(split.x), torch.from_numpy(split.y)
        self.model = build_torch(config.model, N_FEATURES, N_CLASSES, config.seed)
        self.optimizer = make_optimizer(config.training.optimizer, self.model.parameters())
        batch = config.training.batch_size
        self.batch_size = len(self.y) if batch == "full" else batch
        self.generator = torch.Generator().manual_seed(config.seed)

    def train_epoch(self, lr: float) -> None:
        order = torch.randperm(len(self.y), generator=self.generator)
        for start in range(0, len(self.y), self.batch_size):
            index = order[start:start + self.batch_size]
            loss = F.cross_entropy(self.model(self.x[index]), self.y[index])
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()


def time_epochs(trainers: dict[str, Callable[[float], object]], lr: float,
                epochs: int) -> dict[str, list[float]]:
    """Seconds of each timed epoch per implementation, taking turns epoch by epoch."""
    for train_epoch in trainers.values():
        train_epoch(lr)  # warm-up: allocator, BLAS threads, first-touch pages
    times: dict[str, list[float]] = {name: [] for name in trainers}
    for _ in range(epochs):
        for name, train_epoch in trainers.items():
            started = time.perf_counter()
            train_epoch(lr)
            times[name].append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=45_000)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--batch-sizes", nargs="+", default=["32", "128"],
                        help='batch sizes to time; "full" for full-batch')
    parser.add_argument("--optimizer", default="adam",
                        choices=["sgd", "adam", "adamw", "rmsprop", "adagrad"])
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs (median reported)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for torch and for NumPy's BLAS alike (default: each "
                             "library's own default)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
        threadpool_limits(args.threads)

    dataset = random_dataset(args.samples, args.seed)
    blas = ", ".join(sorted({f"{i['internal_api']} threads={i['num_threads']}"
                             for i in threadpool_info() if i["user_api"] == "blas"}))
    print(f"MLP {N_FEATURES}-{args.hidden}-{N_CLASSES}, {args.optimizer} lr={args.lr:g}, "
          f"{args.samples:,} samples of RANDOM float32 data of MNIST shape (timing only)")
    print(f"CPU: {os.cpu_count()} logical cores; torch {torch.__version__} "
          f"(threads={torch.get_num_threads()}); numpy {np.__version__} ({blas})")
    print(f"seconds per epoch: best / median of {args.epochs} epochs, after one warm-up epoch\n")
    header = (f"{'batch':>5} {'steps':>5} | {'plain torch':>13} | {'torch engine':>13} | "
              f"{'numpy engine':>13} | {'numpy/torch engine':>18} | {'torch engine/plain':>18}")
    print(header)
    print("-" * len(header))
    for raw in args.batch_sizes:
        batch: int | str = raw if raw == "full" else int(raw)
        config = run_config(args.hidden, batch, args.optimizer, args.lr, args.seed)
        steps = 1 if batch == "full" else -(-args.samples // int(batch))
        numpy_config = config.model_copy(update={"engine": "numpy"})
        times = time_epochs({
            "plain": PlainTorchLoop(config, dataset).train_epoch,
            "torch": TorchTrainer(config, dataset, "cpu").train_epoch,
            "numpy": NumpyTrainer(numpy_config, dataset).train_epoch,
        }, args.lr, args.epochs)
        best = {name: min(t) for name, t in times.items()}
        median = {name: statistics.median(t) for name, t in times.items()}
        cells = " | ".join(f"{best[n]:>5.2f} / {median[n]:>5.2f}" for n in times)
        print(f"{raw:>5} {steps:>5} | {cells} | {best['numpy'] / best['torch']:>17.2f}× | "
              f"{best['torch'] / best['plain']:>17.2f}×")
    print("\nratios use the best epochs")


if __name__ == "__main__":
    main()
