"""`reportgen run --jobs N` and `--cluster`: same results as one process, one writer, retries."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportgen import manifest
from reportgen.analysis import results_json
from reportgen.cli import app
from reportgen.execution import executor
from reportgen.execution.options import RunOptions
from reportgen.plan import expand
from reportgen.store.store import Store
from tests.helpers import TINY, TWO_STUDIES, child_pids, write_manifest

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

# Six runs of a few epochs, none fused (different widths): long enough to kill something
# mid-way, short enough for CI.
SIX = TINY.replace("epochs = 3", "epochs = 12").replace(
    '[[8], [16]]', '[[8], [16], [24], [32], [40], [48]]').replace(
    'training = "quick"', 'training = "quick"\nfuse = false')


def results_without_timings(out: Path) -> dict:
    data = json.loads((out / "results.json").read_text())
    for study in data["studies"]:
        for run in study["runs"]:
            del run["timings"]
    return data


def finished_records(out: Path) -> list[Path]:
    """The record of each finished run: a killed writer may leave a half-written run in a
    hidden temp folder (`.<run-id>.*/record.json`), which the store does not count."""
    return [p for p in out.glob("runs/*/record.json") if not p.parent.name.startswith(".")]


def workers_of(out: Path) -> set[str]:
    return {json.loads(p.read_text())["worker"] for p in finished_records(out)}


def trained_alone(folder: Path, text: str) -> tuple[Path, dict]:
    """A manifest and its results trained in this process, one run after another (`--jobs 1`
    without rendering: results.json is written as `reportgen run` writes it)."""
    path = write_manifest(folder, text)
    spec = manifest.load(path)
    store = Store(folder / "one")
    executor.execute(spec, expand.expand(spec), store, RunOptions(jobs=1))
    results_json.write(store.load())
    return path, results_without_timings(folder / "one")


@pytest.fixture(scope="module")
def six(tmp_path_factory):
    """The six-run manifest and its results trained in one process (`--jobs 1`)."""
    return trained_alone(tmp_path_factory.mktemp("six"), SIX)


@pytest.fixture(scope="module")
def two_studies(tmp_path_factory):
    """TWO_STUDIES (three short runs) and its results trained in one process (`--jobs 1`)."""
    return trained_alone(tmp_path_factory.mktemp("two-studies"), TWO_STUDIES)


@pytest.mark.slow
def test_jobs_2_gives_the_results_of_jobs_1(two_studies, tmp_path):
    path, expected = two_studies
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "two"), "--jobs",
                                 "2", "--format", "html", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert results_without_timings(tmp_path / "two") == expected
    assert "3 run(s) on 2 worker(s)" in result.output
    assert "in flight]" in result.output  # redirected: plain lines with the runs in flight
    # the appendix names who trained each run
    html = (tmp_path / "two/report.en.html").read_text()
    assert all(worker in html for worker in workers_of(tmp_path / "two"))


@pytest.mark.slow
def test_defaults_jobs_is_read(tmp_path):
    path = write_manifest(tmp_path, TINY.replace('device = "cpu"', 'device = "cpu"\njobs = 2'))
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "o"),
                                 "--format", "html", "--lang", "en"])
    assert result.exit_code == 0 and "on 2 worker(s)" in result.output


def test_defaults_jobs_is_checked(tmp_path):
    bad = write_manifest(tmp_path, TINY.replace('device = "cpu"', 'device = "cpu"\njobs = 0'),
                         name="bad.toml")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2 and "defaults.jobs" in result.stderr


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_bad_jobs_option_is_one_line_exit_2(tmp_path, value):
    path = write_manifest(tmp_path, TINY)
    result = runner.invoke(app, ["run", str(path), "--jobs", value])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: --jobs: expected a whole number ≥ 1 or auto, got {value!r}"]


def _command(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _pool_workers(pid: int) -> list[int]:
    """The driver `pid`'s pool workers: its spawned children, or its fork server's children."""
    workers = []
    for child in child_pids(pid):
        command = _command(child)
        if b"spawn_main" in command and b"resource_tracker" not in command:
            workers.append(child)
        elif b"forkserver" in command:
            workers.extend(child_pids(child))
    return workers


# `--jobs N` without rendering, as `reportgen run` trains (a report adds nothing to what the
# kill tests check): the fork server is started and waited for first, so the pool's workers
# train every unit (the driver helps only while they cannot start).
TRAIN = """
import json, sys
from pathlib import Path

from reportgen.execution.parallel import server

if __name__ == "__main__":
    server.warm_up()
    from reportgen.execution import executor
    from reportgen.execution.options import RunOptions
    from reportgen import manifest
    from reportgen.plan import expand
    from reportgen.analysis import results_json
    from reportgen.store.store import Store

    server.wait_until_ready()
    spec = manifest.load(Path(sys.argv[1]))
    store = Store(sys.argv[2])
    outcome = executor.execute(spec, expand.expand(spec), store, RunOptions(jobs=int(sys.argv[3])))
    results_json.write(store.load())
    print(json.dumps({"trained": len(outcome.trained), "reused": len(outcome.skipped),
                      "failed": len(outcome.failed)}))
"""


def _start(manifest: Path, out: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "reportgen", "run", str(manifest), "--out", str(out),
         "--format", "html", "--lang", "en", *options],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)


def _train(manifest: Path, out: Path, jobs: int) -> subprocess.Popen:
    script = manifest.parent / "train.py"
    script.write_text(TRAIN)
    return subprocess.Popen(
        [sys.executable, str(script), str(manifest), str(out), str(jobs)], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)


def _wait_for_runs(out: Path, count: int, process: subprocess.Popen, limit: float = 240) -> None:
    deadline = time.monotonic() + limit
    while len(finished_records(out)) < count:
        assert process.poll() is None, process.stdout.read()
        assert time.monotonic() < deadline, "no run finished in time"
        time.sleep(0.05)


@pytest.mark.slow
def test_a_killed_worker_has_its_unit_retried(six, tmp_path):
    path, expected = six
    out = tmp_path / "out"
    process = _train(path, out, 2)
    _wait_for_runs(out, 1, process)
    deadline = time.monotonic() + 240
    while True:  # both workers are up, one has returned a run: they are training the rest
        before = _pool_workers(process.pid)
        trained_by = {int(worker.rsplit(":", 1)[1]) for worker in workers_of(out)}
        if len(before) == 2 and trained_by & set(before):
            break
        assert process.poll() is None and time.monotonic() < deadline, process.stdout.read()
        time.sleep(0.05)
    os.kill(before[0], signal.SIGKILL)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    assert json.loads(output.strip().splitlines()[-1]) == {"trained": 6, "reused": 0,
                                                           "failed": 0}
    assert results_without_timings(out) == expected
    # the units lost with the killed worker were trained by the fresh pool's workers
    pids = {int(worker.rsplit(":", 1)[1]) for worker in workers_of(out)}
    assert pids - set(before)


@pytest.mark.slow
def test_a_killed_driver_keeps_finished_runs_and_the_next_run_continues(six, tmp_path):
    path, expected = six
    out = tmp_path / "out"
    process = _train(path, out, 2)
    _wait_for_runs(out, 2, process)
    for worker in _pool_workers(process.pid):
        os.kill(worker, signal.SIGKILL)
    process.kill()
    process.wait()
    kept = len(finished_records(out))
    assert kept >= 2
    again = _start(path, out, "--jobs", "2")
    output, _ = again.communicate(timeout=300)
    assert again.returncode == 0, output
    assert f"reused {kept}" in output
    assert results_without_timings(out) == expected


def test_the_driver_trains_waiting_runs_itself_until_workers_can_start(two_studies, tmp_path,
                                                                          monkeypatch):
    from reportgen.execution.parallel import local, server

    if server.START_METHOD != "forkserver":
        pytest.skip("workers are spawned here: there is no fork server to wait for")
    monkeypatch.setattr(local.LocalPool, "_await_server", lambda self: None)  # never ready
    path, expected = two_studies
    spec = manifest.load(path)
    store = Store(tmp_path / "out")
    outcome = executor.execute(spec, expand.expand(spec), store, RunOptions(jobs=2))
    assert len(outcome.trained) == 3 and not outcome.failed
    results_json.write(store.load())
    assert results_without_timings(tmp_path / "out") == expected
    assert {w.rsplit(":", 1)[1] for w in workers_of(tmp_path / "out")} == {str(os.getpid())}


SEARCH = TINY.replace("epochs = 3", "epochs = 9") + """
[studies.search]
algorithms = ["random", "hyperband"]
objective = "val_loss"
max_trials = 6
min_epochs = 1
factor = 3
retrain_best = false
[studies.search.space]
"model.hidden" = { layers = [1, 1], units = { int = [8, 32], step = 8 } }
"training.optimizer.lr" = { float = [0.001, 0.1], log = true }
"""


@pytest.mark.slow
def test_a_search_on_two_workers_loses_and_repeats_no_trial(tmp_path):
    path = write_manifest(tmp_path, SEARCH.replace('vary = { "model.hidden" = [[8], [16]] }',
                                                   ""))
    spec = manifest.load(path)  # one process, no rendering: its tuning records are the same
    executor.execute(spec, expand.expand(spec), Store(tmp_path / "one"))
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "two"), "--jobs",
                                 "2", "--format", "html", "--lang", "en"])
    assert result.exit_code == 0, result.output
    for name in ("width-random.json", "width-hyperband.json"):
        one = json.loads((tmp_path / "one/tuning" / name).read_text())
        two = json.loads((tmp_path / "two/tuning" / name).read_text())
        numbers = [t["number"] for t in two["trials"]]
        assert len(numbers) == len(set(numbers)) == len(one["trials"])  # none lost, none twice
        assert all(t["state"] in ("complete", "pruned") for t in two["trials"])
        assert two["summary"]["pending"] == 0
        if name == "width-random.json":  # seeded per trial: the same configurations
            assert [t["params"] for t in two["trials"]] == [t["params"] for t in one["trials"]]
        else:  # Hyperband still prunes
            assert two["summary"]["pruned"] > 0
    # the trials ran in the pool's two worker processes, both of them, and none in the driver
    # (this process: CliRunner runs the command here)
    workers = {t["worker"] for n in ("width-random.json", "width-hyperband.json")
               for t in json.loads((tmp_path / "two/tuning" / n).read_text())["trials"]}
    assert len(workers) == 2, workers
    assert f"{socket.gethostname()}:{os.getpid()}" not in workers
    # redirected output: one line per finished trial
    assert result.output.count("  trial ") == sum(
        len(json.loads((tmp_path / "two/tuning" / n).read_text())["trials"])
        for n in ("width-random.json", "width-hyperband.json"))


RAY_SCRIPT = """
import json, sys
from pathlib import Path
import ray
from ray.cluster_utils import Cluster

from reportgen.execution import executor

from reportgen import manifest
from reportgen.execution.options import RunOptions
from reportgen.plan import expand
from reportgen.store.store import Store

cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
cluster.add_node(num_cpus=1)
cluster.wait_for_nodes()
ray.init(address=cluster.address, log_to_driver=False)
nodes = sorted(n["NodeID"][:12] for n in ray.nodes() if n["Alive"])
spec = manifest.load(Path(sys.argv[1]))
outcome = executor.execute(spec, expand.expand(spec), Store(sys.argv[2]), RunOptions(cluster="auto"))
print(json.dumps({"nodes": nodes, "trained": len(outcome.trained)}))
ray.shutdown()
cluster.shutdown()
"""


@pytest.mark.slow
def test_ray_two_node_cluster_trains_on_both_nodes(six, tmp_path):
    pytest.importorskip("ray")
    path, expected = six
    out = tmp_path / "ray"
    script = tmp_path / "ray_two_nodes.py"
    script.write_text(RAY_SCRIPT)
    done = subprocess.run([sys.executable, str(script), str(path), str(out)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["trained"] == 6
    results_json.write(Store(out).load())
    assert results_without_timings(out) == expected
    used = {worker.split(" · ")[0].removeprefix("node ") for worker in workers_of(out)}
    assert used == set(summary["nodes"])  # both nodes trained runs
