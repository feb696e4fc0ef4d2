"""Render workers die with their parent (issue 15.8): a SIGKILLed `reportgen run` leaves none."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.helpers import child_pids

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")

PARENT = textwrap.dedent("""
    import sys, time
    from reportgen.report import write

    def slow(*args):  # stands in for rendering one language: busy for a long time
        time.sleep(120)
        return []

    if __name__ == "__main__":
        write.write_language = slow
        print("started", flush=True)
        write.in_processes([(None, {}, None, "es", [], True), (None, {}, None, "en", [], False)], 2)
""")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_render_workers_exit_when_the_parent_is_killed(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, env=env)
    try:
        assert parent.stdout.readline().strip() == b"started"
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while time.monotonic() < deadline and len(workers) < 2:
            # the two pool workers (the resource tracker is a child too)
            workers = {p for p in child_pids(parent.pid)
                       if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()}
            time.sleep(0.2)
        assert len(workers) == 2, workers
        time.sleep(3)  # the workers are importing and then waiting for their task
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(alive(p) for p in workers):
            time.sleep(0.2)
        left = [p for p in workers if alive(p)]
        for pid in left:  # clean up before failing
            os.kill(pid, signal.SIGKILL)
        assert not left, f"orphan render workers: {left}"
    finally:
        if parent.poll() is None:
            parent.kill()
