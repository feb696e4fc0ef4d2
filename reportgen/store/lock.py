"""The output folder's lock: one writing process (`reportgen run`, `reportgen report`) at a
time, and a second one told who holds it."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from reportgen.errors import StoreError

LOCK = ".reportgen.store.lock"
LOCK_WAIT_SECONDS = 3.0
_held: dict[Path, int] = {}  # lock file -> nesting depth in this process (`run` renders too)


@contextlib.contextmanager
def folder_lock(root: Path, *, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the output folder for one writing process (`run`, `report`).

    An flock on OUT/.reportgen.store.lock, removed when done: the kernel drops the flock when its
    process dies, so a lock file left by a killed process is taken over without guessing
    from its pid. The file names the holder
    (pid, host, since) so that the second process can say who it waits for."""
    path = (Path(root) / LOCK).resolve()
    if path in _held:  # `run` already holds it and now renders
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    deadline = time.monotonic() + wait
    while True:
        fd = _open_lock(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise StoreError(f"{path.parent}: in use by another reportgen "
                                 f"({_holder(path)}); wait for it to finish") from None
            time.sleep(0.1)
            continue
        if _same_file(fd, path):
            break
        os.close(fd)  # the holder removed the file as we waited on it: lock the new one
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                  "since": time.strftime("%Y-%m-%d %H:%M:%S")}).encode(), 0)
        _held[path] = 1
        try:
            yield
        finally:
            del _held[path]
            path.unlink(missing_ok=True)  # before unlocking: a waiter then sees a new file
            fcntl.flock(fd, fcntl.LOCK_UN)  # explicitly: forked workers share this descriptor
    finally:
        os.close(fd)


def _open_lock(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise StoreError(f"{path.parent}: cannot lock the output folder "
                         f"({exc.strerror or exc})") from None


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), path.stat())
    except FileNotFoundError:
        return False


def _holder(path: Path) -> str:
    try:
        data = json.loads(path.read_text())
        return f"pid {data['pid']} on {data['host']} since {data['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "holder unknown"


