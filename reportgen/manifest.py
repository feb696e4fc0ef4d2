"""The experiment manifest: schema, loading, and error messages with dotted paths.

This is the only place configuration errors arise. Everything downstream receives a validated,
frozen `Manifest` and can trust it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from reportgen import tomlpos
from reportgen.errors import ManifestError

LANGUAGES = ("es", "en")
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".svg": "image/svg+xml"}


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- texts
class Text(Frozen):
    """A text shown in the report, per language. A plain string means the same in both."""

    es: str
    en: str

    @model_validator(mode="before")
    @classmethod
    def _from_plain(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"es": value, "en": value}
        return value

    def get(self, lang: str) -> str:
        return getattr(self, lang)


# ---------------------------------------------------------------- report & defaults
class ReportSection(Frozen):
    title: Text
    subtitle: Text | None = None
    authors: list[str] = []
    student_ids: list[str] = []  # one per author, in order, shown next to the name ("" for none)
    course: str | None = None
    institution: str | None = None
    faculty: Text | None = None
    city: Text | None = None
    date: dt.date | None = None
    logo: str | None = None  # an image file in the manifest's folder, shown on the cover
    languages: list[Literal["es", "en"]] = list(LANGUAGES)
    formats: list[Literal["html", "pdf", "docx"]] = ["html", "pdf"]
    kind: Literal["student", "answer-key"] = "student"
    out: str | None = None
    abstract: Text | None = None
    introduction: Text | None = None
    conclusions: Text | None = None

    @field_validator("student_ids")
    @classmethod
    def _one_id_per_author(cls, value: list[str], info: ValidationInfo) -> list[str]:
        authors = info.data.get("authors") or []
        if value and len(value) != len(authors):
            raise ValueError(f"gives {len(value)} id(s) for {len(authors)} author(s): one per "
                             "author, in the same order (\"\" for an author without one)")
        return value

    @field_validator("logo")
    @classmethod
    def _local_image(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if "://" in value or value.startswith(("/", "\\")) or ":" in value[:3] \
                or ".." in Path(value).parts:
            raise ValueError(f"{value!r}: give a path relative to the manifest's folder, "
                             "inside it (no URL, no absolute path, no ..)")
        if Path(value).suffix.lower() not in LOGO_TYPES:
            raise ValueError(f"{value!r}: use a PNG, JPEG or SVG image")
        return value

    @field_validator("languages", "formats")
    @classmethod
    def _non_empty_unique(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must name at least one")
        if len(set(value)) != len(value):
            raise ValueError("lists a value twice")
        return value


Engine = Literal["torch", "numpy"]


class Defaults(Frozen):
    seed: int = Field(0, ge=0)
    device: str = "auto"
    engine: Engine = "torch"

    @field_validator("device")
    @classmethod
    def _device(cls, value: str) -> str:
        return check_device(value)


def check_device(value: str) -> str:
    ok = value in ("auto", "cpu", "cuda") or (
        value.startswith("cuda:") and value.removeprefix("cuda:").isdigit()
    )
    if not ok:
        raise ValueError(f"unknown device {value!r}: use auto, cpu, cuda or cuda:N")
    return value


# ---------------------------------------------------------------- datasets
Count = Annotated[int, Field(gt=0)]
Fraction = Annotated[float, Field(gt=0, lt=1)]


class SplitSpec(Frozen):
    """How to split a dataset that has no official splits.

    With `train` given, all three parts are of the whole dataset. Without it, `test` is taken
    from the whole, `val` from what remains, and train is the rest (Keras' validation_split).
    Each part is a fraction (0 < f < 1) or a count of samples.
    """

    train: Count | Fraction | None = None
    val: Count | Fraction | None = 0.2
    test: Count | Fraction | None = 0.2
    stratify: bool = True
    shuffle: bool = True
    seed: int = Field(0, ge=0)  # fixed apart from the training seed: repeats share one split

    @model_validator(mode="after")
    def _consistent(self) -> SplitSpec:
        parts = [p for p in (self.train, self.val, self.test) if p is not None]
        fractions = [p for p in parts if isinstance(p, float)]
        if self.train is not None and len(fractions) == len(parts) and sum(fractions) > 1 + 1e-9:
            raise ValueError(f"train + val + test fractions add up to {sum(fractions):g} > 1")
        return self


Preprocess = Literal["none", "divide255", "minmax", "standard"]


class DatasetBase(Frozen):
    title: Text | None = None
    description: Text | None = None
    classes: list[str] | None = None
    # One text per class, in label order: shown as a table in the dataset section (seed 000's
    # diabetic-retinopathy severity scale).
    class_descriptions: list[Text] | None = None
    preprocess: Preprocess = "none"

    @model_validator(mode="after")
    def _one_description_per_class(self) -> DatasetBase:
        if self.classes and self.class_descriptions and \
                len(self.classes) != len(self.class_descriptions):
            raise ValueError(f"class_descriptions lists {len(self.class_descriptions)} texts for "
                             f"{len(self.classes)} classes")
        return self


class SklearnDataset(DatasetBase):
    source: Literal["sklearn"]
    name: Literal["digits", "breast_cancer", "iris", "wine"]
    split: SplitSpec = SplitSpec()


class FilesDataset(DatasetBase):
    source: Literal["files"]
    x: str
    y: str
    predict: str | None = None
    shape: list[Count] | None = None
    split: SplitSpec = SplitSpec()


class MedmnistDataset(DatasetBase):
    """A 2D MedMNIST flag with its official train/val/test splits."""

    source: Literal["medmnist"]
    name: str  # the medmnist flag, e.g. "retinamnist"
    size: Literal[28, 64, 128, 224] = 28
    root: str = "~/.medmnist"
    download: bool = False
    preprocess: Preprocess = "divide255"


class OpenmlDataset(DatasetBase):
    """An OpenML dataset through sklearn.datasets.fetch_openml, cached under `data_home`."""

    source: Literal["openml"]
    name: str | None = None
    id: Count | None = None
    version: Count | None = None
    data_home: str = "~/scikit_learn_data"
    download: bool = True
    split: SplitSpec = SplitSpec()
    preprocess: Preprocess = "divide255"

    @model_validator(mode="after")
    def _name_or_id(self) -> OpenmlDataset:
        if (self.name is None) == (self.id is None):
            raise ValueError("give exactly one of name or id")
        return self


class TorchvisionDataset(DatasetBase):
    """torchvision's MNIST, FashionMNIST or KMNIST; val is split from the official train set."""

    source: Literal["torchvision"]
    name: Literal["MNIST", "FashionMNIST", "KMNIST"]
    root: str = "~/.torchvision"
    download: bool = False
    val: Count | Fraction = 0.1
    preprocess: Preprocess = "divide255"


DatasetSpec = Annotated[
    SklearnDataset | FilesDataset | MedmnistDataset | OpenmlDataset | TorchvisionDataset,
    Field(discriminator="source"),
]


# ---------------------------------------------------------------- models
Activation = Literal["relu", "leaky_relu", "sigmoid", "tanh", "elu", "gelu", "linear"]
Initializer = Literal[
    "zeros", "ones", "random_normal", "random_uniform", "glorot_uniform", "glorot_normal",
    "he_uniform", "he_normal", "lecun_normal",
]


class KeyMessage(ValueError):
    """A validation error about one key of a table: the message points at that key's line."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


class _ModelBase(Frozen):
    @model_validator(mode="before")
    @classmethod
    def _keys_of_other_types(cls, value: Any) -> Any:
        """`filters` in an MLP is not an unknown key: say which model types take it."""
        if not isinstance(value, dict):
            return value
        own = cls.model_fields["type"].default
        for key in value:
            if key in cls.model_fields:
                continue
            types = [t for t, model in MODEL_CLASSES.items() if key in model.model_fields]
            if types:
                takes = " or ".join(f'"{t}"' for t in types)
                raise KeyMessage(key, f"applies to type = {takes} models, not to type = "
                                      f'"{own}"')
        return value

    # Every model type: kernel penalties (Keras meaning) and the output units.
    l1: float = Field(0.0, ge=0)
    l2: float = Field(0.0, ge=0)
    outputs: Literal["auto"] | Count = "auto"


class _LayeredModel(_ModelBase):
    """What the MLP and the CNN share: per-layer activation, initialiser, dropout, batch norm."""

    activation: Activation | list[Activation] = "relu"
    negative_slope: float = Field(0.01, ge=0)
    init: Initializer = "glorot_uniform"
    dropout: Annotated[float, Field(ge=0, lt=1)] | list[Annotated[float, Field(ge=0, lt=1)]] = 0.0
    batchnorm: bool = False


class ModelSpec(_LayeredModel):
    """The multilayer perceptron (`type = "mlp"`, the default): inputs are flattened."""

    type: Literal["mlp"] = "mlp"
    hidden: list[Count] = [64]

    @field_validator("hidden", mode="before")
    @classmethod
    def _scalar_hidden(cls, value: Any) -> Any:
        return [value] if isinstance(value, int) else value

    @model_validator(mode="after")
    def _per_layer_lengths(self) -> ModelSpec:
        for name in ("activation", "dropout"):
            value = getattr(self, name)
            if isinstance(value, list) and len(value) != len(self.hidden):
                raise ValueError(
                    f"{name} lists {len(value)} values for {len(self.hidden)} hidden layers"
                )
        return self

    def layer_activations(self) -> list[str]:
        a = self.activation
        return list(a) if isinstance(a, list) else [a] * len(self.hidden)

    def layer_dropouts(self) -> list[float]:
        d = self.dropout
        return list(d) if isinstance(d, list) else [d] * len(self.hidden)


class CnnSpec(_LayeredModel):
    """Convolution blocks (Conv2D → [BatchNorm] → activation → [MaxPool 2×2] → [Dropout]), then
    Flatten and a dense head (`hidden`), then the linear output layer."""

    type: Literal["cnn"] = "cnn"
    filters: list[Count] = [32, 64]
    kernel: Count = 3
    padding: Literal["same", "valid"] = "same"
    pool: Literal["max", "none"] = "max"
    hidden: list[Count] = []

    @field_validator("filters", "hidden", mode="before")
    @classmethod
    def _scalar_layers(cls, value: Any) -> Any:
        return [value] if isinstance(value, int) else value

    @field_validator("filters")
    @classmethod
    def _some_filters(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("needs at least one convolution block")
        return value

    @model_validator(mode="after")
    def _per_layer_lengths(self) -> CnnSpec:
        n = len(self.filters) + len(self.hidden)
        for name in ("activation", "dropout"):
            value = getattr(self, name)
            if isinstance(value, list) and len(value) != n:
                raise ValueError(f"{name} lists {len(value)} values for {len(self.filters)} "
                                 f"convolution blocks and {len(self.hidden)} hidden layers "
                                 f"({n} needed)")
        return self

    def layer_activations(self) -> list[str]:
        """One per convolution block, then one per hidden Dense layer."""
        a = self.activation
        return list(a) if isinstance(a, list) else [a] * (len(self.filters) + len(self.hidden))

    def layer_dropouts(self) -> list[float]:
        d = self.dropout
        return list(d) if isinstance(d, list) else [d] * (len(self.filters) + len(self.hidden))


class ResnetSpec(_ModelBase):
    """torchvision's ResNet-18 (no pretrained weights) adapted to small images as MedMNIST's
    baseline does: a 3×3 stride-1 first convolution and no max pooling."""

    type: Literal["resnet18"] = "resnet18"


MODEL_CLASSES: dict[str, type[_ModelBase]] = {"mlp": ModelSpec, "cnn": CnnSpec,
                                              "resnet18": ResnetSpec}
MODEL_TYPES = tuple(MODEL_CLASSES)
IMAGE_MODELS = ("cnn", "resnet18")


def _mlp_by_default(value: Any) -> Any:
    if isinstance(value, dict) and "type" not in value:
        return {"type": "mlp", **value}
    return value


# A model table: its `type` picks the schema (an MLP when `type` is left out).
AnyModelSpec = Annotated[ModelSpec | CnnSpec | ResnetSpec, Field(discriminator="type"),
                         BeforeValidator(_mlp_by_default)]


# ---------------------------------------------------------------- training
OptimizerName = Literal["gd", "sgd", "adagrad", "rmsprop", "adam", "adamw"]
DEFAULT_LR = {"gd": 0.01, "sgd": 0.01, "adagrad": 0.001, "rmsprop": 0.001, "adam": 0.001,
              "adamw": 0.001}


class OptimizerSpec(Frozen):
    """Optimizer and its hyperparameters (Keras defaults; unused ones are ignored)."""

    name: OptimizerName = "adam"
    lr: float | None = Field(None, gt=0)
    momentum: float = Field(0.0, ge=0, lt=1)
    nesterov: bool = False
    beta1: float = Field(0.9, ge=0, lt=1)
    beta2: float = Field(0.999, ge=0, lt=1)
    eps: float = Field(1e-7, gt=0)
    amsgrad: bool = False
    rho: float = Field(0.9, ge=0, lt=1)
    centered: bool = False
    weight_decay: float = Field(0.0, ge=0)
    initial_accumulator_value: float = Field(0.1, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _default_lr(self) -> OptimizerSpec:
        if self.lr is None:
            object.__setattr__(self, "lr", DEFAULT_LR[self.name])
        if self.nesterov and self.momentum == 0:
            raise ValueError("nesterov needs momentum > 0")
        return self


class ScheduleSpec(Frozen):
    kind: Literal["none", "linear", "exponential", "step", "cosine"] = "none"
    final_lr: float | None = Field(None, ge=0)
    step_size: Count = 10
    gamma: float = Field(0.1, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _from_kind(cls, value: Any) -> Any:
        return {"kind": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _final_lr_where_needed(self) -> ScheduleSpec:
        if self.kind == "exponential" and not self.final_lr:
            raise ValueError("an exponential schedule needs final_lr > 0")
        return self


class EarlyStoppingSpec(Frozen):
    monitor: str = "val_loss"
    patience: int = Field(5, ge=0)
    min_delta: float = Field(0.0, ge=0)
    restore_best: bool = True
    mode: Literal["auto", "min", "max"] = "auto"


class StopAtSpec(Frozen):
    monitor: str = "accuracy"
    threshold: float


class TrainingSpec(Frozen):
    epochs: Count = 10
    batch_size: Count | Literal["full"] = 32
    optimizer: OptimizerSpec = OptimizerSpec()
    loss: Literal["cross_entropy", "mse"] = "cross_entropy"
    schedule: ScheduleSpec = ScheduleSpec()
    early_stopping: EarlyStoppingSpec | None = None
    stop_at: StopAtSpec | None = None
    eval_every: Count = 1
    divergence: Literal["stop"] = "stop"

    @model_validator(mode="after")
    def _gd_is_full_batch(self) -> TrainingSpec:
        if self.optimizer.name == "gd" and self.batch_size != "full":
            raise ValueError('optimizer "gd" is full-batch gradient descent: set '
                             'batch_size = "full" (or use "sgd" for mini-batches)')
        return self


# ---------------------------------------------------------------- runs & studies
class RunConfig(Frozen):
    """The fully resolved configuration of one run: what variants and sweeps address."""

    dataset: str
    model: AnyModelSpec
    training: TrainingSpec
    engine: Engine
    seed: int = Field(ge=0)
    device: str

    @field_validator("device")
    @classmethod
    def _device(cls, value: str) -> str:
        return check_device(value)


# ---------------------------------------------------------------- search spaces
class IntRange(Frozen):
    """`{ int = [low, high], step = 1, log = false }`: integers low, low + step, …, high."""

    kind: Literal["int"] = "int"
    low: int
    high: int
    step: int = 1
    log: bool = False


class FloatRange(Frozen):
    """`{ float = [low, high], log = false, step = … }`."""

    kind: Literal["float"] = "float"
    low: float
    high: float
    step: float | None = None
    log: bool = False


class Choice(Frozen):
    """`{ choice = [v1, v2, …] }`: any TOML values, tables and lists included."""

    kind: Literal["choice"] = "choice"
    values: list[Any]


class Layers(Frozen):
    """`{ layers = [a, b], units = { int = … } }`: a to b hidden layers, each width sampled."""

    kind: Literal["layers"] = "layers"
    min_layers: int
    max_layers: int
    units: IntRange | Choice


SPACE_KINDS = {"int": ("int", "step", "log"), "float": ("float", "step", "log"),
               "choice": ("choice",), "layers": ("layers", "units")}


def _number(value: Any, integer: bool) -> bool:
    kinds = int if integer else int | float
    return isinstance(value, kinds) and not isinstance(value, bool)


def _pair(raw: dict[str, Any], key: str, prefix: str, integer: bool) -> tuple[Any, Any]:
    pair = raw[key]
    what = "integers" if integer else "numbers"
    if not (isinstance(pair, list) and len(pair) == 2 and all(_number(v, integer) for v in pair)):
        raise ValueError(f"{prefix}{key} must be [low, high] with two {what} (got {pair!r})")
    low, high = pair
    if low > high:
        raise ValueError(f"{prefix}{key}: low {low} is greater than high {high}")
    return low, high


def parse_space_param(raw: Any, prefix: str = "") -> IntRange | FloatRange | Choice | Layers:
    """One `[studies.search.space]` entry. Errors name the offending key relative to the entry
    (`units.step must be > 0`); pydantic puts the entry's dotted path in front."""
    if isinstance(raw, IntRange | FloatRange | Choice | Layers):
        return raw
    if not isinstance(raw, dict):
        raise ValueError(f"{prefix}must be a table: {{ int = [low, high] }}, "
                         "{ float = [low, high] }, { choice = [...] } or "
                         f"{{ layers = [a, b], units = {{ ... }} }} (got {raw!r})")
    kinds = [k for k in SPACE_KINDS if k in raw]
    if len(kinds) != 1:
        raise ValueError(f"{prefix}give exactly one of int, float, choice or layers")
    kind = kinds[0]
    if unknown := [k for k in raw if k not in SPACE_KINDS[kind]]:
        raise ValueError(f"{prefix}{unknown[0]}: unknown key")
    log = raw.get("log", False)
    if not isinstance(log, bool):
        raise ValueError(f"{prefix}log must be true or false (got {log!r})")
    if kind == "int":
        low, high = _pair(raw, "int", prefix, integer=True)
        step = raw.get("step", 1)
        if not _number(step, integer=True):
            raise ValueError(f"{prefix}step must be an integer (got {step!r})")
        if step <= 0:
            raise ValueError(f"{prefix}step must be > 0")
        if log and (step != 1 or low < 1):
            raise ValueError(f"{prefix}log needs low >= 1 and no step")
        if (high - low) % step:
            raise ValueError(f"{prefix}high - low must be a multiple of step "
                             f"({high} - {low} is not a multiple of {step})")
        return IntRange(low=low, high=high, step=step, log=log)
    if kind == "float":
        low, high = _pair(raw, "float", prefix, integer=False)
        step = raw.get("step")
        if step is not None and not _number(step, integer=False):
            raise ValueError(f"{prefix}step must be a number (got {step!r})")
        if step is not None and step <= 0:
            raise ValueError(f"{prefix}step must be > 0")
        if log and (step is not None or low <= 0):
            raise ValueError(f"{prefix}log needs low > 0 and no step")
        return FloatRange(low=low, high=high, step=step, log=log)
    if kind == "choice":
        values = raw["choice"]
        if not isinstance(values, list) or not values:
            raise ValueError(f"{prefix}choice must be a non-empty list (got {values!r})")
        if any(values.count(v) > 1 for v in values):
            raise ValueError(f"{prefix}choice lists a value twice")
        return Choice(values=values)
    low, high = _pair(raw, "layers", prefix, integer=True)
    if low < 1:
        raise ValueError(f"{prefix}layers: at least 1 layer (got {low})")
    if "units" not in raw:
        raise ValueError(f"{prefix}units: required key is missing")
    units = parse_space_param(raw["units"], f"{prefix}units.")
    if isinstance(units, IntRange) and units.low < 1:
        raise ValueError(f"{prefix}units.int: low must be >= 1 (got {units.low})")
    if isinstance(units, Choice) and not all(_number(v, True) and v > 0 for v in units.values):
        raise ValueError(f"{prefix}units.choice: every value must be an integer > 0")
    if not isinstance(units, IntRange | Choice):
        raise ValueError(f"{prefix}units must be {{ int = [low, high] }} or {{ choice = [...] }}")
    return Layers(min_layers=low, max_layers=high, units=units)


SpaceParam = Annotated[IntRange | FloatRange | Choice | Layers, BeforeValidator(parse_space_param)]
Algorithm = Literal["hyperband", "bayesian", "gp", "random", "grid"]
OBJECTIVES = ("val_accuracy", "val_loss", "accuracy", "loss")


class SearchSpec(Frozen):
    """`[studies.search]`: tune the study's config tree with Optuna.

    Every trial trains up to `max_epochs` (default: the training's epochs); Hyperband stops the
    unpromising ones early. `max_trials` is an integer for bayesian/gp/random/grid, or a table
    per algorithm; Hyperband's default is the number of configurations of its bracket plan.
    """

    algorithms: list[Algorithm] = ["bayesian"]
    objective: str = "val_accuracy"
    max_trials: Count | dict[Algorithm, Count] | None = None
    max_epochs: Count | None = None
    min_epochs: Count = 1
    factor: int = Field(3, ge=2)
    n_startup_trials: int = Field(10, ge=0)
    timeout: float | None = Field(None, gt=0)
    retrain_best: bool = True
    storage: str = "sqlite"
    sampler: Literal["tpe", "random"] = "tpe"  # the sampler Hyperband draws configurations with
    space: dict[str, SpaceParam] = {}

    @field_validator("algorithms")
    @classmethod
    def _algorithms(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must name at least one")
        if len(set(value)) != len(value):
            raise ValueError("lists an algorithm twice")
        return value

    @field_validator("max_trials", mode="before")
    @classmethod
    def _max_trials_table(cls, value: Any) -> Any:
        if isinstance(value, dict):  # pydantic's union errors would name its int branch
            algorithms = Algorithm.__args__
            for key, count in value.items():
                if key not in algorithms:
                    raise ValueError(f"{key}: must be one of {', '.join(algorithms)}")
                if not _number(count, integer=True) or count <= 0:
                    raise ValueError(f"{key}: must be an integer > 0 (got {count!r})")
        return value

    @field_validator("objective")
    @classmethod
    def _objective(cls, value: str) -> str:
        if value not in OBJECTIVES:
            raise ValueError(f"must be one of {', '.join(OBJECTIVES)} (got {value!r})")
        return value

    @field_validator("storage")
    @classmethod
    def _storage(cls, value: str) -> str:
        if value != "sqlite" and "://" not in value:
            raise ValueError('use "sqlite" (a file in the output folder) or an RDB URL such as '
                             f"postgresql://user@host/db (got {value!r})")
        return value

    @model_validator(mode="after")
    def _epochs(self) -> SearchSpec:
        if self.max_epochs is not None and self.min_epochs > self.max_epochs:
            raise ValueError(f"min_epochs ({self.min_epochs}) is greater than max_epochs "
                             f"({self.max_epochs})")
        return self

    @property
    def minimise(self) -> bool:
        return "loss" in self.objective

    def trials_for(self, algorithm: str) -> int | None:
        """The trial budget the manifest gives `algorithm`, or None for its default."""
        if isinstance(self.max_trials, dict):
            return self.max_trials.get(algorithm)  # type: ignore[call-overload]
        return None if algorithm == "hyperband" else self.max_trials


class Variant(Frozen):
    name: str = Field(min_length=1)
    title: Text | None = None
    engine: Engine | None = None
    seed: int | None = Field(None, ge=0)
    device: str | None = None
    set: dict[str, Any] = {}
    # The variant is meant to fail (seed 004 §6: 5 output units for 10 classes); the report
    # shows the error as its outcome instead of stopping the whole run.
    expect_error: bool = False
    # Search-space entries replacing (or adding to) the study's `[studies.search.space]`.
    space: dict[str, SpaceParam] = {}


Section = Literal["curves", "dual_axis", "confusion", "per_class", "model_summary",
                  "distribution", "samples"]


class Study(Frozen):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
    title: Text | None = None
    description: Text | None = None
    notes: Text | None = None
    dataset: str | list[str]
    model: str = "default"
    training: str = "default"
    engine: Engine | None = None
    seed: int | None = Field(None, ge=0)
    device: str | None = None
    vary: dict[str, list[Any]] = {}
    variants: list[Variant] = []
    evaluate: list[Literal["train", "val", "test"]] = ["val", "test"]
    show: list[Section] = ["curves", "confusion", "per_class", "model_summary", "distribution"]
    search: SearchSpec | None = None
    # Each configuration trains `repeats` times with seeds seed, seed+1, …: the report gives
    # mean ± std and min–max, and an answer key's tolerances come from that spread.
    repeats: int = Field(1, ge=1, le=100)
    # Train runs that differ only in hyperparameters, seeds, activations... as one batched
    # model where that is faster (engines/fused.py); false trains each run on its own.
    fuse: bool = True

    @field_validator("vary")
    @classmethod
    def _non_empty_values(cls, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, values in value.items():
            if not values:
                raise ValueError(f"{key!r} has no values")
        return value

    @model_validator(mode="after")
    def _unique_variant_names(self) -> Study:
        names = [v.name for v in self.variants]
        if dupes := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"variant names repeat: {', '.join(dupes)}")
        if self.repeats > 1 and "seed" in self.vary:
            raise ValueError("repeats already varies the seed (seed, seed+1, …): "
                             "remove \"seed\" from vary or set repeats = 1")
        if self.repeats > 1 and self.search is not None and not self.search.retrain_best:
            raise ValueError("repeats retrains a search's best configuration with each seed: "
                             "it needs search.retrain_best = true")
        return self

    def datasets(self) -> list[str]:
        return [self.dataset] if isinstance(self.dataset, str) else list(self.dataset)


class Manifest(Frozen):
    report: ReportSection
    defaults: Defaults = Defaults()
    datasets: dict[str, DatasetSpec]
    models: dict[str, AnyModelSpec] = {}
    trainings: dict[str, TrainingSpec] = {}
    studies: list[Study] = Field(min_length=1)
    # Set by `load`, not by the user:
    source_path: str = ""
    source_text: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.source_text.encode()).hexdigest()

    @property
    def stem(self) -> str:
        return Path(self.source_path).stem or "report"

    def study(self, study_id: str) -> Study:
        for study in self.studies:
            if study.id == study_id:
                return study
        raise KeyError(study_id)


# ---------------------------------------------------------------- loading
INLINE_BLOCKS = {"dataset": "datasets", "model": "models", "training": "trainings"}


def load(path: str | Path) -> Manifest:
    """Read, validate and resolve a manifest file. Raises ManifestError with a one-line message."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"{path}: manifest not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read manifest ({exc})") from None
    return loads(text, source=str(path))


def loads(text: str, source: str = "<manifest>") -> Manifest:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{source}: invalid TOML: {exc}") from None
    data = _hoist_inline_blocks(data)
    try:
        manifest = Manifest.model_validate({**data, "source_path": source, "source_text": text})
    except ValidationError as exc:
        raise _manifest_error(exc, data, text, source) from None
    _check_references(manifest, text, source)
    _check_logo(manifest, text, source)
    return manifest


def _check_logo(manifest: Manifest, text: str, source: str) -> None:
    """The cover's logo must be a file inside the manifest's folder (a symlink out of it too
    is refused: reports embed it). Skipped for manifests not read from a file."""
    logo = manifest.report.logo
    if logo is None or not Path(source).is_file():
        return
    folder = Path(source).resolve().parent
    path = (folder / logo).resolve()
    if not path.is_relative_to(folder):
        raise ManifestError(_where(source, text, ("report", "logo"))
                            + f"{logo!r} leads outside the manifest's folder")
    if not path.is_file():
        raise ManifestError(_where(source, text, ("report", "logo"))
                            + f"{logo!r}: no such file next to the manifest")


def _hoist_inline_blocks(data: dict[str, Any]) -> dict[str, Any]:
    """Turn a study's inline `dataset`/`model`/`training` table into a named block.

    Studies then only hold names, so there is one way to resolve them.
    """
    studies = data.get("studies")
    if not isinstance(studies, list):
        return data
    data = dict(data)
    for index, study in enumerate(studies):
        if not isinstance(study, dict):
            continue
        for field, block in INLINE_BLOCKS.items():
            if isinstance(study.get(field), dict):
                name = f"{study.get('id', index)}:{field}"
                data[block] = {**data.get(block, {}), name: study[field]}
                study[field] = name
    return data


def _check_references(manifest: Manifest, text: str, source: str) -> None:
    for index, study in enumerate(manifest.studies):
        refs = [("dataset", name, manifest.datasets) for name in study.datasets()]
        refs += [("model", study.model, manifest.models), ("training", study.training,
                                                            manifest.trainings)]
        for field, name, block in refs:
            if name in block or (name == "default" and field != "dataset"):
                continue
            defined = ", ".join(sorted(block)) or "none"
            path = ("studies", index, field)
            raise ManifestError(
                _where(source, text, path)
                + f"unknown {field} {name!r} (defined: {defined})"
            )
    ids = [s.id for s in manifest.studies]
    if dupes := sorted({i for i in ids if ids.count(i) > 1}):
        raise ManifestError(f"{source}: studies: study ids repeat: {', '.join(dupes)}")


def format_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = f'"{part}"' if ("." in part or " " in part or not part) else part
            out += ("." if out else "") + name
    return out


def _where(source: str, text: str, path: tuple[str | int, ...]) -> str:
    line = tomlpos.line_of(text, path)
    location = f"{source}:{line}" if line else source
    return f"{location}: {format_path(path)}: "


def _data_path(loc: tuple[str | int, ...], data: Any) -> tuple[str | int, ...]:
    """Keep the parts of a pydantic error location that are keys of the data.

    Pydantic inserts union branch names and discriminator tags (`sklearn`, `constrained-int`);
    they are skipped. A last part that is not in the data is a missing or unknown key: kept.
    """
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            node = node[part]
        elif i == len(loc) - 1 and isinstance(node, dict):
            pass
        else:
            continue
        path.append(part)
    return tuple(path)


def _manifest_error(exc: ValidationError, data: Any, text: str, source: str) -> ManifestError:
    error = exc.errors()[0]  # schema order; report the first, as a compiler does
    loc = tuple(error["loc"])
    if loc and loc[-1] in MODEL_TYPES and error["type"] == "value_error":
        loc = loc[:-1]  # a model validator's error ends with the union's tag: drop it
    path = _data_path(loc, data)
    if isinstance(problem := (error.get("ctx") or {}).get("error"), KeyMessage):
        return ManifestError(_where(source, text, (*path, problem.key)) + problem.message)
    if error["type"] == "union_tag_invalid":
        ctx = error["ctx"]
        path += (ctx["discriminator"].strip("'"),)
        message = f"must be one of {ctx['expected_tags']} (got {ctx['tag']!r})"
        return ManifestError(_where(source, text, path) + message)
    return ManifestError(_where(source, text, path) + describe_error(error))


def describe_error(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    if kind.startswith("literal_error"):
        message = message.replace("Input should be", "must be one of")
    message = message.replace("Input should be", "must be")
    given = error.get("input")
    if kind not in ("value_error",) and not isinstance(given, dict | list):
        message += f" (got {given!r})"
    return message
