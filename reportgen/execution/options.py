"""How a plan runs, as opposed to what it computes: the options of `reportgen run`.

None of them changes a result (a run's record depends on its manifest entry and seed only),
so they travel as one value from the command line to the executor, the driver and its pool.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportgen.plan.expand import RunSpec


@dataclass(frozen=True)
class RunOptions:
    device: str | None = None  # --device: every run on it, else each run's own
    fresh: bool = False  # retrain runs already stored, start searches over
    worker: bool = False  # only run trials of the plan's searches (another process writes)
    fuse: bool | None = None  # None: fuse where faster; True: wherever possible; False: never
    max_fused_memory: int | None = None  # bytes a fused group may take (None: the default)
    jobs: int | str = 1  # units at once in worker processes; "auto": as many as fit
    cluster: str | None = None  # "auto" or "ray://HOST:PORT": Ray tasks instead of processes

    def device_for(self, spec: RunSpec) -> str:
        """The device `spec` asks for ("auto", "cpu", "cuda:1"), --device first."""
        return self.device or spec.config.device

    @property
    def in_process(self) -> bool:
        """Whether every unit trains in this process, one after another."""
        return not self.cluster and str(self.jobs) == "1"
