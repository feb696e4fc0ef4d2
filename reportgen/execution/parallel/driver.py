"""The driver: walks the plan, sends units to a pool of workers, saves what comes back.

Every plan runs through it: without --jobs or --cluster the pool is this process
(`in_process.InProcessPool`: each unit trains as it is submitted, in plan order), with
`--jobs N` N worker processes (`local`), with `--cluster` Ray tasks (`ray_cluster`). A unit is
a run, a fused group, or a share of a search's trials.
A run already in flight for another study is not trained twice: the later study reuses it
when it arrives. A search runs in three steps: this process opens its Optuna study as the
coordinator (placeholders for the whole budget, earlier failures re-enqueued); up to one
trials unit per worker claims and runs trials through the shared storage; once they are back,
the coordinator pass (`runner.run_search(coordinator=True)`) re-enqueues and runs whatever a
dead worker left, and exports the record; then the best configuration's retraining runs are
submitted like any other runs. Results are saved in the order they arrive, each at once.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from reportgen.execution.options import RunOptions
from reportgen.execution.parallel import devices
from reportgen.execution.parallel.units import Done, RunUnit, TrialsUnit, Unit
from reportgen.execution.writer import (
    Writer,
    finish_search,
    fused_groups,
    list_run,
    list_search,
    retrain_specs,
)
from reportgen.manifest import Manifest
from reportgen.plan.expand import Plan, RunSpec, SearchTask
from reportgen.store.records import RunRecord
from reportgen.training.hooks import Progress
from reportgen.training.one_run import fused_note

POLL_SECONDS = 0.2
OnRun = Callable[[RunRecord | None], None]


def open_pool(options: RunOptions, writer: Writer, plan: Plan, progress: Progress) -> Any:
    """This process (`options.in_process`), Ray tasks (`cluster`) or `jobs` processes."""
    if options.in_process:
        from reportgen.execution.parallel.in_process import InProcessPool

        return InProcessPool(writer.datasets, progress)
    specs = [*plan.runs, *(task.base for task in plan.searches)]
    if options.cluster:
        from reportgen.execution.parallel.ray_cluster import RayPool

        return RayPool(options.cluster, writer.datasets, options.device, specs)
    from reportgen.execution.parallel.local import LocalPool

    jobs = int(options.jobs)
    return LocalPool(jobs, writer.datasets, devices.gpus(options.device, specs),
                     devices.threads_per_worker(jobs), searches=bool(plan.searches))


class Driver:
    def __init__(self, pool: Any, writer: Writer, problems: dict[int, str],
                 options: RunOptions, progress: Progress) -> None:
        self.pool = pool
        self.in_process = getattr(pool, "in_process", False)
        self.writer = writer
        self.problems = problems
        self.options = options
        self.progress = progress
        self.keys = itertools.count()
        self.handlers: dict[int, Callable[[Done | BaseException], None]] = {}
        self.waiting: dict[str, list[tuple[RunSpec, OnRun]]] = {}  # run id in flight → reusers
        self.held: list[RunUnit] | None = None
        if hasattr(pool, "show"):  # runs the local pool's driver trains itself report here
            pool.show = self._event

    # ------------------------------------------------------------ runs
    def want(self, spec: RunSpec, on_run: OnRun | None = None) -> bool:
        """Arrange for `spec` to be trained or reused; False when it needs training."""
        run_id = self.writer.run_id(spec)
        list_run(self.writer.index, spec, run_id)
        on_run = on_run or (lambda record: None)
        if run_id in self.waiting:  # the same configuration is in flight for another study
            self.waiting[run_id].append((spec, on_run))
            return True
        if (record := self.writer.stored(spec, run_id)) is not None:
            self.progress.run_finished(spec, record, skipped=True)
            on_run(record)
            return True
        if id(spec) in self.problems:
            record = self.writer.save_expected(spec, run_id, self.problems[id(spec)])
            self.progress.run_finished(spec, record, skipped=False)
            on_run(record)
            return True
        self.waiting[run_id] = []
        return False

    def submit_runs(self, specs: list[RunSpec], evaluate: Sequence[str], fused: bool,
                    extra: dict[str, Any] | None = None,
                    on_runs: list[OnRun] | None = None) -> None:
        run_ids = [self.writer.run_id(spec) for spec in specs]
        unit = RunUnit(next(self.keys), tuple(specs), tuple(run_ids), tuple(evaluate),
                       self.options.device_for(specs[0]))
        note = fused_note(specs, run_ids) if fused else None
        callbacks = on_runs or [lambda record: None] * len(specs)

        def handle(result: Done | BaseException) -> None:
            members = {m.position: m for m in result.members} if isinstance(result, Done) \
                else {}
            for position, (spec, run_id) in enumerate(zip(specs, run_ids, strict=True)):
                member = members.get(position)
                record = None
                if member is not None and member.record is not None:
                    record = self.writer.save(spec, run_id, member.record, member.history,
                                              member.predictions,
                                              {**note, **(extra or {})} if note and member.fused
                                              else extra)
                    self.progress.run_finished(spec, record, skipped=False)
                else:
                    message = member.error if member is not None and member.error else \
                        f"{type(result).__name__}: {result}"
                    self.writer.fail(run_id, message)
                    self.progress.run_finished(spec, None, skipped=False, error=message)
                callbacks[position](record)
                for later, on_run in self.waiting.pop(run_id, []):
                    if record is not None:
                        self.writer.outcome.skipped.append(run_id)
                        self.progress.run_finished(later, record, skipped=True)
                    else:
                        self.progress.run_finished(later, None, skipped=False,
                                                   error=self.writer.outcome.failed[run_id])
                    on_run(record)

        self._submit(unit, handle)

    def _submit(self, unit: Unit, handle: Callable[[Done | BaseException], None]) -> None:
        self.handlers[unit.key] = handle
        if self.held is not None and isinstance(unit, RunUnit):
            self.held.append(unit)
        else:
            self.pool.submit(unit)
            if self.in_process:  # it has trained: saved before anything else is walked
                self._collect(0)

    def hold(self) -> None:
        """Collect run units instead of submitting them, until `release`."""
        self.held = []

    def release(self) -> None:
        """Submit the collected run units longest first (estimated epochs × multiply-adds per
        sample × training samples), so that no long run starts last while the other workers
        idle; the order changes no result."""
        held, self.held = self.held or [], None
        for unit in sorted(held, key=self._cost, reverse=True):
            self.pool.submit(unit)

    def _cost(self, unit: RunUnit) -> float:
        from reportgen.training.models import summary_rows

        total = 0.0
        for spec in unit.specs:
            dataset = self.writer.datasets[spec.config.dataset]
            params = sum(row.params for row in summary_rows(
                spec.config.model, dataset.input_shape, dataset.n_classes))
            total += spec.config.training.epochs * params * len(dataset.splits["train"])
        return total

    # ------------------------------------------------------------ studies
    def study(self, runs: list[RunSpec], groups: dict[int, list[RunSpec]],
              evaluate: Sequence[str]) -> None:
        for spec in runs:
            group = groups.get(id(spec))
            if group is None:
                if not self.want(spec):
                    self.submit_runs([spec], evaluate, fused=False)
            elif group[0] is spec:
                train = [member for member in group if not self.want(member)]
                if len(train) > 1:
                    self.submit_runs(train, evaluate, fused=True)
                for member in train if len(train) == 1 else ():
                    self.submit_runs([member], evaluate, fused=False)

    def search(self, task: SearchTask, repeats: int, evaluate: Sequence[str]) -> None:
        from reportgen.tuning import runner

        list_search(self.writer.index, task)
        dataset = self.writer.datasets[task.base.config.dataset]
        root = str(self.writer.store.root)
        waiting = runner.prepare_search(task, dataset, root, fresh=self.writer.fresh)
        # in this process, the coordinator pass itself runs the trials
        shares = 0 if self.in_process else min(self.pool.workers, waiting)
        left = [shares]

        def coordinate() -> None:
            from reportgen.execution.parallel.units import run_device
            from reportgen.training.engines import make_trainer

            result = runner.run_search(task, dataset, root,
                                       run_device(self.options.device_for(task.base), None),
                                       make_trainer, self.progress, coordinator=True)
            self.writer.outcome.trials += result.trials_run
            specs, extra = retrain_specs(task, result, repeats)
            if not specs:
                finish_search(self.writer, result.record, None)
                return
            self.progress.study(f"{task.study_id} · {specs[0].config_label or specs[0].label}",
                                len(specs))
            records: dict[int, RunRecord | None] = {}

            def retrained(position: int) -> OnRun:
                def on_run(record: RunRecord | None) -> None:
                    records[position] = record
                    if len(records) == len(specs):
                        finish_search(self.writer, result.record, records[0])
                return on_run

            for position, spec in enumerate(specs):
                if not self.want(spec, retrained(position)):
                    self.submit_runs([spec], evaluate, fused=False, extra=extra,
                                     on_runs=[retrained(position)])

        def trials_back(result: Done | BaseException) -> None:
            if isinstance(result, Done):
                self.writer.outcome.trials += result.trials
            else:  # its trials stay in the storage: the coordinator pass runs them
                warnings.warn(f"trials of {task.study_id} · {task.label}: {result}",
                              RuntimeWarning, stacklevel=1)
            left[0] -= 1
            if left[0] == 0:
                coordinate()

        if shares == 0:
            coordinate()
        for _ in range(shares):
            self._submit(TrialsUnit(next(self.keys), task, root,
                                    self.options.device_for(task.base)), trials_back)

    # ------------------------------------------------------------ the loop
    def run(self) -> None:
        while self.pool.pending():
            self._events()
            self._collect(POLL_SECONDS)
        self._events()

    def _collect(self, timeout: float) -> None:
        """Save the units that came back within `timeout` seconds."""
        for unit, result in self.pool.wait(timeout):
            if not self.in_process:
                self.progress.worker(result.worker if isinstance(result, Done) else "?", None)
            self.handlers.pop(unit.key)(result)

    def _events(self) -> None:
        for event in self.pool.drain():
            self._event(event)

    def _event(self, event: tuple[Any, ...]) -> None:
        kind, worker = event[0], event[1]
        if kind == "start":
            self.progress.worker(worker, event[2], event[3])
        elif kind == "epoch":
            self.progress.worker_epoch(worker)
        elif kind == "trial":
            self.progress.trial_finished(*event[2:])


def drive(manifest: Manifest, plan: Plan, writer: Writer, problems: dict[int, str],
          options: RunOptions, progress: Progress) -> None:
    """Train the plan's runs and run its searches in the pool `options` asks for."""
    pool = open_pool(options, writer, plan, progress)
    interrupted = True
    try:
        driver = Driver(pool, writer, problems, options, progress)
        if not driver.in_process:
            progress.pool(len(plan.runs), pool.workers)
            driver.hold()  # the plan's runs go out longest first; searches start right away
        for study in manifest.studies:
            runs = plan.for_study(study.id)
            if runs:
                progress.study(study.id, len(runs))
            groups = fused_groups(study, runs, writer.datasets, problems, writer.store,
                                  options)
            for spec in runs:  # the index lists a study's runs in plan order
                list_run(writer.index, spec, writer.run_id(spec))
            driver.study(runs, groups, study.evaluate)
            for task in plan.searches_for(study.id):
                driver.search(task, study.repeats, study.evaluate)
        driver.release()
        driver.run()
        interrupted = False
    finally:
        pool.close(wait=not interrupted)
