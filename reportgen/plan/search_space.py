"""Search spaces: the Optuna parameters a trial samples and the config values they set.

A space maps dotted config paths to ranges (`manifest.IntRange`, `FloatRange`, `Choice`,
`Layers`). Each path becomes one Optuna parameter of the same name, except a `Layers` entry,
which becomes `<path>.layers` plus one conditional `<path>.units_<i>` per sampled layer (so
importance and parallel-coordinate plots see plain scalars). Choices that are not plain
scalars (tables, lists) are sampled by their label, e.g. `"[128, 64]"` or `"sgd(lr=0.01)"`.

Nothing here imports Optuna: `suggest` only calls the trial's `suggest_*` methods.
"""

from __future__ import annotations

import itertools
import json
import math
import random
from typing import Any

from reportgen.manifest import Choice, FloatRange, IntRange, Layers
from reportgen.manifest.values import format_value

SCALARS = (bool, int, float, str)


def labels(choice: Choice) -> list[Any]:
    """What Optuna samples for a choice: the values themselves, or readable labels."""
    if all(isinstance(v, SCALARS) for v in choice.values):
        return list(choice.values)
    names = [format_value(v) for v in choice.values]
    if len(set(names)) < len(names):
        names = [json.dumps(v, sort_keys=True) for v in choice.values]
    return names


def choice_value(choice: Choice, sampled: Any) -> Any:
    return choice.values[labels(choice).index(sampled)]


def _suggest_one(trial: Any, name: str, param: IntRange | FloatRange | Choice) -> Any:
    if isinstance(param, IntRange):
        return trial.suggest_int(name, param.low, param.high, step=param.step, log=param.log)
    if isinstance(param, FloatRange):
        return trial.suggest_float(name, param.low, param.high, step=param.step, log=param.log)
    return choice_value(param, trial.suggest_categorical(name, labels(param)))


def suggest(trial: Any, space: dict[str, Any]) -> dict[str, Any]:
    """Sample every entry of `space`; returns dotted path -> the value to set in the config."""
    values: dict[str, Any] = {}
    for path, param in space.items():
        if isinstance(param, Layers):
            depth = trial.suggest_int(f"{path}.layers", param.min_layers, param.max_layers)
            values[path] = [_suggest_one(trial, f"{path}.units_{i + 1}", param.units)
                            for i in range(depth)]
        else:
            values[path] = _suggest_one(trial, path, param)
    return values


def extremes(param: Any) -> list[Any]:
    """Values to check against the config schema before any training: the ends of each range."""
    if isinstance(param, IntRange | FloatRange):
        return [param.low, param.high]
    if isinstance(param, Choice):
        return list(param.values)
    ends = extremes(param.units)
    return [[ends[0]] * param.min_layers, [ends[-1]] * param.max_layers]


def _axis(param: Any) -> list[Any]:
    if isinstance(param, IntRange):
        return list(range(param.low, param.high + 1, param.step))
    if isinstance(param, FloatRange):
        if param.step is None:
            raise ValueError("grid search needs a step for a float range")
        count = math.floor((param.high - param.low) / param.step + 1e-9) + 1
        return [round(param.low + i * param.step, 12) for i in range(count)]
    if isinstance(param, Choice):
        return labels(param)
    raise ValueError("grid search needs a fixed space: layers is not supported "
                     "(give model.hidden as a choice of lists instead)")


def grid_points(space: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    """Every point of a discrete space as Optuna params, in an order shuffled by `seed`.

    Raises ValueError("<path>: message") for an entry that has no finite grid.
    """
    axes = {}
    for path, param in space.items():
        try:
            axes[path] = _axis(param)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
    points = [dict(zip(axes, values, strict=True)) for values in itertools.product(*axes.values())]
    random.Random(seed).shuffle(points)
    return points


def _axis_length(param: Any) -> int:
    """len(_axis(param)) without building the axis: `int = [1, 1000000000]` is one number."""
    if isinstance(param, IntRange):
        return (param.high - param.low) // param.step + 1
    if isinstance(param, FloatRange) and param.step is not None:
        return math.floor((param.high - param.low) / param.step + 1e-9) + 1
    return len(_axis(param))


def grid_problem(space: dict[str, Any]) -> tuple[str, str] | None:
    """(path, reason) of the first entry that has no finite grid, or None."""
    for path, param in space.items():
        try:
            _axis_length(param)
        except ValueError as exc:
            return path, str(exc)
    return None


def grid_size(space: dict[str, Any]) -> int:
    return math.prod(_axis_length(param) for param in space.values())


def describe(space: dict[str, Any]) -> dict[str, Any]:
    """JSON form of a space, for the tuning record."""
    return {path: param.model_dump(mode="json") for path, param in space.items()}
