"""What the store keeps: plain, JSON-serialisable records. The contract between training and report.

Nothing here imports torch: the report side reads these records only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

StopReason = Literal["completed", "early_stopped", "threshold", "diverged", "failed"]
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class ClassMetrics:
    """Precision/recall/F1/support of one class (or an average row: 'macro avg', 'weighted avg')."""

    name: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class SplitMetrics:
    """Final metrics of a trained run on one split."""

    accuracy: float
    loss: float  # mean cross-entropy of the predicted probabilities (sklearn log_loss)
    per_class: list[ClassMetrics]  # one row per class, then 'macro avg' and 'weighted avg'
    confusion: list[list[int]]  # rows = true class, columns = predicted class
    roc_auc: float | None  # one-vs-rest macro ROC AUC; None when a class is absent

    @staticmethod
    def from_dict(data: dict[str, Any]) -> SplitMetrics:
        return SplitMetrics(**{**data, "per_class": [ClassMetrics(**c) for c in data["per_class"]]})


@dataclass(frozen=True)
class LayerRow:
    """One row of a Keras-style model summary."""

    layer: str  # e.g. "dense_1 (Dense)"
    output_shape: str  # e.g. "(None, 512)"
    params: int  # all parameters, as Keras' "Param #" column
    non_trainable: int = 0  # of which not trained (batch-norm moving statistics)


@dataclass(frozen=True)
class DatasetSummary:
    """What the report says about a dataset; written once per dataset by the executor."""

    name: str
    source: str
    classes: list[str]
    input_shape: list[int]  # per-sample shape, e.g. [64] or [28, 28, 3]
    split_sizes: dict[str, int]  # split -> number of samples
    class_counts: dict[str, list[int]]  # split -> samples per class (same order as classes)
    value_range: tuple[float, float]  # min and max of the training inputs after preprocessing
    preprocess: str
    fingerprint: str  # sha256 of the arrays of every split

    @staticmethod
    def from_dict(data: dict[str, Any]) -> DatasetSummary:
        return DatasetSummary(**{**data, "value_range": tuple(data["value_range"])})


@dataclass(frozen=True)
class RunRecord:
    """Everything known about one finished (or failed) run."""

    run_id: str
    study_id: str
    label: str  # short human name: variant name and/or varied values
    varied: dict[str, Any]  # dotted path -> value, for the keys the study varies
    config: dict[str, Any]  # the fully resolved RunConfig (model_dump, JSON mode)
    dataset: str
    engine: str
    device: str  # the device it actually ran on, e.g. "cpu" or "cuda:0 (NVIDIA H100)"
    seed: int
    stop_reason: StopReason
    epochs_run: int
    best_epoch: int | None  # 1-based epoch of the best monitored value
    monitor: str  # the metric best_epoch refers to, e.g. "val_loss"
    diverged_epoch: int | None
    metrics: dict[str, SplitMetrics]  # split -> final metrics (after restore-best)
    n_params: int
    summary: list[LayerRow]
    wall_seconds: float
    seconds_per_epoch: float
    started_at: str  # ISO 8601, UTC
    versions: dict[str, str]  # library -> version
    error: str | None = None  # set when stop_reason == "failed"
    extra: dict[str, Any] = field(default_factory=dict)
    # the configuration's label shared by a study's `repeats` of it; None without repeats
    config_label: str | None = None
    # who trained it: "host:pid", on Ray "node <id> · host:pid"; None in older stores
    worker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> RunRecord:
        return RunRecord(**{
            **data,
            "metrics": {k: SplitMetrics.from_dict(v) for k, v in data["metrics"].items()},
            "summary": [LayerRow(**row) for row in data["summary"]],
        })


# History: one row per epoch, columns
#   epoch (1-based), lr, loss, accuracy, val_loss, val_accuracy, seconds
# Values are None where not measured (eval_every > 1, no validation split) or not finite.
HISTORY_COLUMNS = ("epoch", "lr", "loss", "accuracy", "val_loss", "val_accuracy", "seconds")
