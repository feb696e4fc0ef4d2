"""Compare two result sets (an answer key and a submission) study by study and run by run.

Runs are matched by study id, configuration and seed (`config_label`, else the label, and
`seed`), so a submission trained without `repeats` still meets the key's run of its seed. A
submission's run whose seed the key lacks is compared with the mean of the key's seeds for its
configuration (stop reason and seed aside): that is what the measured tolerances are for. When
the submission trained a configuration with one seed only (no `repeats`), the key's runs of its
other seeds are not missing. A matched run whose configuration differs is reported with the
differing dotted keys and both values, and every metric that moved beyond the tolerance is
listed. Timings are never compared. `pair_runs` is the matching, shared with `reportgen grade`.

The tolerance is either one number for every metric (`--tol`), or taken from the key: a study's
optional `expected` block gives, per configuration (its run labels), split and metric, the spread
measured over repeated seeds; a metric without one (absent or null) falls back to its rule in
reportgen/grading/tolerance.py: ±0.02 on rates, ±10 % of the key's value on losses.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reportgen.analysis.results_json import FILE_NAME, SCHEMA
from reportgen.errors import ReportgenError
from reportgen.grading import tolerance as tolerances

DEFAULT_TOLERANCE = tolerances.RATE_TOLERANCE

# run label → split → metric → tolerance (None: not measured)
KeyTolerances = dict[str, dict[str, dict[str, float | None]]]


@dataclass(frozen=True)
class MetricChange:
    study: str
    run: str
    split: str
    metric: str
    key: float | None
    other: float | None
    tolerance: float  # the largest accepted |other − key| for this metric

    @property
    def delta(self) -> float | None:
        if self.key is None or self.other is None:
            return None
        return self.other - self.key


@dataclass
class Comparison:
    tolerance: float  # --tol for every metric; else a rate's where the key gives none
    tolerance_from_key: bool = False
    tolerance_given: bool = False  # --tol: `tolerance` applies to every metric
    missing_studies: list[str] = field(default_factory=list)
    extra_studies: list[str] = field(default_factory=list)
    missing_runs: list[tuple[str, str]] = field(default_factory=list)  # (study, run label)
    extra_runs: list[tuple[str, str]] = field(default_factory=list)
    config_changes: list[tuple[str, str, list[str]]] = field(default_factory=list)
    # (study, run label, dotted key, the key's value, the submission's value); None: absent
    config_values: list[tuple[str, str, str, Any, Any]] = field(default_factory=list)
    stop_changes: list[tuple[str, str, str, str]] = field(default_factory=list)
    metric_changes: list[MetricChange] = field(default_factory=list)
    matched_runs: int = 0
    # (study, run label, seeds in the key): runs compared with the mean of the key's seeds
    against_mean: list[tuple[str, str, int]] = field(default_factory=list)
    key_only_seeds: int = 0  # key runs of a configuration the submission ran with other seeds

    @property
    def within_tolerance(self) -> bool:
        return not (self.missing_studies or self.extra_studies or self.missing_runs
                    or self.extra_runs or self.config_changes or self.stop_changes
                    or self.metric_changes)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["within_tolerance"] = self.within_tolerance
        for change in data["metric_changes"]:
            key, other = change["key"], change["other"]
            change["delta"] = None if key is None or other is None else other - key
        return data


def load(path: str | Path) -> dict[str, Any]:
    """A results.json, or an output folder that holds one."""
    path = Path(path)
    file = path / FILE_NAME if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportgenError(f"{file}: not found (run `reportgen run` or `reportgen report` "
                             "to write it)") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ReportgenError(f"{file}: not a readable results file ({exc})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ReportgenError(f"{file}: not a {SCHEMA} file")
    return data


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        flat: dict[str, Any] = {}
        for key, value in data.items():
            flat |= _flatten(value, f"{prefix}{key}.")
        return flat
    return {prefix.rstrip("."): data}


def key_tolerances(study: dict[str, Any]) -> KeyTolerances:
    """The tolerances of a key's study, by run label, from its optional `expected` block."""
    by_run: KeyTolerances = {}
    for configuration in (study.get("expected") or {}).get("configurations") or []:
        tolerance = configuration.get("tolerance") or {}
        for split, metrics in tolerance.items():
            for metric, value in metrics.items():
                if value is not None and not _is_tolerance(value):
                    raise ReportgenError(
                        f"answer key: study {study['id']}: expected tolerance "
                        f"{split}.{metric} must be a number ≥ 0 or null, not {value!r}")
        for label in configuration.get("runs") or []:
            by_run[label] = tolerance
    return by_run


def _is_tolerance(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and value >= 0)


def compare(key: dict[str, Any], other: dict[str, Any], tolerance: float | None) -> Comparison:
    """Compare `other` with `key`; `tolerance` None: each metric's from the key, else by the
    metric's rule (reportgen/grading/tolerance.py)."""
    result = Comparison(tolerance=DEFAULT_TOLERANCE if tolerance is None else tolerance,
                        tolerance_given=tolerance is not None)
    key_studies = {s["id"]: s for s in key["studies"]}
    other_studies = {s["id"]: s for s in other["studies"]}
    result.missing_studies = [s for s in key_studies if s not in other_studies]
    result.extra_studies = [s for s in other_studies if s not in key_studies]
    for study_id, study in key_studies.items():
        from_key = key_tolerances(study) if tolerance is None else {}
        result.tolerance_from_key |= any(value is not None for by_split in from_key.values()
                                         for by_metric in by_split.values()
                                         for value in by_metric.values())
        if study_id not in other_studies:
            continue
        _compare_study(result, study_id, pair_runs(study, other_studies[study_id]), tolerance)
    return result


def _identity(run: dict[str, Any]) -> tuple[str, Any]:
    """What matches runs across result sets: the configuration's name and the seed."""
    return run.get("config_label") or run["label"], run.get("seed")


@dataclass(frozen=True)
class RunPair:
    """A submission's run and what it is compared with: the key's run of its configuration and
    seed, or (a seed the key lacks) the mean of the key's seeds for its configuration."""

    label: str  # the run's label
    key: dict[str, Any]  # a run of results.json, or the configuration's mean run
    other: dict[str, Any]
    measured: dict[str, dict[str, float | None]]  # split → metric → the key's tolerance
    seeds_in_key: int | None = None  # compared with the mean of this many seeds; None: same seed

    @property
    def ignore(self) -> tuple[str, ...]:
        return ("seed",) if self.seeds_in_key else ()


@dataclass
class StudyPairing:
    pairs: list[RunPair] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # the key's run labels
    extra: list[str] = field(default_factory=list)  # the submission's run labels
    key_only_seeds: int = 0  # key runs of a configuration the submission ran with other seeds


def pair_runs(study: dict[str, Any], other_study: dict[str, Any]) -> StudyPairing:
    """Match a key's study with the submission's, run by run (see the module's docstring)."""
    out = StudyPairing()
    from_key = key_tolerances(study)
    key_runs = {_identity(r): r for r in study["runs"]}
    other_runs = {_identity(r): r for r in other_study["runs"]}
    # a submission without repeats trains one seed per configuration: the key's other seeds
    # are not missing from it; with repeats, each seed it lacks is
    seeds_run = Counter(config for config, _ in other_runs)
    for identity, run in key_runs.items():
        if identity in other_runs:
            out.pairs.append(RunPair(run["label"], run, other_runs[identity],
                                     from_key.get(run["label"], {})))
        elif seeds_run[identity[0]] == 1:
            out.key_only_seeds += 1
        else:
            out.missing.append(run["label"])
    configurations = {c["label"]: c for c in (study.get("expected") or {}).get(
        "configurations") or []}
    for identity, run in other_runs.items():
        if identity in key_runs:
            continue
        configuration = configurations.get(identity[0])
        reference = next((r for r in study["runs"] if _identity(r)[0] == identity[0]), None)
        if configuration is None or reference is None:
            out.extra.append(run["label"])
            continue
        means = {split: {metric: spread.get("mean") for metric, spread in metrics.items()}
                 for split, metrics in configuration.get("metrics", {}).items()}
        mean_run = {**reference, "metrics": means, "stop_reason": run["stop_reason"]}
        out.pairs.append(RunPair(run["label"], mean_run, run,
                                 configuration.get("tolerance") or {},
                                 len(configuration["runs"])))
    return out


def config_differences(key: dict[str, Any], other: dict[str, Any],
                       ignore: tuple[str, ...] = ()) -> list[tuple[str, Any, Any]]:
    """(dotted key, key's value, other's value) for every setting that differs; None: absent."""
    mine, theirs = _flatten(key), _flatten(other)
    return [(k, mine.get(k), theirs.get(k)) for k in sorted(mine.keys() | theirs.keys())
            if mine.get(k) != theirs.get(k) and k not in ignore]


def _compare_study(result: Comparison, study_id: str, pairing: StudyPairing,
                   tolerance: float | None) -> None:
    result.missing_runs += [(study_id, label) for label in pairing.missing]
    result.extra_runs += [(study_id, label) for label in pairing.extra]
    result.key_only_seeds += pairing.key_only_seeds
    for pair in pairing.pairs:
        result.matched_runs += 1
        if pair.seeds_in_key:
            result.against_mean.append((study_id, pair.label, pair.seeds_in_key))
        _compare_run(result, study_id, pair, tolerance)


def _compare_run(result: Comparison, study: str, pair: RunPair, tolerance: float | None) -> None:
    key, other, label = pair.key, pair.other, pair.label
    changed = config_differences(key["config"], other["config"], pair.ignore)
    if changed:
        result.config_changes.append((study, label, [k for k, _, _ in changed]))
        result.config_values += [(study, label, k, a, b) for k, a, b in changed]
    if key["stop_reason"] != other["stop_reason"]:
        result.stop_changes.append((study, label, key["stop_reason"], other["stop_reason"]))
    measured = pair.measured if tolerance is None else {}
    for split, metrics in key["metrics"].items():
        theirs = other["metrics"].get(split, {})
        for metric, value in metrics.items():
            mine = theirs.get(metric)
            allowed = tolerances.allowed(metric, value, measured.get(split, {}).get(metric),
                                         tolerance)
            if not tolerances.within(mine, value, allowed):
                result.metric_changes.append(
                    MetricChange(study, label, split, metric, value, mine, allowed))


def _tolerance_text(comparison: Comparison) -> str:
    if comparison.tolerance_from_key:
        return f"tolerances from the key, else {tolerances.describe()}"
    if comparison.tolerance_given:
        return f"tolerance ±{comparison.tolerance:g}"
    return f"tolerance {tolerances.describe()}"


def format_table(comparison: Comparison) -> str:
    """A plain-text report, one finding per line."""
    lines = []
    lines += [f"missing study: {s}" for s in comparison.missing_studies]
    lines += [f"extra study: {s}" for s in comparison.extra_studies]
    lines += [f"missing run: {s} / {r}" for s, r in comparison.missing_runs]
    lines += [f"extra run: {s} / {r}" for s, r in comparison.extra_runs]
    lines += [f"config differs: {s} / {r}: {k} {_value(a)} → {_value(b)}"
              for s, r, k, a, b in comparison.config_values]
    lines += [f"stop reason differs: {s} / {r}: {a} → {b}"
              for s, r, a, b in comparison.stop_changes]
    lines += [f"compared with the mean of {n} key seed(s): {s} / {r}"
              for s, r, n in comparison.against_mean]
    if comparison.key_only_seeds:
        lines.append(f"{comparison.key_only_seeds} key run(s) of seeds the submission did not "
                     "train (their configurations were compared)")
    if comparison.metric_changes:
        rows = [("study", "run", "split", "metric", "key", "other", "Δ", "tolerance")]
        for c in comparison.metric_changes:
            rows.append((c.study, c.run, c.split, c.metric, _num(c.key), _num(c.other),
                         _num(c.delta, signed=True), f"±{c.tolerance:g}"))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines.append("metrics beyond tolerance:")
        lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                  .rstrip() for row in rows]
    verdict = "within tolerance" if comparison.within_tolerance else "DIFFERENT"
    lines.append(f"{comparison.matched_runs} matched run(s); {verdict} "
                 f"({_tolerance_text(comparison)})")
    return "\n".join(lines)


def _value(value: Any) -> str:
    """A setting as the manifest writes it (JSON is close enough); absent: —."""
    return "—" if value is None else json.dumps(value, ensure_ascii=False)


def _num(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.4f}" if signed else f"{value:.4f}"
