"""Samplers and pruners of a search: each trial's sampler is re-seeded from (seed, trial
number), so what a trial samples does not depend on which process ran the earlier trials."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable
from typing import Any

import optuna
from optuna.samplers import BaseSampler, GPSampler, RandomSampler, TPESampler
from optuna.trial import FrozenTrial, TrialState

from reportgen.plan.expand import SearchTask


class PerTrialSeed(BaseSampler):
    """Re-create the sampler, seeded from (seed, trial number), before each trial.

    Optuna's samplers keep their random state in the process; re-seeding per trial makes a
    trial's sample independent of which process ran the earlier trials and of interruptions.
    """

    def __init__(self, make: Callable[[int], BaseSampler], seed: int, salt: str = "") -> None:
        self._make = make
        self._seed = seed
        self._salt = salt
        self._inner = make(seed)

    @property
    def inner(self) -> BaseSampler:
        return self._inner

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        key = f"{self._seed}:{self._salt}:{trial.number}"
        mixed = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
        self._inner = self._make(mixed)
        self._inner.before_trial(study, trial)

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> Any:
        return self._inner.infer_relative_search_space(study, trial)

    def sample_relative(self, study: optuna.Study, trial: FrozenTrial,
                        search_space: Any) -> dict[str, Any]:
        return self._inner.sample_relative(study, trial, search_space)

    def sample_independent(self, study: optuna.Study, trial: FrozenTrial, param_name: str,
                           param_distribution: Any) -> Any:
        return self._inner.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study: optuna.Study, trial: FrozenTrial, state: TrialState,
                    values: Any) -> None:
        self._inner.after_trial(study, trial, state, values)


def make_sampler(task: SearchTask) -> PerTrialSeed:
    startup = task.search.n_startup_trials
    kind = task.algorithm
    if kind == "hyperband":
        kind = "bayesian" if task.search.sampler == "tpe" else "random"

    def make(seed: int) -> BaseSampler:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            if kind == "bayesian":
                return TPESampler(seed=seed, n_startup_trials=startup)
            if kind == "gp":
                return GPSampler(seed=seed, n_startup_trials=startup,
                                 warn_independent_sampling=False)
            # random, and grid: every grid trial is enqueued with all its parameters fixed
            return RandomSampler(seed=seed)

    # Salted with the task's label: each algorithm (and variant) draws its own configurations.
    return PerTrialSeed(make, task.base.config.seed, salt=task.label)


def make_pruner(task: SearchTask) -> optuna.pruners.BasePruner:
    if task.algorithm == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=task.search.min_epochs,
                                              max_resource=task.max_epochs,
                                              reduction_factor=task.search.factor)
    return optuna.pruners.NopPruner()


def sampler_name(task: SearchTask) -> str:
    if task.algorithm == "grid":
        return "grid"
    return type(make_sampler(task).inner).__name__
