"""The experiment manifest: schema, loading, and error messages with dotted paths.

This is the only place configuration errors arise. Everything downstream receives a validated,
frozen `Manifest` and can trust it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from reportgen import credentials, names, suggest, tomlerrors, tomlpos
from reportgen.errors import ManifestError

LANGUAGES = ("es", "en")
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".svg": "image/svg+xml"}


class Frozen(BaseModel):
    # inf and nan are never a meaningful setting (lr = inf passes `gt=0`)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


SMALLEST, LARGEST = 1e-12, 1e6


def sane(value: float) -> float:
    """Refuse magnitudes no setting means: 1e-320 (a typo for 0 or 1e-3?) or 1e15."""
    if value != 0 and not SMALLEST <= abs(value) <= LARGEST:
        raise ValueError(f"{value:g} is out of range: use 0 or a magnitude between "
                         f"{SMALLEST:g} and {LARGEST:g}")
    return value


# A float of the schema: finite, 0 or of a magnitude a setting can have.
Real = Annotated[float, AfterValidator(sane)]
MAX_SEED = 2**32 - 1  # numpy's seeds are 32-bit


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
    title: Text = Field(description="Report title (a text: a string, or { es = …, en = … }).")
    subtitle: Text | None = Field(None, description="Shown under the title.")
    authors: list[str] = Field([], description="Authors shown on the cover.")
    student_ids: list[str] = Field([],
        description="One id per author, in order, shown next to the name (\"\" for none).")
    course: str | None = Field(None, description="Course shown on the cover.")
    institution: str | None = Field(None, description="Institution shown on the cover.")
    faculty: Text | None = Field(None, description="Faculty shown on the cover.")
    city: Text | None = Field(None, description="City shown on the cover.")
    date: dt.date | None = Field(None,
        description="Report date, a TOML date such as 2025-05-01 (default: today).")
    logo: str | None = Field(None,
        description="An image file (PNG, JPEG, SVG) in the manifest's folder, shown on the cover.")
    languages: list[Literal["es", "en"]] = Field(list(LANGUAGES),
        description="One document per language: es, en (default: both).")
    formats: list[Literal["html", "pdf", "docx"]] = Field(["html", "pdf"],
        description="Formats to render: html, pdf, docx (default: html and pdf).")
    kind: Literal["student", "answer-key"] = Field("student",
        description="student, or answer-key (adds the expected-results appendix).")
    out: str | None = Field(None,
        description="Output folder, relative to the working directory (default: out/<manifest "
                    "stem>).")
    abstract: Text | None = Field(None,
        description="Your abstract (Markdown), per language or one text for both.")
    introduction: Text | None = Field(None, description="Your introduction (Markdown).")
    conclusions: Text | None = Field(None,
        description="Your conclusions (Markdown), placed before the generated ones.")
    explain: bool = Field(True,
        description="Explain the methods the studies use (formulas, references) in the "
                    "methodology, with a reference list; false leaves both out.")

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
    seed: int = Field(0, ge=0, le=MAX_SEED,
        description="Seed of initial weights, shuffling and dropout for every run.")
    device: str = Field("auto",
        description="auto (the first CUDA GPU when present, else the CPU), cpu, cuda or cuda:N.")
    engine: Engine = Field("torch", description="torch, or numpy (the from-scratch engine).")
    jobs: Annotated[int, Field(ge=1)] | Literal["auto"] = Field(
        1,
        description="Units of work trained at once (reportgen run --jobs); auto: from the machine.")

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
# a layer's width or filters: a million-unit layer is a typo, not a lab
Units = Annotated[int, Field(gt=0, le=65_536)]
Fraction = Annotated[Real, Field(gt=0, lt=1)]


class SplitSpec(Frozen):
    """How to split a dataset that has no official splits.

    With `train` given, all three parts are of the whole dataset. Without it, `test` is taken
    from the whole, `val` from what remains, and train is the rest (Keras' validation_split).
    Each part is a fraction (0 < f < 1) or a count of samples.
    """

    train: Count | Fraction | None = Field(None,
        description="Fraction (0 < f < 1) or count of samples for training (default: the rest).")
    val: Count | Fraction | Literal[0] | None = Field(0.2,
        description="Fraction or count of samples for validation; 0: no validation split.")
    test: Count | Fraction | None = Field(0.2,
        description="Fraction or count of samples for the test split.")
    stratify: bool = Field(True, description="Keep class proportions in every split.")
    shuffle: bool = Field(True,
        description="false = Keras validation_split: the last samples, in file order.")
    # fixed apart from the training seed: repeats share one split
    seed: int = Field(0, ge=0, le=MAX_SEED,
        description="The split's own seed, fixed apart from the training seed.")

    @field_validator("train", "val", "test", mode="before")
    @classmethod
    def _fraction_or_count(cls, value: Any) -> Any:
        """A float is a fraction: say so, rather than the int branch's complaint."""
        if isinstance(value, float) and not value.is_integer():
            if not 0 < value < 1:
                raise ValueError(f"a fraction must be between 0 and 1 (got {value:g})")
            sane(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SplitSpec:
        parts = [p for p in (self.train, self.val, self.test) if p is not None]
        fractions = [p for p in parts if isinstance(p, float)]
        if self.train is not None and len(fractions) == len(parts) and sum(fractions) > 1 + 1e-9:
            raise ValueError(f"train + val + test fractions add up to {sum(fractions):g} > 1")
        return self


Preprocess = Literal["none", "divide255", "minmax", "standard"]


# --- words: per-language class names (issue 13 item 6) ---
class ClassNames(Frozen):
    """The class names each language's report shows, in label order (`es`, `en` or both)."""

    es: list[Annotated[str, Field(min_length=1)]] | None = Field(None,
        description="Class names in the Spanish report, in label order.")
    en: list[Annotated[str, Field(min_length=1)]] | None = Field(None,
        description="Class names in the English report, in label order.")

    @model_validator(mode="after")
    def _one_name_per_class(self) -> ClassNames:
        if self.es is None and self.en is None:
            raise ValueError("give the names for es, en or both")
        if self.es is not None and self.en is not None and len(self.es) != len(self.en):
            raise ValueError(f"es lists {len(self.es)} names but en lists {len(self.en)}")
        return self

    @property
    def count(self) -> int:
        return len(self.es if self.es is not None else self.en or [])
# --- end words ---


class DatasetBase(Frozen):
    title: Text | None = Field(None, description="Dataset name shown in the report.")
    description: Text | None = Field(None, description="Text shown in the dataset section.")
    classes: list[str] | None = Field(None,
        description="Display names of the classes, in label order.")
    # One text per class, in label order: shown as a table in the dataset section (seed 000's
    # diabetic-retinopathy severity scale).
    class_descriptions: list[Text] | None = Field(None,
        description="One text per class, in label order, shown as a table.")
    preprocess: Preprocess = Field("none",
        description="none, divide255, minmax or standard; fitted on the training split only.")
    # words: the class names of each language's report (built-in ones exist for bundled data)
    class_names: ClassNames | None = Field(None,
        description="Class names per language, { es = [...], en = [...] }, in label order.")

    @model_validator(mode="after")
    def _one_description_per_class(self) -> DatasetBase:
        if self.classes and self.class_descriptions and \
                len(self.classes) != len(self.class_descriptions):
            raise ValueError(f"class_descriptions lists {len(self.class_descriptions)} texts for "
                             f"{len(self.classes)} classes")
        if self.class_names is not None and self.classes and \
                self.class_names.count != len(self.classes):  # words
            raise KeyMessage("class_names", f"lists {self.class_names.count} names for "
                             f"{len(self.classes)} classes")
        return self


class SklearnDataset(DatasetBase):
    source: Literal["sklearn"]
    name: Literal["digits", "breast_cancer", "iris", "wine"] = Field(
        description="digits, breast_cancer, iris or wine.")
    split: SplitSpec = Field(SplitSpec(), description="How to split the data into train/val/test.")


class FilesDataset(DatasetBase):
    source: Literal["files"]
    x: str = Field(description="Features: a .npy, .npz or .csv file, relative to the manifest.")
    y: str = Field(description="Labels: a .npy, .npz or .csv file, relative to the manifest.")
    predict: str | None = Field(None,
        description="An unlabeled set: each run writes its class probabilities for it.")
    shape: list[Count] | None = Field(None,
        description="Per-sample shape, e.g. [28, 28], when x is stored flat.")
    split: SplitSpec = Field(SplitSpec(), description="How to split the data into train/val/test.")


class MedmnistDataset(DatasetBase):
    """A 2D MedMNIST flag with its official train/val/test splits."""

    source: Literal["medmnist"]
    name: str = Field(description="The MedMNIST flag, e.g. retinamnist.")
    size: Literal[28, 64, 128, 224] = Field(28, description="Image size: 28, 64, 128 or 224.")
    root: str = Field("~/.medmnist", description="Folder holding the .npz file.")
    download: bool = Field(False, description="Download the file when it is missing.")
    preprocess: Preprocess = "divide255"


class OpenmlDataset(DatasetBase):
    """An OpenML dataset through sklearn.datasets.fetch_openml, cached under `data_home`."""

    source: Literal["openml"]
    name: str | None = Field(None, description="OpenML dataset name (or give id).")
    id: Count | None = Field(None, description="OpenML dataset id.")
    version: Count | None = None
    data_home: str = Field("~/scikit_learn_data", description="scikit-learn's OpenML cache folder.")
    download: bool = Field(True, description="Fetch from OpenML when not cached.")
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
    name: Literal["MNIST", "FashionMNIST", "KMNIST"] = Field(
        description="MNIST, FashionMNIST or KMNIST.")
    root: str = Field("~/.torchvision", description="Folder holding the torchvision files.")
    download: bool = Field(False, description="Download the files when missing.")
    val: Count | Fraction | Literal[0] = Field(0.1,
        description="Fraction or count of the official train set kept for validation; 0: none.")
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
    l1: Real = Field(0.0, ge=0, description="L1 kernel penalty (Keras meaning).")
    l2: Real = Field(0.0, ge=0, description="L2 kernel penalty (Keras meaning).")
    outputs: Literal["auto"] | Count = Field("auto",
        description="Output units: auto (one per class) or a count.")

    def penalises(self, layer: int) -> bool:
        """Whether `l1`/`l2` apply to the 0-based weight layer `layer` (every one here)."""
        return True


class _LayeredModel(_ModelBase):
    """What the MLP and the CNN share: per-layer activation, initialiser, dropout, batch norm."""

    activation: Activation | list[Activation] = Field("relu",
        description="Activation of every layer, or one per layer.")
    negative_slope: Real = Field(0.01, ge=0)
    init: Initializer = Field("glorot_uniform", description="Weight initialiser (Keras names).")
    dropout: Annotated[Real, Field(ge=0, lt=1)] | list[Annotated[Real, Field(ge=0, lt=1)]] = \
        Field(0.0, description="Dropout after every layer, or one rate per layer.")
    batchnorm: bool = Field(False, description="Batch normalisation after every layer.")
    # Seed 000's M4: `l1`/`l2` on chosen weight layers only, 1-based in the order data flows
    # (a CNN's convolutions, then the hidden Dense layers, then the output layer); default all.
    penalty_layers: list[Count] | None = Field(None,
        description="Weight layers (1-based, output last) that l1/l2 apply to; default all.")

    def weight_layers(self) -> int:
        """How many layers have kernels: `penalty_layers` numbers them 1..this."""
        raise NotImplementedError

    @model_validator(mode="after")
    def _penalty_layers_exist(self) -> _LayeredModel:
        chosen, n = self.penalty_layers, self.weight_layers()
        if chosen is None:
            return self
        if bad := [i for i in chosen if i > n]:
            raise ValueError(f"penalty_layers: layer {bad[0]} does not exist; this model has "
                             f"{n} weight layers (1..{n}, the output layer last)")
        if len(set(chosen)) != len(chosen):
            raise ValueError("penalty_layers lists a layer twice")
        return self

    def penalises(self, layer: int) -> bool:
        return self.penalty_layers is None or layer + 1 in self.penalty_layers


class ModelSpec(_LayeredModel):
    """The multilayer perceptron (`type = "mlp"`, the default): inputs are flattened."""

    type: Literal["mlp"] = Field("mlp", description="Model type: mlp (default), cnn or resnet18.")
    hidden: list[Units] = Field([64], description="Widths of the hidden layers, e.g. [128, 64].")

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

    def weight_layers(self) -> int:
        return len(self.hidden) + 1

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
    filters: list[Units] = Field([32, 64], description="Filters of each convolution block.")
    kernel: Count = Field(3, description="Convolution kernel size.")
    padding: Literal["same", "valid"] = "same"
    pool: Literal["max", "none"] = "max"
    hidden: list[Units] = Field([], description="Widths of the dense layers after Flatten.")

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

    def weight_layers(self) -> int:
        return len(self.filters) + len(self.hidden) + 1

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

    name: OptimizerName = Field("adam", description="gd, sgd, adagrad, rmsprop, adam or adamw.")
    lr: Real | None = Field(None, gt=0,
        description="Learning rate (default: Keras' default for the optimizer).")
    momentum: Real = Field(0.0, ge=0, lt=1, description="SGD momentum.")
    nesterov: bool = False
    beta1: Real = Field(0.9, ge=0, lt=1)
    beta2: Real = Field(0.999, ge=0, lt=1)
    eps: Real = Field(1e-7, gt=0)
    amsgrad: bool = False
    rho: Real = Field(0.9, ge=0, lt=1)
    centered: bool = False
    weight_decay: Real = Field(0.0, ge=0)
    initial_accumulator_value: Real = Field(0.1, ge=0)

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
    final_lr: Real | None = Field(None, ge=0)
    step_size: Count = 10
    gamma: Real = Field(0.1, gt=0)

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
    min_delta: Real = Field(0.0, ge=0)
    restore_best: bool = True
    mode: Literal["auto", "min", "max"] = "auto"
    # Seed 004 §12's EarlyStoppingThreshold: evaluations that have not reached `arm_at` are
    # ignored (no best, no patience counted), so the run cannot stop before reaching it.
    arm_at: float | None = None


class StopAtSpec(Frozen):
    monitor: str = "accuracy"
    threshold: Real


SPEED_OPTION_DEFAULTS: dict[str, Any] = {"channels_last": False, "precision": "fp32"}


class TrainingSpec(Frozen):
    epochs: Count = Field(10, description="Epochs to train.")
    batch_size: Count | Literal["full"] = Field(32,
        description="Mini-batch size, or full (full-batch gradient descent).")
    optimizer: OptimizerSpec = Field(OptimizerSpec(),
        description="The optimizer: its name, or a table with its hyperparameters.")
    loss: Literal["cross_entropy", "mse"] = Field("cross_entropy",
        description="cross_entropy or mse.")
    schedule: ScheduleSpec = Field(ScheduleSpec(),
        description="Learning-rate schedule: none, linear, exponential, step, cosine.")
    early_stopping: EarlyStoppingSpec | None = Field(None,
        description="Stop when the monitored metric stops improving.")
    stop_at: StopAtSpec | None = Field(None, description="Stop when a metric reaches a threshold.")
    eval_every: Count = Field(1, description="Evaluate every N epochs.")
    divergence: Literal["stop"] = "stop"
    # Continuing a trained model (seed 004 §8.1 calls fit() again on §4's model): the run first
    # trains this many epochs without callbacks, then `epochs` more with them.
    previous_epochs: int = Field(0, ge=0,
        description="Epochs already trained (no callbacks) before `epochs` more with them.")

    @model_validator(mode="after")
    def _previous_epochs_without_schedule(self) -> TrainingSpec:
        if self.previous_epochs and self.schedule.kind != "none":
            raise ValueError("previous_epochs continues a model trained at a constant learning "
                             "rate: it cannot be combined with a schedule")
        return self

    # GPU speed options for cnn/resnet18 models (engines/torch_engine.py; checked per run by
    # engines.speed_option_problem). Left out of dumps at their defaults, so the run ids of
    # manifests that do not set them stay what they were before the options existed.
    channels_last: bool = Field(False,
        description="cnn/resnet18: network and images in NHWC memory order.")
    precision: Literal["fp32", "bf16"] = Field("fp32",
        description="cnn/resnet18: bf16 runs forward passes under bfloat16 autocast.")

    @model_serializer(mode="wrap")
    def _drop_default_speed_options(self, handler: Any) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for key, default in SPEED_OPTION_DEFAULTS.items():
                if data.get(key, default) == default:
                    data.pop(key, None)
        return data

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
    seed: int = Field(ge=0, le=MAX_SEED)
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
        for name, value in (("float", low), ("float", high), ("step", step)):
            if value is None:
                continue
            if math.isinf(value) or math.isnan(value):
                raise ValueError(f"{prefix}{name}: {value} is not a finite number")
            try:
                sane(value)
            except ValueError as exc:
                raise ValueError(f"{prefix}{name}: {exc}") from None
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


class StorageEnv(Frozen):
    """`storage = { env = "REPORTGEN_STORAGE" }`: the URL is read from that environment
    variable when the search runs, so its password is never written in the manifest."""

    env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


SpaceParam = Annotated[IntRange | FloatRange | Choice | Layers, BeforeValidator(parse_space_param)]
Algorithm = Literal["hyperband", "bayesian", "gp", "random", "grid"]
OBJECTIVES = ("val_accuracy", "val_loss", "accuracy", "loss")


class SearchSpec(Frozen):
    """`[studies.search]`: tune the study's config tree with Optuna.

    Every trial trains up to `max_epochs` (default: the training's epochs); Hyperband stops the
    unpromising ones early. `max_trials` is an integer for bayesian/gp/random/grid, or a table
    per algorithm; Hyperband's default is the number of configurations of its bracket plan.
    """

    algorithms: list[Algorithm] = Field(["bayesian"],
        description="hyperband, bayesian, gp, random, grid (one study each).")
    objective: str = Field("val_accuracy", description="val_accuracy, val_loss, accuracy or loss.")
    max_trials: Count | dict[Algorithm, Count] | None = Field(None,
        description="Trials per algorithm: a count, or a table per algorithm.")
    max_epochs: Count | None = Field(None,
        description="Epochs of a full trial (default: the training's epochs).")
    min_epochs: Count = Field(1, description="Hyperband's smallest budget.")
    factor: int = Field(3, ge=2, description="Hyperband's reduction factor.")
    n_startup_trials: int = Field(10, ge=0)
    timeout: Real | None = Field(None, gt=0, description="Seconds after which no new trial starts.")
    retrain_best: bool = Field(True,
        description="Retrain the best configuration as an ordinary run.")
    storage: str | StorageEnv = Field("sqlite",
        description="sqlite (a file in the output folder), an RDB URL, or { env = \"NAME\" }.")
    sampler: Literal["tpe", "random"] = "tpe"  # the sampler Hyperband draws configurations with
    space: dict[str, SpaceParam] = Field({},
        description="Dotted paths to tune, e.g. \"training.optimizer.lr\"= { float = [1e-4, "
                    "1e-1], log = true }.")

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
    def _storage(cls, value: str | StorageEnv) -> str | StorageEnv:
        if isinstance(value, str) and value != "sqlite" and "://" not in value:
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
    name: str = Field(min_length=1,
        description="Variant name, shown in the report (at most 64 characters).")

    @field_validator("name")
    @classmethod
    def _printable_name(cls, value: str) -> str:
        return names.check_label(value)

    title: Text | None = None
    engine: Engine | None = None
    seed: int | None = Field(None, ge=0, le=MAX_SEED)
    device: str | None = None
    set: dict[str, Any] = Field({},
        description="Dotted paths set by this variant, e.g. { \"model.hidden\" = [256] }.")
    # The variant is meant to fail (seed 004 §6: 5 output units for 10 classes); the report
    # shows the error as its outcome instead of stopping the whole run.
    expect_error: bool = Field(False,
        description="The variant is meant to fail: the report shows the error.")
    # Search-space entries replacing (or adding to) the study's `[studies.search.space]`.
    space: dict[str, SpaceParam] = Field({},
        description="Search-space entries replacing the study's.")
    # The study whose search chose this variant's values (seed 002: M1's learning rate came
    # from a search over [0.0001, 0.1]); checked to exist and to have a search.
    chosen_by: str | None = Field(None,
        description="Id of the search study that chose this variant's values.")


Section = Literal["curves", "dual_axis", "confusion", "per_class", "model_summary",
                  "distribution", "samples"]


class Study(Frozen):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$", max_length=names.MAX_NAME,
        description="Study id: letters, digits, _ and -, at most 64 characters.")
    title: Text | None = Field(None, description="Study title shown in the report.")
    description: Text | None = Field(None,
        description="Text shown at the start of the study's section.")
    question: Text | None = Field(None,
        description="The question this study answers, quoted by the report.")
    notes: Text | None = None
    dataset: str | list[str] = Field(
        description="Name of a [datasets.X] block (or a list, or an inline table).")
    model: str = Field("default", description="Name of a [models.X] block, or an inline table.")
    training: str = Field("default",
        description="Name of a [trainings.X] block, or an inline table.")
    engine: Engine | None = None
    seed: int | None = Field(None, ge=0, le=MAX_SEED)
    device: str | None = None
    vary: dict[str, list[Any]] = Field({},
        description="A grid of dotted paths and their values, e.g. { \"model.hidden\"= [[64], "
                    "[128]] }.")
    variants: list[Variant] = Field([], description="Named variants, each setting dotted paths.")
    evaluate: list[Literal["train", "val", "test"]] = Field(["val", "test"],
        description="Splits to evaluate: train, val, test.")
    show: list[Section] = Field(
        ["curves", "confusion", "per_class", "model_summary", "distribution"],
        description="Figures and tables of the study's section.")
    search: SearchSpec | None = Field(None, description="Tune the study's config tree with Optuna.")
    # Each configuration trains `repeats` times with seeds seed, seed+1, …: the report gives
    # mean ± std and min–max, and an answer key's tolerances come from that spread.
    repeats: int = Field(1, ge=1, le=100,
        description="Train each configuration this many times (seeds seed, seed+1, …).")
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


class Limits(Frozen):
    """`[limits]`: the planned-work limits of `reportgen.limits`."""

    allow_large: bool = Field(False, description="Lift the limits on runs, epochs and trials "
                              "(as --allow-large does).")


class Manifest(Frozen):
    report: ReportSection
    defaults: Defaults = Defaults()
    limits: Limits = Limits()
    datasets: dict[str, DatasetSpec]
    models: dict[str, AnyModelSpec] = {}
    trainings: dict[str, TrainingSpec] = {}
    studies: list[Study] = Field(min_length=1)
    # Set by `load`, not by the user:
    source_path: str = ""
    source_text: str = ""

    @field_validator("datasets", mode="before")
    @classmethod
    def _file_names(cls, value: Any) -> Any:
        """Dataset names are file names in the output folder (`datasets/<name>.json`)."""
        for key in value if isinstance(value, dict) else ():
            # a study's inline dataset is hoisted as "<study id>:dataset"
            name = key.removesuffix(":dataset") if key.endswith(":dataset") else key
            try:
                names.check_file_name(name)
            except ValueError as exc:
                raise KeyMessage(key, str(exc)) from None
        return value

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
    text = text.removeprefix("\ufeff")  # a byte-order mark (Windows Notepad): harmless
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(tomlerrors.explain(exc, text, source)) from None
    except RecursionError:
        raise ManifestError(f"{source}: invalid TOML: arrays or tables nested too deeply "
                            "for a manifest") from None
    data = _hoist_inline_blocks(data)
    try:
        # the text is kept masked: it is listed in the report and copied to the output folder
        manifest = Manifest.model_validate({**data, "source_path": source,
                                            "source_text": credentials.mask(text)})
    except ValidationError as exc:
        raise _manifest_error(exc, data, text, source) from None
    except RecursionError:
        raise ManifestError(f"{source}: values nested too deeply for a manifest") from None
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
            quote = "." in part or " " in part or not part or not part.isprintable()
            name = json.dumps(part, ensure_ascii=False) if quote else part
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
    return ManifestError(_where(source, text, path) + describe_error(error, Manifest))


def describe_error(error: Any, root: type[BaseModel] | None = None) -> str:
    """One error in words; an unknown key gets the closest key `root`'s schema allows there."""
    kind = error["type"]
    if kind == "extra_forbidden":
        loc = tuple(error["loc"])
        if root is None or not loc:
            return "unknown key"
        return "unknown key" + suggest.did_you_mean(str(loc[-1]), suggest.keys_at(root, loc[:-1]))
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
