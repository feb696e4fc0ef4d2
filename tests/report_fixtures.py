"""A small, hand-made store for the report tests: sklearn digits, two studies, five runs.

The numbers are plausible but invented (these are fixtures, not results). They go through the
real Store.save_* / Store.load(), so the report reads exactly what the executor would write.
Designed cases: a best run with validation accuracy 0.973 (formatting checks), an early-stopped
run, a diverged run whose late losses are missing, a failed run that only the index knows about,
a run shared by both studies (one configuration, stored once under the first study's name), a
study whose runs table is too wide for one table, and notes that try to inject a <script>.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from reportgen.manifest import ModelSpec, RunConfig, TrainingSpec
from reportgen.manifest import loads as load_manifest
from reportgen.store.records import (
    ClassMetrics,
    DatasetSummary,
    Index,
    LayerRow,
    RunRecord,
    SplitMetrics,
)
from reportgen.store.store import ResultSet, Store

MANIFEST = """\
[report]
authors = ["Ana Pérez", "Luis Gómez"]
course = "Aprendizaje profundo"
institution = "Universidad Nacional"
date = 2025-05-01

[report.title]
es = "Perceptrones multicapa con dígitos manuscritos"
en = "Multilayer perceptrons on handwritten digits"

[report.subtitle]
es = "Práctica 2: anchura de la capa oculta y optimizadores"
en = "Lab 2: hidden width and optimizers"

[report.abstract]
es = "Comparamos **anchuras** de capa oculta y dos optimizadores."
en = "We compare hidden-layer **widths** and two optimizers."

[defaults]
seed = 13
device = "cpu"

[datasets.digits]
source = "sklearn"
name = "digits"
title = { es = "Dígitos de scikit-learn", en = "scikit-learn digits" }
split = { train = 0.6, val = 0.2, test = 0.2 }
preprocess = "minmax"

[models.mlp]
hidden = [64]

[trainings.base]
epochs = 12
batch_size = 32
optimizer = { name = "adam", lr = 0.001 }
early_stopping = { monitor = "val_loss", patience = 3 }

[[studies]]
id = "hidden-units"
title = { es = "Neuronas en la capa oculta", en = "Hidden layer width" }
description = "Three widths, everything else fixed."
dataset = "digits"
model = "mlp"
training = "base"
vary = { "model.hidden" = [[16], [64], [256]] }
show = ["curves", "confusion", "per_class", "model_summary", "distribution"]

[studies.notes]
es = "La red de **64** neuronas generaliza mejor. <script>alert('x')</script>"
en = "The **64**-unit network generalises best. <script>alert('x')</script>"

[[studies]]
id = "optimizers"
title = { es = "Optimizadores", en = "Optimizers" }
dataset = "digits"
model = "mlp"
training = "base"

[[studies.variants]]
name = "sgd-lr5"
set = { "training.optimizer" = { name = "sgd", lr = 5.0 } }

[[studies.variants]]
name = "adam"
set = { "training.optimizer" = { name = "adam", lr = 0.001 } }
"""

CLASSES = [str(d) for d in range(10)]
SPLIT_SIZES = {"train": 1078, "val": 359, "test": 360}
FAILED_RUN = "f" * 16


def class_counts(total: int) -> list[int]:
    base = [total // 10] * 10
    for i in range(total - sum(base)):
        base[i] += 1
    return base


def split_metrics(accuracy: float, loss: float, total: int) -> SplitMetrics:
    """A confusion matrix with about `accuracy` on the diagonal, and the metrics it implies."""
    support = class_counts(total)
    confusion = [[0] * 10 for _ in range(10)]
    for i, n in enumerate(support):
        right = round(n * accuracy)
        confusion[i][i] = right
        confusion[i][(i + 3) % 10] += n - right  # confuse with a fixed other class
    rows = []
    for k in range(10):
        predicted = sum(confusion[i][k] for i in range(10))
        precision = confusion[k][k] / predicted if predicted else 0.0
        recall = confusion[k][k] / support[k]
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append(ClassMetrics(CLASSES[k], precision, recall, f1, support[k]))
    macro = [sum(getattr(r, f) for r in rows) / 10 for f in ("precision", "recall", "f1")]
    weighted = [sum(getattr(r, f) * r.support for r in rows) / total
                for f in ("precision", "recall", "f1")]
    rows.append(ClassMetrics("macro avg", *macro, total))
    rows.append(ClassMetrics("weighted avg", *weighted, total))
    return SplitMetrics(accuracy=accuracy, loss=loss, per_class=rows, confusion=confusion,
                        roc_auc=0.99)


def history(epochs: int, final_train: float, final_val: float,
            diverge_at: int | None = None) -> list[dict[str, Any]]:
    rows = []
    for epoch in range(1, epochs + 1):
        progress = 1 - math.exp(-epoch / 3)
        row = {
            "epoch": epoch, "lr": 0.001,
            "loss": 2.3 * (1 - progress) + 0.05, "accuracy": 0.1 + (final_train - 0.1) * progress,
            "val_loss": 2.3 * (1 - progress) + 0.12, "val_accuracy": 0.1 + (final_val - 0.1) *
            progress, "seconds": 0.4,
        }
        if diverge_at is not None and epoch >= diverge_at:
            # the loss blew up: not finite from here on, stored as missing
            row.update(loss=None, accuracy=None, val_loss=None, val_accuracy=None)
        elif diverge_at is not None:
            row.update(loss=2.3 + 40 * epoch, val_loss=None, val_accuracy=None)
        rows.append(row)
    return rows


def summary(hidden: int) -> list[LayerRow]:
    return [
        LayerRow("flatten (Flatten)", "(None, 64)", 0),
        LayerRow("dense (Dense)", f"(None, {hidden})", 64 * hidden + hidden),
        LayerRow("dense_1 (Dense)", "(None, 10)", hidden * 10 + 10),
    ]


def record(run_id: str, study: str, label: str, varied: dict[str, Any], hidden: int,
           optimizer: dict[str, Any], stop: str, epochs_run: int, best_epoch: int | None,
           accs: dict[str, float] | None, diverged_epoch: int | None = None) -> RunRecord:
    config = RunConfig(
        dataset="digits", model=ModelSpec(hidden=[hidden]),
        training=TrainingSpec(epochs=12, batch_size=32, optimizer=optimizer,
                              early_stopping={"monitor": "val_loss", "patience": 3}),
        engine="torch", seed=13, device="cpu",
    ).model_dump(mode="json")
    metrics = {
        split: split_metrics(acc, 0.05 + (1 - acc) * 1.5, SPLIT_SIZES[split])
        for split, acc in (accs or {}).items()
    }
    rows = summary(hidden)
    return RunRecord(
        run_id=run_id, study_id=study, label=label, varied=varied, config=config,
        dataset="digits", engine="torch", device="cpu", seed=13, stop_reason=stop,
        epochs_run=epochs_run, best_epoch=best_epoch, monitor="val_loss",
        diverged_epoch=diverged_epoch, metrics=metrics, n_params=sum(r.params for r in rows),
        summary=rows, wall_seconds=0.4 * epochs_run + 0.35, seconds_per_epoch=0.4,
        started_at="2025-05-01T10:00:00+00:00",
        versions={"python": "3.11.9", "torch": "2.4.0", "scikit-learn": "1.5.1"},
    )


ADAM = {"name": "adam", "lr": 0.001}


def runs() -> dict[str, list[tuple[RunRecord, list[dict[str, Any]]]]]:
    hidden = [
        (record("a" * 16, "hidden-units", "hidden=16", {"model.hidden": [16]}, 16, ADAM,
                "completed", 12, 12, {"train": 0.962, "val": 0.941, "test": 0.936}),
         history(12, 0.962, 0.941)),
        (record("b" * 16, "hidden-units", "hidden=64", {"model.hidden": [64]}, 64, ADAM,
                "early_stopped", 10, 7, {"train": 0.991, "val": 0.97312, "test": 0.9694}),
         history(10, 0.991, 0.97312)),
        (record("c" * 16, "hidden-units", "hidden=256", {"model.hidden": [256]}, 256, ADAM,
                "completed", 12, 9, {"train": 1.0, "val": 0.9610, "test": 0.958}),
         history(12, 1.0, 0.9610)),
    ]
    sgd = {"name": "sgd", "lr": 5.0}
    optimizers = [
        (record("d" * 16, "optimizers", "sgd-lr5", {"training.optimizer": sgd}, 64, sgd,
                "diverged", 4, None, None, diverged_epoch=4),
         history(4, 0.1, 0.1, diverge_at=3)),
        hidden[1],  # the same configuration as hidden=64: stored once, under hidden-units
    ]
    return {"hidden-units": hidden, "optimizers": optimizers}


def dataset_summary() -> DatasetSummary:
    return DatasetSummary(
        name="digits", source="sklearn", classes=CLASSES, input_shape=[64],
        split_sizes=SPLIT_SIZES,
        class_counts={split: class_counts(n) for split, n in SPLIT_SIZES.items()},
        value_range=(0.0, 1.0), preprocess="minmax", fingerprint="0123456789abcdef" * 4,
    )


def make_store(root: Path) -> Store:
    """Write the fixture store under `root` exactly as the executor would."""
    manifest = load_manifest(MANIFEST, source="experiments.toml")
    store = Store(root)
    store.save_manifest(MANIFEST)
    store.save_dataset(dataset_summary())
    studies: dict[str, list] = {}
    for study, pairs in runs().items():
        studies[study] = []
        for rec, hist in pairs:
            if not store.has(rec.run_id):
                store.save_run(rec, {"run_id": rec.run_id, "config": rec.config}, hist, {})
            # The executor indexes each run under the study's own name for it.
            shared = rec.study_id != study
            studies[study].append({
                "run_id": rec.run_id, "label": "adam" if shared else rec.label,
                "varied": {"training.optimizer": ADAM} if shared else rec.varied})
    studies["optimizers"].append(FAILED_RUN)  # planned, failed, never stored
    store.save_index(Index.from_dict({
        "manifest_sha256": manifest.sha256, "manifest_path": "experiments.toml",
        "studies": studies, "datasets": ["digits"], "created_at": "2025-05-01T10:05:00+00:00",
        "versions": {"python": "3.11.9", "torch": "2.4.0", "matplotlib": "3.9.0"},
        "failed": {FAILED_RUN: "RuntimeError: CUDA out of memory"},
    }))
    return store


def make_results(root: Path) -> ResultSet:
    return make_store(root).load()
