"""The study's own design, checked: what an instructor would object to before reading a result.

`design_issues(...)` returns frozen `DesignIssue` records (kind, subject, values, numbers), no
prose; `report.design_words` words them. The rules, each as an instructor applies it:

confounded — the runs differ in more than the factor the study names.
  * `vary` of a plain value (`"model.hidden" = [[16], [64]]`): the factor is that path; a grid
    over several keys crosses them on purpose, so every key is a factor.
  * `vary` of tables (`"training.optimizer" = [{name = "sgd", lr = 0.05}, …]`): the factor is
    the table's identity, its `name` (or `type`) sub-key. A sub-key that only some tables give
    (`momentum`, `nesterov`) belongs to the identity of those tables: "SGD with momentum" is one
    of the optimizers compared. A sub-key that every table gives (`lr`) is a setting shared by
    all of them: when it is the same within each identity and differs between identities it
    changes *with* the factor — a confound (Adam at 0.001 against SGD at 0.05); when it also
    takes several values within one identity (a grid per optimizer) it is varied on purpose,
    a second factor; when it is the same everywhere it is simply fixed. Without an identity
    sub-key every sub-key is part of the factor.
  * `variants`: each variant sets some dotted paths. A path's family is the kind of thing it
    changes (`FAMILIES`: regularisation, capacity, optimizer, batch, normalisation; any other
    path is its own family). The study's factor is the family most variants change; a variant
    that also changes a path of another family changes two things at once, and that path is a
    confound (a "dropout" variant that also lowers the learning rate).
  * any other path of the resolved configurations that differs between the runs is a confound.
  Seeds, devices, engines and a search's retrained runs (whose configurations a search chose)
  are not part of the design checked.
unequal_budget — several searches whose total epochs differ by more than BUDGET_TOLERANCE
  (the larger above the smaller by more than 25 %); trials only where the epochs spent are not
  recorded. Epochs are the budget a Hyperband search is compared at: with matched epochs,
  unequal trial counts are what Hyperband does (many short trials) and are not reported.
sampler_mismatch — a search whose sampler is not the one its algorithm's name implies
  (`EXPECTED_SAMPLER`): Hyperband (Li et al.) draws its configurations at random; Optuna's
  HyperbandPruner samples with the study's sampler, so Hyperband with TPE is BOHB-like.
single_seed — one seed per configuration and a lead below its single-seed threshold
  (`Margin.fragile`, `significance.single_seed_margin`): another seed could reverse it.
init_mismatch — an initialiser that does not match the activation: Glorot with ReLU-like units
  (He is customary), He with tanh or sigmoid (Glorot is customary).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from reportgen.analysis.runs import flat_varied
from reportgen.analysis.significance import MarginCheck
from reportgen.manifest import Study
from reportgen.store.records import RunRecord
from reportgen.store.tuning_records import TuningRecord

IssueKind = Literal["confounded", "unequal_budget", "sampler_mismatch", "single_seed",
                    "init_mismatch"]

BUDGET_TOLERANCE = 0.25  # the larger budget above the smaller by more than this: unequal
IDENTITY_KEYS = ("name", "type")  # the sub-key that names what a table-valued factor is
IGNORED = ("seed", "device", "engine", "training.previous_epochs")
FAMILIES: dict[str, tuple[str, ...]] = {
    "regularisation": ("model.l1", "model.l2", "model.dropout"),
    "capacity": ("model.hidden", "model.filters", "model.blocks", "model.type",
                 "model.kernel"),
    "optimizer": ("training.optimizer",),
    "batch": ("training.batch_size",),
    "normalisation": ("model.batchnorm",),
}
EXPECTED_SAMPLER = {"hyperband": "RandomSampler", "random": "RandomSampler",
                    "bayesian": "TPESampler", "gp": "GPSampler", "grid": "grid"}
RELU_LIKE = frozenset({"relu", "leaky_relu", "elu", "gelu"})
SATURATING = frozenset({"tanh", "sigmoid"})


@dataclass(frozen=True)
class DesignIssue:
    """One objection to a study's design.

    kind            subject                      values                          numbers
    confounded      the confounded dotted path   (factor value or variant, value) ratio (max/min)
    unequal_budget  "epochs" or "trials"         (search label, spent)           ratio
    sampler_mismatch the search's label           (algorithm, …), (sampler, …)    —
    single_seed     the criterion's name         (best, label), (runner_up, …)   margin, threshold
    init_mismatch   the initialiser              (activation, …), (expected, …)  —
    `factor`: the path the study names as its factor (confounded), else None.
    """

    kind: IssueKind
    subject: str
    values: tuple[tuple[str, Any], ...] = ()
    numbers: tuple[tuple[str, float], ...] = ()
    factor: str | None = None

    def number(self, name: str) -> float | None:
        return dict(self.numbers).get(name)

    def value(self, name: str) -> Any:
        return dict(self.values).get(name)


class MarginLike(Protocol):
    """What the single-seed check reads of `findings.Margin`."""

    @property
    def fragile(self) -> bool: ...
    @property
    def margin(self) -> float | None: ...
    @property
    def check(self) -> MarginCheck | None: ...
    @property
    def best(self) -> RunRecord: ...
    @property
    def runner_up(self) -> RunRecord | None: ...


def design_issues(study: Study, runs: Sequence[RunRecord],
                  searches: Sequence[TuningRecord] = (),
                  margin: MarginLike | None = None,
                  repeats: bool = False) -> tuple[DesignIssue, ...]:
    """Every objection to the design of one study (on one dataset), in the order above."""
    designed = [r for r in runs if r.tuning is None and r.stop_reason != "failed"]
    out: list[DesignIssue] = []
    out += confounds(study, designed)
    out += unequal_budgets(searches)
    out += sampler_mismatches(searches)
    if not repeats and margin is not None and margin.fragile and margin.check is not None \
            and margin.runner_up is not None and margin.margin is not None:
        criterion = getattr(getattr(margin, "criterion", None), "name", "accuracy")
        out.append(DesignIssue(
            "single_seed", str(criterion),
            values=(("best", margin.best.label), ("runner_up", margin.runner_up.label)),
            numbers=(("margin", margin.margin), ("threshold", margin.check.threshold))))
    out += init_mismatches(designed)
    return tuple(out)


# ---------------------------------------------------------------- confounds
def _flat(value: Any, path: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    out = {} if out is None else out
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            _flat(inner, f"{path}.{key}" if path else key, out)
    else:
        out[path] = value
    return out


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".")


def family(path: str) -> str:
    return next((name for name, prefixes in FAMILIES.items()
                 if any(_under(path, p) for p in prefixes)), path)


def _key(value: Any) -> Any:
    """A hashable stand-in for a config value (lists of layer sizes)."""
    return tuple(value) if isinstance(value, list) else value


def _ratio(values: Sequence[Any]) -> float | None:
    numbers = [float(v) for v in values if isinstance(v, int | float)
               and not isinstance(v, bool)]
    if len(numbers) < 2 or min(numbers) <= 0:
        return None
    return max(numbers) / min(numbers)


def confounds(study: Study, runs: Sequence[RunRecord]) -> list[DesignIssue]:
    """Paths that change with the study's factor without being it (rules in the module doc)."""
    if len(runs) < 2:
        return []
    out: list[DesignIssue] = []
    factor_paths: set[str] = set()
    for key in study.vary:
        tables = [v for r in runs if isinstance(v := r.varied.get(key), dict)]
        if len(tables) < len(runs):  # plain values: the path itself is the factor
            factor_paths.add(key)
            continue
        out += _table_confounds(key, runs, factor_paths)
    if study.variants:
        out += _variant_confounds(runs, factor_paths)
    flats = [_flat(r.config) for r in runs]
    paths = dict.fromkeys(p for f in flats for p in f)
    for path in paths:
        if any(_under(path, p) for p in IGNORED) or any(_under(path, p) for p in factor_paths):
            continue
        values = [_key(f.get(path)) for f in flats]
        if len(set(values)) > 1:
            pairs = tuple((r.label, f.get(path)) for r, f in zip(runs, flats, strict=True))
            ratio = _ratio([v for _, v in pairs])
            out.append(DesignIssue("confounded", path, pairs,
                                   (("ratio", ratio),) if ratio else (), None))
    return out


def _table_confounds(key: str, runs: Sequence[RunRecord],
                     factor_paths: set[str]) -> list[DesignIssue]:
    leaves = [{p[len(key) + 1:]: v for p, v in flat_varied(r).items() if _under(p, key)}
              for r in runs]
    identity = next((k for k in IDENTITY_KEYS if all(k in leaf for leaf in leaves)), None)
    factor_paths.add(key)  # the whole table is accounted for here
    if identity is None:
        return []
    out = []
    shared = [k for k in leaves[0] if k != identity and all(k in leaf for leaf in leaves)]
    for sub in shared:
        by_identity: dict[Any, set[Any]] = {}
        for leaf in leaves:
            by_identity.setdefault(leaf[identity], set()).add(_key(leaf[sub]))
        constant_within = all(len(v) == 1 for v in by_identity.values())
        differs = len({next(iter(v)) for v in by_identity.values()}) > 1
        if constant_within and differs and len(by_identity) > 1:
            pairs = tuple((str(name), next(iter(v))) for name, v in by_identity.items())
            ratio = _ratio([v for _, v in pairs])
            out.append(DesignIssue("confounded", f"{key}.{sub}", pairs,
                                   (("ratio", ratio),) if ratio else (),
                                   f"{key}.{identity}"))
    return out


def _variant_confounds(runs: Sequence[RunRecord],
                       factor_paths: set[str]) -> list[DesignIssue]:
    sets = [{p: v for p, v in flat_varied(r).items()
             if not any(_under(p, f) for f in factor_paths)} for r in runs]
    counts: dict[str, int] = {}
    for changed in sets:
        for name in dict.fromkeys(family(p) for p in changed):
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return []
    main = max(counts, key=lambda name: counts[name])  # first of equal counts
    out = []
    for record, changed in zip(runs, sets, strict=True):
        families = dict.fromkeys(family(p) for p in changed)
        own = main if main in families else next(iter(families), main)
        factor_paths.update(p for p in changed if family(p) == own)
        for path, value in changed.items():
            if family(path) != own:
                others = tuple((r.label, _flat(r.config).get(path)) for r in runs
                               if r is not record)
                out.append(DesignIssue("confounded", path, ((record.label, value), *others),
                                       (), main))
                factor_paths.add(path)
    return out


# ---------------------------------------------------------------- searches
def _spent(record: TuningRecord, measure: str) -> float | None:
    value = record.summary.get(measure)
    return float(value) if isinstance(value, int | float) and value > 0 else None


def _unequal(values: Sequence[float]) -> bool:
    return max(values) > (1 + BUDGET_TOLERANCE) * min(values)


def unequal_budgets(searches: Sequence[TuningRecord]) -> list[DesignIssue]:
    if len(searches) < 2:
        return []
    out = []
    spent = {m: [_spent(s, m) for s in searches] for m in ("epochs", "trials")}
    epochs_known = all(v is not None for v in spent["epochs"])
    for measure in ("epochs", "trials"):
        values = spent[measure]
        if any(v is None for v in values):
            continue
        numbers = [v for v in values if v is not None]
        if not _unequal(numbers):
            continue
        if measure == "trials" and epochs_known:
            continue  # the epochs are the budget; matched or not, they were said
        out.append(DesignIssue(
            "unequal_budget", measure,
            tuple((s.label, int(v)) for s, v in zip(searches, numbers, strict=True)),
            (("ratio", max(numbers) / min(numbers)),)))
    return out


def sampler_mismatches(searches: Sequence[TuningRecord]) -> list[DesignIssue]:
    out = []
    for record in searches:
        expected = EXPECTED_SAMPLER.get(record.algorithm)
        if expected is not None and record.sampler != expected:
            out.append(DesignIssue(
                "sampler_mismatch", record.label,
                (("algorithm", record.algorithm), ("sampler", record.sampler),
                 ("expected", expected))))
    return out


# ---------------------------------------------------------------- initialisers
def init_mismatches(runs: Sequence[RunRecord]) -> list[DesignIssue]:
    seen: dict[tuple[str, str], None] = {}
    for record in runs:
        model = record.config.get("model", {})
        init, activation = model.get("init"), model.get("activation")
        if isinstance(init, str) and isinstance(activation, str):
            seen.setdefault((init, activation))
    out = []
    for init, activation in seen:
        expected = None
        if init.startswith("glorot") and activation in RELU_LIKE:
            expected = "he" + init[len("glorot"):]
        elif init.startswith("he_") and activation in SATURATING:
            expected = "glorot" + init[len("he"):]
        if expected is not None:
            out.append(DesignIssue("init_mismatch", init,
                                   (("activation", activation), ("expected", expected))))
    return out
