"""Expand a manifest's studies into fully resolved runs.

A study's dataset list × named variants × the `vary` grid gives its runs; each run's config tree
(`dataset`, `model`, `training`, `engine`, `seed`, `device`) is validated again after the
overrides, so a bad override is reported at the manifest key that introduced it.

A study with `[studies.search]` gives no runs up front: each of those runs becomes the base of
one `SearchTask` per algorithm, whose trials (and retrained best run) exist only once tuned.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from reportgen.errors import ManifestError
from reportgen.manifest import (
    MODEL_TYPES,
    Manifest,
    ModelSpec,
    RunConfig,
    SearchSpec,
    Study,
    TrainingSpec,
    Variant,
    credentials,
    describe_error,
    format_path,
    limits,
)
from reportgen.manifest.suggestions import did_you_mean
from reportgen.manifest.toml_positions import line_of
from reportgen.manifest.values import format_value
from reportgen.plan import hyperband, search_space
from reportgen.plan.engine_options import option_path, speed_option_problem, unsupported_options

# a manifest key as the path to it: ("studies", 2, "vary", "model.hidden")
Where = tuple[str | int, ...]
ROOTS = ("dataset", "model", "training", "engine", "seed", "device")


@dataclass(frozen=True)
class RunSpec:
    study_id: str
    label: str  # variant name and/or varied values, e.g. "M1" or "hidden=[256]"
    variant: str | None
    varied: dict[str, Any]  # dotted path -> value set by the variant or the vary grid
    config: RunConfig
    origin: str = ""  # "file:line: studies[i].variants[j]" — where errors about this run point
    expect_error: bool = False
    # With `repeats`, the label shared by the repeats of one configuration ("hidden=16", while
    # `label` is "hidden=16 · seed=14"); None for a study without repeats.
    config_label: str | None = None

    @property
    def config_hash(self) -> str:
        return stable_hash(self.config.model_dump(mode="json"))

    def run_id(self, data_fingerprint: str) -> str:
        """Stable id: the resolved config plus the exact data it was trained on."""
        return stable_hash({"config": self.config.model_dump(mode="json"),
                            "data": data_fingerprint})[:16]


DEFAULT_TRIALS = 20  # bayesian, gp and random, when max_trials is not given


@dataclass(frozen=True)
class SearchTask:
    """One Optuna study: a base run (dataset × variant × vary point) tuned by one algorithm.

    `base.config` trains for `max_epochs`; a trial's config is it with the sampled values set at
    the dotted paths of `space` (the study's space with the variant's entries applied).
    """

    base: RunSpec
    algorithm: str
    search: SearchSpec
    space: dict[str, Any]  # dotted path -> manifest.IntRange | FloatRange | Choice | Layers
    max_trials: int
    max_epochs: int

    @property
    def study_id(self) -> str:
        return self.base.study_id

    @property
    def label(self) -> str:
        """'M1 · hyperband', or 'hyperband' for a study without variants or vary."""
        prefix = self.base.label if (self.base.variant or self.base.varied) else ""
        return f"{prefix} · {self.algorithm}" if prefix else self.algorithm


@dataclass(frozen=True)
class Plan:
    runs: list[RunSpec]
    searches: list[SearchTask] = field(default_factory=list)

    def for_study(self, study_id: str) -> list[RunSpec]:
        return [r for r in self.runs if r.study_id == study_id]

    def searches_for(self, study_id: str) -> list[SearchTask]:
        return [t for t in self.searches if t.study_id == study_id]

    @property
    def work(self) -> limits.Work:
        """Runs, trials and epochs this plan trains (a search's at most: its whole budget,
        plus the retrained best run)."""
        epochs = sum(r.config.training.epochs for r in self.runs)
        epochs += sum(task_epochs(t) for t in self.searches)
        return limits.Work(runs=len(self.runs), trials=sum(t.max_trials for t in self.searches),
                           epochs=epochs)


def task_epochs(task: SearchTask) -> int:
    """Epochs a search may train: its trials (Hyperband's bracket plan when it sets the
    budget) and the retrained best configuration, once per repeat."""
    search = task.search
    if task.algorithm == "hyperband" and search.trials_for("hyperband") is None:
        trials = sum(b.budget_epochs for b in hyperband.bracket_plan(
            search.min_epochs, task.max_epochs, search.factor))
    else:
        trials = task.max_trials * task.max_epochs
    return trials + (task.max_epochs if search.retrain_best else 0)


def stable_hash(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def expand(manifest: Manifest, only: list[str] | None = None, *,
           allow_large: bool = False) -> Plan:
    """Every run of every study (or of the studies in `only`), in manifest order.

    Planned work above `limits` is a ManifestError unless `allow_large` (or the manifest's
    `[limits] allow_large`); sizes are checked before anything is expanded.
    """
    allow_large = allow_large or manifest.limits.allow_large
    if only:
        known = {s.id for s in manifest.studies}
        if unknown := [s for s in only if s not in known]:
            raise ManifestError(
                f"--only: unknown study {', '.join(map(repr, unknown))} "
                f"(studies: {', '.join(sorted(known))})"
            )
    runs: list[RunSpec] = []
    searches: list[SearchTask] = []
    planned = 0
    for index, study in enumerate(manifest.studies):
        if not only or study.id in only:
            planned += planned_runs(study)
            if planned > limits.MAX_RUNS and not allow_large:
                _fail(manifest, ("studies", index), limits.over(
                    "the manifest plans this many runs up to here:", planned, limits.MAX_RUNS))
        for v_index, variant in enumerate(study.variants):
            if variant.space and study.search is None:
                _fail(manifest, ("studies", index, "variants", v_index, "space"),
                      "a variant's space needs [studies.search] in its study")
            if variant.chosen_by is not None:
                _check_chosen_by(manifest, index, v_index, variant.chosen_by)
        if only and study.id not in only:
            continue
        if study.search is None:
            runs += [repeat for spec in _expand_study(manifest, index, study)
                     for repeat in repeated(spec, study.repeats)]
        else:
            searches += _expand_search(manifest, index, study, study.search, allow_large)
    the_plan = Plan(runs, searches)
    if not allow_large:
        _check_sizes(manifest, the_plan)
    return the_plan


def planned_runs(study: Study) -> int:
    """The runs (or a search's base runs) a study expands into, counted without expanding."""
    grid = 1
    for values in study.vary.values():
        grid *= len(values)
    return len(study.datasets()) * max(1, len(study.variants)) * grid * study.repeats


def _check_sizes(manifest: Manifest, the_plan: Plan) -> None:
    for run in the_plan.runs:
        if run.config.training.epochs > limits.MAX_EPOCHS:
            raise ManifestError(f"{run.origin}: " + limits.over(
                f"run {run.label!r} trains for epochs =", run.config.training.epochs,
                limits.MAX_EPOCHS))
    work = the_plan.work
    if work.epochs > limits.MAX_TOTAL_EPOCHS:
        raise ManifestError(f"{manifest.source_path}: " + limits.over(
            "the manifest plans epochs of training in all:", work.epochs,
            limits.MAX_TOTAL_EPOCHS))


def _base_tree(manifest: Manifest, study: Study, dataset: str) -> dict[str, Any]:
    model = manifest.models.get(study.model, ModelSpec())
    training = manifest.trainings.get(study.training, TrainingSpec())
    defaults = manifest.defaults
    return {
        "dataset": dataset,
        "model": model.model_dump(),
        "training": training.model_dump(),
        "engine": study.engine or defaults.engine,
        "seed": defaults.seed if study.seed is None else study.seed,
        "device": study.device or defaults.device,
    }


def _expand_study(manifest: Manifest, index: int, study: Study) -> list[RunSpec]:
    where = ("studies", index)
    grid_keys = list(study.vary)
    grid = list(itertools.product(*study.vary.values())) if grid_keys else [()]
    variants: list[Variant | None] = list(study.variants) or [None]
    runs = []
    for dataset in study.datasets():
        for v_index, variant in enumerate(variants):
            tree = _base_tree(manifest, study, dataset)
            varied: dict[str, Any] = {}
            if variant is not None:
                v_where = (*where, "variants", v_index)
                for key in ("engine", "seed", "device"):
                    if getattr(variant, key) is not None:
                        tree[key] = getattr(variant, key)
                for path, value in variant.set.items():
                    _set_path(tree, path, value, manifest, (*v_where, "set", path))
                    varied[path] = value
            for values in grid:
                run_tree = copy.deepcopy(tree)
                grid_values = dict(zip(grid_keys, values, strict=True))
                for path, value in grid_values.items():
                    _set_path(run_tree, path, value, manifest, (*where, "vary", path))
                if len(study.datasets()) > 1:
                    grid_values = {"dataset": dataset, **grid_values}
                origins: dict[str, Where] = {path: (*where, "vary", path) for path in grid_keys}
                if variant is not None:
                    origins |= {p: (*where, "variants", v_index, "set", p) for p in variant.set}
                config = _validate(run_tree, manifest, origins, where)
                if (message := unsupported_options(config)
                        or speed_option_problem(config)) is not None:
                    _fail(manifest, origins.get(option_path(message), where), message)
                if config.dataset not in manifest.datasets:
                    _fail(manifest, origins.get("dataset", where),
                          f"unknown dataset {config.dataset!r}")
                origin = (*where, "variants", v_index) if variant is not None else where
                runs.append(RunSpec(
                    study_id=study.id,
                    label=run_label(variant.name if variant else None, grid_values),
                    variant=variant.name if variant else None,
                    varied={**grid_values, **varied} if variant else grid_values,
                    config=config,
                    origin=_location(manifest, origin),
                    expect_error=variant.expect_error if variant else False,
                ))
    return runs


def _expand_search(manifest: Manifest, index: int, study: Study,
                   search: SearchSpec, allow_large: bool = False) -> list[SearchTask]:
    """One task per base run × algorithm; every space entry is checked against the schema."""
    where = ("studies", index)
    tasks = []
    for base in _expand_study(manifest, index, study):
        v_index = next((i for i, v in enumerate(study.variants) if v.name == base.variant), None)
        variant = study.variants[v_index] if v_index is not None else None
        entries = {**search.space, **(variant.space if variant else {})}
        origins: dict[str, Where] = {
            path: (*where, "variants", v_index, "space", path)
            if variant and v_index is not None and path in variant.space
            else (*where, "search", "space", path) for path in entries}
        try:
            problem = credentials.storage_problem(credentials.resolve_storage(search.storage))
        except credentials.StorageError as exc:
            problem = str(exc)
        if problem:
            _fail(manifest, (*where, "search", "storage"), problem)
        if not entries:
            _fail(manifest, (*where, "search"), "space: name at least one dotted path to tune "
                  '(e.g. "training.optimizer.lr" = { float = [1e-4, 1e-1], log = true })')
        max_epochs = search.max_epochs or base.config.training.epochs
        if max_epochs > limits.MAX_EPOCHS and not allow_large:
            at = ("max_epochs",) if search.max_epochs else ()
            _fail(manifest, (*where, "search", *at),
                  limits.over("a trial trains for max_epochs =", max_epochs, limits.MAX_EPOCHS))
        if search.min_epochs > max_epochs:
            _fail(manifest, (*where, "search", "min_epochs"),
                  f"{search.min_epochs} is more than the {max_epochs} epochs of a trial")
        tree = base.config.model_dump(mode="json")
        tree["training"]["epochs"] = max_epochs
        for path, param in entries.items():
            for value in search_space.extremes(param):
                trial_tree = copy.deepcopy(tree)
                _set_path(trial_tree, path, value, manifest, origins[path])
                config = _validate(trial_tree, manifest, {path: origins[path]}, where)
                if (message := unsupported_options(config)
                        or speed_option_problem(config)) is not None:
                    _fail(manifest, origins[path], message)
        base = dataclasses.replace(base, config=RunConfig.model_validate(tree))
        for algorithm in search.algorithms:
            budget = search.trials_for(algorithm)
            if algorithm == "hyperband" and budget is None:
                budget = hyperband.total_configs(search.min_epochs, max_epochs, search.factor)
            if algorithm == "grid":
                if bad_grid := search_space.grid_problem(entries):
                    _fail(manifest, origins[bad_grid[0]], bad_grid[1])
                size = search_space.grid_size(entries)
                if size > limits.MAX_GRID:
                    _fail(manifest, (*where, "search", "space"),
                          f"the grid has {size:,} points, more than the {limits.MAX_GRID:,} "
                          "a grid search can hold: give steps or fewer choices")
                budget = min(budget or size, size)
            if (budget or DEFAULT_TRIALS) > limits.MAX_TRIALS and not allow_large:
                at = ("max_trials",) if search.trials_for(algorithm) else ()
                _fail(manifest, (*where, "search", *at), limits.over(
                    f"the {algorithm} search plans trials:", budget or 0, limits.MAX_TRIALS))
            tasks.append(SearchTask(base=base, algorithm=algorithm, search=search,
                                    space=entries, max_trials=budget or DEFAULT_TRIALS,
                                    max_epochs=max_epochs))
    return tasks


def repeated(spec: RunSpec, repeats: int) -> list[RunSpec]:
    """`spec` itself, or with repeats > 1 its copies with seeds seed, seed+1, … (only the
    training seed moves: the data split has its own seed, so every repeat sees the same data)."""
    if repeats == 1:
        return [spec]
    out = []
    for offset in range(repeats):
        seed = spec.config.seed + offset
        label = f"{spec.label} · seed={seed}" if spec.label != "run" else f"seed={seed}"
        out.append(dataclasses.replace(
            spec, label=label, config=spec.config.model_copy(update={"seed": seed}),
            config_label=spec.label))
    return out


def assign(tree: dict[str, Any], path: str, value: Any) -> None:
    """Set `value` at dotted `path` in a config tree; a numeric part indexes a list
    (`model.hidden.0`). Raises ValueError with the reason when the path cannot be set."""
    parts = path.split(".")
    if parts[0] not in ROOTS:
        raise ValueError(f"unknown key {parts[0]!r}{did_you_mean(parts[0], ROOTS)}: paths "
                         f"start with {', '.join(ROOTS)}")
    node: Any = tree
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ValueError(f"{'.'.join(parts[:depth])!r} is a list of {len(node)}: "
                                 f"no element {part!r}")
            key: Any = int(part)
        elif isinstance(node, dict):
            key = part
            if not last and node.get(part) is None:
                node[part] = {}
        else:
            raise ValueError(f"{'.'.join(parts[:depth])!r} is a value, not a table: "
                             f"cannot set {path!r}")
        if last:
            node[key] = copy.deepcopy(value)
        else:
            node = node[key]


def _set_path(tree: dict[str, Any], path: str, value: Any, manifest: Manifest,
              where: Where) -> None:
    try:
        assign(tree, path, value)
    except ValueError as exc:
        _fail(manifest, where, str(exc))


def _validate(tree: dict[str, Any], manifest: Manifest,
              origins: dict[str, Where], where: Where) -> RunConfig:
    """Validate a run's tree; blame the override whose path covers the error, if any."""
    try:
        return RunConfig.model_validate(tree)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [str(p) for p in error["loc"] if not _is_branch_tag(p)]
        message = describe_error(error, RunConfig)
        for path, origin in origins.items():
            parts = path.split(".")
            if loc[: len(parts)] == parts or parts[: len(loc)] == loc:
                rest = ".".join(loc[len(parts):])
                _fail(manifest, origin, (f"{rest}: " if rest else "") + message)
        _fail(manifest, where, f"{'.'.join(loc)}: {message}")
    raise AssertionError("unreachable")


def _is_branch_tag(part: Any) -> bool:
    return isinstance(part, str) and (
        "[" in part or part.startswith(("constrained-", "function-", "literal"))
        or part in ("int", "float", "str", "bool", "list", "dict")
        or part in MODEL_TYPES  # the model union's tag (mlp, cnn, resnet18)
    )


def _check_chosen_by(manifest: Manifest, index: int, v_index: int, study_id: str) -> None:
    """`chosen_by` names another study of the manifest, one with a search."""
    where = ("studies", index, "variants", v_index, "chosen_by")
    searched = {s.id: s.search is not None for s in manifest.studies}
    if study_id not in searched:
        _fail(manifest, where, f"no study {study_id!r} in this manifest "
                               f"(studies: {', '.join(searched)})")
    if study_id == manifest.studies[index].id or not searched[study_id]:
        _fail(manifest, where, f"study {study_id!r} has no [studies.search]: chosen_by names "
                               f"the study whose search chose this variant's values")


def _location(manifest: Manifest, where: Where) -> str:
    line = line_of(manifest.source_text, where)
    location = f"{manifest.source_path}:{line}" if line else manifest.source_path
    return f"{location}: {format_path(where)}"


def _fail(manifest: Manifest, where: Where, message: str) -> None:
    raise ManifestError(f"{_location(manifest, where)}: {message}")


def run_label(variant: str | None, grid_values: dict[str, Any]) -> str:
    """A short, readable run name: 'M1', 'hidden=256', 'M1 · lr=0.01'."""
    grid_part = ", ".join(f"{path.split('.')[-1]}={format_value(v)}"
                          for path, v in grid_values.items())
    if variant and grid_part:
        return f"{variant} · {grid_part}"
    return variant or grid_part or "run"
