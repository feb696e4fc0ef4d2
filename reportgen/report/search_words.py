"""How searches are named and their values written, shared by the tuning parts of the report
(`tuning_section` compares searches, `search_section` shows one)."""

from __future__ import annotations

import math
from typing import Any

from reportgen.analysis.findings import StudyFindings, id_key
from reportgen.report import i18n
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.report.model import Cell
from reportgen.report.run_labels import Words
from reportgen.report.text import value_text
from reportgen.store.records import finite
from reportgen.store.tuning_records import TuningRecord

TRIALS_SHOWN_MAX = 30  # longer trial lists show only their best TOP_TRIALS in the report
TOP_TRIALS = 15

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


class SearchWords:
    """Names, values and ranges of one study's searches, in the context's language."""

    def __init__(self, ctx: Context, found: StudyFindings) -> None:
        self.ctx = ctx
        self.view = found
        self.lang = ctx.lang
        self.records = list(found.searches)

    # -- wording and numbers
    def _(self, message: str, **values: Any) -> str:
        return self.ctx._(message, **values)

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

    def trials(self, value: Any) -> str:
        """"1 trial", "12 trials": the count with its noun, in agreement."""
        return self.ctx.ngettext("%(n)s trial", "%(n)s trials", int(value or 0)) % {
            "n": self.n(value)}

    def epochs(self, value: Any) -> str:
        return self.ctx.ngettext("%(value)s epoch", "%(value)s epochs", int(value or 0)) % {
            "value": self.n(value)}

    def configurations(self, value: Any) -> str:
        return self.ctx.ngettext("%(n)s configuration", "%(n)s configurations",
                                 int(value or 0)) % {"n": self.n(value)}

    def secs(self, value: Any) -> str:
        return i18n.format_seconds(value, self.lang)

    def key(self, record: TuningRecord) -> str:
        return f"tuning-{self.view.key}-{id_key(record.label)}"

    def param_label(self, record: TuningRecord, name: str) -> str:
        """An Optuna parameter name for a reader: `model.hidden.units_2` → "Units in layer 2"."""
        head, _, tail = name.rpartition(".")
        entry = record.space.get(head)
        if entry is not None and entry.get("kind") == "layers":
            if tail == "layers":
                return self._("Hidden layers") if head == "model.hidden" else \
                    self._("%(name)s: layers", name=self.ctx.path_label(head))
            if tail.startswith("units_"):
                number = tail.removeprefix("units_")
                return self._("Units in layer %(n)s", n=number) if head == "model.hidden" \
                    else self._("%(name)s: layer %(n)s", name=self.ctx.path_label(head),
                                n=number)
        return self.ctx.path_label(name)

    def value_cell(self, value: Any, path: str | None = None) -> Cell:
        """A sampled config value: raw in the CSV, rounded and in the locale in the report,
        named as a reader writes it when `path` has names ("ReLU", "SGD")."""
        return self.ctx.value_cell(value, shown=rounded(value), path=path)

    def value_words(self, path: str, value: Any) -> str:
        named = Words(self.lang).value_name(path, value)
        return named if named is not None else value_text(rounded(value), self.lang)

    def range_text(self, entry: dict[str, Any], path: str = "") -> str:
        """A space entry as a reader writes it: `32 to 512, step 32`, `one of: relu, tanh`."""
        lang = self.lang
        kind = entry.get("kind")
        if kind == "layers":
            return self._("%(low)s to %(high)s layers, each %(units)s",
                          low=self.n(entry["min_layers"]), high=self.n(entry["max_layers"]),
                          units=self.range_text(entry["units"]))
        if kind == "choice":
            return self._("one of: %(values)s", values=" · ".join(
                self.value_words(path, v) for v in entry["values"]))
        low = i18n.format_general(entry["low"], lang)
        high = i18n.format_general(entry["high"], lang)
        if entry.get("log"):
            return self._("%(low)s to %(high)s, log scale", low=low, high=high)
        if entry.get("step") and not (kind == "int" and entry["step"] == 1):
            return self._("%(low)s to %(high)s, step %(step)s", low=low, high=high,
                          step=i18n.format_general(entry["step"], lang))
        return self._("%(low)s to %(high)s", low=low, high=high)

    def join(self, items: list[str]) -> str:
        return self.ctx.join(items)


def rounded(value: Any) -> Any:
    """Floats to 3 significant digits for display (0.16371418 → 0.164; 0.001 stays)."""
    if isinstance(value, float) and value != 0 and math.isfinite(value):
        return round(value, 2 - math.floor(math.log10(abs(value))))
    if isinstance(value, list):
        return [rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    return value


def shown_value(record: TuningRecord, value: Any) -> float | None:
    """An objective value at the precision the report shows it (see objective_text)."""
    number = finite(value)
    if number is None:
        return None
    return round(number, 3 if "accuracy" in record.objective else 4)


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def lower_first(label: str) -> str:
    """A column label inside a sentence: "Dropout" → "dropout", but "L2 penalty" stays."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label
