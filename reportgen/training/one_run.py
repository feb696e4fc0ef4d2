"""Training one run, or a fused group of runs, and the record of what came out: final metrics
on the evaluated splits, the model summary, timings, the versions of the libraries. The
executor (`execution/executor.py`, `execution/parallel/`) and `reportgen run --check` train
through these."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.metadata
import os
import platform
import socket
import time
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from reportgen.data import Dataset
from reportgen.plan.expand import RunSpec
from reportgen.store.records import SPLITS, DatasetSummary, RunRecord
from reportgen.training import metrics
from reportgen.training.loop import FitResult, fit
from reportgen.training.models import summary_rows
from reportgen.training.threads import run_threads

if TYPE_CHECKING:
    from reportgen.training.hooks import Progress

LIBRARIES = ("reportgen", "torch", "numpy", "scikit-learn", "pandas", "matplotlib", "jinja2",
             "weasyprint", "babel", "pydantic")


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def summarise(dataset: Dataset) -> DatasetSummary:
    k = dataset.n_classes
    train_x = dataset.splits["train"].x
    return DatasetSummary(
        name=dataset.name, source=dataset.source, classes=dataset.classes,
        input_shape=list(dataset.input_shape),
        split_sizes={name: len(split) for name, split in dataset.splits.items()},
        class_counts={name: np.bincount(split.y, minlength=k).tolist()
                      for name, split in dataset.splits.items()},
        value_range=(float(train_x.min()), float(train_x.max())),
        preprocess=dataset.preprocess, fingerprint=dataset.fingerprint,
    )


def this_worker() -> str:
    """Who trains here: host and process id (a Ray task adds its node)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def fused_note(group: list[RunSpec], run_ids: list[str]) -> dict[str, Any]:
    return {"fused_group": {"id": run_ids[0][:12], "size": len(group), "run_ids": run_ids,
                            "labels": [spec.label for spec in group]}}


def fused_label(group: list[RunSpec]) -> str:
    labels = [s.label for s in group]
    shown = ", ".join(labels) if len(group) <= 3 else f"{labels[0]}, …, {labels[-1]}"
    return f"{len(group)} runs fused: {shown}"


Trained = tuple[RunRecord, list[dict[str, Any]], dict[str, np.ndarray]]


def train_fused(group: list[RunSpec], run_ids: list[str], dataset: Dataset, run_device: str,
                evaluate: Sequence[str], progress: Progress,
                on_trained: Any) -> list[int]:
    """Train `group` as one fused model; `on_trained(position, (record, history,
    predictions))` receives each member as it finishes. Should the group fail as a whole
    (e.g. out of memory), returns the positions left unfinished, to train one by one."""
    from reportgen.training.engines import describe_device, fused

    device_name = describe_device(run_device)
    longest = max(group, key=lambda spec: spec.config.training.epochs
                  + spec.config.training.previous_epochs)
    progress.run_started(dataclasses.replace(longest, label=fused_label(group)), run_ids[0])
    started_at = now()
    done: set[int] = set()

    def finished(member: fused.MemberResult) -> None:
        spec, run_id = group[member.index], run_ids[member.index]
        on_trained(member.index, run_record(
            spec, run_id, dataset, device_name, evaluate, member.result, member.model,
            started_at, time.perf_counter() - member.train_seconds))
        done.add(member.index)

    try:
        with run_threads(run_device):
            fused.train_group([spec.config for spec in group], dataset, run_device, finished,
                              on_epoch=progress.epoch)
    except Exception as exc:  # e.g. out of memory: a run's own failure shows alone
        warnings.warn(f"fused training of {len(group)} runs of {group[0].study_id!r} "
                      f"failed ({type(exc).__name__}: {exc}); training the unfinished "
                      "ones one by one", RuntimeWarning, stacklevel=1)
    return [position for position in range(len(group)) if position not in done]


def expected_failure(spec: RunSpec, run_id: str, dataset: Dataset, problem: str) -> RunRecord:
    config = spec.config
    summary = summary_rows(config.model, dataset.input_shape, dataset.n_classes)
    return RunRecord(
        run_id=run_id, study_id=spec.study_id, label=spec.label, varied=spec.varied,
        config=config.model_dump(mode="json"), dataset=dataset.name, engine=config.engine,
        device="—", seed=config.seed, stop_reason="failed", epochs_run=0, best_epoch=None,
        monitor="", diverged_epoch=None, metrics={}, n_params=sum(r.params for r in summary),
        summary=summary, wall_seconds=0.0, seconds_per_epoch=0.0, started_at=now(),
        versions=versions(), error=problem, expected_error=True,
        config_label=spec.config_label,
    )


def train_run(spec: RunSpec, run_id: str, dataset: Dataset, device: str, device_name: str,
              evaluate: Sequence[str], make_trainer: Any,
              progress: Progress) -> tuple[RunRecord, list[dict[str, Any]], dict[str, np.ndarray]]:
    config = spec.config
    started_at = now()
    started = time.perf_counter()
    with run_threads(device, config.engine):
        trainer = make_trainer(config, dataset, device)
        result = fit(trainer, config.training, has_val="val" in dataset.splits,
                     on_epoch=progress.epoch)
        return run_record(spec, run_id, dataset, device_name, evaluate, result, trainer,
                          started_at, started)


def run_record(spec: RunSpec, run_id: str, dataset: Dataset, device_name: str,
               evaluate: Sequence[str], result: FitResult, model: Any, started_at: str,
               started: float) -> tuple[RunRecord, list[dict[str, Any]], dict[str, np.ndarray]]:
    """The record, history and predictions of a trained run: final metrics from
    `model.predict_proba` (its restored weights) on the evaluated splits; the wall time counts
    from `started` (a `time.perf_counter()` value)."""
    config = spec.config
    split_metrics = {}
    predictions: dict[str, np.ndarray] = {}
    if result.stop_reason != "diverged":  # the weights are not finite: nothing to evaluate
        wanted = [s for s in SPLITS if s in dataset.splits and (s == "train" or s in evaluate)]
        for split in wanted:
            proba = model.predict_proba(dataset.splits[split].x)
            split_metrics[split] = metrics.split_metrics(dataset.splits[split].y, proba,
                                                         dataset.classes)
            predictions[f"proba_{split}"] = proba.astype(np.float32)
            predictions[f"y_{split}"] = dataset.splits[split].y
        if dataset.predict_x is not None:
            predictions["proba_predict"] = model.predict_proba(dataset.predict_x).astype(
                np.float32)
    wall = time.perf_counter() - started
    summary = summary_rows(config.model, dataset.input_shape, dataset.n_classes)
    epoch_seconds = [row["seconds"] for row in result.history]
    record = RunRecord(
        run_id=run_id, study_id=spec.study_id, label=spec.label, varied=spec.varied,
        config=config.model_dump(mode="json"), dataset=dataset.name, engine=config.engine,
        device=device_name, seed=config.seed, stop_reason=result.stop_reason,
        epochs_run=len(result.history), best_epoch=result.best_epoch, monitor=result.monitor,
        diverged_epoch=result.diverged_epoch, metrics=split_metrics,
        n_params=sum(row.params for row in summary), summary=summary, wall_seconds=wall,
        seconds_per_epoch=float(np.mean(epoch_seconds)) if epoch_seconds else 0.0,
        started_at=started_at, versions=versions(), config_label=spec.config_label,
    ).with_origin(result.extra)
    return record, result.history, predictions


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
