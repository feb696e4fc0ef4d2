"""`grade --verify N --jobs J`: every submission's sampled reruns on the local pool's workers.

The reruns of the whole class go out together, as the run units `reportgen run --jobs` trains
(`parallel.units.RunUnit`, one run each), so J workers stay busy across submissions. Each
submission's data is loaded by its own manifest, as `run --check` loads it; the workers get each
distinct dataset once, keyed by name and fingerprint (two students' "digits" may differ). The
verdicts are `integrity.verify`'s: the same sample, tolerances and comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reportgen.execution.options import RunOptions
from reportgen.grading.integrity import Rerun, RerunJob, rerun_verdict

POLL_SECONDS = 0.2
Planned = tuple[Any, list[Rerun | RerunJob]]  # (what the reruns belong to, its sample)


def run_all(planned: Sequence[Planned], jobs: int | str, device: str | None,
            done: Callable[[Any, list[Rerun]], None],
            echo: Callable[[str], None] = lambda line: None) -> None:
    """Retrain every RerunJob of `planned` on up to `jobs` workers ("auto": as `run --jobs
    auto`); `done(owner, reruns)` gets each owner's verdicts, in its sample's order."""
    from reportgen.execution.parallel import devices
    from reportgen.execution.parallel.local import LocalPool
    from reportgen.execution.parallel.units import Done, RunUnit

    work = [(owner, position, item) for owner, items in planned
            for position, item in enumerate(items) if isinstance(item, RerunJob)]
    verdicts: list[list[Rerun | None]] = [
        [item if isinstance(item, Rerun) else None for item in items] for _, items in planned]
    if work:
        datasets = {_key(job): job.dataset for _, _, job in work}
        specs = [job.spec for _, _, job in work]
        by_name = {job.spec.config.dataset: job.dataset for _, _, job in work}  # for sizes
        wanted = devices.auto_jobs(device, specs, by_name) if jobs == "auto" else int(jobs)
        workers = max(1, min(wanted, len(work)))  # no worker without a run to train
        echo(f"verifying {len(work)} run(s) on {workers} worker(s)")
        pool = LocalPool(workers, datasets, devices.gpus(device, specs),
                         devices.threads_per_worker(workers))
        owners = {id(owner): number for number, (owner, _) in enumerate(planned)}
        interrupted = True
        try:
            for key, (_, _, job) in enumerate(work):
                pool.submit(RunUnit(key, (job.spec,), (job.run_id,), job.evaluate,
                                    RunOptions(device=device).device_for(job.spec),
                                    dataset=_key(job)))
            while pool.pending():
                pool.drain()  # progress events: nothing shows them here
                for unit, result in pool.wait(POLL_SECONDS):
                    owner, position, job = work[unit.key]
                    verdicts[owners[id(owner)]][position] = _verdict(job, result, Done)
            interrupted = False
        finally:
            pool.close(wait=not interrupted)
    for (owner, _), reruns in zip(planned, verdicts, strict=True):
        done(owner, [rerun for rerun in reruns if rerun is not None])


def _key(job: RerunJob) -> str:
    return f"{job.dataset.name}@{job.dataset.fingerprint}"


def _verdict(job: RerunJob, result: Any, done_type: type[Any]) -> Rerun:
    if not isinstance(result, done_type):  # the unit itself failed (e.g. its worker died)
        return rerun_verdict(job, None, f"{type(result).__name__}: {result}")
    member = result.members[0]
    return rerun_verdict(job, member.record, member.error or "")
