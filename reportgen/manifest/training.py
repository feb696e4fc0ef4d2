"""The `[trainings.X]` tables: optimizer, schedule, early stopping, speed options."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    Field,
    model_serializer,
    model_validator,
)

from reportgen.manifest.base import Count, Frozen, Real

OptimizerName = Literal["gd", "sgd", "adagrad", "rmsprop", "adam", "adamw"]
DEFAULT_LR = {"gd": 0.01, "sgd": 0.01, "adagrad": 0.001, "rmsprop": 0.001, "adam": 0.001,
              "adamw": 0.001}


class OptimizerSpec(Frozen):
    """Optimizer and its hyperparameters (Keras defaults; unused ones are ignored)."""

    name: OptimizerName = Field("adam", description="gd, sgd, adagrad, rmsprop, adam or adamw.")
    lr: Real | None = Field(None, gt=0,
        description="Learning rate (default: Keras' default for the optimizer).")
    momentum: Real = Field(0.0, ge=0, lt=1, description="SGD momentum.")
    nesterov: bool = False
    beta1: Real = Field(0.9, ge=0, lt=1)
    beta2: Real = Field(0.999, ge=0, lt=1)
    eps: Real = Field(1e-7, gt=0)
    amsgrad: bool = False
    rho: Real = Field(0.9, ge=0, lt=1)
    centered: bool = False
    weight_decay: Real = Field(0.0, ge=0)
    initial_accumulator_value: Real = Field(0.1, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _default_lr(self) -> OptimizerSpec:
        if self.lr is None:
            object.__setattr__(self, "lr", DEFAULT_LR[self.name])
        if self.nesterov and self.momentum == 0:
            raise ValueError("nesterov needs momentum > 0")
        return self


class ScheduleSpec(Frozen):
    kind: Literal["none", "linear", "exponential", "step", "cosine"] = "none"
    final_lr: Real | None = Field(None, ge=0)
    step_size: Count = 10
    gamma: Real = Field(0.1, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _from_kind(cls, value: Any) -> Any:
        return {"kind": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _final_lr_where_needed(self) -> ScheduleSpec:
        if self.kind == "exponential" and not self.final_lr:
            raise ValueError("an exponential schedule needs final_lr > 0")
        return self


class EarlyStoppingSpec(Frozen):
    monitor: str = "val_loss"
    patience: int = Field(5, ge=0)
    min_delta: Real = Field(0.0, ge=0)
    restore_best: bool = True
    mode: Literal["auto", "min", "max"] = "auto"
    # Seed 004 §12's EarlyStoppingThreshold: evaluations that have not reached `arm_at` are
    # ignored (no best, no patience counted), so the run cannot stop before reaching it.
    arm_at: float | None = None


class StopAtSpec(Frozen):
    monitor: str = "accuracy"
    threshold: Real


SPEED_OPTION_DEFAULTS: dict[str, Any] = {"channels_last": False, "precision": "fp32"}


class TrainingSpec(Frozen):
    epochs: Count = Field(10, description="Epochs to train.")
    batch_size: Count | Literal["full"] = Field(32,
        description="Mini-batch size, or full (full-batch gradient descent).")
    optimizer: OptimizerSpec = Field(OptimizerSpec(),
        description="The optimizer: its name, or a table with its hyperparameters.")
    loss: Literal["cross_entropy", "mse"] = Field("cross_entropy",
        description="cross_entropy or mse.")
    schedule: ScheduleSpec = Field(ScheduleSpec(),
        description="Learning-rate schedule: none, linear, exponential, step, cosine.")
    early_stopping: EarlyStoppingSpec | None = Field(None,
        description="Stop when the monitored metric stops improving.")
    stop_at: StopAtSpec | None = Field(None, description="Stop when a metric reaches a threshold.")
    eval_every: Count = Field(1, description="Evaluate every N epochs.")
    divergence: Literal["stop"] = "stop"
    # Continuing a trained model (seed 004 §8.1 calls fit() again on §4's model): the run first
    # trains this many epochs without callbacks, then `epochs` more with them.
    previous_epochs: int = Field(0, ge=0,
        description="Epochs already trained (no callbacks) before `epochs` more with them.")

    @model_validator(mode="after")
    def _previous_epochs_without_schedule(self) -> TrainingSpec:
        if self.previous_epochs and self.schedule.kind != "none":
            raise ValueError("previous_epochs continues a model trained at a constant learning "
                             "rate: it cannot be combined with a schedule")
        return self

    # GPU speed options for cnn/resnet18 models (training/engines/torch_engine.py; checked per run
    # by plan.engine_options.speed_option_problem). Left out of dumps at their defaults, so the run
    # ids of manifests that do not set them stay what they were before the options existed.
    channels_last: bool = Field(False,
        description="cnn/resnet18: network and images in NHWC memory order.")
    precision: Literal["fp32", "bf16"] = Field("fp32",
        description="cnn/resnet18: bf16 runs forward passes under bfloat16 autocast.")

    @model_serializer(mode="wrap")
    def _drop_default_speed_options(self, handler: Any) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for key, default in SPEED_OPTION_DEFAULTS.items():
                if data.get(key, default) == default:
                    data.pop(key, None)
        return data

    @model_validator(mode="after")
    def _gd_is_full_batch(self) -> TrainingSpec:
        if self.optimizer.name == "gd" and self.batch_size != "full":
            raise ValueError('optimizer "gd" is full-batch gradient descent: set '
                             'batch_size = "full" (or use "sgd" for mini-batches)')
        return self
