"""`reportgen run MANIFEST --check`: retrain a reproducible sample of the stored runs, in memory,
and report those whose stop, epochs or final metrics do not come out as stored.

The store is only read: reruns never touch runs, the index, results.json or the reports.
A run is compared within a `Tolerance`: exact for a run trained alone on the CPU (CPU reruns are
bit for bit), the documented fused-vs-alone guarantee for a run trained in a fused group
(docs/manifest.md, "Fused training"), and a small one when CUDA is involved.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from reportgen.data import Dataset, load_dataset
from reportgen.errors import ReportgenError
from reportgen.execution.options import RunOptions
from reportgen.manifest import Manifest, RunConfig
from reportgen.plan.expand import RunSpec
from reportgen.store.records import SPLITS, RunRecord, SplitMetrics, split_summary
from reportgen.store.store import Store
from reportgen.training.engines.fused import TOLERANCE as FUSED_TOLERANCE

DEFAULT_SAMPLE = 3
CONTROL = ("stop_reason", "epochs_run")  # compared exactly under every tolerance
Status = Literal["reproduced", "differs", "data changed", "rerun failed"]


@dataclass(frozen=True)
class Tolerance:
    """Largest accepted difference of a rerun's metric from the stored one."""

    name: str
    loss_rtol: float = 0.0  # loss: relative to the stored value…
    loss_atol: float = 0.0  # …plus absolute
    atol: float = 0.0  # accuracy, F1 scores, ROC AUC: absolute…
    samples: int = 0  # …plus what this many samples changing their prediction can move them

    def allowed(self, metric: str, stored: float, split: SplitMetrics) -> float:
        if metric == "loss":
            return self.loss_atol + self.loss_rtol * abs(stored)
        return self.atol + self.samples * sample_worth(metric, split)


EXACT = Tolerance("exact")
# The fused-vs-alone guarantee of docs/manifest.md, asserted by tests/test_fused.py: losses
# within rtol 1e-4 / atol 1e-5, accuracies within one sample.
FUSED = Tolerance("fused", loss_rtol=FUSED_TOLERANCE["loss_rtol"],
                  loss_atol=FUSED_TOLERANCE["loss_atol"],
                  samples=int(FUSED_TOLERANCE["accuracy_samples"]))
# CUDA kernels (cuDNN convolution backward, atomic reductions) are not deterministic by default,
# and reportgen does not force deterministic algorithms (slower, not available for every op):
# rounding differences grow over the epochs. Half a point on rates and 1 % on losses (plus a
# sample's worth) absorbs that noise; a change of data, code or configuration shows beyond it.
# An estimate until measured: benchmarks/gpu.py's "tolerance" section reports the largest
# differences over repeated GPU runs, next to these allowances.
CUDA = Tolerance("cuda", loss_rtol=1e-2, loss_atol=1e-4, atol=5e-3, samples=1)


def fixed_tolerance(tol: float) -> Tolerance:
    """`--tol X`: one absolute tolerance for every metric."""
    return Tolerance(f"±{tol:g}", loss_atol=tol, atol=tol)


def sample_worth(metric: str, split: SplitMetrics) -> float:
    """The most one sample whose prediction changes can move `metric` on `split`: 1/n for the
    accuracy; F1 changes in two classes only, by at most 2/n weighted and 2/(k·smallest support)
    macro (bounds brute-forced over small label sets); one-vs-rest ROC AUC reorders the sample's
    pairs in its own class and as a negative in the others: at most 2/(k·smallest support)."""
    supports = [sum(row) for row in split.confusion]
    n, k, smallest = max(sum(supports), 1), max(len(supports), 1), max(min(supports, default=1), 1)
    per_class = 2 / (k * smallest)
    return {"accuracy": 1 / n, "weighted_f1": 2 / n, "macro_f1": per_class,
            "roc_auc": per_class}.get(metric, 0.0)


def tolerance_for(record: RunRecord, device: str, override: float | None) -> Tolerance:
    """`--tol` if given; else CUDA's when the run was trained or reruns on a GPU; the fused
    guarantee for a run trained in a fused group; exact otherwise."""
    if override is not None:
        return fixed_tolerance(override)
    if device.startswith("cuda") or record.device.startswith("cuda"):
        return CUDA
    if record.fused_group is not None:
        return FUSED
    return EXACT


@dataclass(frozen=True)
class Candidate:
    """A stored run as a study of the index names it."""

    study_id: str
    label: str
    run_id: str

    @property
    def name(self) -> str:
        return f"{self.study_id} / {self.label} / {self.run_id[:8]}"


@dataclass(frozen=True)
class Difference:
    key: str  # "stop_reason", "epochs_run", "val.accuracy", or a split ("test") gone or new
    stored: Any
    rerun: Any

    def __str__(self) -> str:
        return f"{self.key} {_pair(self.stored, self.rerun)}"


@dataclass(frozen=True)
class RunCheck:
    candidate: Candidate
    status: Status
    tolerance: str
    differences: list[Difference] = field(default_factory=list)
    detail: str = ""  # why the data changed or the rerun failed

    def line(self) -> str:
        if self.status == "reproduced":
            note = "" if self.tolerance == EXACT.name else f" (within {self.tolerance} tolerance)"
            return f"{self.candidate.name}: reproduced{note}"
        if self.status == "differs":
            return f"{self.candidate.name}: DIFFERS: {', '.join(map(str, self.differences))}"
        return f"{self.candidate.name}: {self.status.upper()}: {self.detail}"


@dataclass(frozen=True)
class CheckResult:
    stored: int  # stored runs that could be checked (failed ones excluded)
    skipped_failed: int  # stored runs with stop_reason "failed", never rerun
    checks: list[RunCheck]

    @property
    def ok(self) -> bool:
        return all(c.status == "reproduced" for c in self.checks)

    def summary(self) -> str:
        good = sum(c.status == "reproduced" for c in self.checks)
        bad = len(self.checks) - good
        failed = f"; skipped {self.skipped_failed} failed run(s)" if self.skipped_failed else ""
        verdict = "all reproduced" if not bad else f"{good} reproduced, {bad} did NOT reproduce"
        return f"checked {len(self.checks)} of {self.stored} stored run(s): {verdict}{failed}"


def check(manifest: Manifest, store: Store, *, sample: int = DEFAULT_SAMPLE,
          device: str | None = None, tol: float | None = None, only: list[str] | None = None,
          echo: Callable[[str], None] = lambda line: None) -> CheckResult:
    """Rerun `sample` stored runs of `store` (0: all of them), chosen reproducibly from the
    manifest's hash and spread over the studies, on the data `manifest` loads; `device`
    overrides the runs' own, `tol` the tolerances above. `echo` gets the lines to show: the
    chosen runs, then one per checked run as it finishes."""
    candidates, failed = stored_candidates(store, only)
    if not candidates:
        raise ReportgenError(f"{store.root}: no stored runs to check; run `reportgen run` first")
    chosen = choose(candidates, sample, manifest.sha256)
    echo(f"checking {len(chosen)} of {len(candidates)} stored run(s) "
         f"(sample seeded by manifest sha256 {manifest.sha256[:12]}):")
    for candidate in chosen:
        echo(f"  {candidate.name}")
    datasets: dict[str, Dataset] = {}
    checks = []
    for candidate in chosen:
        result = check_run(candidate, manifest, store, datasets, device, tol)
        echo(result.line())
        checks.append(result)
    return CheckResult(len(candidates), failed, checks)


def stored_candidates(store: Store, only: list[str] | None = None) -> tuple[list[Candidate], int]:
    """The stored runs the index lists (each once, under its first study), in index order,
    and how many failed ones were left out."""
    index = store.read_index()
    candidates: list[Candidate] = []
    seen: set[str] = set()
    failed = 0
    for study_id, entries in index.studies.items():
        if only and study_id not in only:
            continue
        for entry in entries:
            run_id = entry.run_id
            if run_id in seen or not store.has(run_id):
                continue
            seen.add(run_id)
            record = store.load_run(run_id).record
            if record.stop_reason == "failed":
                failed += 1
                continue
            label = entry.label if entry.label is not None else record.label
            candidates.append(Candidate(study_id, label, run_id))
    return candidates, failed


def choose(candidates: list[Candidate], sample: int, seed: str) -> list[Candidate]:
    """`sample` candidates (all for 0), taken in turn from each study — every study gets one
    before any gets two — in an order drawn from `seed`; returned in index order."""
    if sample == 0 or sample >= len(candidates):
        return list(candidates)
    rng = random.Random(seed)  # a str seed is hashed with SHA-512: the same on every machine
    by_study: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_study.setdefault(candidate.study_id, []).append(candidate)
    queues = [rng.sample(runs, len(runs)) for runs in by_study.values()]
    rng.shuffle(queues)  # which studies get the extra picks
    picked: list[Candidate] = []
    while len(picked) < sample:
        for queue in queues:
            if queue and len(picked) < sample:
                picked.append(queue.pop())
    return sorted(picked, key=candidates.index)


def check_run(candidate: Candidate, manifest: Manifest, store: Store,
              datasets: dict[str, Dataset], device: str | None,
              tol: float | None) -> RunCheck:
    """Retrain one stored run from its spec.json, in memory, and compare it with its record."""
    from reportgen.training.engines import describe_device, make_trainer, resolve_device
    from reportgen.training.hooks import Progress
    from reportgen.training.one_run import train_run

    stored = store.load_run(candidate.run_id).record
    spec = read_spec(store, candidate.run_id)
    run_device = resolve_device(RunOptions(device=device).device_for(spec))
    tolerance = tolerance_for(stored, run_device, tol)
    dataset, problem = dataset_of_run(spec, candidate.run_id, manifest, datasets)
    if dataset is None:
        return RunCheck(candidate, "data changed", tolerance.name, detail=problem)
    evaluate = [split for split in stored.metrics if split != "train"]  # the splits it reported
    try:
        rerun, _, _ = train_run(spec, candidate.run_id, dataset, run_device,
                                describe_device(run_device), evaluate, make_trainer,
                                Progress())
    except Exception as exc:  # e.g. no GPU here: one run's problem, the others still check
        return RunCheck(candidate, "rerun failed", tolerance.name,
                        detail=f"{type(exc).__name__}: {exc}")
    differences = compare(stored, rerun, tolerance)
    return RunCheck(candidate, "differs" if differences else "reproduced", tolerance.name,
                    differences)


def read_spec(store: Store, run_id: str) -> RunSpec:
    """The run's spec.json as the RunSpec it was trained from."""
    stored = store.load_spec(run_id)
    try:
        config = RunConfig.model_validate(stored.config)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        path = store.run_dir(run_id) / "spec.json"
        raise ReportgenError(f"{path}: unreadable run spec ({exc})") from None
    return RunSpec(study_id=stored.study_id, label=stored.label, variant=stored.variant,
                   varied=stored.varied, config=config)


def dataset_of_run(spec: RunSpec, run_id: str, manifest: Manifest,
             datasets: dict[str, Dataset]) -> tuple[Dataset | None, str]:
    """The run's dataset as `manifest` loads it (each loaded once), or None and why it is not
    the data the run was trained on. The run id hashes the stored config with the data's
    fingerprint, so an id that no longer comes out means the data changed."""
    name = spec.config.dataset
    if name not in manifest.datasets:
        return None, f"dataset {name!r} is no longer in the manifest"
    if name not in datasets:
        datasets[name] = load_dataset(name, manifest.datasets[name],
                                      Path(manifest.source_path).parent)
    dataset = datasets[name]
    if spec.run_id(dataset.fingerprint) != run_id:
        return None, (f"dataset {name!r} no longer has the fingerprint the run was trained on "
                      f"(now {dataset.fingerprint[:12]})")
    return dataset, ""


def compare(stored: RunRecord, rerun: RunRecord, tolerance: Tolerance) -> list[Difference]:
    """Stop reason and epochs (exactly), then every metric of results.run_summary per split."""
    differences = [Difference(key, getattr(stored, key), getattr(rerun, key))
                   for key in CONTROL if getattr(stored, key) != getattr(rerun, key)]
    for split in [s for s in SPLITS if s in stored.metrics or s in rerun.metrics]:
        if split not in stored.metrics or split not in rerun.metrics:
            differences.append(Difference(split, "stored" if split in stored.metrics else "—",
                                          "rerun" if split in rerun.metrics else "—"))
            continue
        want, got = split_summary(stored.metrics[split]), split_summary(rerun.metrics[split])
        for metric, value in want.items():
            if not _close(value, got[metric], tolerance, metric, stored.metrics[split]):
                differences.append(Difference(f"{split}.{metric}", value, got[metric]))
    return differences


def _close(stored: float | None, rerun: float | None, tolerance: Tolerance, metric: str,
           split: SplitMetrics) -> bool:
    if stored is None or rerun is None:
        return stored is rerun
    if stored != stored and rerun != rerun:  # both NaN
        return True
    return abs(stored - rerun) <= tolerance.allowed(metric, stored, split)


def _pair(stored: Any, rerun: Any) -> str:
    """'0.9611 → 0.9583', with as many digits as it takes to tell the two apart."""
    if isinstance(stored, float) and isinstance(rerun, float):
        for digits in (4, 6, 8, 10, 12, 17):
            a, b = f"{stored:.{digits}g}", f"{rerun:.{digits}g}"
            if a != b:
                break
        return f"{a} → {b}"
    return f"{stored} → {rerun}"
