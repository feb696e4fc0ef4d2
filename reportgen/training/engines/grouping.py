"""Which runs of a study train together as one fused model (`engines/fused.py`).

Runs are fused when they share the dataset, the layer sizes, the batch size, the optimizer
family (`fused.FAMILIES`), the loss and the device, and are torch-engine MLPs without batch
normalisation; everything else (seeds, learning rates and every other optimizer
hyperparameter, initialiser, activation, dropout, l1/l2, schedule, epochs, callbacks) may
differ within a group. A group is split so that its members' parameters, gradients, optimizer
state, restore-best snapshots and batches fit a memory budget (`--max-fused-memory`).

Where fusing pays (`worth_fusing`): on a GPU, always — one batched kernel per layer instead of
K small ones. On a CPU, for small networks (steps of up to `CPU_MAX_STEP_MACS` multiply-adds):
fusing removes the per-step Python and dispatch overhead, which dominates them (10 seeds of the
64-64-10 digits MLP: about 4× faster); a larger network's steps are bound by arithmetic and
memory traffic either way (8 learning rates of a 784-512-10 MLP at batch 32: 0.9–1.2×), so
its runs train one by one unless `--fuse` says otherwise (benchmarks/fused.py measures both).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Sequence
from typing import Any

from reportgen.data import Dataset
from reportgen.manifest import RunConfig
from reportgen.plan.expand import RunSpec

GiB = 1 << 30
CPU_BUDGET = 2 * GiB  # default for CPU groups (at most a quarter of the machine's memory)
GPU_BUDGET_SHARE = 0.5  # default for GPU groups: this share of the device's free memory
# On a CPU, fuse only runs whose multiply-adds per step (parameters × batch size) are at most
# this. Measured on a 2-core EPYC (benchmarks/fused.py --crossover, 8 runs of 784-input MLPs,
# batch 32, 2 threads / 1 thread): 16 hidden units (0.4 M) 3.0× / 3.2× faster fused, 64 units
# 2.9× / 2.2×, 128 units (3.3 M) 2.0× / 1.6×, 256 units (6.5 M) 1.6× / 1.1×, 512 units (13 M)
# 0.95–1.2× / 0.9×. Past that size a step is bound by arithmetic and memory traffic either way:
# fusing only saves the per-step overhead, and the K members' optimizer state no longer fits
# the cache as one member's does.
CPU_MAX_STEP_MACS = 8_000_000

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1e3, "kb": 1e3, "kib": 1 << 10, "m": 1e6, "mb": 1e6,
          "mib": 1 << 20, "g": 1e9, "gb": 1e9, "gib": GiB, "t": 1e12, "tb": 1e12,
          "tib": 1 << 40}


def parse_size(text: str) -> int:
    """'512MiB', '2GB', '1.5g' or a number of bytes → bytes."""
    match = _SIZE.match(text)
    if match is None or match.group(2).lower() not in _UNITS:
        raise ValueError(f"not a memory size: {text!r} (use e.g. 512MiB, 2GiB or 2000000000)")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def default_budget(device: str) -> int:
    """Bytes a fused group may use on `device` by default."""
    if device.startswith("cuda"):
        import torch

        free, _total = torch.cuda.mem_get_info(torch.device(device))
        return int(free * GPU_BUDGET_SHARE)
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return CPU_BUDGET
    return min(CPU_BUDGET, memory // 4)


def _sizes(config: RunConfig, dataset: Dataset) -> list[int]:
    from reportgen.training.models import layer_sizes

    return layer_sizes(config.mlp(), dataset.n_features, dataset.n_classes)


def _batch(config: RunConfig, dataset: Dataset) -> int:
    n_train = len(dataset.splits["train"])
    batch = config.training.batch_size
    return n_train if batch == "full" else min(batch, n_train)


def fusion_key(config: RunConfig, dataset: Dataset, device: str) -> tuple[Any, ...] | None:
    """Runs with equal keys can be trained as one fused model; None: this one cannot."""
    from reportgen.training.engines.fused import FAMILIES, fusable

    if not fusable(config):
        return None
    return (config.dataset, tuple(_sizes(config, dataset)), _batch(config, dataset),
            FAMILIES[config.training.optimizer.name], config.training.loss, device)


def n_params(config: RunConfig, dataset: Dataset) -> int:
    sizes = _sizes(config, dataset)
    return sum(a * b + b for a, b in itertools.pairwise(sizes))


def member_bytes(config: RunConfig, dataset: Dataset) -> int:
    """An estimate of the memory one member adds to a fused group (float32): parameters,
    gradients, optimizer state, a restore-best snapshot, one update's temporaries, and its
    activations for one training batch and one evaluation chunk."""
    from reportgen.training.engines.fused import EVAL_CHUNK

    optimizer, training = config.training.optimizer, config.training
    momentum = optimizer.momentum > 0
    state = {"gd": momentum, "sgd": momentum, "adagrad": 1,
             "rmsprop": 1 + optimizer.centered + momentum,
             "adam": 2 + optimizer.amsgrad, "adamw": 2 + optimizer.amsgrad}[optimizer.name]
    snapshot = training.early_stopping is not None and training.early_stopping.restore_best
    copies = 2 + state + snapshot + 2  # params, grads, state, snapshot, temporaries
    sizes = _sizes(config, dataset)
    hidden = sum(sizes[1:-1])
    batch = _batch(config, dataset)
    # the gathered input; per hidden unit pre-activation, activation, mask and their gradients
    per_sample = sizes[0] + 6 * hidden + 4 * sizes[-1]
    n_eval = max((len(split) for name, split in dataset.splits.items() if name != "train"),
                 default=0)
    per_eval_sample = 2 * hidden + 2 * sizes[-1]
    return 4 * (copies * n_params(config, dataset) + batch * per_sample
                + min(EVAL_CHUNK, n_eval) * per_eval_sample) + 8 * len(dataset.splits["train"])


def worth_fusing(config: RunConfig, dataset: Dataset, device: str) -> bool:
    """Whether fusing is expected to be faster than one-by-one training on `device`."""
    if device.startswith("cuda"):
        return True
    return n_params(config, dataset) * _batch(config, dataset) <= CPU_MAX_STEP_MACS


def fused_groups(specs: Sequence[RunSpec], datasets: dict[str, Dataset],
                 device_of: Callable[[RunSpec], str], *, budget: int | None = None,
                 force: bool = False) -> list[list[RunSpec]]:
    """The groups (two runs or more, ordered by activation functions, then as planned) that
    train fused; the runs not in a group train one by one. `specs` are the study's runs still
    to train; `force` fuses even where `worth_fusing` says it does not pay. `budget` (bytes per
    group) defaults to `default_budget` of the group's device."""
    from reportgen.training.engines.fused import activation_order

    by_key: dict[tuple[Any, ...], list[RunSpec]] = {}
    for spec in specs:
        dataset = datasets[spec.config.dataset]
        device = device_of(spec)
        key = fusion_key(spec.config, dataset, device)
        if key is None or not (force or worth_fusing(spec.config, dataset, device)):
            continue
        by_key.setdefault(key, []).append(spec)
    groups = []
    for key, members in by_key.items():
        if len(members) < 2:
            continue
        dataset, device = datasets[members[0].config.dataset], key[-1]
        limit = default_budget(device) if budget is None else budget
        # Members with the same activations side by side: one activation call per run of them.
        members.sort(key=lambda s: activation_order(s.config))
        per_member = max(member_bytes(s.config, dataset) for s in members)
        groups += [group for group in split(members, max(1, limit // per_member))
                   if len(group) > 1]
    return groups


def split(members: list[RunSpec], most: int) -> list[list[RunSpec]]:
    """`members` in consecutive parts of at most `most`, as even as possible (10 by 4: 4, 3, 3)."""
    parts = -(-len(members) // most)
    size, extra = divmod(len(members), parts)
    out, start = [], 0
    for index in range(parts):
        end = start + size + (index < extra)
        out.append(members[start:end])
        start = end
    return out
