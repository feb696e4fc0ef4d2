"""ResultSet → Findings: what the numbers show, decided once for every language.

Frozen records, no prose: the report's sections (`reportgen.report`) word them per language, and
the figures draw them. Thresholds that turn a number into a verdict live here, named.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from reportgen.analysis import errors as error_facts
from reportgen.analysis import ranking as rankings
from reportgen.analysis import runs as run_facts
from reportgen.analysis import samples as sample_facts
from reportgen.analysis import seeds as seed_facts
from reportgen.analysis.curve_reading import CurveReading, read_curves
from reportgen.analysis.curves import OVERFIT_ACC_GAP
from reportgen.analysis.design import DesignIssue, design_issues
from reportgen.analysis.ranking import Criterion
from reportgen.analysis.runs import accuracy, as_number, flat_varied, varied_paths
from reportgen.analysis.significance import (
    IntervalCheck,
    MarginCheck,
    SeedComparison,
    check_test_accuracy,
    compare_seeds,
    single_seed_margin,
)
from reportgen.manifest import Manifest, Study
from reportgen.store.records import BaselineRecord, CoverLogo, DatasetSummary, RunRecord
from reportgen.store.store import ResultSet, StoredRun
from reportgen.store.tuning_records import TuningRecord

OVERFIT_GAP = OVERFIT_ACC_GAP  # train − val accuracy above this: overfitting (curves.py)


def id_key(name: str) -> str:
    """A language-neutral id part (a study's key; anchors and CSV file names)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-").lower() or "x"


# ---------------------------------------------------------------- the facts
@dataclass(frozen=True)
class Margin:
    """How the best run of a single-seed study compares with the runner-up, on the study's
    criterion (`ranking.Criterion`: its search's objective, else validation accuracy)."""

    criterion: Criterion
    best: RunRecord
    value: float | None
    runner_up: RunRecord | None  # None: only one run was ranked
    runner_value: float | None
    margin: float | None  # how much best beats the runner-up (criterion units); <= 0 a tie
    check: MarginCheck | None  # the single-seed threshold it is held to (significance.py)

    @property
    def split(self) -> str:
        return self.criterion.split

    @property
    def fragile(self) -> bool:
        """Below the single-seed threshold: another seed could change the order."""
        return self.check is not None and self.check.caveat and (self.margin or 0.0) > 0


@dataclass(frozen=True)
class SeedMargin:
    """With repeats: the best configuration against the runner-up over their seeds
    (Welch's t-test and a bootstrap interval of the difference of mean accuracies)."""

    split: str
    best: str  # configuration labels
    runner_up: str
    comparison: SeedComparison


@dataclass(frozen=True)
class Trend:
    """The direction of the score over a single numeric factor, only when it has 3+ values."""

    path: str  # the varied dotted path
    split: str
    over_means: bool  # points are configuration means over seeds
    direction: Literal["rises", "falls", "mixed"]
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Gap:
    """Training against validation accuracy of the best run."""

    run: RunRecord
    train: float
    val: float
    verdict: Literal["overfit", "small", "none"]

    @property
    def gap(self) -> float:
        return self.train - self.val


@dataclass(frozen=True)
class EngineGap:
    """Two runs of one network that differ only in their engine."""

    a: RunRecord
    b: RunRecord
    split: str
    score_a: float
    score_b: float


@dataclass(frozen=True)
class Stops:
    """Runs that did not simply complete, by how they ended."""

    diverged: tuple[RunRecord, ...] = ()
    early: tuple[RunRecord, ...] = ()
    threshold: tuple[RunRecord, ...] = ()
    failed: tuple[RunRecord, ...] = ()  # a record with stop_reason "failed"
    lost: tuple[tuple[str, str], ...] = ()  # (run id, raw error) of runs with no record


@dataclass(frozen=True)
class StudyFindings:
    """One study on one dataset (a study listing several datasets gives several)."""

    key: str  # language-neutral id part
    study: Study
    dataset: str
    runs: tuple[RunRecord, ...]
    histories: tuple[list[dict[str, Any]], ...]
    failed: tuple[tuple[str, str], ...]  # (run id, error) of runs with no record
    score_split: str | None  # the split whose accuracy is the documented score
    ranking: tuple[int, ...]  # indices into runs, best first; runs without a score left out
    criterion: Criterion | None = None  # what `ranking` ranks by (analysis.ranking)
    criterion_values: tuple[float | None, ...] = ()  # per run, its value on the criterion
    searches: tuple[TuningRecord, ...] = ()
    seeds: seed_facts.Seeds | None = None  # with repeats: configurations over their seeds
    margin: Margin | None = None  # without repeats
    seed_margin: SeedMargin | None = None  # with repeats, at least 2 seeds on both sides
    curves: CurveReading | None = None  # the learning curves read (analysis.curve_reading)
    trend: Trend | None = None
    gap: Gap | None = None
    engine_gaps: tuple[EngineGap, ...] = ()
    stops: Stops = field(default_factory=Stops)
    samples: sample_facts.Predictions | None = None  # show = ["samples"]
    errors: error_facts.ErrorAnalysis | None = None  # the best run's errors (analysis.errors)
    test_check: IntervalCheck | None = None  # best against runner-up on test, Wilson interval
    design: tuple[DesignIssue, ...] = ()  # objections to the study's design (analysis.design)

    @property
    def best(self) -> RunRecord | None:
        return self.runs[self.ranking[0]] if self.ranking else None

    @property
    def has_repeats(self) -> bool:
        return self.seeds is not None


@dataclass(frozen=True)
class Provenance:
    created_at: str | None
    versions: dict[str, str]  # library -> version: the index's, then any a run adds
    fused: dict[str, tuple[int, list[str]]]  # fused group id -> (number, labels of its runs)


@dataclass(frozen=True)
class Findings:
    manifest: Manifest
    datasets: dict[str, DatasetSummary]
    studies: tuple[StudyFindings, ...]
    provenance: Provenance
    samples: dict[str, sample_facts.DatasetSamples]  # dataset -> its sample images, if kept
    logo: CoverLogo | None = None  # the cover's logo, read by the store
    # dataset -> its majority and logistic-regression baselines (none: off, or an older store)
    baselines: dict[str, BaselineRecord] = field(default_factory=dict)

    @property
    def records(self) -> list[RunRecord]:
        return [r for s in self.studies for r in s.runs]


# ---------------------------------------------------------------- computing them
def analyse(results: ResultSet) -> Findings:
    studies = tuple(study_findings(results))
    records = [r for s in studies for r in s.runs]
    versions = dict(results.index.versions)
    for record in records:
        for lib, version in record.versions.items():
            versions.setdefault(lib, version)
    provenance = Provenance(results.index.created_at, versions,
                            run_facts.fused_groups(records))
    samples = {name: found for name in results.datasets
               if (found := sample_facts.dataset_samples(results, name)) is not None}
    return Findings(results.manifest, dict(results.datasets), studies, provenance, samples,
                    results.logo(), baselines=dict(results.baselines))


def study_findings(results: ResultSet) -> list[StudyFindings]:
    failed = results.index.failed
    out = []
    for study in results.manifest.studies:
        stored: list[StoredRun] = results.studies.get(study.id, [])
        run_ids = [e.run_id for e in results.index.studies.get(study.id, [])]
        lost = tuple((rid, str(failed[rid])) for rid in run_ids if rid in failed)
        names = study.datasets()
        for name in names:
            group = [s for s in stored if s.record.dataset == name]
            lost_here = lost if name == names[0] else ()  # failed runs have no dataset to sort by
            searches = tuple(r for r in results.tuning.get(study.id, []) if r.dataset == name)
            if not group and not lost_here and not searches:  # retrain_best = false: no runs
                continue
            records = tuple(s.record for s in group)
            split, _ = run_facts.rank_runs(records)
            ranked = rankings.rank(records, searches)
            key = id_key(study.id) if len(names) == 1 else f"{id_key(study.id)}-{id_key(name)}"
            found = StudyFindings(
                key=key, study=study, dataset=name, runs=records,
                histories=tuple(s.history for s in group), failed=lost_here,
                score_split=split, ranking=ranked.order, criterion=ranked.criterion,
                criterion_values=ranked.values,
                searches=searches,
                seeds=seed_facts.seeds(records) if seed_facts.has_repeats(records) else None)
            out.append(_with_facts(found, results))
    return out


def _with_facts(found: StudyFindings, results: ResultSet) -> StudyFindings:
    from dataclasses import replace

    best = found.best
    single = margin(found, results) if best is not None and found.seeds is None else None
    curves = read_curves(found.runs, found.histories, found.seeds)
    return replace(
        found,
        margin=single,
        design=design_issues(found.study, found.runs, found.searches, single,
                             found.seeds is not None),
        seed_margin=seed_margin(found) if found.seeds is not None else None,
        curves=curves,
        trend=trend(found) if best is not None else None,
        gap=gap(best, curves) if best is not None else None,
        engine_gaps=tuple(engine_gaps(found)),
        stops=Stops(
            diverged=tuple(r for r in found.runs if r.stop_reason == "diverged"),
            early=tuple(r for r in found.runs if r.stop_reason == "early_stopped"),
            threshold=tuple(r for r in found.runs if r.stop_reason == "threshold"),
            failed=tuple(r for r in found.runs if r.stop_reason == "failed"),
            lost=found.failed),
        samples=sample_facts.predictions(results, found.dataset, best)
        if best is not None and "samples" in found.study.show else None,
        errors=error_facts.study_errors(found.runs, found.ranking, results),
        test_check=check_test_accuracy(found.runs, found.ranking),
    )


def margin(found: StudyFindings, results: ResultSet | None = None) -> Margin:
    best, criterion = found.best, found.criterion
    assert best is not None and criterion is not None
    values = found.criterion_values
    value = values[found.ranking[0]]
    if len(found.ranking) < 2:
        return Margin(criterion, best, value, None, None, None, None)
    runner = found.runs[found.ranking[1]]
    runner_value = values[found.ranking[1]]
    if value is None or runner_value is None:
        return Margin(criterion, best, value, runner, runner_value, None, None)
    summary = results.datasets.get(found.dataset) if results is not None else None
    n_samples = summary.split_sizes.get(criterion.split) if summary is not None else None
    check = single_seed_margin(value, runner_value, criterion.name, n_samples)
    return Margin(criterion, best, value, runner, runner_value,
                  criterion.better(value, runner_value), check)


def seed_margin(found: StudyFindings) -> SeedMargin | None:
    """The top two configurations over their seeds; None with fewer than 2 finished seeds
    on either side (no spread to compare with)."""
    seeds = found.seeds
    if seeds is None or seeds.split is None or len(seeds.order) < 2:
        return None
    (best, _), (runner, _) = seeds.order[:2]
    split, tables = seeds.split, seeds.tables

    def scores(config: Any) -> list[float]:
        return [v for r in config.runs
                if (v := tables[r.run_id].get(split, {}).get("accuracy")) is not None]

    a, b = scores(best), scores(runner)
    if len(a) < 2 or len(b) < 2:
        return None
    return SeedMargin(seeds.split, best.label, runner.label, compare_seeds(a, b))


def trend(found: StudyFindings) -> Trend | None:
    """The direction of a single numeric factor's effect, only when the data show one."""
    split = found.score_split
    paths = varied_paths(found.runs)
    if split is None or len(paths) != 1:
        return None
    if found.seeds is not None:  # one point per configuration: its mean over the seeds
        points = seed_facts.factor_points(
            found.seeds, split, lambda r: as_number(flat_varied(r).get(paths[0])))
    else:
        points = sorted((numeric, score) for r in found.runs
                        if (numeric := as_number(flat_varied(r).get(paths[0]))) is not None
                        and (score := accuracy(r, split)) is not None)
    if len(points) < 3 or len({x for x, _ in points}) < len(points):
        return None
    steps = [b[1] - a[1] for a, b in itertools.pairwise(points)]
    direction: Literal["rises", "falls", "mixed"] = \
        "rises" if all(s > 0 for s in steps) else "falls" if all(s < 0 for s in steps) \
        else "mixed"
    return Trend(paths[0], split, found.seeds is not None, direction, tuple(points))


def gap(best: RunRecord, curves: CurveReading | None = None) -> Gap | None:
    """The best run's accuracy gap. Its "overfit" verdict is the curve reading's verdict of
    the best run's configuration (`curves.fit_verdict`, one rule for every text); without a
    curve, an accuracy gap above OVERFIT_GAP, the same threshold that rule applies."""
    train, val = accuracy(best, "train"), accuracy(best, "val")
    if train is None or val is None:
        return None
    diff = train - val
    label = best.config_label or best.label
    said = curves.verdict(label) if curves is not None else None
    overfits = said == "overfits" if said is not None else diff > OVERFIT_GAP
    verdict: Literal["overfit", "small", "none"] = \
        "overfit" if overfits else "small" if diff >= 0 else "none"
    return Gap(best, train, val, verdict)


def engine_gaps(found: StudyFindings) -> list[EngineGap]:
    """Runs that differ only in their engine: the gap between the engines."""
    split = found.score_split
    if split is None:
        return []
    out = []
    for a, b in itertools.combinations(found.runs, 2):
        if a.engine == b.engine or _without_engine(a.config) != _without_engine(b.config):
            continue
        score_a, score_b = accuracy(a, split), accuracy(b, split)
        if score_a is not None and score_b is not None:
            out.append(EngineGap(a, b, split, score_a, score_b))
    return out


def _without_engine(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k not in ("engine", "device")}


def runs_of(studies: Sequence[StudyFindings]) -> list[RunRecord]:
    return [r for s in studies for r in s.runs]
