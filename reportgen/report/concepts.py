"""The concepts a report explains: one short paragraph, formulas and references per factor.

Each concept has a key (`adam`, `dropout`, `hyperband`…), its formulas as matplotlib mathtext
(language-neutral, typeset by `figures.math`) and bibliography keys, here; its title and paragraph
live in the `concepts` gettext domain (`templates/locale/<lang>/LC_MESSAGES/concepts.po`), one
message per text with context `<key>.title` / `<key>.text` and the English text as message id,
so translators see the source beside the Spanish. Symbols with subscripts inside a paragraph
are inline mathtext between dollars (`$\\eta_0$`); `text_parts` splits a paragraph into text and
math for typesetting (plain Greek letters stay as text).

`concepts_for_run` / `concepts_for_study` say which concepts a configuration or a study uses:
what it trains with (optimizer, activations, regularisation…) and what it varies or searches
(learning rate, batch size, depth and width, the engine, the search algorithms).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from reportgen.manifest import Choice, RunConfig, SearchSpec
from reportgen.report.bibliography import sort_keys
from reportgen.report.i18n import LANGUAGES, templates_dir

DOMAIN = "concepts"


@dataclass(frozen=True)
class Concept:
    key: str
    formulas: tuple[str, ...]  # mathtext, without $…$
    references: tuple[str, ...]  # bibliography keys


@dataclass(frozen=True)
class ConceptText:
    """A concept in one language, ready to show. `text` may hold inline math in $…$."""

    key: str
    title: str
    text: str
    formulas: tuple[str, ...]
    references: tuple[str, ...]

    @property
    def parts(self) -> tuple[tuple[str, str], ...]:
        return text_parts(self.text)


def text_parts(text: str) -> tuple[tuple[str, str], ...]:
    """("text", …) and ("math", mathtext without $) pieces of a paragraph, in order."""
    pieces = text.split("$")
    if len(pieces) % 2 == 0:
        raise ValueError(f"unbalanced $ in {text[:60]!r}…")
    return tuple(("math" if i % 2 else "text", piece) for i, piece in enumerate(pieces)
                 if piece)


def _c(key: str, formulas: Iterable[str], *references: str) -> Concept:
    return Concept(key, tuple(formulas), references)


# In reading order: how the network is computed and built, then how it is trained and
# regularised, then how its hyperparameters are searched.
_CONCEPTS = [
    _c("numpy_engine", [
        r"\delta^{(l)} = \left(W^{(l+1)\top}\,\delta^{(l+1)}\right) \odot f\,'(z^{(l)})",
        r"\frac{\partial L}{\partial W^{(l)}} = \delta^{(l)}\, a^{(l-1)\top}",
    ], "rumelhart1986", "goodfellow2016"),
    _c("autograd", [
        r"\bar{v}_i = \sum_{j \in \mathcal{C}(i)} \bar{v}_j\,\frac{\partial v_j}{\partial v_i}",
    ], "baydin2018"),
    _c("mlp", [r"a^{(l)} = f\left(W^{(l)} a^{(l-1)} + b^{(l)}\right)"],
       "rumelhart1986", "goodfellow2016"),
    _c("depth_width", [r"P = \sum_{l=1}^{L} (n_{l-1} + 1)\, n_l"], "goodfellow2016"),
    _c("cnn", [r"(X \ast K)_{ij} = \sum_{m}\sum_{n} X_{i+m,\,j+n}\, K_{mn}"], "lecun1998"),
    _c("resnet", [r"y = \mathcal{F}(x, \{W_i\}) + x"], "he2016"),
    _c("act_relu", [r"\mathrm{ReLU}(z) = \max(0, z)"], "nair2010"),
    _c("act_leaky_relu", [r"\mathrm{LeakyReLU}(z) = \max(\alpha z,\, z), \quad 0 < \alpha < 1"],
       "maas2013"),
    _c("act_sigmoid", [r"\sigma(z) = \frac{1}{1 + e^{-z}}"], "goodfellow2016"),
    _c("act_tanh", [r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}"], "lecun1998b"),
    _c("act_elu", [r"\mathrm{ELU}(z) = z \quad (z > 0)",
                   r"\mathrm{ELU}(z) = \alpha\,(e^{z} - 1) \quad (z \leq 0)"], "clevert2016"),
    _c("act_gelu", [r"\mathrm{GELU}(z) = z\,\Phi(z)"], "hendrycks2016"),
    _c("act_linear", [r"W_2 (W_1 x + b_1) + b_2 = (W_2 W_1)\, x + (W_2 b_1 + b_2)"],
       "goodfellow2016"),
    _c("init_glorot", [r"W \sim \mathcal{U}\left(-\sqrt{\frac{6}{n_{in} + n_{out}}},\,"
                       r"\sqrt{\frac{6}{n_{in} + n_{out}}}\right)"], "glorot2010"),
    _c("init_he", [r"\mathrm{Var}(W) = \frac{2}{n_{in}}"], "he2015"),
    _c("init_lecun", [r"\mathrm{Var}(W) = \frac{1}{n_{in}}"], "lecun1998b"),
    _c("init_random", [r"W \sim \mathcal{N}(0,\, s^2)", r"W \sim \mathcal{U}(-s,\, s)"],
       "goodfellow2016"),
    _c("init_constant", [r"W^{(l)} = c\,\mathbf{1} \;\Rightarrow\; "
                         r"\frac{\partial L}{\partial W_{j\cdot}} = "
                         r"\frac{\partial L}{\partial W_{k\cdot}}"], "goodfellow2016"),
    _c("cross_entropy", [r"p_k = \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}}",
                         r"L = -\frac{1}{N} \sum_{i=1}^{N} \log p_{i,\,y_i}"], "goodfellow2016"),
    _c("mse", [r"L = \frac{1}{NK} \sum_{i=1}^{N} \sum_{k=1}^{K} (p_{ik} - y_{ik})^2"],
       "goodfellow2016"),
    _c("gd", [r"\theta_{t+1} = \theta_t - \eta\, \nabla_\theta L(\theta_t)"],
       "cauchy1847", "goodfellow2016"),
    _c("sgd", [r"\theta_{t+1} = \theta_t - \eta\, \nabla_\theta L_{B_t}(\theta_t)"],
       "robbins1951", "goodfellow2016"),
    _c("learning_rate", [], "goodfellow2016"),
    _c("momentum", [r"v_t = \mu\, v_{t-1} + g_t", r"\theta_{t+1} = \theta_t - \eta\, v_t"],
       "polyak1964", "sutskever2013"),
    _c("nesterov", [r"v_t = \mu\, v_{t-1} + g_t",
                    r"\theta_{t+1} = \theta_t - \eta\, (g_t + \mu\, v_t)"],
       "nesterov1983", "sutskever2013"),
    _c("adagrad", [r"G_t = G_{t-1} + g_t^2",
                   r"\theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{G_t} + \epsilon}\, g_t"],
       "duchi2011"),
    _c("rmsprop", [r"s_t = \rho\, s_{t-1} + (1 - \rho)\, g_t^2",
                   r"\theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{s_t} + \epsilon}\, g_t"],
       "tieleman2012"),
    _c("adam", [r"m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t",
                r"v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2",
                r"\hat{m}_t = \frac{m_t}{1 - \beta_1^t}, \quad "
                r"\hat{v}_t = \frac{v_t}{1 - \beta_2^t}",
                r"\theta_{t+1} = \theta_t - \eta\, \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}"],
       "kingma2015"),
    _c("adamw", [r"\theta_{t+1} = \theta_t - \eta \left(\frac{\hat{m}_t}{\sqrt{\hat{v}_t} + "
                 r"\epsilon} + \lambda\, \theta_t\right)"], "loshchilov2019"),
    _c("schedule_linear", [r"\eta_t = \max\left(\eta_0 \left(1 - \frac{t}{T}\right),\, "
                           r"\eta_{min}\right)"], "goodfellow2016"),
    _c("schedule_exponential", [r"\eta_t = \eta_0\, \gamma^{t}, \quad "
                                r"\gamma = \left(\frac{\eta_{min}}{\eta_0}\right)^{1/T}"],
       "goodfellow2016"),
    _c("schedule_step", [r"\eta_t = \eta_0\, \gamma^{\lfloor t / s \rfloor}"], "goodfellow2016"),
    _c("schedule_cosine", [r"\eta_t = \eta_{min} + \frac{1}{2}(\eta_0 - \eta_{min})"
                           r"\left(1 + \cos\frac{\pi t}{T}\right)"], "loshchilov2017"),
    _c("batch_size", [r"\nabla_\theta L_B = \frac{1}{|B|} \sum_{i \in B} "
                      r"\nabla_\theta \ell(x_i, y_i; \theta)"], "keskar2017", "goodfellow2016"),
    _c("l1", [r"\tilde{L} = L + \lambda_1 \sum_i |w_i|"], "tibshirani1996"),
    _c("l2", [r"\tilde{L} = L + \lambda_2 \sum_i w_i^2"], "krogh1992"),
    _c("elastic_net", [r"\tilde{L} = L + \lambda_1 \sum_i |w_i| + \lambda_2 \sum_i w_i^2"],
       "zou2005"),
    _c("dropout", [r"\tilde{h} = \frac{m \odot h}{1 - p}, \quad m_j \sim "
                   r"\mathrm{Bernoulli}(1 - p)"], "srivastava2014"),
    _c("batchnorm", [r"\hat{x} = \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}, \quad "
                     r"y = \gamma\, \hat{x} + \beta"], "ioffe2015"),
    _c("early_stopping", [r"t^{*} = \arg\min_{t} L_{val}(t)"], "prechelt1998"),
    _c("grid_search", [], "bergstra2012"),
    _c("random_search", [], "bergstra2012"),
    _c("tpe", [r"x^{*} = \arg\max_{x}\, \frac{\ell(x)}{g(x)}"], "bergstra2011", "akiba2019"),
    _c("gp_bo", [r"f \sim \mathcal{GP}(m, k)",
                 r"\mathrm{EI}(x) = \mathbb{E}\left[\max(0,\, f(x) - f^{*})\right]"],
       "snoek2012", "akiba2019"),
    _c("hyperband", [r"n_i = \lfloor n\, \eta^{-i} \rfloor, \quad r_i = r\, \eta^{i}"],
       "li2018", "akiba2019"),
]

CONCEPTS: dict[str, Concept] = {c.key: c for c in _CONCEPTS}


# -------------------------------------------------------------------- texts
def catalog_path(lang: str) -> Path:
    return templates_dir() / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _messages(lang: str) -> dict[str, str]:
    """Message context → text in `lang` (English: the msgstr if given, else the msgid)."""
    path = catalog_path(lang)
    if lang not in LANGUAGES or not path.is_file():
        raise ValueError(f"no concepts catalog for language {lang!r} (expected {path})")
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    texts: dict[str, str] = {}
    for message in catalog:
        if message.id and message.context:
            string = message.string if isinstance(message.string, str) else ""
            texts[message.context] = string or (str(message.id) if lang == "en" else "")
    return texts


def concept(key: str, lang: str) -> ConceptText:
    """Concept `key` in `lang`; KeyError for an unknown key or one the catalog lacks."""
    if key not in CONCEPTS:
        raise KeyError(f"unknown concept {key!r}")
    texts = _messages(lang)
    title, text = texts.get(f"{key}.title"), texts.get(f"{key}.text")
    if not title or not text:
        raise KeyError(f"concept {key!r} has no {lang} text in {catalog_path(lang)}")
    base = CONCEPTS[key]
    return ConceptText(key, title, text, base.formulas, base.references)


def references(keys: Iterable[str]) -> list[str]:
    """The bibliography keys cited by concepts `keys`, in reference-list order."""
    return sort_keys(ref for key in keys for ref in CONCEPTS[key].references)


# -------------------------------------------------------------------- which concepts
OPTIMIZERS = {name: name for name in ("gd", "sgd", "adagrad", "rmsprop", "adam", "adamw")}
ACTIVATIONS = {"relu": "act_relu", "leaky_relu": "act_leaky_relu", "sigmoid": "act_sigmoid",
               "tanh": "act_tanh", "elu": "act_elu", "gelu": "act_gelu",
               "linear": "act_linear"}
INITIALIZERS = {"glorot_uniform": "init_glorot", "glorot_normal": "init_glorot",
                "he_uniform": "init_he", "he_normal": "init_he", "lecun_normal": "init_lecun",
                "random_normal": "init_random", "random_uniform": "init_random",
                "zeros": "init_constant", "ones": "init_constant"}
SCHEDULES = {"linear": "schedule_linear", "exponential": "schedule_exponential",
             "step": "schedule_step", "cosine": "schedule_cosine"}
MODELS = {"mlp": "mlp", "cnn": "cnn", "resnet18": "resnet"}
LOSSES = {"cross_entropy": "cross_entropy", "mse": "mse"}
# Search algorithms of [studies.search]; Hyperband adds its sampler's concept.
ALGORITHMS = {"hyperband": "hyperband", "bayesian": "tpe", "gp": "gp_bo",
              "random": "random_search", "grid": "grid_search"}
HYPERBAND_SAMPLERS = {"tpe": "tpe", "random": "random_search"}

# A varied or searched path (or a path under it) → the concept it brings in, beyond what the
# resulting configurations use.
PATH_CONCEPTS = {
    "training.optimizer.lr": "learning_rate",
    "training.optimizer.momentum": "momentum",
    "training.batch_size": "batch_size",
    "model.hidden": "depth_width",
    "model.filters": "depth_width",
    "model.dropout": "dropout",
    "model.l1": "l1",
    "model.l2": "l2",
    "model.batchnorm": "batchnorm",
    "training.early_stopping": "early_stopping",
    "training.schedule": None,  # its kinds come from the values
}
# Concepts a varied path brings in only through the runs that use them.
SHOWN_BY_RUNS = frozenset({"l1", "l2", "dropout", "batchnorm", "early_stopping"})
# A path whose values name concepts (a Choice of optimizers, activations…).
VALUE_CONCEPTS: dict[str, Mapping[str, str]] = {
    "training.optimizer": OPTIMIZERS, "training.optimizer.name": OPTIMIZERS,
    "model.activation": ACTIVATIONS, "model.init": INITIALIZERS,
    "training.schedule": SCHEDULES, "training.schedule.kind": SCHEDULES,
    "model.type": MODELS, "model": MODELS, "training.loss": LOSSES,
}


def concepts_for_run(config: RunConfig) -> frozenset[str]:
    """The concepts one resolved run uses."""
    keys: set[str] = set()
    if config.engine == "numpy":
        keys.add("numpy_engine")
    model = config.model
    keys.add(MODELS[model.type])
    if model.type == "resnet18":
        keys.add("batchnorm")  # every residual block normalises its convolutions
    else:
        keys |= {ACTIVATIONS[a] for a in model.layer_activations()}
        keys.add(INITIALIZERS[model.init])
        if model.batchnorm:
            keys.add("batchnorm")
        if any(d > 0 for d in model.layer_dropouts()):
            keys.add("dropout")
    if model.l1 > 0 and model.l2 > 0:
        keys.add("elastic_net")
    elif model.l1 > 0:
        keys.add("l1")
    elif model.l2 > 0:
        keys.add("l2")
    training = config.training
    keys.add(LOSSES[training.loss])
    optimizer = training.optimizer
    keys.add(OPTIMIZERS[optimizer.name])
    if optimizer.momentum > 0 and optimizer.name in ("gd", "sgd", "rmsprop"):
        keys.add("nesterov" if optimizer.nesterov else "momentum")
    if training.schedule.kind != "none":
        keys.add(SCHEDULES[training.schedule.kind])
    if training.early_stopping is not None:
        keys.add("early_stopping")
    return frozenset(keys)


def _value_concepts(path: str, values: Iterable[Any]) -> set[str]:
    names = VALUE_CONCEPTS.get(path)
    if names is None:
        return set()
    keys = set()
    for value in values:
        if isinstance(value, dict):  # { name = "sgd", momentum = 0.9 }, { kind = "cosine" }
            value = value.get("name", value.get("kind", value.get("type")))
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item in names:
                keys.add(names[item])
    return keys


def _path_concepts(path: str) -> set[str]:
    return {key for prefix, key in PATH_CONCEPTS.items()
            if key and (path == prefix or path.startswith(prefix + "."))}


def concepts_for_study(configs: Iterable[RunConfig], varied: Iterable[str] = (),
                       search: SearchSpec | None = None,
                       space: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """The concepts of a study, in reading order.

    `configs`: its resolved runs (for a search: the retrained best runs or the base runs);
    `varied`: the dotted paths its `vary` grid and variants set; `search` its search spec and
    `space` the search space actually used (default: `search.space`).
    """
    keys: set[str] = set()
    engines = set()
    for config in configs:
        keys |= concepts_for_run(config)
        engines.add(config.engine)
    varied = list(varied)
    if "engine" in varied or len(engines) > 1:
        keys |= {"numpy_engine", "autograd"}
    for path in varied:
        # a varied penalty, dropout or early stopping is in the runs it gives (an elastic net
        # variant sets model.l1 without any run using L1 alone); a searched one may not be
        keys |= _path_concepts(path) - SHOWN_BY_RUNS
    if search is not None:
        for algorithm in search.algorithms:
            keys.add(ALGORITHMS[algorithm])
            if algorithm == "hyperband":
                keys.add(HYPERBAND_SAMPLERS[search.sampler])
        for path, param in (search.space if space is None else space).items():
            keys |= _path_concepts(path)
            if isinstance(param, Choice):
                keys |= _value_concepts(path, param.values)
            elif getattr(param, "kind", None) == "layers":
                keys.add("depth_width")
    return ordered(keys)


def ordered(keys: Iterable[str]) -> tuple[str, ...]:
    """`keys` in reading order (the order of CONCEPTS)."""
    wanted = set(keys)
    if unknown := wanted - CONCEPTS.keys():
        raise KeyError(f"unknown concept {sorted(unknown)[0]!r}")
    return tuple(k for k in CONCEPTS if k in wanted)
