"""The tuning part of a study's results: what a hyperparameter search found and what it cost.

For a study with `[studies.search]`, `sections()` adds to the study's results:

- a comparison of the searches (seed 001's table, measured): trials, pruned, epochs, time, best
  objective, the retrained best configuration's test accuracy, and sentences that say which
  search found the best objective and at what cost, claiming only what the numbers show;
- per search (variant × algorithm): the search space with the best configuration, the trials
  (best first; long lists show the top ones, the CSV keeps all), the optimisation history,
  parameter importance (fANOVA on the stored trials), parallel coordinates and, for Hyperband,
  the bracket plan next to what ran.

Reads only tuning records (`reportgen.tuning.records`); Optuna is imported inside
`parameter_importance` alone, to evaluate importance on an in-memory study built from them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reportgen import figures
from reportgen.manifest import Choice, FloatRange, IntRange, Layers
from reportgen.report import i18n
from reportgen.report.i18n import N_, finite
from reportgen.report.model import (
    TABLES_DIR,
    Block,
    Cell,
    Column,
    Figure,
    Paragraph,
    Section,
    Table,
)
from reportgen.report.text import slug, value_text
from reportgen.tuning import space as space_mod
from reportgen.tuning.records import TrialRecord, TuningRecord, comparison

if TYPE_CHECKING:
    from reportgen.report.build import StudyView, _Builder

TRIALS_SHOWN_MAX = 30  # longer trial lists show only their best TOP_TRIALS in the report
TOP_TRIALS = 15
MAX_COLUMNS = 12  # as build.MAX_COLUMNS: the widest table an A4 page holds
SMALL_MARGIN = 0.005  # as build.SMALL_MARGIN: under half a point, one seed's order is fragile
MIN_COMPLETE = 2  # importance and parallel coordinates need this many complete trials

ALGORITHMS = {
    "hyperband": N_("Hyperband"),
    "bayesian": N_("Bayesian optimisation"),
    "gp": N_("Gaussian-process optimisation"),
    "random": N_("Random search"),
    "grid": N_("Grid search"),
}
OBJECTIVES = {  # table headers and axis labels
    "val_accuracy": N_("Validation accuracy"),
    "val_loss": N_("Validation loss"),
    "accuracy": N_("Training accuracy"),
    "loss": N_("Training loss"),
}
OBJECTIVE_NAMES = {  # inside sentences
    "val_accuracy": N_("validation accuracy"),
    "val_loss": N_("validation loss"),
    "accuracy": N_("training accuracy"),
    "loss": N_("training loss"),
}
SAMPLERS = {  # how configurations are drawn (Optuna's sampler class)
    "TPESampler": N_("the TPE sampler"),
    "RandomSampler": N_("random sampling"),
    "GPSampler": N_("a Gaussian process"),
    "GridSampler": N_("the grid"),
}
STATES = {"complete": N_("complete"), "pruned": N_("pruned"), "failed": N_("failed"),
          "running": N_("running")}


# ---------------------------------------------------------------- the space, read back
@dataclass(frozen=True)
class Dist:
    """One Optuna parameter of a space, without Optuna: what importance and the parallel
    coordinates need."""

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


_KINDS = {"int": IntRange, "float": FloatRange, "choice": Choice, "layers": Layers}


def parse_space(described: dict[str, Any]) -> dict[str, Any]:
    """A record's JSON space back as manifest ranges (dotted path -> IntRange, …)."""
    return {path: _KINDS[entry["kind"]].model_validate(entry)
            for path, entry in described.items()}


def distributions(record: TuningRecord) -> dict[str, Dist]:
    """Optuna parameter name -> its range, for every parameter the record's space can sample."""
    recorder = _Recorder()
    space_mod.suggest(recorder, parse_space(record.space))
    return recorder.distributions


# ---------------------------------------------------------------- importance (Optuna)
class ImportanceUnavailable(Exception):
    """Why parameter importance could not be computed (shown as a sentence)."""


def parameter_importance(record: TuningRecord) -> dict[str, float]:
    """fANOVA importance of each parameter (shares summing to 1), most important first.

    Computed from the record's complete trials on an in-memory Optuna study (no database);
    parameters that not every complete trial has (optional layers) are left out by Optuna.
    Raises ImportanceUnavailable.
    """
    complete = complete_trials(record)
    if len(complete) < MIN_COMPLETE:
        raise ImportanceUnavailable("too few complete trials")
    import optuna
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    def optuna_distribution(dist: Dist) -> Any:
        if dist.kind == "int":
            return IntDistribution(int(dist.low), int(dist.high), log=dist.log,
                                   step=int(dist.step or 1))
        if dist.kind == "float":
            return FloatDistribution(dist.low, dist.high, log=dist.log, step=dist.step)
        return CategoricalDistribution(list(dist.choices))

    known = {name: optuna_distribution(d) for name, d in distributions(record).items()}
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(direction=record.direction)
        study.add_trials([
            optuna.trial.create_trial(
                params={k: v for k, v in t.params.items() if k in known},
                distributions={k: known[k] for k in t.params if k in known},
                value=float(t.value))  # type: ignore[arg-type]
            for t in complete])
        evaluator = optuna.importance.FanovaImportanceEvaluator(seed=record.seed)
        importances = optuna.importance.get_param_importances(study, evaluator=evaluator)
    except Exception as exc:  # any failure becomes a sentence, not a crash
        raise ImportanceUnavailable(f"{type(exc).__name__}: {exc}") from None
    finally:
        optuna.logging.set_verbosity(verbosity)
    values = {k: float(v) for k, v in importances.items()}
    if not values or not all(math.isfinite(v) for v in values.values()) \
            or sum(values.values()) <= 0:
        raise ImportanceUnavailable("no variation")
    return dict(sorted(values.items(), key=lambda kv: -kv[1]))


# ---------------------------------------------------------------- record helpers
def complete_trials(record: TuningRecord) -> list[TrialRecord]:
    return [t for t in record.trials if t.state == "complete" and finite(t.value) is not None]


def ranked_trials(record: TuningRecord) -> list[TrialRecord]:
    """Best first: complete trials by objective, then pruned ones by the epochs they reached
    (then their value when stopped), then failed and running ones by number."""
    sign = 1.0 if record.minimise else -1.0

    def key(trial: TrialRecord) -> tuple[float, ...]:
        value = finite(trial.value)
        if trial.state == "complete" and value is not None:
            return (0, sign * value, trial.number)
        if trial.state == "pruned":
            return (1, -trial.epochs, sign * value if value is not None else math.inf,
                    trial.number)
        return (2, trial.number)

    return sorted(record.trials, key=key)


def best_so_far(record: TuningRecord) -> list[tuple[int, float]]:
    """(trial number, best complete value up to it) at every improvement."""
    out: list[tuple[int, float]] = []
    for trial in sorted(complete_trials(record), key=lambda t: t.number):
        value = float(trial.value)  # type: ignore[arg-type]
        if not out or (value < out[-1][1] if record.minimise else value > out[-1][1]):
            out.append((trial.number, value))
    return out


def rounded(value: Any) -> Any:
    """Floats to 3 significant digits for display (0.16371418 → 0.164; 0.001 stays)."""
    if isinstance(value, float) and value != 0 and math.isfinite(value):
        return round(value, 2 - math.floor(math.log10(abs(value))))
    if isinstance(value, list):
        return [rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    return value


def _groups(records: list[TuningRecord]) -> list[list[TuningRecord]]:
    """Searches to compare with each other: the algorithms of each variant, or, when every
    variant has one algorithm, all searches together."""
    variants: dict[str | None, list[TuningRecord]] = {}
    for record in records:
        variants.setdefault(record.variant, []).append(record)
    if any(len(group) > 1 for group in variants.values()):
        return [group for group in variants.values() if len(group) > 1]
    return [records] if len(records) > 1 else []


# ---------------------------------------------------------------- entry points (build.py)
def records_of(builder: _Builder, view: StudyView) -> list[TuningRecord]:
    return [r for r in builder.results.tuning.get(view.study.id, [])
            if r.dataset == view.dataset]


def sections(builder: _Builder, view: StudyView) -> tuple[Section, ...]:
    """The tuning subsections of a study's results (none when it has no tuning record)."""
    return _TuningSection(builder, view).sections()


def conclusions(builder: _Builder, view: StudyView) -> list[str]:
    """Which search found the best objective and at what cost, for the conclusions."""
    part = _TuningSection(builder, view)
    return [" ".join(part.verdict(group, brief=True)) for group in _groups(part.records)]


class _TuningSection:
    def __init__(self, builder: _Builder, view: StudyView) -> None:
        self.b = builder
        self.view = view
        self.lang = builder.lang
        self.records = records_of(builder, view)

    # -- wording and numbers
    def _(self, message: str, **values: Any) -> str:
        return self.b._(message, **values)

    def search_name(self, record: TuningRecord) -> str:
        name = self._(ALGORITHMS[record.algorithm]) if record.algorithm in ALGORITHMS \
            else record.algorithm
        return f"{record.variant} · {name}" if record.variant else name

    def sampler_name(self, record: TuningRecord) -> str:
        return self._(SAMPLERS[record.sampler]) if record.sampler in SAMPLERS else record.sampler

    def objective_header(self, record: TuningRecord) -> str:
        return self._(OBJECTIVES.get(record.objective, record.objective))

    def objective_name(self, record: TuningRecord) -> str:
        return self._(OBJECTIVE_NAMES.get(record.objective, record.objective))

    def objective_text(self, record: TuningRecord, value: Any) -> str:
        """An objective value in a sentence: accuracies as percentages, losses as numbers."""
        if "accuracy" in record.objective:
            return i18n.format_percent(value, self.lang)
        return i18n.format_number(value, self.lang, 4)

    def n(self, value: Any) -> str:
        return i18n.format_int(value, self.lang)

    def secs(self, value: Any) -> str:
        return i18n.format_seconds(value, self.lang)

    def key(self, record: TuningRecord) -> str:
        return f"tuning-{self.view.key}-{slug(record.label)}"

    def param_label(self, record: TuningRecord, name: str) -> str:
        """An Optuna parameter name for a reader: `model.hidden.units_2` → "Units in layer 2"."""
        head, _, tail = name.rpartition(".")
        entry = record.space.get(head)
        if entry is not None and entry.get("kind") == "layers":
            if tail == "layers":
                return self._("Hidden layers") if head == "model.hidden" else \
                    self._("%(name)s: layers", name=self.b.path_label(head))
            if tail.startswith("units_"):
                number = tail.removeprefix("units_")
                return self._("Units in layer %(n)s", n=number) if head == "model.hidden" \
                    else self._("%(name)s: layer %(n)s", name=self.b.path_label(head),
                                n=number)
        return self.b.path_label(name)

    def value_cell(self, value: Any) -> Cell:
        """A sampled config value: raw in the CSV, rounded and in the locale in the report."""
        if isinstance(value, bool) or value is None:
            return Cell(value, display=value_text(value, self.lang))
        if isinstance(value, int | float):
            return Cell(value, "general", display=value_text(rounded(value), self.lang))
        if isinstance(value, str):
            return Cell(value, "code")
        return Cell(value, "code", display=value_text(rounded(value), self.lang))

    def range_text(self, entry: dict[str, Any]) -> str:
        """A space entry as a reader writes it: `32 to 512, step 32`, `one of: relu, tanh`."""
        lang = self.lang
        kind = entry.get("kind")
        if kind == "layers":
            return self._("%(low)s to %(high)s layers, each %(units)s",
                          low=self.n(entry["min_layers"]), high=self.n(entry["max_layers"]),
                          units=self.range_text(entry["units"]))
        if kind == "choice":
            return self._("one of: %(values)s", values=" · ".join(
                value_text(v, lang) for v in entry["values"]))
        low = i18n.format_general(entry["low"], lang)
        high = i18n.format_general(entry["high"], lang)
        if entry.get("log"):
            return self._("%(low)s to %(high)s, log scale", low=low, high=high)
        if entry.get("step") and not (kind == "int" and entry["step"] == 1):
            return self._("%(low)s to %(high)s, step %(step)s", low=low, high=high,
                          step=i18n.format_general(entry["step"], lang))
        return self._("%(low)s to %(high)s", low=low, high=high)

    # -- the sections
    def sections(self) -> tuple[Section, ...]:
        if not self.records:
            return ()
        out = []
        groups = _groups(self.records)
        if groups:
            out.append(self.comparison_section(groups))
        out += [self.search_section(record) for record in self.records]
        return tuple(out)

    def comparison_section(self, groups: list[list[TuningRecord]]) -> Section:
        table = self.comparison_table()
        blocks: list[Block] = [
            Paragraph(self._("Table %(n)s compares the searches: trials, epochs, time and the "
                             "best objective each reached.", n=str(table.number))), table]
        for group in groups:
            blocks.append(Paragraph(" ".join(self.verdict(group))))
        return Section(f"tuning-{self.view.key}-comparison", "",
                       self._("Comparison of the searches"), tuple(blocks))

    def comparison_table(self) -> Table:
        records = self.records
        rows_data = comparison(records)
        objective = self.objective_name(records[0])  # one objective per study
        failed = any(row["failed"] for row in rows_data)
        rows = []
        for record, row in zip(records, rows_data, strict=True):
            cells = [Cell(row["label"], display=_upper_first(self.search_name(record))),
                     Cell(row["trials"], "int"), Cell(row["complete"], "int"),
                     Cell(row["pruned"], "int")]
            cells += [Cell(row["failed"], "int")] if failed else []
            cells += [Cell(row["epochs"], "int"), Cell(finite(row["wall_seconds"]), "secs"),
                      Cell(row["best_trial"], "int"), Cell(finite(row["best_value"]), "num"),
                      Cell(finite(row["test_accuracy"]), "num")]
            rows.append(cells)
        columns = [Column("label", self._("Search")), Column("trials", self._("Trials"), True),
                   Column("complete", self._("Complete"), True),
                   Column("pruned", self._("Pruned"), True)]
        columns += [Column("failed", self._("Failed"), True)] if failed else []
        columns += [Column("epochs", self._("Epochs trained"), True),
                    Column("wall_seconds", self._("Time"), True),
                    Column("best_trial", self._("Best trial"), True),
                    Column("best_value", self._("Best: %(objective)s", objective=objective),
                           True),
                    Column("test_accuracy", self._("Retrained best: test accuracy"), True)]
        best = self.best_record(records)
        highlight = records.index(best) if best is not None and \
            len(self.ties(best, records)) == 1 else None
        note = self._(
            "“Best”: the objective of the best complete trial, on the data the search selects "
            "on. “Retrained best”: that configuration trained again for the full epochs and "
            "evaluated on the test split. Time: wall-clock time of the trials. The search with "
            "the best objective, if only one, is in bold.")
        return self.b.table(f"tuning-{self.view.key}-comparison",
                            self._("Hyperparameter searches of “%(study)s”: cost and result.",
                                   study=self.b.study_title(self.view)),
                            columns, rows, highlight=highlight, note=note)

    def best_record(self, records: Sequence[TuningRecord]) -> TuningRecord | None:
        scored = [r for r in records if finite(r.summary.get("best_value")) is not None]
        if not scored:
            return None
        pick = min if scored[0].minimise else max
        return pick(scored, key=lambda r: r.summary["best_value"])  # first of equals

    def ties(self, best: TuningRecord, records: Sequence[TuningRecord]) -> list[TuningRecord]:
        """The searches whose best objective equals `best`'s as the report shows it (a
        difference in the fifth decimal is no finding)."""
        return [r for r in records
                if _shown(r, r.summary.get("best_value")) == _shown(best,
                                                                   best.summary["best_value"])]

    def verdict(self, group: list[TuningRecord], brief: bool = False) -> list[str]:
        """Which search of `group` found the best objective, at what cost; and the test
        accuracy of the retrained best configurations. Only what the numbers show.

        `brief` (the conclusions): the headline, the cost and a disagreement with the test
        split, without every search's figures.
        """
        best = self.best_record(group)
        if best is None:
            return [self._("No search completed a trial, so the searches cannot be compared.")]
        objective = self.objective_name(best)
        value = best.summary["best_value"]
        ties = self.ties(best, group)
        others = [r for r in group if r not in ties
                  and finite(r.summary.get("best_value")) is not None]

        def cost(record: TuningRecord) -> dict[str, str]:
            return {"search": self.search_name(record),
                    "trials": self.n(record.summary["trials"]),
                    "epochs": self.n(record.summary["epochs"]),
                    "time": self.secs(record.summary["wall_seconds"])}

        out = []
        if len(ties) > 1:
            out.append(self._(
                "%(searches)s found the same best %(objective)s, %(value)s.",
                searches=self.join([self.search_name(r) for r in ties]), objective=objective,
                value=self.objective_text(best, value)))
            if not brief:
                out += [self._("%(search)s reached it with %(trials)s trials, %(epochs)s epochs "
                               "of training and %(time)s.", **cost(r)) for r in ties]
        else:
            out.append(self._(
                "%(search)s found the best %(objective)s, %(value)s (trial %(trial)s), with "
                "%(trials)s trials, %(epochs)s epochs of training and %(time)s.",
                objective=objective, value=self.objective_text(best, value),
                trial=self.n(best.best["number"]) if best.best else "?", **cost(best)))
        if not brief:
            out += [self._("%(search)s reached %(value)s with %(trials)s trials, %(epochs)s "
                           "epochs and %(time)s.",
                           value=self.objective_text(r, r.summary["best_value"]), **cost(r))
                    for r in others]
        if not brief and len(ties) == 1 and others and "accuracy" in best.objective:
            runner_up = self.best_record(others)
            margin = abs(value - runner_up.summary["best_value"])  # type: ignore[union-attr]
            if margin < SMALL_MARGIN:
                out.append(self._(
                    "The difference is under half a percentage point, within what another seed "
                    "or another validation split could change."))
        out += self.cost_sentence(ties, group)
        out += self.test_sentence(best, group, brief)
        return [_upper_first(sentence) for sentence in out]  # a sentence may open with a name

    def cost_sentence(self, ties: list[TuningRecord], group: list[TuningRecord]) -> list[str]:
        """Whether the best objective also came cheapest, in epochs and in time."""
        epochs = {id(r): r.summary["epochs"] for r in group}
        cheapest = min(group, key=lambda r: epochs[id(r)])
        fastest = min(group, key=lambda r: r.summary["wall_seconds"])
        winner = min(ties, key=lambda r: epochs[id(r)])  # first of equals
        values = {"search": self.search_name(winner),
                  "time": self.secs(winner.summary["wall_seconds"]),
                  "fastest": self.search_name(fastest),
                  "fastest_time": self.secs(fastest.summary["wall_seconds"])}
        if epochs[id(winner)] == epochs[id(cheapest)]:
            if fastest is winner or fastest.summary["wall_seconds"] == \
                    winner.summary["wall_seconds"]:
                message = N_("Of these, %(search)s spent the fewest epochs and the least time.") \
                    if len(ties) > 1 else \
                    N_("%(search)s also spent the fewest epochs and the least time.")
                return [self._(message, search=values["search"])]
            message = N_("Of these, %(search)s spent the fewest epochs, though not the least "
                         "time (%(time)s against %(fastest_time)s of %(fastest)s).") \
                if len(ties) > 1 else \
                N_("%(search)s also spent the fewest epochs, though not the least time "
                   "(%(time)s against %(fastest_time)s of %(fastest)s).")
            return [self._(message, **values)]
        share = epochs[id(cheapest)] / epochs[id(winner)] if epochs[id(winner)] else None
        return [self._(
            "%(cheapest)s spent the fewest epochs: %(epochs)s, %(share)s of the %(best_epochs)s "
            "of %(search)s.", cheapest=self.search_name(cheapest),
            epochs=self.n(epochs[id(cheapest)]), share=i18n.format_percent(share, self.lang, 0),
            best_epochs=self.n(epochs[id(winner)]), search=values["search"])]

    def test_sentence(self, best: TuningRecord, group: list[TuningRecord],
                      brief: bool = False) -> list[str]:
        tested = [(r, finite(row["test_accuracy"]))
                  for r, row in zip(group, comparison(group), strict=True)]
        tested = [(r, v) for r, v in tested if v is not None]
        if not tested:
            return []
        scores = self.join([self._("%(value)s (%(search)s)",
                                   value=i18n.format_percent(v, self.lang),
                                   search=self.search_name(r)) for r, v in tested])
        out = [] if brief else [self._(
            "Retrained for the full epochs, the best configurations reach a test accuracy of "
            "%(scores)s.", scores=scores)]
        top = max(round(v, 3) for _, v in tested)  # as shown: a percentage, one decimal
        leaders = [r for r, v in tested if round(v, 3) == top]
        ties = self.ties(best, group)
        if len(tested) > 1 and len(ties) == 1 and best not in leaders:
            out.append(self._(
                "The search with the best %(objective)s is not the one whose retrained "
                "configuration has the best test accuracy (%(leader)s, %(value)s): the order "
                "on the data the search selects on does not carry over to the test split here.",
                objective=self.objective_name(best), leader=self.search_name(leaders[0]),
                value=i18n.format_percent(max(v for _, v in tested), self.lang)))
        elif len(tested) > 1 and len(ties) > 1 and not brief:
            if len(leaders) == 1:
                out.append(self._("On the test split, the configuration of %(search)s is ahead.",
                                  search=self.search_name(leaders[0])))
            else:
                out.append(self._("On the test split they tie as well."))
        return out

    def join(self, items: list[str]) -> str:
        if len(items) < 2:
            return "".join(items)
        return self._("%(items)s and %(last)s", items=", ".join(items[:-1]), last=items[-1])

    # -- one search
    def search_section(self, record: TuningRecord) -> Section:
        blocks: list[Block] = [Paragraph(self.intro(record))]
        space_table = self.space_table(record)
        blocks.append(space_table)
        if record.trials:
            blocks.append(self.trials_table(record))
            history = self.history_figure(record)
            if history is not None:
                blocks.append(history)
        complete = complete_trials(record)
        if len(complete) < MIN_COMPLETE:
            blocks.append(Paragraph(self._(
                "Parameter importance and parallel coordinates need at least two complete "
                "trials; this search has %(n)s.", n=self.n(len(complete)))))
        else:
            blocks += self.importance_blocks(record)
            blocks.append(self.parallel_figure(record))
        if record.hyperband:
            blocks += self.hyperband_blocks(record)
        guide = self.guide(record, blocks)
        if guide:
            blocks[0] = Paragraph(f"{self.intro(record)} {guide}")
        title = self._("Search: %(search)s", search=_upper_first(self.search_name(record)))
        return Section(self.key(record), "", title, tuple(blocks))

    def guide(self, record: TuningRecord, blocks: list[Block]) -> str:
        """Point to the search's tables and figures by number."""
        numbers = {b.id: str(b.number) for b in blocks if isinstance(b, Table | Figure)}
        key = self.key(record)
        parts = []
        for block_id, message in (
            (f"{key}-space", N_("Table %(n)s gives the search space.")),
            (f"{key}-trials", N_("Table %(n)s lists the trials.")),
            (f"fig-{key}-history", N_("Figure %(n)s shows the objective trial after trial.")),
            (f"fig-{key}-importance", N_("Figure %(n)s shows how much each hyperparameter "
                                          "mattered.")),
            (f"fig-{key}-parallel", N_("Figure %(n)s shows every trial in parallel "
                                        "coordinates.")),
            (f"{key}-brackets", N_("Table %(n)s compares the Hyperband bracket plan with "
                                   "what ran.")),
        ):
            if block_id in numbers:
                parts.append(self._(message, n=numbers[block_id]))
        return " ".join(parts)

    def intro(self, record: TuningRecord) -> str:
        summary = record.summary
        parts = [self.b.ngettext(
            "%(search)s ran %(n)s trial of up to %(max)s epochs; objective: %(objective)s "
            "(%(direction)s).",
            "%(search)s ran %(n)s trials of up to %(max)s epochs each; objective: "
            "%(objective)s (%(direction)s).", summary["trials"],
        ) % {"search": self.search_name(record), "n": self.n(summary["trials"]),
             "max": self.n(record.max_epochs), "objective": self.objective_name(record),
             "direction": self._("lower is better") if record.minimise
             else self._("higher is better")}]
        if record.algorithm == "hyperband":
            parts.append(self._(
                "The Hyperband pruner judges trials at rungs of %(min)s × %(factor)sᵏ epochs "
                "and stops those not among the best 1/%(factor)s of their bracket; "
                "configurations are drawn by %(sampler)s.", min=self.n(record.min_epochs),
                factor=self.n(record.factor), sampler=self.sampler_name(record)))
        elif record.algorithm in ("bayesian", "gp"):
            parts.append(self._(
                "The first %(n)s trials are drawn at random; from then on %(sampler)s proposes "
                "each trial from the results so far.", n=self.n(record.n_startup_trials),
                sampler=self.sampler_name(record)))
        parts.append(self._(
            "Trials by state: %(complete)s complete, %(pruned)s pruned, %(failed)s failed.",
            complete=self.n(summary["complete"]), pruned=self.n(summary["pruned"]),
            failed=self.n(summary["failed"])))
        if summary.get("pending"):
            parts.append(self._(
                "%(n)s trials of the budget of %(max)s did not run: the time limit was reached.",
                n=self.n(summary["pending"]), max=self.n(record.max_trials)))
        if record.best is None:
            parts.append(self._("No trial completed, so there is no best configuration."))
            return " ".join(_upper_first(part) for part in parts)
        parts.append(self._(
            "The best is trial %(trial)s, with %(objective)s %(value)s.",
            trial=self.n(record.best["number"]), objective=self.objective_name(record),
            value=self.objective_text(record, record.best["value"])))
        retrained = record.retrained or {}
        test = finite(retrained.get("metrics", {}).get("test", {}).get("accuracy"))
        if test is not None:
            parts.append(self._(
                "Retrained for %(epochs)s epochs as the run “%(run)s”, its configuration "
                "reaches a test accuracy of %(test)s.",
                epochs=self.n(retrained.get("epochs", record.max_epochs)),
                run=retrained.get("label", ""), test=i18n.format_percent(test, self.lang)))
        return " ".join(_upper_first(part) for part in parts)

    def space_table(self, record: TuningRecord) -> Table:
        best = (record.best or {}).get("set", {})
        rows = []
        for path, entry in record.space.items():
            rows.append([Cell(path, display=self.b.path_label(path)),
                         Cell(entry, display=self.range_text(entry)),
                         self.value_cell(best.get(path)) if record.best else
                         Cell(None)])
        columns = [Column("parameter", self._("Parameter")),
                   Column("range", self._("Range searched")),
                   Column("best", self._("Best configuration"))]
        if record.best:
            caption = self._(
                "Search space of %(search)s and the best configuration it found (trial "
                "%(trial)s, %(objective)s %(value)s).", search=self.search_name(record),
                trial=self.n(record.best["number"]), objective=self.objective_name(record),
                value=self.objective_text(record, record.best["value"]))
        else:
            caption = self._("Search space of %(search)s.", search=self.search_name(record))
        return self.b.table(f"{self.key(record)}-space", caption, columns, rows)

    def trials_table(self, record: TuningRecord) -> Table:
        ranked = ranked_trials(record)
        paths = list(record.space)
        hyperband = record.algorithm == "hyperband"
        fixed = 1 + int(hyperband) + 4
        joined = fixed + len(paths) > MAX_COLUMNS  # too many parameters: one column for all
        rows = []
        for trial in ranked:
            cells = [Cell(trial.number, "int")]
            cells += [Cell(trial.bracket, "int")] if hyperband else []
            if joined:
                cells.append(Cell(trial.set, display="; ".join(
                    f"{self.b.path_label(p)} = {value_text(rounded(trial.set.get(p)), self.lang)}"
                    for p in paths)))
            else:
                cells += [self.value_cell(trial.set.get(p)) if p in trial.set else Cell(None)
                          for p in paths]
            cells += [Cell(finite(trial.value), "num"), Cell(trial.epochs, "int"),
                      Cell(trial.state, display=self._(STATES.get(trial.state, trial.state))),
                      Cell(finite(trial.seconds), "secs")]
            rows.append(cells)
        columns = [Column("number", self._("Trial"), True)]
        columns += [Column("bracket", self._("Bracket"), True)] if hyperband else []
        if joined:
            columns.append(Column("set", self._("Parameters")))
        else:
            columns += [Column(p, self.b.path_label(p),
                               all(row[len(columns) + i].numeric for row in rows))
                        for i, p in enumerate(paths)]
        columns += [Column("value", self.objective_header(record), True),
                    Column("epochs", self._("Epochs"), True),
                    Column("state", self._("State")),
                    Column("seconds", self._("Time"), True)]
        table_id = f"{self.key(record)}-trials"
        notes = []
        if record.best is not None:
            notes.append(self._("The best trial is in bold."))
        if any(t.state == "pruned" for t in record.trials):
            notes.append(self._("A pruned trial shows the objective at the epoch it was "
                                 "stopped."))
        shown = None
        if len(rows) > TRIALS_SHOWN_MAX:
            shown = TOP_TRIALS
            notes.append(self._("The %(shown)s best of the %(n)s trials are shown; the CSV "
                                "file %(csv)s lists them all.", shown=self.n(shown),
                                n=self.n(len(rows)),
                                csv=f"{TABLES_DIR}/{table_id}.csv"))
        caption = self._("Trials of %(search)s, best first: complete trials by their "
                         "objective, then pruned trials by the epochs they reached.",
                         search=self.search_name(record))
        best_first = record.best is not None and ranked[0].number == record.best["number"]
        return self.b.table(table_id, caption, columns, rows,
                            highlight=0 if best_first else None,
                            note=" ".join(notes) or None, shown_rows=shown, compact=True)

    def history_figure(self, record: TuningRecord) -> Block | None:
        complete = [(t.number, float(t.value)) for t in complete_trials(record)]  # type: ignore[arg-type]
        pruned = [(t.number, v) for t in record.trials
                  if t.state == "pruned" and (v := finite(t.value)) is not None]
        if not complete and not pruned:
            return None
        texts = figures.HistoryTexts(
            xlabel=self._("Trial"), ylabel=self.objective_header(record),
            complete=self._("complete trial"),
            pruned=self._("pruned trial (value when stopped)"),
            best=self._("best complete trial so far"),
            decimal=i18n.decimal_separator(self.lang))
        caption = self._("%(objective)s of every trial of %(search)s, in the order the trials "
                         "ran, and the best complete trial so far.",
                         objective=self.objective_header(record),
                         search=self.search_name(record))
        line = best_so_far(record)
        return self.b.figure(f"fig-{self.key(record)}-history", caption,
                             lambda prefix: figures.optimisation_history(
                                 complete, pruned, line, texts, prefix=prefix))

    def importance_blocks(self, record: TuningRecord) -> list[Block]:
        try:
            importances = parameter_importance(record)
        except ImportanceUnavailable as exc:
            if str(exc) == "no variation":
                return [Paragraph(self._(
                    "Parameter importance cannot be estimated for %(search)s: the objective "
                    "is the same in every complete trial.", search=self.search_name(record)))]
            return [Paragraph(self._(
                "Parameter importance could not be computed for %(search)s (%(reason)s).",
                search=self.search_name(record), reason=str(exc)))]
        complete = complete_trials(record)
        labels = [self.param_label(record, name) for name in importances]
        values = list(importances.values())
        partial = sorted({name for t in complete for name in t.params} - set(importances))
        caption = self._(
            "Importance of each parameter for the %(objective)s of %(search)s (fANOVA on the "
            "%(n)s complete trials; the shares add up to 1).",
            objective=self.objective_name(record), search=self.search_name(record),
            n=self.n(len(complete)))
        if partial:
            caption += " " + self._(
                "Left out, because not every complete trial has them: %(params)s.",
                params=", ".join(self.param_label(record, p) for p in partial))
        texts = figures.ImportanceTexts(xlabel=self._("Importance (fANOVA)"),
                                        decimal=i18n.decimal_separator(self.lang))
        figure = self.b.figure(f"fig-{self.key(record)}-importance", caption,
                               lambda prefix: figures.importance_bars(labels, values, texts,
                                                                      prefix=prefix))
        top = next(iter(importances))
        sentence = self._(
            "For %(search)s, %(param)s explains the largest share of the variation of the "
            "%(objective)s across complete trials (%(share)s); with %(n)s trials this is an "
            "estimate, not a ranking to rely on.", search=self.search_name(record),
            param=_lower_first(self.param_label(record, top)),
            objective=self.objective_name(record),
            share=i18n.format_percent(importances[top], self.lang, 0),
            n=self.n(len(complete)))
        return [figure, Paragraph(sentence)]

    def parallel_figure(self, record: TuningRecord) -> Block:
        complete = complete_trials(record)
        dists = distributions(record)
        names = [n for n in dists if any(n in t.params for t in complete)]
        axes = []
        for name in names:
            dist = dists[name]
            label = self.param_label(record, name)
            if dist.kind == "categorical":
                axes.append(figures.ParallelAxis(label, categories=tuple(
                    value_text(c, self.lang) for c in dist.choices)))
            else:
                axes.append(figures.ParallelAxis(label, dist.low, dist.high, dist.log,
                                                 integer=dist.kind == "int"))
        values = [float(t.value) for t in complete]  # type: ignore[arg-type]
        axes.append(figures.ParallelAxis(self.objective_header(record), min(values),
                                         max(values)))
        rows: list[list[float | None]] = []
        for trial in complete:
            row: list[float | None] = []
            for name in names:
                value = trial.params.get(name)
                choices = dists[name].choices
                if value is None:
                    row.append(None)
                elif choices:
                    row.append(float(choices.index(value)) if value in choices else None)
                else:
                    row.append(float(value))
            rows.append([*row, float(trial.value)])  # type: ignore[arg-type]
        best = record.best["number"] if record.best else None
        highlight = next((i for i, t in enumerate(complete) if t.number == best), None)
        caption = self._(
            "Parameters of the %(n)s complete trials of %(search)s, one line per trial coloured "
            "by its %(objective)s; the best trial is the thick line.", n=self.n(len(complete)),
            search=self.search_name(record), objective=self.objective_name(record))
        if any(v is None for row in rows for v in row):
            caption += " " + self._("A line breaks where its trial has no such parameter "
                                    "(fewer layers).")
        texts = figures.ParallelTexts(colour=self.objective_header(record),
                                      decimal=i18n.decimal_separator(self.lang))
        return self.b.figure(f"fig-{self.key(record)}-parallel", caption,
                             lambda prefix: figures.parallel_coordinates(
                                 axes, rows, values, texts, highlight=highlight,
                                 minimise=record.minimise, prefix=prefix))

    def hyperband_blocks(self, record: TuningRecord) -> list[Block]:
        plan = record.hyperband or {}
        rows = []
        extra = False
        for bracket in plan.get("brackets", []):
            for k, rung in enumerate(bracket["rungs"]):
                extra = extra or rung["configs"] is None
                rows.append([
                    Cell(bracket["bracket"], "int",
                         display=None if k == 0 else ""),
                    Cell(k, "int"), Cell(rung["epochs"], "int"),
                    Cell(rung["configs"], "int"), Cell(rung["observed"], "int")])
        trials = sum(b["trials"] for b in plan.get("brackets", []))
        spent = sum(b["epochs"] for b in plan.get("brackets", []))
        foot = [[Cell("total", display=self._("Total")), Cell(None, display=""),
                 Cell(None, display=""), Cell(plan.get("total_configs"), "int"),
                 Cell(trials, "int")]]
        columns = [Column("bracket", self._("Bracket"), True),
                   Column("rung", self._("Rung"), True),
                   Column("epochs", self._("Epochs per configuration"), True),
                   Column("planned", self._("Configurations planned"), True),
                   Column("observed", self._("Configurations observed"), True)]
        notes = [self._("Observed: trials of the bracket that trained at least the rung's "
                        "epochs; in the total row, the trials of the search.")]
        if extra:
            notes.append(self._(
                "“—”: a rung at which Optuna also judges trials because %(max)s is not "
                "%(min)s × %(factor)sᵏ; the plan does not set how many configurations reach "
                "it.", max=self.n(record.max_epochs), min=self.n(record.min_epochs),
                factor=self.n(record.factor)))
        table = self.b.table(
            f"{self.key(record)}-brackets",
            self._("Bracket plan of %(search)s (maximum %(max)s epochs, minimum "
                   "%(min)s, factor %(factor)s) next to what ran.",
                   search=self.search_name(record), max=self.n(record.max_epochs),
                   min=self.n(record.min_epochs), factor=self.n(record.factor)),
            columns, rows, foot=tuple(tuple(r) for r in foot), note=" ".join(notes))
        full = trials * record.max_epochs
        sentence = self._(
            "Hyperband planned %(configs)s configurations and %(epochs)s epochs; it ran "
            "%(trials)s trials and spent %(spent)s epochs (%(share)s of the %(full)s epochs of "
            "training every trial to %(max)s epochs).",
            configs=self.n(plan.get("total_configs")), epochs=self.n(plan.get("budget_epochs")),
            trials=self.n(trials), spent=self.n(spent),
            share=i18n.format_percent(spent / full if full else None, self.lang, 0),
            full=self.n(full), max=self.n(record.max_epochs))
        blocks: list[Block] = [table, Paragraph(sentence)]
        if any(b["trials"] != b["configs"] for b in plan.get("brackets", [])):
            blocks.append(Paragraph(self._(
                "Optuna runs the brackets asynchronously and puts each trial in a bracket by a "
                "hash of the study name and the trial number, so the trials of a bracket can "
                "differ from its planned configurations (table %(table)s).",
                table=self.n(table.number))))
        return blocks


def _shown(record: TuningRecord, value: Any) -> float | None:
    """An objective value at the precision the report shows it (see objective_text)."""
    number = finite(value)
    if number is None:
        return None
    return round(number, 3 if "accuracy" in record.objective else 4)


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(label: str) -> str:
    """A column label inside a sentence: "Dropout" → "dropout", but "L2 penalty" stays."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label
