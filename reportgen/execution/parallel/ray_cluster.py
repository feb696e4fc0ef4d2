"""`--cluster auto|ray://HOST:PORT`: units as Ray tasks (optional extra `reportgen[ray]`).

Ray schedules: each unit asks for one CPU and, for runs on a GPU, a share of one
(`devices.units_per_gpu` of this machine's GPU when it has one, else 1/`MAX_PER_GPU`), spread
over the nodes. The datasets go into the object store once (`ray.put`); tasks read them from
there. A task whose worker dies is retried by Ray (`max_retries`); a task's own exception is
not (it is the run's failure, recorded as with `--jobs`). Progress events come back through a
`ray.util.queue.Queue`.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from reportgen.data import Dataset
from reportgen.errors import ReportgenError
from reportgen.execution.parallel import devices
from reportgen.execution.parallel.local import ATTEMPTS
from reportgen.execution.parallel.units import Done, EventProgress, Unit, perform
from reportgen.plan.expand import RunSpec

try:
    import ray
    from ray.util.queue import Empty, Queue
except ImportError:  # the optional extra is not installed
    ray = None  # type: ignore[assignment]


def _remote_perform(unit: Unit, datasets: dict[str, Dataset], sink: Any) -> Done:
    node = ray.get_runtime_context().get_node_id()
    host, pid = socket.gethostname(), os.getpid()
    name = f"node {node[:6]}:{pid}"
    return perform(unit, datasets, name, f"node {node[:12]} · {host}:{pid}", None,
                   EventProgress(sink, name))


def connect(cluster: str) -> bool:
    """Join `cluster` ("auto": a running cluster, else a local one); True when this call
    started Ray (and so should stop it)."""
    if ray is None:
        raise ReportgenError("--cluster needs Ray: pip install 'reportgen[ray]'")
    if ray.is_initialized():
        return False
    try:
        if cluster == "auto":
            try:
                ray.init(address="auto", log_to_driver=False)
            except ConnectionError:  # no cluster running: a local one, as on a laptop
                ray.init(log_to_driver=False)
        else:
            ray.init(address=cluster, log_to_driver=False)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        raise ReportgenError(f"--cluster {cluster}: cannot connect ({exc})") from None
    return True


class RayPool:
    def __init__(self, cluster: str, datasets: dict[str, Dataset], device: str | None,
                 specs: list[RunSpec]) -> None:
        self.started = connect(cluster)
        self.datasets = ray.put(datasets)  # once: every task reads this copy
        self.events = Queue(actor_options={"num_cpus": 0})
        self.task = ray.remote(_remote_perform)
        self.refs: dict[Any, Unit] = {}
        self.gpu_share = self._gpu_share(device, specs, datasets)

    @property
    def workers(self) -> int:
        return max(1, int(ray.cluster_resources().get("CPU", 1)))

    @staticmethod
    def _gpu_share(device: str | None, specs: list[RunSpec],
                   datasets: dict[str, Dataset]) -> float:
        wanted = {device} if device else {spec.config.device for spec in specs}
        if wanted <= {"cpu"} or not ray.cluster_resources().get("GPU"):
            return 0.0
        local = devices.gpus(device, specs)
        if not local:
            return 1 / devices.MAX_PER_GPU
        import torch

        need = max((devices.run_bytes(s, datasets[s.config.dataset]) for s in specs),
                   default=0)
        return 1 / devices.units_per_gpu(torch.cuda.mem_get_info(0)[0], need)

    def submit(self, unit: Unit) -> None:
        gpus = self.gpu_share if unit.device != "cpu" else 0.0
        ref = self.task.options(num_cpus=1, num_gpus=gpus, max_retries=ATTEMPTS - 1,
                                retry_exceptions=False, scheduling_strategy="SPREAD").remote(
            unit, self.datasets, self.events)
        self.refs[ref] = unit

    def pending(self) -> int:
        return len(self.refs)

    def drain(self) -> list[tuple[Any, ...]]:
        events = []
        while True:
            try:
                events.append(self.events.get_nowait())
            except Empty:
                return events

    def wait(self, timeout: float) -> list[tuple[Unit, Done | BaseException]]:
        ready, _ = ray.wait(list(self.refs), num_returns=1, timeout=timeout)
        out: list[tuple[Unit, Done | BaseException]] = []
        for ref in ready:
            unit = self.refs.pop(ref)
            try:
                out.append((unit, ray.get(ref)))
            except Exception as exc:  # Ray's retries spent, or the unit itself raised
                out.append((unit, exc))
        return out

    def close(self, wait: bool = True) -> None:
        if not wait:
            for ref in self.refs:
                ray.cancel(ref, force=True)
        if self.started:
            ray.shutdown()
