"""Wall time of the default manifest's studies without searches, every run trained alone
(`--no-fuse`), with `--jobs 1`, `--jobs 2` and on a local Ray, and the speed-ups.

    python benchmarks/parallel.py                 # jobs 1, jobs 2 (spawned, fork server), Ray
    python benchmarks/parallel.py --no-ray --epochs 10   # a quicker look
    python benchmarks/parallel.py --no-ray --repeat 3    # alternate the passes three times
    python benchmarks/parallel.py --device cuda   # on a GPU machine: jobs 1 vs jobs auto

Each pass trains into a fresh temporary folder through `executor.execute` (no rendering) and
counts from the call to its return: the worker pool's start-up is included; Ray's start-up
(`ray.init`) is not, as a cluster outlives one manifest. `--jobs 2` is measured twice in the
same run: with spawned workers (each a fresh interpreter importing torch: how the pool started
before) and with workers forked from the fork server (`parallel/server.py`: torch imported
once, in the background, while the driver loads the data and trains the first runs itself).
The server is stopped after each pass, so every pass starts it cold. All passes must produce
the same metrics (checked). The load average is printed around each pass: other processes on
the machine slow every pass, not all alike; with `--repeat`, compare the passes of a round.
"cpu" is the CPU time the pass used in all its processes (workers and the fork server are
counted once waited for), which other processes on the machine change far less.

Measured on this 2-core VM, 19 runs, before the fork server (load average 0.20): --jobs 1
27.7 s, --jobs 2 19.0 s (1.46×), local Ray 33.7 s (0.82×: Ray's own processes share the two
cores). Each spawned worker paid about 6 s of CPU importing torch, torch._dynamo (loaded by
torch's first optimizer) and scikit-learn.

With the fork server, two runs of this script on 2026-12-03, the VM shared with other jobs
(so wall times and their ratios say little: the passes compete with 7-20 other processes):
  load 12.9 → 23.8:  --jobs 1 383.4 s (43.3 s of CPU), --jobs 2 spawned 209.0 s (46.4 s CPU),
                     --jobs 2 fork server 71.6 s (34.5 s CPU)
  load  7.5 → 10.0:  --jobs 1  70.2 s (35.5 s of CPU), --jobs 2 spawned 128.3 s (53.7 s CPU),
                     --jobs 2 fork server 95.7 s (39.0 s CPU)
The CPU column is the comparable one: the fork server saves 12-15 s of CPU on this manifest,
the two workers' imports, and in the second run 25 % of the wall time of the spawned pass.

On the idle VM (2026-12-04, nothing else running; the load printed is the benchmark's own
workers), three passes: --jobs 1 21.0 / 18.9 / 16.0 s; --jobs 2 spawned 17.0 / 15.2 / 14.7 s
(1.24× / 1.24× / 1.09×); --jobs 2 fork server 11.6 / 10.6 / 11.1 s (1.81× / 1.77× / 1.44×);
local Ray 52.1 s (0.40×). The 1.6× target is met by the fork server in two passes of three.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from multiprocessing import forkserver

import reportgen  # noqa: F401 — first: sets OMP_WAIT_POLICY before torch loads OpenMP
from reportgen import manifest
from reportgen.execution import executor
from reportgen.execution.options import RunOptions
from reportgen.execution.parallel import server
from reportgen.plan import expand
from reportgen.store.store import Store

ROOT = Path(__file__).resolve().parents[1]


def cpu_seconds() -> float:
    """CPU time of this process and of every process it (or a child) has waited for."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))


def timed(spec: manifest.Manifest, studies: list[str], **options: object) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory(prefix="parallel-bench-") as folder:
        store = Store(folder)
        started = time.perf_counter()
        outcome = executor.execute(spec, expand.expand(spec, only=studies), store,
                                   RunOptions(fuse=False, **options))
        seconds = time.perf_counter() - started
        assert not outcome.failed, outcome.failed
        metrics = {run_id: {split: (m.accuracy, m.loss) for split, m in
                            store.load_run(run_id).record.metrics.items()}
                   for run_id in outcome.trained}
    return seconds, metrics


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def pool_pass(spec: manifest.Manifest, studies: list[str], method: str, device: str,
              jobs: int | str) -> tuple[float, dict]:
    """One `--jobs` pass with workers started by `method` ("spawn" or "forkserver")."""
    previous = server.START_METHOD
    server.START_METHOD = method
    try:
        return timed(spec, studies, device=device, jobs=jobs)
    finally:
        server.START_METHOD = previous
        if method == "forkserver":  # the next pass starts it cold again
            forkserver._forkserver._stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", default=str(ROOT / "experiments.toml"))
    parser.add_argument("--epochs", type=int, help="override every study's epochs")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the passes")
    args = parser.parse_args()
    text = Path(args.manifest).read_text(encoding="utf-8")
    if args.epochs:
        import re

        text = re.sub(r"^epochs = \d+", f"epochs = {args.epochs}", text, flags=re.M)
    spec = manifest.loads(text, source=args.manifest)
    studies = [s.id for s in spec.studies if s.search is None]
    runs = len(expand.expand(spec, only=studies).runs)
    print(f"{runs} runs of studies {', '.join(studies)}, each trained alone, on {args.device}; "
          f"{os.cpu_count()} CPUs")
    cuda = args.device.startswith("cuda")
    other = "auto" if cuda else 2
    label = "--jobs auto" if cuda else "--jobs 2"
    methods = ["spawn", "forkserver"] if server.START_METHOD == "forkserver" else ["spawn"]
    for round_ in range(args.repeat):
        if args.repeat > 1:
            print(f"round {round_ + 1}")
        before, cpu = load(), cpu_seconds()
        base, reference = timed(spec, studies, device=args.device, jobs=1)
        print(f"  --jobs 1                    {base:7.1f} s                  "
              f"cpu {cpu_seconds() - cpu:6.1f} s   load {before} → {load()}")
        for method in methods:
            before, cpu = load(), cpu_seconds()
            seconds, metrics = pool_pass(spec, studies, method, args.device, other)
            assert cuda or metrics == reference, f"{label} ({method}) changed a result"
            name = f"{label} (spawned workers)" if method == "spawn" else f"{label} (fork server)"
            print(f"  {name:27} {seconds:7.1f} s   speed-up {base / seconds:.2f}×   "
                  f"cpu {cpu_seconds() - cpu:6.1f} s   load {before} → {load()}")
        if not args.no_ray and not cuda:
            ray_pass(spec, studies, args.device, base, reference)


def ray_pass(spec: manifest.Manifest, studies: list[str], device: str, base: float,
             reference: dict) -> None:
    try:
        import ray
    except ImportError:
        print("  Ray: not installed (pip install 'reportgen[ray]')")
        return
    ray.init(num_cpus=os.cpu_count(), log_to_driver=False)
    try:
        seconds, metrics = timed(spec, studies, device=device, cluster="auto")
    finally:
        ray.shutdown()
    assert metrics == reference, "Ray changed a result"
    print(f"  --cluster    {seconds:7.1f} s   speed-up {base / seconds:.2f}× "
          "(local Ray, started beforehand)")


if __name__ == "__main__":
    main()
