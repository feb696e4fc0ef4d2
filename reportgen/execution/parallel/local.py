"""`--jobs N`: units in a pool of N worker processes on this machine (the standard library's).

Start-up. A worker needs torch, scikit-learn and the engines, about 6 s of CPU to import on a
small machine; spawned workers each paid it, all at once. Where the platform has one, workers
are forked from a `multiprocessing` fork server instead, which imports those modules once
(`server.WORKER_MODULES`, its preload) and is started as early as a parallel run is known to
come (`server.warm_up`: before the `run` command imports the rest of reportgen, else before
the driver loads its data), so that import overlaps the driver's own work.
Forking is safe there: the server only imported, it never ran torch (no OpenMP threads yet),
while the driver, which may have trained, is never forked. Until the server is ready, the
driver trains the shortest waiting runs itself (on the CPU; one core would otherwise idle) and
hands the rest to the pool once it is. Elsewhere (Windows, macOS) workers are spawned.

Each worker receives the datasets once, when it starts. A worker that dies (SIGKILL, out of
memory) breaks the pool: every unit it had not returned is resubmitted to a fresh pool, up to
`ATTEMPTS` times, while the results already returned are kept (the driver saved them).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import socket
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from reportgen.data import Dataset
from reportgen.execution.parallel import server
from reportgen.execution.parallel.units import Done, EventProgress, RunUnit, Sink, Unit, perform

ATTEMPTS = 3  # a unit whose worker died this many times fails (it is probably what kills it)

_worker: dict[str, Any] = {}  # this worker process's datasets, name, GPU and event queue


def _init(datasets: dict[str, Dataset], events: Sink, counter: Any, gpus: list[str],
          threads: int, environment: dict[str, str]) -> None:
    # A forked worker has the fork server's environment, from when the server started: the
    # driver's present one is what a spawned worker would have had.
    os.environ.clear()
    os.environ.update(environment)
    with counter.get_lock():
        counter.value += 1
        number = counter.value
    _worker.update(datasets=datasets, events=events, name=f"worker {number}",
                   pin=gpus[(number - 1) % len(gpus)] if gpus else None)
    _limit_threads(threads)


def _limit_threads(threads: int) -> Any:
    """Give this process's pools (torch between runs, BLAS) `threads` threads; returns the
    BLAS limiter (a context manager that restores them), or None without threadpoolctl."""
    limiter = None
    try:
        from threadpoolctl import threadpool_limits

        limiter = threadpool_limits(threads)
    except ImportError:
        pass
    import torch

    torch.set_num_threads(threads)
    return limiter


def _perform(unit: Unit) -> Done:
    return perform(unit, _worker["datasets"], _worker["name"],
                   f"{socket.gethostname()}:{os.getpid()}", _worker["pin"],
                   EventProgress(_worker["events"], _worker["name"]))


class _Forward:
    """The driver's own progress events while it trains: shown at once through `show`."""

    def __init__(self, show: Callable[[tuple[Any, ...]], None] | None,
                 later: list[tuple[Any, ...]]) -> None:
        self.show = show
        self.later = later

    def put(self, event: tuple[Any, ...]) -> None:
        if self.show is not None:
            self.show(event)
        else:
            self.later.append(event)


class LocalPool:
    def __init__(self, jobs: int, datasets: dict[str, Dataset], gpus: list[str],
                 threads: int, searches: bool = False) -> None:
        self.jobs = jobs
        self.datasets = datasets
        self.threads = threads
        self.show: Callable[[tuple[Any, ...]], None] | None = None  # set by the driver
        self.own_events: list[tuple[Any, ...]] = []
        self.context = multiprocessing.get_context(server.START_METHOD)
        self.events = self.context.Queue()
        self.counter = self.context.Value("i", 0)
        self.initargs = (datasets, self.events, self.counter, gpus, threads, dict(os.environ))
        self.futures: dict[Future[Done], Unit] = {}
        self.attempts: dict[int, int] = {}
        self.backlog: list[Unit] = []  # submitted before the workers can start
        self.executor: ProcessPoolExecutor | None = None
        self.ready = threading.Event()
        # The driver helps only on the CPU: a GPU run in the driver would hold a CUDA context.
        self.helps = server.START_METHOD == "forkserver" and not gpus
        if server.START_METHOD == "forkserver":
            server.warm_up(searches)
            threading.Thread(target=self._await_server, daemon=True,
                             name="reportgen-forkserver").start()
        else:
            self.ready.set()

    @property
    def workers(self) -> int:
        return self.jobs

    def _await_server(self) -> None:
        try:
            server.wait_until_ready()
        except Exception:  # the server died importing (e.g. a script without a main guard):
            self.context = multiprocessing.get_context("spawn")  # workers fail as spawned ones
        finally:
            self.ready.set()

    def _executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.jobs, mp_context=self.context, initializer=_init,
                                   initargs=self.initargs)

    def _open(self) -> None:
        """The server is ready: start the pool and hand it the backlog, in submission order."""
        self.executor = self._executor()
        backlog, self.backlog = self.backlog, []
        for unit in backlog:
            self._submit(unit)

    def submit(self, unit: Unit) -> None:
        self.attempts[unit.key] = self.attempts.get(unit.key, 0) + 1
        if self.executor is None and self.ready.is_set():
            self._open()
        if self.executor is None:
            self.backlog.append(unit)
        else:
            self._submit(unit)

    def _submit(self, unit: Unit) -> None:
        assert self.executor is not None
        try:
            future = self.executor.submit(_perform, unit)
        except (BrokenProcessPool, OSError):  # a worker died since the last wait, or while
            self._abandon()                        # it started (a broken pipe): a fresh pool
            self.executor = self._executor()
            future = self.executor.submit(_perform, unit)
        self.futures[future] = unit

    def pending(self) -> int:
        return len(self.futures) + len(self.backlog)

    def drain(self) -> list[tuple[Any, ...]]:
        """Progress events sent by the workers since the last call."""
        events, self.own_events = self.own_events, []
        while True:
            try:
                events.append(self.events.get_nowait())
            except (queue.Empty, OSError, ValueError):
                return events

    def wait(self, timeout: float) -> list[tuple[Unit, Done | BaseException]]:
        """Units finished within `timeout` seconds, with their result or exception; units
        lost with a dead worker are resubmitted instead (or failed after `ATTEMPTS`)."""
        if self.executor is None:
            if self.ready.is_set():
                self._open()
            else:
                return self._help(timeout)
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
            self._abandon()
            self.executor = self._executor()
            for unit in sorted(lost, key=lambda u: u.key):
                self.submit(unit)
        return out

    def _help(self, timeout: float) -> list[tuple[Unit, Done | BaseException]]:
        """While the fork server imports, train the backlog's last run unit (the driver
        submits them longest first) here, with a worker's thread limits; else just wait."""
        runs = [unit for unit in self.backlog if isinstance(unit, RunUnit)]
        if not self.helps or not runs:
            self.ready.wait(timeout)
            return []
        unit = runs[-1]
        self.backlog.remove(unit)
        import torch

        torch_threads = torch.get_num_threads()
        limiter = _limit_threads(self.threads)
        try:
            result: Done | BaseException = perform(
                unit, self.datasets, "driver", f"{socket.gethostname()}:{os.getpid()}", None,
                EventProgress(_Forward(self.show, self.own_events), "driver"))
        except Exception as exc:  # reported as a worker's would be
            result = exc
        finally:
            torch.set_num_threads(torch_threads)
            if limiter is not None:
                limiter.restore_original_limits()
        return [(unit, result)]

    def _abandon(self) -> None:
        """Give up the broken pool, killing its surviving workers: their units are resubmitted,
        and a survivor blocked sending a result nobody reads any more (seen with a large one)
        would otherwise keep the pool's manager thread, and so this process's exit, waiting."""
        assert self.executor is not None
        processes = list((getattr(self.executor, "_processes", None) or {}).values())
        self.executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.exitcode is None:
                process.kill()

    def _worker_died(self) -> bool:
        """A worker gone without the pool noticing: one that died while starting (e.g. a
        script without `if __name__ == "__main__":`) leaves the executor waiting forever."""
        processes = getattr(self.executor, "_processes", None) or {}
        return any(process.exitcode is not None for process in list(processes.values()))

    def close(self, wait: bool = True) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=wait, cancel_futures=True)
        self.events.close()
