"""One writing process per output folder: `run` and `report` lock it; a killed holder's lock
is taken over."""

import json
import os
import signal
import subprocess
import sys

from helpers import write_manifest
from typer.testing import CliRunner

from reportgen.cli import app
from reportgen.store.lock import LOCK

runner = CliRunner()

HOLD = """
import sys, time
from pathlib import Path
from reportgen.store.lock import folder_lock
with folder_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


def hold(out):
    out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_second_run_names_the_holder_and_exits_2(tmp_path):
    out = tmp_path / "out"
    holder = hold(out)
    try:
        result = runner.invoke(app, ["run", str(write_manifest(tmp_path)), "--out", str(out)])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2, result.output
    assert f"pid {holder.pid}" in result.output and "in use by another reportgen" in result.output
    assert "Traceback" not in result.output
    assert not (out / "runs").exists()  # nothing trained while the other process held it


def test_report_refuses_a_held_folder(tmp_path):
    out = tmp_path / "out"
    holder = hold(out)
    try:
        result = runner.invoke(app, ["report", str(out)])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2
    assert f"pid {holder.pid}" in result.output


def test_a_killed_holders_lock_is_taken_over(tmp_path):
    out = tmp_path / "out"
    holder = hold(out)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    stale = json.loads((out / LOCK).read_text())
    assert stale["pid"] == holder.pid  # the dead process's lock file is still there
    result = runner.invoke(app, ["run", str(write_manifest(tmp_path)), "--out", str(out),
                                 "--format", "html", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert (out / "index.json").is_file()
    assert not (out / LOCK).exists()  # released when the run ended
