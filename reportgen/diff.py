"""Compare two result sets (an answer key and a submission) study by study and run by run.

Runs are matched by study id and run label; a matched run whose configuration differs is
reported with the differing dotted keys, and every metric that moved beyond the tolerance is
listed. Timings are never compared.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reportgen.errors import ReportgenError
from reportgen.results import FILE_NAME, SCHEMA


@dataclass(frozen=True)
class MetricChange:
    study: str
    run: str
    split: str
    metric: str
    key: float | None
    other: float | None

    @property
    def delta(self) -> float | None:
        if self.key is None or self.other is None:
            return None
        return self.other - self.key


@dataclass
class Comparison:
    tolerance: float
    missing_studies: list[str] = field(default_factory=list)
    extra_studies: list[str] = field(default_factory=list)
    missing_runs: list[tuple[str, str]] = field(default_factory=list)  # (study, run label)
    extra_runs: list[tuple[str, str]] = field(default_factory=list)
    config_changes: list[tuple[str, str, list[str]]] = field(default_factory=list)
    stop_changes: list[tuple[str, str, str, str]] = field(default_factory=list)
    metric_changes: list[MetricChange] = field(default_factory=list)
    matched_runs: int = 0

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


def compare(key: dict[str, Any], other: dict[str, Any], tolerance: float) -> Comparison:
    result = Comparison(tolerance=tolerance)
    key_studies = {s["id"]: s for s in key["studies"]}
    other_studies = {s["id"]: s for s in other["studies"]}
    result.missing_studies = [s for s in key_studies if s not in other_studies]
    result.extra_studies = [s for s in other_studies if s not in key_studies]
    for study_id, study in key_studies.items():
        if study_id not in other_studies:
            continue
        key_runs = {r["label"]: r for r in study["runs"]}
        other_runs = {r["label"]: r for r in other_studies[study_id]["runs"]}
        result.missing_runs += [(study_id, label) for label in key_runs if label not in other_runs]
        result.extra_runs += [(study_id, label) for label in other_runs if label not in key_runs]
        for label, run in key_runs.items():
            if label in other_runs:
                result.matched_runs += 1
                _compare_run(result, study_id, label, run, other_runs[label], tolerance)
    return result


def _compare_run(result: Comparison, study: str, label: str, key: dict[str, Any],
                 other: dict[str, Any], tolerance: float) -> None:
    key_config, other_config = _flatten(key["config"]), _flatten(other["config"])
    changed = sorted(k for k in key_config.keys() | other_config.keys()
                     if key_config.get(k) != other_config.get(k))
    if changed:
        result.config_changes.append((study, label, changed))
    if key["stop_reason"] != other["stop_reason"]:
        result.stop_changes.append((study, label, key["stop_reason"], other["stop_reason"]))
    for split, metrics in key["metrics"].items():
        theirs = other["metrics"].get(split, {})
        for metric, value in metrics.items():
            mine = theirs.get(metric)
            if value is None and mine is None:
                continue
            if value is None or mine is None or abs(mine - value) > tolerance + 1e-12:
                result.metric_changes.append(MetricChange(study, label, split, metric, value, mine))


def format_table(comparison: Comparison) -> str:
    """A plain-text report, one finding per line."""
    lines = []
    lines += [f"missing study: {s}" for s in comparison.missing_studies]
    lines += [f"extra study: {s}" for s in comparison.extra_studies]
    lines += [f"missing run: {s} / {r}" for s, r in comparison.missing_runs]
    lines += [f"extra run: {s} / {r}" for s, r in comparison.extra_runs]
    lines += [f"config differs: {s} / {r}: {', '.join(keys)}"
              for s, r, keys in comparison.config_changes]
    lines += [f"stop reason differs: {s} / {r}: {a} → {b}"
              for s, r, a, b in comparison.stop_changes]
    if comparison.metric_changes:
        rows = [("study", "run", "split", "metric", "key", "other", "Δ")]
        for c in comparison.metric_changes:
            rows.append((c.study, c.run, c.split, c.metric, _num(c.key), _num(c.other),
                         _num(c.delta, signed=True)))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines.append(f"metrics beyond ±{comparison.tolerance:g}:")
        lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                  .rstrip() for row in rows]
    verdict = "within tolerance" if comparison.within_tolerance else "DIFFERENT"
    lines.append(f"{comparison.matched_runs} matched run(s); {verdict} "
                 f"(tolerance ±{comparison.tolerance:g})")
    return "\n".join(lines)


def _num(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.4f}" if signed else f"{value:.4f}"
