"""`results.json`: the stable, versioned summary of a result set that answer keys are compared on.

Layout (schema "reportgen.results/1"):
{
  "schema": "reportgen.results/1",
  "manifest_sha256": "…",
  "versions": {"reportgen": "…", "torch": "…", …},
  "studies": [
    {"id": "width", "runs": [
      {"run_id": "…", "label": "hidden=16", "varied": {"model.hidden": [16]}, "config": {…},
       "seed": 13, "engine": "torch", "device": "cpu", "dataset": "digits",
       "stop_reason": "completed", "epochs_run": 40, "best_epoch": 38, "error": null,
       "metrics": {"val": {"accuracy": 0.97, "loss": 0.09, "macro_f1": 0.97,
                           "weighted_f1": 0.97, "roc_auc": 0.99}, …},
       "timings": {"wall_seconds": 1.2, "seconds_per_epoch": 0.03}}
    ],
     "expected": {"repeats": 3, "score_split": "val", "configurations": [
       {"label": "hidden=16", "runs": ["hidden=16 · seed=13", …], "best": true,
        "metrics": {"val": {"accuracy": {"mean": 0.95, "std": 0.004, "min": 0.945,
                                         "max": 0.955, "n": 3}, …}, …},
        "tolerance": {"val": {"accuracy": 0.012, …}, …}}]}}
  ],
  "baselines": {"digits": {"majority": {"val": {"accuracy": 0.10, "loss": 2.30}, …},
                           "logistic_regression": {"val": {"accuracy": 0.96, "loss": 0.15}, …}}}
}
`config_label` names a run's configuration, shared by its study's `repeats` (null without);
`baselines` (dataset -> baseline -> split, reportgen/training/baselines.py) is {} with `[report]
baselines = false` or a store made before them; a baseline left out (too large) is absent.
`expected` is what an answer key expects (reportgen/analysis/repeats.py: tolerance =
max(3σ, max − min) over the repeats, rounded up to 1e-4; null for a single run, where no spread
was measured).
Everything but `timings` is a pure function of the manifest, the data and the library versions
on the CPU, so two runs of one manifest give identical files apart from timings.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from reportgen.analysis import repeats
from reportgen.store.records import RunRecord, split_summary
from reportgen.store.store import RESULTS_JSON, ResultSet, dump_json, write_atomic

SCHEMA = "reportgen.results/1"
FILE_NAME = RESULTS_JSON


def run_summary(record: RunRecord) -> dict[str, Any]:
    return {
        "run_id": record.run_id, "label": record.label, "config_label": record.config_label,
        "varied": record.varied,
        "config": record.config, "seed": record.seed, "engine": record.engine,
        "device": record.device, "dataset": record.dataset, "stop_reason": record.stop_reason,
        "epochs_run": record.epochs_run, "best_epoch": record.best_epoch, "error": record.error,
        "metrics": {split: split_summary(m) for split, m in record.metrics.items()},
        "timings": {"wall_seconds": record.wall_seconds,
                    "seconds_per_epoch": record.seconds_per_epoch},
    }


def expected(records: list[RunRecord], repeat_count: int) -> dict[str, Any]:
    """What an answer key expects of a study: per configuration the spread of every metric
    over its repeats and the tolerance that spread suggests (null where it was not measured:
    a single run)."""
    tables = {r.run_id: {split: split_summary(m) for split, m in r.metrics.items()}
              for r in records}
    configs = repeats.configurations(records)
    split, best = repeats.best_configuration(configs, tables)
    out = []
    for config in configs:
        spreads = repeats.spreads(config, tables)
        out.append({
            "label": config.label, "runs": [r.label for r in config.runs],
            "best": config is best,
            "metrics": {s: {m: dataclasses.asdict(v) for m, v in ms.items()}
                        for s, ms in spreads.items()},
            "tolerance": {s: {m: v.tolerance for m, v in ms.items()}
                          for s, ms in spreads.items()},
        })
    return {"repeats": repeat_count, "score_split": split, "configurations": out}


def summarise(results: ResultSet) -> dict[str, Any]:
    studies = []
    for study_id, runs in results.studies.items():
        records = [r.record for r in runs]
        count = next((s.repeats for s in results.manifest.studies if s.id == study_id), 1)
        studies.append({"id": study_id, "runs": [run_summary(r) for r in records],
                        "expected": expected(records, count)})
    return {
        "schema": SCHEMA,
        "manifest_sha256": results.manifest.sha256,
        "versions": results.index.versions,
        "studies": studies,
        "baselines": {name: {baseline: {split: {"accuracy": scores.accuracy, "loss": scores.loss}
                                        for split, scores in splits.items()}
                             for baseline, splits in record.scores.items()}
                      for name, record in results.baselines.items()},
    }


def write(results: ResultSet) -> None:
    write_atomic(results.root / FILE_NAME, dump_json(summarise(results)))
