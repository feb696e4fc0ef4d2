"""A tuning record's search space read back as plain parameter ranges, without Optuna: what
parameter importance (`importance.py`) and the report's parallel coordinates need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportgen.manifest import Choice, FloatRange, IntRange, Layers
from reportgen.plan import search_space
from reportgen.store.tuning_records import TuningRecord


@dataclass(frozen=True)
class Dist:
    """One Optuna parameter of a space."""

    kind: str  # int | float | categorical
    low: float = 0.0
    high: float = 1.0
    step: float | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()


class _Recorder:
    """Stands in for an Optuna trial in `space.suggest`: records every parameter the space
    can sample (the deepest variant of a `layers` entry) instead of sampling it."""

    def __init__(self) -> None:
        self.distributions: dict[str, Dist] = {}

    def suggest_int(self, name: str, low: int, high: int, step: int = 1,
                    log: bool = False) -> int:
        self.distributions[name] = Dist("int", low, high, step, log)
        return high

    def suggest_float(self, name: str, low: float, high: float, step: float | None = None,
                      log: bool = False) -> float:
        self.distributions[name] = Dist("float", low, high, step, log)
        return low

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        self.distributions[name] = Dist("categorical", choices=tuple(choices))
        return choices[0]


_KINDS: dict[str, type[IntRange | FloatRange | Choice | Layers]] = {
    "int": IntRange, "float": FloatRange, "choice": Choice, "layers": Layers}


def parse_space(described: dict[str, Any]) -> dict[str, Any]:
    """A record's JSON space back as manifest ranges (dotted path -> IntRange, …)."""
    return {path: _KINDS[entry["kind"]].model_validate(entry)
            for path, entry in described.items()}


def distributions(record: TuningRecord) -> dict[str, Dist]:
    """Optuna parameter name -> its range, for every parameter the record's space can sample."""
    recorder = _Recorder()
    search_space.suggest(recorder, parse_space(record.space))
    return recorder.distributions
