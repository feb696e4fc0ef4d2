"""How many units run at once (`--jobs auto`), on which GPU, with how many CPU threads.

Memory estimate for sharing a GPU: a worker needs a CUDA context (`CONTEXT_BYTES`: the driver
state and PyTorch's kernels, 300–500 MiB on recent GPUs, rounded up) plus its largest run: for
an MLP `grouping.member_bytes` (parameters, gradients, optimizer state, a restore-best snapshot,
a batch's activations), for other models six float32 copies of the parameters, and in both
cases the dataset's arrays, which the engines keep on the device. `--jobs auto` puts as many
workers on each GPU as 90 % of its free memory holds, at most `MAX_PER_GPU`; workers take the
GPUs in turn (worker k → GPU k mod n). On the CPU, `--jobs auto` is the number of cores this
process may use, and each worker's torch and BLAS pools get cores ÷ jobs threads.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from reportgen.data import Dataset
from reportgen.plan.expand import RunSpec

MiB = 1 << 20
CONTEXT_BYTES = 512 * MiB
MAX_PER_GPU = 4
FREE_SHARE = 0.9


def cpu_count() -> int:
    """CPUs this process may run on (a container or `taskset` may allow fewer than exist)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def dataset_bytes(dataset: Dataset) -> int:
    return sum(split.x.nbytes + split.y.nbytes for split in dataset.splits.values())


def run_bytes(spec: RunSpec, dataset: Dataset) -> int:
    """Estimated GPU memory of one run besides the CUDA context (see the module docstring)."""
    from reportgen.training.engines import grouping

    if spec.config.model.type == "mlp":
        return grouping.member_bytes(spec.config, dataset) + dataset_bytes(dataset)
    from reportgen.training.models import summary_rows

    params = sum(row.params for row in summary_rows(spec.config.model, dataset.input_shape,
                                                    dataset.n_classes))
    return 4 * 6 * params + dataset_bytes(dataset)


def units_per_gpu(free_bytes: int, need: int) -> int:
    return max(1, min(MAX_PER_GPU, int(free_bytes * FREE_SHARE) // (CONTEXT_BYTES + need)))


def gpus(device: str | None, specs: Iterable[RunSpec]) -> list[str]:
    """The CUDA devices workers are pinned to: none when every run is on the CPU."""
    wanted = {device} if device else {spec.config.device for spec in specs}
    if wanted <= {"cpu"}:
        return []
    import torch

    if not torch.cuda.is_available():
        return []
    return [f"cuda:{i}" for i in range(torch.cuda.device_count())]


def auto_jobs(device: str | None, specs: list[RunSpec],
              datasets: dict[str, Dataset]) -> int:
    """`--jobs auto`: the cores here, or on GPUs as many workers per GPU as memory allows."""
    devices = gpus(device, specs)
    if not devices:
        return cpu_count()
    import torch

    need = max((run_bytes(s, datasets[s.config.dataset]) for s in specs), default=0)
    free = min(torch.cuda.mem_get_info(torch.device(d))[0] for d in devices)
    return units_per_gpu(free, need) * len(devices)


def threads_per_worker(jobs: int) -> int:
    return max(1, cpu_count() // jobs)
