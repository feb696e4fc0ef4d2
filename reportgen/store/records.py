"""What the store keeps: plain, JSON-serialisable records. The contract between training and report.

Nothing here imports torch: the report side reads these records only.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
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
class CoverLogo:
    """The cover's logo (`report.logo`), as the output folder keeps it beside the manifest copy:
    the report embeds these bytes and never opens the file itself."""

    data: bytes
    mime: str  # image/png, image/jpeg or image/svg+xml


@dataclass(frozen=True)
class FusedGroup:
    """The group of runs a run was trained with as one batched model (engines/fused.py)."""

    id: str
    size: int
    run_ids: list[str]
    labels: list[str]


@dataclass(frozen=True)
class TuningOrigin:
    """Where a retrained best configuration comes from: its search and trial."""

    file: str  # the tuning record, under tuning/
    algorithm: str
    trial: int
    objective: str
    value: float | None


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
    # the configuration's label shared by a study's `repeats` of it; None without repeats
    config_label: str | None = None
    # who trained it: "host:pid", on Ray "node <id> · host:pid"; None in older stores
    worker: str | None = None
    fused_group: FusedGroup | None = None  # trained in a fused group, not alone
    tuning: TuningOrigin | None = None  # the retrained best configuration of a search
    restored_epoch: int | None = None  # early stopping restored this epoch's weights
    expected_error: bool = False  # failed as the manifest expects (a model the data cannot fit)
    previous_epochs: int | None = None  # continued a model trained this many epochs first

    @property
    def fused_group_id(self) -> str | None:
        return self.fused_group.id if self.fused_group is not None else None

    def with_origin(self, origin: dict[str, Any] | None) -> RunRecord:
        """The record with what the executor knows about how it was trained, given as
        {"fused_group": {…}, "tuning": {…}, "restored_epoch": n, "expected_error": true}
        (any of them): the typed fields set, unknown keys refused."""
        if not origin:
            return self
        unknown = set(origin) - _ORIGIN_KEYS
        if unknown:
            raise TypeError(f"unknown run origin keys: {sorted(unknown)}")
        return replace(self, **_typed_origin(origin))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> RunRecord:
        data = dict(data)
        legacy = data.pop("extra", None) or {}  # records written before the typed fields
        typed = _typed_origin({**legacy, **{k: data.pop(k) for k in _ORIGIN_KEYS if k in data}})
        return RunRecord(**{
            **data, **typed,
            "metrics": {k: SplitMetrics.from_dict(v) for k, v in data["metrics"].items()},
            "summary": [LayerRow(**row) for row in data["summary"]],
        })


_ORIGIN_KEYS = {"fused_group", "tuning", "restored_epoch", "expected_error", "previous_epochs"}


def _typed_origin(origin: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if origin.get("fused_group") is not None:
        out["fused_group"] = FusedGroup(**origin["fused_group"])
    if origin.get("tuning") is not None:
        out["tuning"] = TuningOrigin(**origin["tuning"])
    if origin.get("restored_epoch") is not None:
        out["restored_epoch"] = int(origin["restored_epoch"])
    if origin.get("expected_error"):
        out["expected_error"] = True
    if origin.get("previous_epochs"):
        out["previous_epochs"] = int(origin["previous_epochs"])
    return out


def finite(value: object) -> float | None:
    """`value` as a float, or None when it is missing, not a number, NaN or infinite."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class RunSpecFile:
    """runs/<id>/spec.json: what a run was trained from, enough to train it again
    (`reportgen run --check`). The config is the RunConfig's JSON dump."""

    run_id: str
    study_id: str
    label: str
    variant: str | None
    varied: dict[str, Any]
    config: dict[str, Any]

    @staticmethod
    def from_dict(data: dict[str, Any]) -> RunSpecFile:
        return RunSpecFile(run_id=data["run_id"], study_id=data["study_id"],
                           label=data["label"], variant=data.get("variant"),
                           varied=data.get("varied") or {}, config=data["config"])


@dataclass(frozen=True)
class IndexEntry:
    """A run as a study names it (two studies may share one stored run under two names)."""

    run_id: str
    label: str | None = None  # None: a bare run id (a run planned that never stored a record)
    varied: dict[str, Any] | None = None
    config_label: str | None = None


@dataclass(frozen=True)
class Index:
    """index.json: what an output folder holds, in plan order. Written by the executor through
    `Store.save_index`, read by `Store.read_index`; nothing else parses the file."""

    studies: dict[str, list[IndexEntry]]  # study id -> its runs
    datasets: list[str]
    failed: dict[str, str] = field(default_factory=dict)  # run id -> its error, as raised
    tuning: dict[str, list[str]] = field(default_factory=dict)  # study id -> record files
    versions: dict[str, str] = field(default_factory=dict)  # library -> version
    created_at: str | None = None
    manifest_sha256: str | None = None
    manifest_path: str | None = None

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Index:
        def entry(item: str | dict[str, Any]) -> IndexEntry:
            return IndexEntry(item) if isinstance(item, str) else IndexEntry(**item)

        known = {f for f in Index.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown index keys: {sorted(unknown)}")
        return Index(**{
            **data, "studies": {study: [entry(e) for e in entries]
                                for study, entries in data["studies"].items()},
            "failed": dict(data.get("failed") or {}),
            "tuning": {k: list(v) for k, v in (data.get("tuning") or {}).items()},
            "versions": dict(data.get("versions") or {})})

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["studies"] = {study: [e.run_id if e.label is None else asdict(e) for e in entries]
                           for study, entries in self.studies.items()}
        return data


# History: one row per epoch, columns
#   epoch (1-based), lr, loss, accuracy, val_loss, val_accuracy, seconds
# Values are None where not measured (eval_every > 1, no validation split) or not finite.
HISTORY_COLUMNS = ("epoch", "lr", "loss", "accuracy", "val_loss", "val_accuracy", "seconds")


# ---------------------------------------------------------------- baselines
BASELINES = ("majority", "logistic_regression")  # the baselines every dataset gets, in order


@dataclass(frozen=True)
class BaselineScores:
    """One baseline's final metrics on one split (as a run's: accuracy, log loss)."""

    accuracy: float
    loss: float  # mean cross-entropy of its predicted probabilities (sklearn log_loss)
    confusion: list[list[int]] | None = None  # rows = true class, columns = predicted class


@dataclass(frozen=True)
class BaselineRecord:
    """baselines/<dataset>.json: the majority class and a logistic regression fitted on the
    training split of one dataset (the split and preprocessing the runs use), scored on
    every split. Written once per dataset by the executor (`reportgen.training.baselines`)."""

    dataset: str
    fingerprint: str  # the dataset's (DatasetSummary.fingerprint): a stale file is recomputed
    seed: int  # random_state of the logistic regression
    scores: dict[str, dict[str, BaselineScores]]  # baseline (BASELINES) -> split -> scores
    skipped: dict[str, str] = field(default_factory=dict)  # baseline -> why it was not fitted
    converged: bool | None = None  # the logistic regression's solver converged (None: skipped)
    max_values: int | None = None  # the cap on training samples × inputs it was held to
    max_iter: int | None = None  # the logistic regression's iteration limit

    @property
    def majority(self) -> dict[str, BaselineScores]:
        return self.scores.get("majority", {})

    @property
    def logistic(self) -> dict[str, BaselineScores] | None:
        """split -> scores of the logistic regression; None when it was skipped."""
        return self.scores.get("logistic_regression")

    def accuracy(self, baseline: str, split: str) -> float | None:
        scores = self.scores.get(baseline, {}).get(split)
        return scores.accuracy if scores is not None else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> BaselineRecord:
        unknown = set(data) - set(BaselineRecord.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown baseline keys: {sorted(unknown)}")
        scores = {name: {split: BaselineScores(**s) for split, s in splits.items()}
                  for name, splits in data["scores"].items()}
        for splits in scores.values():
            for s in splits.values():
                for value in (s.accuracy, s.loss):
                    if isinstance(value, bool) or not isinstance(value, int | float):
                        raise ValueError(f"baseline metric {value!r} is not a number")
        return BaselineRecord(**{**data, "scores": scores,
                                 "skipped": dict(data.get("skipped") or {})})


def split_summary(metrics: SplitMetrics) -> dict[str, float | None]:
    """The headline figures of a split, as results.json and `run --check` compare them."""
    averages = {row.name: row for row in metrics.per_class}
    return {
        "accuracy": metrics.accuracy,
        "loss": metrics.loss,
        "macro_f1": averages["macro avg"].f1,
        "weighted_f1": averages["weighted avg"].f1,
        "roc_auc": metrics.roc_auc,
    }
