"""`--jobs N`: units in a pool of N worker processes on this machine (the standard library's).

Workers are started with "spawn" (torch's OpenMP threads do not survive a fork); each receives
the datasets once, when it starts. A worker that dies (SIGKILL, out of memory) breaks the pool:
every unit it had not returned is resubmitted to a fresh pool, up to `ATTEMPTS` times, while
the results already returned are kept (the driver saved them).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import socket
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from reportgen.data import Dataset
from reportgen.parallel.units import Done, Sink, Unit, perform

ATTEMPTS = 3  # a unit whose worker died this many times fails (it is probably what kills it)

_worker: dict[str, Any] = {}  # this worker process's datasets, name, GPU and event queue


def _init(datasets: dict[str, Dataset], events: Sink, counter: Any, gpus: list[str],
          threads: int) -> None:
    with counter.get_lock():
        counter.value += 1
        number = counter.value
    _worker.update(datasets=datasets, events=events, name=f"worker {number}",
                   pin=gpus[(number - 1) % len(gpus)] if gpus else None)
    # Each worker's own pools (torch between runs, BLAS) get its share of the cores.
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)
    except ImportError:
        pass
    import torch

    torch.set_num_threads(threads)


def _perform(unit: Unit) -> Done:
    return perform(unit, _worker["datasets"], _worker["name"],
                   f"{socket.gethostname()}:{os.getpid()}", _worker["pin"], _worker["events"])


class LocalPool:
    def __init__(self, jobs: int, datasets: dict[str, Dataset], gpus: list[str],
                 threads: int) -> None:
        self.jobs = jobs
        self.context = multiprocessing.get_context("spawn")
        self.events = self.context.Queue()
        self.counter = self.context.Value("i", 0)
        self.initargs = (datasets, self.events, self.counter, gpus, threads)
        self.futures: dict[Future[Done], Unit] = {}
        self.attempts: dict[int, int] = {}
        self.executor = self._executor()

    @property
    def workers(self) -> int:
        return self.jobs

    def _executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.jobs, mp_context=self.context, initializer=_init,
                                   initargs=self.initargs)

    def submit(self, unit: Unit) -> None:
        self.attempts[unit.key] = self.attempts.get(unit.key, 0) + 1
        try:
            future = self.executor.submit(_perform, unit)
        except BrokenProcessPool:  # a worker died since the last wait: a fresh pool
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = self._executor()
            future = self.executor.submit(_perform, unit)
        self.futures[future] = unit

    def pending(self) -> int:
        return len(self.futures)

    def drain(self) -> list[tuple[Any, ...]]:
        """Progress events sent by the workers since the last call."""
        events = []
        while True:
            try:
                events.append(self.events.get_nowait())
            except (queue.Empty, OSError, ValueError):
                return events

    def wait(self, timeout: float) -> list[tuple[Unit, Done | BaseException]]:
        """Units finished within `timeout` seconds, with their result or exception; units
        lost with a dead worker are resubmitted instead (or failed after `ATTEMPTS`)."""
        finished, _ = wait(list(self.futures), timeout, return_when=FIRST_COMPLETED)
        broken = any(isinstance(f.exception(), BrokenProcessPool) for f in finished) \
            or self._worker_died()
        if broken:  # every unit not returned yet went down with the pool
            finished = set(self.futures)
        out: list[tuple[Unit, Done | BaseException]] = []
        lost: list[Unit] = []
        for future in finished:
            unit = self.futures.pop(future)
            error = future.exception() if future.done() else BrokenProcessPool()
            if isinstance(error, BrokenProcessPool) and self.attempts[unit.key] < ATTEMPTS:
                lost.append(unit)
            elif isinstance(error, BrokenProcessPool):
                out.append((unit, RuntimeError(f"its worker process died {ATTEMPTS} times")))
            else:
                out.append((unit, error if error is not None else future.result()))
        if broken:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = self._executor()
            for unit in sorted(lost, key=lambda u: u.key):
                self.submit(unit)
        return out

    def _worker_died(self) -> bool:
        """A worker gone without the pool noticing: one that died while starting (e.g. a
        script without `if __name__ == "__main__":`) leaves the executor waiting forever."""
        processes = getattr(self.executor, "_processes", None) or {}
        return any(process.exitcode is not None for process in list(processes.values()))

    def close(self, wait: bool = True) -> None:
        self.executor.shutdown(wait=wait, cancel_futures=True)
        self.events.close()
