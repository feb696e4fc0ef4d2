"""The pool of one worker, this process: what `reportgen run` uses without --jobs or --cluster.

Each unit trains as soon as the driver submits it, so units run one after another in the
order the driver walks the plan, and the driver saves each run before the next one starts;
the display hears every epoch directly (no event queue).
"""

from __future__ import annotations

from reportgen.data import Dataset
from reportgen.execution.parallel.units import Done, Unit, perform
from reportgen.training.hooks import Progress
from reportgen.training.one_run import this_worker


class InProcessPool:
    workers = 1
    in_process = True  # the driver delivers each result at once, and shows no worker lines

    def __init__(self, datasets: dict[str, Dataset], progress: Progress) -> None:
        self.datasets = datasets
        self.progress = progress
        self.done: list[tuple[Unit, Done | BaseException]] = []

    def submit(self, unit: Unit) -> None:
        try:
            result: Done | BaseException = perform(unit, self.datasets, "this process",
                                                   this_worker(), None, self.progress)
        except Exception as exc:  # reported as a worker's would be: the unit's runs fail
            result = exc
        self.done.append((unit, result))

    def pending(self) -> int:
        return len(self.done)

    def drain(self) -> list[tuple[object, ...]]:
        return []  # progress went to the display as it happened

    def wait(self, timeout: float) -> list[tuple[Unit, Done | BaseException]]:
        done, self.done = self.done, []
        return done

    def close(self, wait: bool = True) -> None:
        pass
