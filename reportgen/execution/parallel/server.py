"""The fork server the local pool's workers are forked from (see `parallel.local`).

Kept free of heavy imports: the `run` command starts the server before importing the rest of
reportgen, so that the server's imports and the driver's own run side by side.
"""

from __future__ import annotations

import multiprocessing
import sys

# The fork server on Linux; elsewhere "spawn" (Windows has no fork, and on macOS forking a
# process that loaded system frameworks is unsafe, which is why Python spawns there too).
# A benchmark may set it to compare the two.
START_METHOD = "forkserver" if sys.platform.startswith("linux") else "spawn"
# What a worker imports before its first run. torch._dynamo is not imported by `import torch`
# but by the first optimizer torch builds: 2 of the 6 s. Not "__main__": each worker still
# imports the driver's script (as a spawned one does), cheap once these are loaded.
WORKER_MODULES = ["reportgen", "torch", "torch._dynamo", "sklearn.metrics",
                  "reportgen.execution.executor", "reportgen.training.engines.torch_engine",
                  "reportgen.execution.parallel.local"]
SEARCH_MODULES = ["optuna", "reportgen.tuning.runner"]


def warm_up(searches: bool = False) -> None:
    """Start the fork server now, importing `WORKER_MODULES` (and the tuning modules when
    `searches`) in the background; a no-op once it runs, and where workers are spawned."""
    if START_METHOD != "forkserver" or getattr(multiprocessing.current_process(),
                                               "_inheriting", False):
        # the second: a worker (or the server) importing a script without a main guard,
        # which would start a server that imports the script, which would start one…
        return
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_MODULES + (SEARCH_MODULES if searches else []))
    forkserver.ensure_running()


def _probe() -> None:
    """Run in a throw-away child: it can only be forked once the server has imported."""


def wait_until_ready() -> None:
    """Block until the fork server (started if need be) can fork workers: its imports done."""
    if START_METHOD != "forkserver":
        return
    warm_up()
    probe = multiprocessing.get_context("forkserver").Process(target=_probe)
    probe.start()
    probe.join()
