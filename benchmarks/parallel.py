"""Wall time of the default manifest's studies without searches, every run trained alone
(`--no-fuse`), with `--jobs 1`, `--jobs 2` and on a local Ray, and the speed-ups.

    python benchmarks/parallel.py                 # jobs 1, jobs 2, Ray (when installed)
    python benchmarks/parallel.py --no-ray --epochs 10   # a quicker look
    python benchmarks/parallel.py --device cuda   # on a GPU machine: jobs 1 vs jobs auto

Each pass trains into a fresh temporary folder through `execute.execute` (no rendering) and
counts from the call to its return: the worker pool's start-up (spawned interpreters importing
torch) is included; Ray's start-up (`ray.init`) is not, as a cluster outlives one manifest.
The three passes must produce the same metrics (checked). The load average before and after
is printed: other processes on the machine slow every pass, not one alike.

Measured on this 2-core VM (load average 0.20 before), 19 runs: --jobs 1 27.7 s, --jobs 2
19.0 s (1.46×), local Ray 33.7 s (0.82×: Ray's own processes share the two cores). Each pool
worker pays about 6 s importing torch; on training alone the two workers give about 1.7×.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import reportgen  # noqa: F401 — first: sets OMP_WAIT_POLICY before torch loads OpenMP
from reportgen import execute, manifest, plan
from reportgen.store import Store

ROOT = Path(__file__).resolve().parents[1]


def timed(spec: manifest.Manifest, studies: list[str], **options: object) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory(prefix="parallel-bench-") as folder:
        store = Store(folder)
        started = time.perf_counter()
        outcome = execute.execute(spec, plan.expand(spec, only=studies), store, fuse=False,
                                  **options)
        seconds = time.perf_counter() - started
        assert not outcome.failed, outcome.failed
        metrics = {run_id: {split: (m.accuracy, m.loss) for split, m in
                            store.load_run(run_id).record.metrics.items()}
                   for run_id in outcome.trained}
    return seconds, metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", default=str(ROOT / "experiments.toml"))
    parser.add_argument("--epochs", type=int, help="override every study's epochs")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    text = Path(args.manifest).read_text(encoding="utf-8")
    if args.epochs:
        import re

        text = re.sub(r"^epochs = \d+", f"epochs = {args.epochs}", text, flags=re.M)
    spec = manifest.loads(text, source=args.manifest)
    studies = [s.id for s in spec.studies if s.search is None]
    runs = len(plan.expand(spec, only=studies).runs)
    print(f"{runs} runs of studies {', '.join(studies)}, each trained alone, on {args.device}; "
          f"{os.cpu_count()} CPUs; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    cuda = args.device.startswith("cuda")
    base, reference = timed(spec, studies, device=args.device, jobs=1)
    print(f"  --jobs 1     {base:7.1f} s")
    other = "auto" if cuda else 2
    seconds, metrics = timed(spec, studies, device=args.device, jobs=other)
    assert cuda or metrics == reference, "--jobs 2 changed a result"
    label = "--jobs auto" if cuda else "--jobs 2"
    print(f"  {label:12} {seconds:7.1f} s   speed-up {base / seconds:.2f}×")
    if not args.no_ray and not cuda:
        try:
            import ray
        except ImportError:
            print("  Ray: not installed (pip install 'reportgen[ray]')")
        else:
            ray.init(num_cpus=os.cpu_count(), log_to_driver=False)
            try:
                seconds, metrics = timed(spec, studies, device=args.device, cluster="auto")
            finally:
                ray.shutdown()
            assert metrics == reference, "Ray changed a result"
            print(f"  --cluster    {seconds:7.1f} s   speed-up {base / seconds:.2f}× "
                  "(local Ray, started beforehand)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
