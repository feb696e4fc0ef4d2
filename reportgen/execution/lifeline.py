"""Worker processes that die with their parent.

A pool worker of `concurrent.futures` blocks for good on its task queue when its parent is
SIGKILLed (it never learns that no task will come), keeping its memory (~200 MB for a render
worker). `die_with_parent` is the pool's initializer: on Linux the kernel signals the worker when
the parent dies (PR_SET_PDEATHSIG); everywhere a daemon thread notices that the parent changed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time

POLL_SECONDS = 1.0
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Call in the worker (as the pool's initializer) with the parent's pid."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):  # no libc (musl variants): the thread suffices
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before this line: nothing will come
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid,), daemon=True,
                     name="reportgen-lifeline").start()


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(POLL_SECONDS)
    os._exit(1)
