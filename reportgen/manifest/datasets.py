"""The `[datasets.X]` tables: one model per source, and how a dataset is split."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from reportgen.manifest.base import MAX_SEED, Count, Fraction, Frozen, KeyMessage, Text, sane


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
