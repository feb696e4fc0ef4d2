"""Run labels a person would write, in the report's language.

A run's stored label (`optimizer=sgd(lr=0.05, momentum=0.9)`, `hidden=256 · seed=13`, a variant's
name) is its identity: `diff` matches on it, the appendix lists it, the CSV tables keep it. The
report's prose, tables and legends show instead "SGD, tasa 0,05, momento 0,9" / "SGD, lr 0.05,
momentum 0.9": the variant's `title` when the manifest gives one (else its name), the values a
study varies in words, numbers through the locale, and the seed of a repeat.

`Label` is the displayed text that still knows the identity it stands for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from babel.lists import format_list

from reportgen.manifest import Study
from reportgen.report import i18n, labels
from reportgen.report.i18n import N_
from reportgen.report.labels import LOSSES, MONITOR_NAMES
from reportgen.report.text import value_text
from reportgen.store.records import RunRecord


class Label(str):
    """Text shown to a reader that remembers the identity it stands for (`.identity`): the
    CSV tables and the appendix's run listing keep the identity, every other place the text."""

    identity: str

    def __new__(cls, text: str, identity: str) -> Label:
        label = super().__new__(cls, text)
        label.identity = identity
        return label

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:  # report languages build in processes
        return Label, (str(self), self.identity)


def identity(text: Any) -> Any:
    """The identity behind a displayed label; anything else unchanged."""
    return text.identity if isinstance(text, Label) else text


# Names of values, as a reader writes them (proper names stay as their authors spell them).
VALUE_NAMES: dict[str, dict[str, str]] = {
    "training.optimizer.name": {"gd": N_("gradient descent"), "sgd": "SGD", "adagrad": "Adagrad",
                                "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW"},
    "model.activation": {"relu": "ReLU", "leaky_relu": "Leaky ReLU", "sigmoid": N_("sigmoid"),
                         "tanh": "tanh", "elu": "ELU", "gelu": "GELU", "linear": N_("linear")},
    "model.init": {"zeros": N_("zeros"), "ones": N_("ones"), "random_normal": N_("random normal"),
                   "random_uniform": N_("random uniform"), "glorot_uniform": N_("Glorot uniform"),
                   "glorot_normal": N_("Glorot normal"), "he_uniform": N_("He uniform"),
                   "he_normal": N_("He normal"), "lecun_normal": N_("LeCun normal")},
    "model.type": {"mlp": "MLP", "cnn": "CNN", "resnet18": "ResNet-18"},
    "model.pool": {"max": N_("max pooling"), "none": N_("no pooling")},
    "engine": {"torch": "PyTorch", "numpy": "NumPy"},
    "training.schedule.kind": {"none": N_("constant rate"), "linear": N_("linear decay"),
                               "exponential": N_("exponential decay"),
                               "step": N_("step decay"), "cosine": N_("cosine decay")},
    "training.loss": dict(LOSSES),
}
VALUE_NAMES["training.optimizer"] = VALUE_NAMES["training.optimizer.name"]
VALUE_NAMES["training.schedule"] = VALUE_NAMES["training.schedule.kind"]
VALUE_NAMES["training.early_stopping.monitor"] = dict(MONITOR_NAMES)
VALUE_NAMES["training.batch_size"] = {"full": N_("full batch")}
VALUE_NAMES["model.outputs"] = {"auto": N_("one per class")}
VALUE_NAMES["training.stop_at.monitor"] = dict(MONITOR_NAMES)

# A varied setting inside a run label: "%(value)s" is the value as the locale writes it.
PHRASES = {
    "training.optimizer.lr": N_("lr %(value)s"),
    "training.optimizer.momentum": N_("momentum %(value)s"),
    "training.optimizer.weight_decay": N_("weight decay %(value)s"),
    "training.optimizer.beta1": "β₁ %(value)s",
    "training.optimizer.beta2": "β₂ %(value)s",
    "training.optimizer.rho": "ρ %(value)s",
    "training.optimizer.eps": "ε %(value)s",
    "training.batch_size": N_("batch size %(value)s"),
    "model.l1": "L1 %(value)s",
    "model.l2": "L2 %(value)s",
    "model.dropout": N_("dropout %(value)s"),
    "model.filters": N_("filters %(value)s"),
    "model.kernel": N_("kernel %(value)s"),
    "model.init": N_("%(value)s initialisation"),
    "seed": N_("seed %(value)s"),
}
# Optimizer hyperparameters in the order a reader expects them; flags are named when on.
OPTIMIZER_KEYS = ("lr", "momentum", "nesterov", "weight_decay", "beta1", "beta2", "rho", "eps",
                  "amsgrad", "centered")
FLAGS = {"nesterov": "Nesterov", "amsgrad": "AMSGrad", "centered": N_("centred")}
SEARCH_BEST = N_("%(search)s (best trial)")
SEARCHES = {"hyperband": "Hyperband", "bayesian": N_("Bayesian search"),
            "gp": N_("Gaussian-process search"), "random": N_("Random search"),
            "grid": N_("Grid search")}


class Words:
    """Run labels and config values of one language."""

    def __init__(self, lang: str, dataset_title: Callable[[str], str] | None = None) -> None:
        self.lang = lang
        self._ = i18n.gettext(lang)
        self.ngettext = i18n.ngettext(lang)
        self.dataset_title = dataset_title or (lambda name: name)

    def number(self, value: Any) -> str:
        return value_text(value, self.lang)

    def value_name(self, path: str, value: Any) -> str | None:
        """A named value ("ReLU", "Glorot uniforme"); None when `path` has no names."""
        names = VALUE_NAMES.get(path)
        if names is None or not isinstance(value, str):
            return None
        return self._(names[value]) if value in names else value

    def setting(self, path: str, value: Any) -> str:
        """One varied setting as words: "SGD, tasa 0,05", "256 neuronas ocultas", "L2 0,001"."""
        _ = self._
        if path == "training.batch_size" and value == "full":
            return _("full batch")  # before the phrase "batch size %(value)s"
        if path == "training.optimizer" and isinstance(value, Mapping):
            return self.optimizer(value)
        if path == "training.schedule" and isinstance(value, Mapping):
            return self.value_name(path, value.get("kind", "none")) or ""
        if (named := self.value_name(path, value)) is not None:
            return _(PHRASES[path]) % {"value": named} if path in PHRASES else named
        if path == "model.hidden" and isinstance(value, list):
            return self.hidden(value)
        if path == "training.epochs" and isinstance(value, int):  # "1 época", "5 épocas"
            return self.ngettext("%(value)s epoch", "%(value)s epochs", value) % {
                "value": self.number(value)}
        head, _dot, index = path.rpartition(".")
        if head == "model.hidden" and index.isdigit():
            return _("layer %(n)s: %(units)s units") % {"n": int(index) + 1,
                                                        "units": self.number(value)}
        if path == "model.batchnorm" and isinstance(value, bool):
            return _("with batch normalisation") if value else _("without batch normalisation")
        if path == "training.early_stopping":
            if not value:
                return _("no early stopping")
            patience = value.get("patience") if isinstance(value, Mapping) else None
            return _("early stopping, patience %(n)s") % {"n": patience} if patience is not None \
                else _("early stopping")
        if path == "dataset" and isinstance(value, str):
            return self.dataset_title(value)
        if path in PHRASES:
            return _(PHRASES[path]) % {"value": self.number(value)}
        return f"{labels.path_label(path, _)}: {self.number(value)}"

    def optimizer(self, spec: Mapping[str, Any]) -> str:
        parts = [self.value_name("training.optimizer.name", spec.get("name", "adam")) or ""]
        for key in OPTIMIZER_KEYS:
            if key not in spec or key == "name":
                continue
            value = spec[key]
            if key in FLAGS:
                if value:
                    parts.append(self._(FLAGS[key]))
            elif key == "momentum" and not value:
                continue
            else:
                parts.append(self.setting(f"training.optimizer.{key}", value))
        return ", ".join(parts)

    def hidden(self, sizes: list[Any]) -> str:
        if not sizes:
            return self._("no hidden layer")
        if len(sizes) == 1:
            return self._("%(n)s hidden units") % {"n": self.number(sizes[0])}
        return self._("hidden layers of %(sizes)s") % {
            "sizes": format_list([self.number(s) for s in sizes], locale=self.lang)}

    # -- runs
    def run_label(self, record: RunRecord, study: Study | None, with_seed: bool = True) -> str:
        """What the report calls `record`: variant title or name, varied values, search, seed."""
        raw = record.config_label or record.label
        variant = _variant(study, raw)
        parts: list[str] = []
        if variant is not None:
            parts.append(variant.title.get(self.lang) if variant.title else variant.name)
        if record.tuning is not None:
            algorithm = record.tuning.algorithm
            search = self._(SEARCHES[algorithm]) if algorithm in SEARCHES else algorithm
            parts.append(self._(SEARCH_BEST) % {"search": search})
        else:
            own = set(variant.set) if variant is not None else set()
            parts += [self.setting(path, value) for path, value in record.varied.items()
                      if path not in own and not any(path.startswith(p + ".") for p in own)]
        if with_seed and record.config_label is not None:
            parts.append(self.setting("seed", record.seed))
        if not parts:
            return self._("single run") if raw in ("run", "") else raw
        # parts apart by " · ": an optimizer's own settings are joined by commas
        return " · ".join(p for p in parts if p)


def _variant(study: Study | None, label: str) -> Any:
    """The variant a stored label starts with ("M1" or "M1 · …"), if any."""
    if study is None:
        return None
    for variant in study.variants:
        if label == variant.name or label.startswith(f"{variant.name} · "):
            return variant
    return None
