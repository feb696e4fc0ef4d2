"""Searches: the `[studies.search]` table and its space entries (`{ int = [low, high] }`, …)."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)

from reportgen.manifest.base import Count, Frozen, Real, sane


class IntRange(Frozen):
    """`{ int = [low, high], step = 1, log = false }`: integers low, low + step, …, high."""

    kind: Literal["int"] = "int"
    low: int
    high: int
    step: int = 1
    log: bool = False


class FloatRange(Frozen):
    """`{ float = [low, high], log = false, step = … }`."""

    kind: Literal["float"] = "float"
    low: float
    high: float
    step: float | None = None
    log: bool = False


class Choice(Frozen):
    """`{ choice = [v1, v2, …] }`: any TOML values, tables and lists included."""

    kind: Literal["choice"] = "choice"
    values: list[Any]


class Layers(Frozen):
    """`{ layers = [a, b], units = { int = … } }`: a to b hidden layers, each width sampled."""

    kind: Literal["layers"] = "layers"
    min_layers: int
    max_layers: int
    units: IntRange | Choice


SPACE_KINDS = {"int": ("int", "step", "log"), "float": ("float", "step", "log"),
               "choice": ("choice",), "layers": ("layers", "units")}


def _number(value: Any, integer: bool) -> bool:
    kinds = int if integer else int | float
    return isinstance(value, kinds) and not isinstance(value, bool)


def _pair(raw: dict[str, Any], key: str, prefix: str, integer: bool) -> tuple[Any, Any]:
    pair = raw[key]
    what = "integers" if integer else "numbers"
    if not (isinstance(pair, list) and len(pair) == 2 and all(_number(v, integer) for v in pair)):
        raise ValueError(f"{prefix}{key} must be [low, high] with two {what} (got {pair!r})")
    low, high = pair
    if low > high:
        raise ValueError(f"{prefix}{key}: low {low} is greater than high {high}")
    return low, high


def parse_space_param(raw: Any, prefix: str = "") -> IntRange | FloatRange | Choice | Layers:
    """One `[studies.search.space]` entry. Errors name the offending key relative to the entry
    (`units.step must be > 0`); pydantic puts the entry's dotted path in front."""
    if isinstance(raw, IntRange | FloatRange | Choice | Layers):
        return raw
    if not isinstance(raw, dict):
        raise ValueError(f"{prefix}must be a table: {{ int = [low, high] }}, "
                         "{ float = [low, high] }, { choice = [...] } or "
                         f"{{ layers = [a, b], units = {{ ... }} }} (got {raw!r})")
    kinds = [k for k in SPACE_KINDS if k in raw]
    if len(kinds) != 1:
        raise ValueError(f"{prefix}give exactly one of int, float, choice or layers")
    kind = kinds[0]
    if unknown := [k for k in raw if k not in SPACE_KINDS[kind]]:
        raise ValueError(f"{prefix}{unknown[0]}: unknown key")
    log = raw.get("log", False)
    if not isinstance(log, bool):
        raise ValueError(f"{prefix}log must be true or false (got {log!r})")
    if kind == "int":
        low, high = _pair(raw, "int", prefix, integer=True)
        step = raw.get("step", 1)
        if not _number(step, integer=True):
            raise ValueError(f"{prefix}step must be an integer (got {step!r})")
        if step <= 0:
            raise ValueError(f"{prefix}step must be > 0")
        if log and (step != 1 or low < 1):
            raise ValueError(f"{prefix}log needs low >= 1 and no step")
        if (high - low) % step:
            raise ValueError(f"{prefix}high - low must be a multiple of step "
                             f"({high} - {low} is not a multiple of {step})")
        return IntRange(low=low, high=high, step=step, log=log)
    if kind == "float":
        low, high = _pair(raw, "float", prefix, integer=False)
        step = raw.get("step")
        if step is not None and not _number(step, integer=False):
            raise ValueError(f"{prefix}step must be a number (got {step!r})")
        for name, value in (("float", low), ("float", high), ("step", step)):
            if value is None:
                continue
            if math.isinf(value) or math.isnan(value):
                raise ValueError(f"{prefix}{name}: {value} is not a finite number")
            try:
                sane(value)
            except ValueError as exc:
                raise ValueError(f"{prefix}{name}: {exc}") from None
        if step is not None and step <= 0:
            raise ValueError(f"{prefix}step must be > 0")
        if log and (step is not None or low <= 0):
            raise ValueError(f"{prefix}log needs low > 0 and no step")
        return FloatRange(low=low, high=high, step=step, log=log)
    if kind == "choice":
        values = raw["choice"]
        if not isinstance(values, list) or not values:
            raise ValueError(f"{prefix}choice must be a non-empty list (got {values!r})")
        if any(values.count(v) > 1 for v in values):
            raise ValueError(f"{prefix}choice lists a value twice")
        return Choice(values=values)
    low, high = _pair(raw, "layers", prefix, integer=True)
    if low < 1:
        raise ValueError(f"{prefix}layers: at least 1 layer (got {low})")
    if "units" not in raw:
        raise ValueError(f"{prefix}units: required key is missing")
    units = parse_space_param(raw["units"], f"{prefix}units.")
    if isinstance(units, IntRange) and units.low < 1:
        raise ValueError(f"{prefix}units.int: low must be >= 1 (got {units.low})")
    if isinstance(units, Choice) and not all(_number(v, True) and v > 0 for v in units.values):
        raise ValueError(f"{prefix}units.choice: every value must be an integer > 0")
    if not isinstance(units, IntRange | Choice):
        raise ValueError(f"{prefix}units must be {{ int = [low, high] }} or {{ choice = [...] }}")
    return Layers(min_layers=low, max_layers=high, units=units)


class StorageEnv(Frozen):
    """`storage = { env = "REPORTGEN_STORAGE" }`: the URL is read from that environment
    variable when the search runs, so its password is never written in the manifest."""

    env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


SpaceParam = Annotated[IntRange | FloatRange | Choice | Layers, BeforeValidator(parse_space_param)]
Algorithm = Literal["hyperband", "bayesian", "gp", "random", "grid"]
OBJECTIVES = ("val_accuracy", "val_loss", "accuracy", "loss")


class SearchSpec(Frozen):
    """`[studies.search]`: tune the study's config tree with Optuna.

    Every trial trains up to `max_epochs` (default: the training's epochs); Hyperband stops the
    unpromising ones early. `max_trials` is an integer for bayesian/gp/random/grid, or a table
    per algorithm; Hyperband's default is the number of configurations of its bracket plan.
    """

    algorithms: list[Algorithm] = Field(["bayesian"],
        description="hyperband, bayesian, gp, random, grid (one study each).")
    objective: str = Field("val_accuracy", description="val_accuracy, val_loss, accuracy or loss.")
    max_trials: Count | dict[Algorithm, Count] | None = Field(None,
        description="Trials per algorithm: a count, or a table per algorithm.")
    max_epochs: Count | None = Field(None,
        description="Epochs of a full trial (default: the training's epochs).")
    min_epochs: Count = Field(1, description="Hyperband's smallest budget.")
    factor: int = Field(3, ge=2, description="Hyperband's reduction factor.")
    n_startup_trials: int = Field(10, ge=0)
    timeout: Real | None = Field(None, gt=0, description="Seconds after which no new trial starts.")
    retrain_best: bool = Field(True,
        description="Retrain the best configuration as an ordinary run.")
    storage: str | StorageEnv = Field("sqlite",
        description="sqlite (a file in the output folder), an RDB URL, or { env = \"NAME\" }.")
    sampler: Literal["tpe", "random"] = "tpe"  # the sampler Hyperband draws configurations with
    space: dict[str, SpaceParam] = Field({},
        description="Dotted paths to tune, e.g. \"training.optimizer.lr\"= { float = [1e-4, "
                    "1e-1], log = true }.")

    @field_validator("algorithms")
    @classmethod
    def _algorithms(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must name at least one")
        if len(set(value)) != len(value):
            raise ValueError("lists an algorithm twice")
        return value

    @field_validator("max_trials", mode="before")
    @classmethod
    def _max_trials_table(cls, value: Any) -> Any:
        if isinstance(value, dict):  # pydantic's union errors would name its int branch
            algorithms = get_args(Algorithm)
            for key, count in value.items():
                if key not in algorithms:
                    raise ValueError(f"{key}: must be one of {', '.join(algorithms)}")
                if not _number(count, integer=True) or count <= 0:
                    raise ValueError(f"{key}: must be an integer > 0 (got {count!r})")
        return value

    @field_validator("objective")
    @classmethod
    def _objective(cls, value: str) -> str:
        if value not in OBJECTIVES:
            raise ValueError(f"must be one of {', '.join(OBJECTIVES)} (got {value!r})")
        return value

    @field_validator("storage")
    @classmethod
    def _storage(cls, value: str | StorageEnv) -> str | StorageEnv:
        if isinstance(value, str) and value != "sqlite" and "://" not in value:
            raise ValueError('use "sqlite" (a file in the output folder) or an RDB URL such as '
                             f"postgresql://user@host/db (got {value!r})")
        return value

    @model_validator(mode="after")
    def _epochs(self) -> SearchSpec:
        if self.max_epochs is not None and self.min_epochs > self.max_epochs:
            raise ValueError(f"min_epochs ({self.min_epochs}) is greater than max_epochs "
                             f"({self.max_epochs})")
        return self

    @property
    def minimise(self) -> bool:
        return "loss" in self.objective

    def trials_for(self, algorithm: str) -> int | None:
        """The trial budget the manifest gives `algorithm`, or None for its default."""
        if isinstance(self.max_trials, dict):
            return self.max_trials.get(algorithm)  # type: ignore[call-overload]
        return None if algorithm == "hyperband" else self.max_trials
