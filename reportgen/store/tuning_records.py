"""The tuning record: one JSON file per (study × variant × algorithm) under out/<name>/tuning/.

This is the contract between the tuning runner and the report; it imports neither Optuna nor
torch. The store writes and reads the files (`Store.save_tuning_record`, `Store.tuning_records`);
`index.json` lists them: `index["tuning"][study_id] = ["<file>.json", …]`, in plan
order. Layout (format 1):

{
  "format": 1,
  "study_id": "tuners", "label": "hyperband", "variant": null, "algorithm": "hyperband",
  "dataset": "breast", "file": "tuners-hyperband.json",
  "objective": "val_accuracy", "direction": "maximize",
  "seed": 13, "max_trials": 49, "max_epochs": 50, "min_epochs": 1, "factor": 3,
  "n_startup_trials": 10, "timeout": null,
  "sampler": "TPESampler", "pruner": "HyperbandPruner",
  "optuna": {"study_name": "…", "storage": "sqlite:///…/tuning/studies.db", "version": "5.0.0"},
  "space": {"model.hidden": {"kind": "layers", "min_layers": 1, "max_layers": 3,
                             "units": {"kind": "int", "low": 32, "high": 512, "step": 32, …}}, …},
  "base_config": {…RunConfig…},
  "trials": [{"number": 0, "state": "complete", "value": 0.95,
              "params": {"model.hidden.layers": 2, "model.hidden.units_1": 256, …},
              "set": {"model.hidden": [256, 128], …},
              "epochs": 50, "bracket": 2, "stop_reason": "completed", "error": null,
              "retry_of": null, "seconds": 3.1, "started_at": "…", "finished_at": "…",
              "worker": "host:pid", "history": [{"epoch": 1, "lr": …, "loss": …, …}, …]}, …],
  "best": {"number": 7, "value": 0.97, "params": {…}, "set": {…}} | null,
  "summary": {"trials": 49, "complete": 12, "pruned": 36, "failed": 1, "pending": 0,
              "epochs": 412, "trial_seconds": 61.0, "wall_seconds": 60.2, "best_value": 0.97},
  "hyperband": {…plan next to what ran, see tuning.hyperband.plan_vs_observed…} | null,
  "retrained": {"run_id": "…", "label": "hyperband best", "metrics": {"val": {"accuracy": …,
                "loss": …}, "test": {…}}} | null,
  "written_at": "…",
  "importance": {"values": {"model.dropout": 0.61, …}} | {"unavailable": "too_few" |
                "no_variation" | "failed", "detail": "…"}   (see tuning/importance.py)
}

`state` is complete | pruned | failed | running. `value` is the objective at the trial's last
epoch (the restored epoch with early stopping's restore_best; for a pruned trial, its last
reported value). `params` are Optuna's (scalars: what importance and parallel coordinates use);
`set` is what the trial set in the config tree. `wall_seconds` is the time covered by trial
intervals (parallel workers overlap, a paused study does not count); `trial_seconds` their sum.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT = 1
FOLDER = "tuning"


@dataclass(frozen=True)
class TrialRecord:
    number: int
    state: str  # complete | pruned | failed | running
    value: float | None
    params: dict[str, Any]
    set: dict[str, Any]
    epochs: int
    bracket: int | None
    stop_reason: str | None  # completed | early_stopped | threshold | pruned | diverged | failed
    error: str | None
    retry_of: int | None
    seconds: float | None
    started_at: str | None
    finished_at: str | None
    worker: str | None
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class TuningRecord:
    study_id: str
    label: str
    variant: str | None
    algorithm: str
    dataset: str
    file: str
    objective: str
    direction: str  # maximize | minimize
    seed: int
    max_trials: int
    max_epochs: int
    min_epochs: int
    factor: int
    n_startup_trials: int
    timeout: float | None
    sampler: str
    pruner: str
    optuna: dict[str, Any]
    space: dict[str, Any]
    base_config: dict[str, Any]
    trials: list[TrialRecord]
    best: dict[str, Any] | None
    summary: dict[str, Any]
    hyperband: dict[str, Any] | None
    retrained: dict[str, Any] | None
    written_at: str
    format: int = FORMAT
    # fANOVA importance, computed when the search is exported (tuning/importance.py); None in
    # records written before it was stored there (the store fills it in when loading them)
    importance: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {"format": data.pop("format"), **data}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> TuningRecord:
        return TuningRecord(**{**data, "trials": [TrialRecord(**t) for t in data["trials"]]})

    @property
    def minimise(self) -> bool:
        return self.direction == "minimize"


def comparison(records: list[TuningRecord]) -> list[dict[str, Any]]:
    """One row per record: the algorithm comparison table (seed 001), measured.

    best_value is on the objective (validation); test_accuracy is the retrained best run's.
    """
    rows = []
    for record in records:
        metrics = (record.retrained or {}).get("metrics", {})
        rows.append({
            "label": record.label, "variant": record.variant, "algorithm": record.algorithm,
            "objective": record.objective, "best_value": record.summary.get("best_value"),
            "best_trial": record.best["number"] if record.best else None,
            "trials": record.summary["trials"], "complete": record.summary["complete"],
            "pruned": record.summary["pruned"], "failed": record.summary["failed"],
            "epochs": record.summary["epochs"], "wall_seconds": record.summary["wall_seconds"],
            "val_accuracy": metrics.get("val", {}).get("accuracy"),
            "test_accuracy": metrics.get("test", {}).get("accuracy"),
            "retrained_run_id": (record.retrained or {}).get("run_id"),
        })
    return rows
