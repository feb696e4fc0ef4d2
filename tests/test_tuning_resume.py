"""An interrupted Bayesian (TPE) search resumes into the trials an uninterrupted one runs
(issue 15.9): killed with SIGKILL mid-trial twice, it ends with the same configurations,
values and best trial."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reportgen import manifest
from reportgen.execution import executor
from reportgen.plan import expand
from reportgen.store.store import Store
from tests.helpers import write_manifest

TEXT = """
[report]
title = "Resume"
languages = ["en"]
formats = ["html"]

[defaults]
seed = 5
device = "cpu"
engine = "numpy"

[datasets.breast]
source = "sklearn"
name = "breast_cancer"
preprocess = "standard"
split = { test = 0.2, val = 0.2 }

[trainings.slow]
epochs = 15
batch_size = 32

[[studies]]
id = "tpe"
dataset = "breast"
training = "slow"

[studies.search]
algorithms = ["bayesian"]
max_trials = 6
n_startup_trials = 2
retrain_best = false
[studies.search.space]
"model.hidden" = { choice = [[4], [8], [16]] }
"training.optimizer.lr" = { float = [1e-4, 1e-1], log = true }
"""

CHILD = """
import sys
from reportgen.execution import executor
from reportgen import manifest
from reportgen.plan import expand
from reportgen.store.store import Store
spec = manifest.load(sys.argv[1])
executor.execute(spec, expand.expand(spec), Store(sys.argv[2]))
"""


def trials(out: Path) -> list[tuple[int, str, dict, float | None]]:
    store = Store(out)
    (record,) = store.tuning_records()["tpe"]
    return [(t.number, t.state, t.params, t.value) for t in record.trials]


def counts(db: Path) -> tuple[int, int]:
    """(complete, running) trials in the study database, (0, 0) before it exists."""
    if not db.is_file():
        return 0, 0
    try:
        with sqlite3.connect(db, timeout=1) as connection:
            rows = dict(connection.execute(
                "SELECT state, COUNT(*) FROM trials GROUP BY state").fetchall())
    except sqlite3.Error:
        return 0, 0
    return rows.get("COMPLETE", 0), rows.get("RUNNING", 0)


@pytest.mark.slow
def test_a_killed_tpe_search_resumes_into_the_same_trials(tmp_path):
    path = write_manifest(tmp_path, TEXT)
    spec = manifest.load(path)
    reference = tmp_path / "reference"
    executor.execute(spec, expand.expand(spec), Store(reference))

    out = tmp_path / "killed"
    db = out / "tuning" / "studies.db"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    mid_trial = 0
    for target in (2, 4):  # past the 2 random start-up trials: TPE draws from history
        child = subprocess.Popen([sys.executable, str(script), str(path), str(out)], env=env)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and counts(db)[0] < target and child.poll() is None:
            time.sleep(0.02)
        time.sleep(0.05)  # into the next trial
        child.send_signal(signal.SIGKILL)
        child.wait()
        mid_trial += counts(db)[1]
    assert mid_trial >= 1, "no kill landed in the middle of a trial"
    executor.execute(spec, expand.expand(spec), Store(out))  # the resume that finishes

    assert trials(out) == trials(reference)
