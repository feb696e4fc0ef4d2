"""The Hyperband bracket plan (Li et al., 2018) as Optuna's `HyperbandPruner` runs it.

With R = max_epochs / min_epochs and η = factor there are s_max + 1 brackets,
s_max = ⌊log_η R⌋ (Optuna's formula, floating point included). Bracket b (Optuna's id; Li et
al.'s s = s_max − b) is given n = ⌈(s_max + 1)·η^s / (s + 1)⌉ configurations; its rung k
(k = 0 … s) trains ⌊n·η^−k⌋ of them for min_epochs·η^(b+k) epochs, the last rung for max_epochs.
For max_epochs = 27, factor = 3: 27·1 → 9·3 → 3·9 → 1·27, 12·3 → 4·9 → 1·27, 6·9 → 2·27, 4·27;
49 configurations.

Optuna does not pause and resume trials: each trial belongs to one bracket (a hash of the study
name and the trial number, weighted by n) and is judged at every rung it reaches against the
trials of its bracket that reached the rung before it (asynchronous successive halving). The
record therefore keeps the plan next to what ran.
"""

from __future__ import annotations

import binascii
import math
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Rung:
    epochs: int  # epochs a configuration has trained when it is judged at this rung
    configs: int  # configurations planned to reach it


@dataclass(frozen=True)
class Bracket:
    bracket: int  # Optuna's bracket id b; Li et al.'s s = n_brackets - 1 - b
    configs: int  # n: configurations sampled in this bracket
    rungs: list[Rung]

    @property
    def budget_epochs(self) -> int:
        """Epochs the plan spends here when promoted trials continue training (no restarts)."""
        spent, previous = 0, 0
        for rung in self.rungs:
            spent += rung.configs * (rung.epochs - previous)
            previous = rung.epochs
        return spent


def n_brackets(min_epochs: int, max_epochs: int, factor: int) -> int:
    return math.floor(math.log(max_epochs / min_epochs, factor)) + 1


def bracket_plan(min_epochs: int, max_epochs: int, factor: int) -> list[Bracket]:
    count = n_brackets(min_epochs, max_epochs, factor)
    brackets = []
    for b in range(count):
        s = count - 1 - b
        n = math.ceil(count * factor**s / (s + 1))
        rungs = [Rung(epochs=max_epochs if k == s else min_epochs * factor ** (b + k),
                      configs=n // factor**k) for k in range(s + 1)]
        brackets.append(Bracket(bracket=b, configs=n, rungs=rungs))
    return brackets


def total_configs(min_epochs: int, max_epochs: int, factor: int) -> int:
    return sum(b.configs for b in bracket_plan(min_epochs, max_epochs, factor))


def decision_epochs(bracket: int, min_epochs: int, max_epochs: int, factor: int) -> list[int]:
    """Epochs at which Optuna judges a trial of `bracket` (before it reaches max_epochs)."""
    epochs, k = [], 0
    while (e := min_epochs * factor ** (bracket + k)) < max_epochs:
        epochs.append(e)
        k += 1
    return epochs


def bracket_of(study_name: str, number: int, min_epochs: int, max_epochs: int,
               factor: int) -> int:
    """The bracket Optuna's HyperbandPruner puts trial `number` in (crc32 of name and number)."""
    plan = bracket_plan(min_epochs, max_epochs, factor)
    n = binascii.crc32(f"{study_name}_{number}".encode()) % sum(b.configs for b in plan)
    for bracket in plan:
        n -= bracket.configs
        if n < 0:
            return bracket.bracket
    raise AssertionError("unreachable")


def plan_vs_observed(min_epochs: int, max_epochs: int, factor: int,
                     trials: list[tuple[int, int]]) -> dict[str, Any]:
    """The plan with what ran: `trials` is (bracket, epochs trained) per trial that ran.

    Each rung gets `observed`: trials of the bracket that trained at least its epochs. Optuna's
    extra decision rungs (when max_epochs / min_epochs is not a power of factor) are listed too,
    with `configs` None.
    """
    out = []
    for bracket in bracket_plan(min_epochs, max_epochs, factor):
        epochs_run = [e for b, e in trials if b == bracket.bracket]
        planned = {r.epochs: r.configs for r in bracket.rungs}
        extra = [e for e in decision_epochs(bracket.bracket, min_epochs, max_epochs, factor)
                 if e not in planned]
        rungs = [{"epochs": e, "configs": planned.get(e),
                  "observed": sum(1 for run in epochs_run if run >= e)}
                 for e in sorted([*planned, *extra])]
        out.append({**asdict(bracket), "rungs": rungs, "budget_epochs": bracket.budget_epochs,
                    "trials": len(epochs_run), "epochs": sum(epochs_run)})
    return {
        "n_brackets": len(out), "min_epochs": min_epochs, "max_epochs": max_epochs,
        "factor": factor, "total_configs": sum(b["configs"] for b in out),
        "budget_epochs": sum(b["budget_epochs"] for b in out), "brackets": out,
    }
