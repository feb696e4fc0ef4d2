"""Datasets: one module per source, then splitting and preprocessing shared by all."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np

from reportgen.data.base import Dataset, RawData, Split, fingerprint
from reportgen.data.preprocess import fit_transform
from reportgen.data.splits import split_indices
from reportgen.errors import DataError
from reportgen.manifest import DatasetSpec, FilesDataset, OpenmlDataset, SklearnDataset

__all__ = ["Dataset", "RawData", "Split", "load_dataset"]


# One module per source, each with `load(spec, base_dir, where) -> RawData`; imported on use so
# a manifest that only needs scikit-learn's datasets never imports torchvision.
SOURCES = {
    "sklearn": "reportgen.data.sklearn_source",
    "files": "reportgen.data.files_source",
    "medmnist": "reportgen.data.medmnist_source",
    "openml": "reportgen.data.openml_source",
    "torchvision": "reportgen.data.torchvision_source",
}


def load_raw(spec: DatasetSpec, base_dir: Path, where: str = "dataset") -> RawData:
    """Read one source. `where` (e.g. "datasets.retina") starts every error message."""
    module = importlib.import_module(SOURCES[spec.source])
    return module.load(spec, base_dir, where)


def load_dataset(name: str, spec: DatasetSpec, base_dir: Path) -> Dataset:
    """Load, split and preprocess one manifest dataset. Paths are relative to `base_dir`."""
    where = f"datasets.{name}"
    raw = load_raw(spec, base_dir, where)
    if raw.splits is not None:
        parts = raw.splits
    else:
        # only the sources that split themselves (MedMNIST, torchvision) give `splits`
        assert raw.x is not None and raw.y is not None
        assert isinstance(spec, SklearnDataset | FilesDataset | OpenmlDataset)
        indices = split_indices(raw.y, spec.split, where)
        parts = {split: (raw.x[idx], raw.y[idx]) for split, idx in indices.items()}
    names = list(parts)
    train_x = parts["train"][0]
    other_x = [parts[s][0] for s in names[1:]]
    if raw.predict_x is not None:
        other_x.append(raw.predict_x)
    scaled = fit_transform(train_x, other_x, spec.preprocess)
    splits = {s: Split(scaled[i], np.asarray(parts[s][1], dtype=np.int64))
              for i, s in enumerate(names)}
    predict_x = scaled[-1] if raw.predict_x is not None else None
    classes = list(spec.classes) if spec.classes else raw.classes
    if len(classes) != len(raw.classes):
        raise DataError(f"{where}.classes: lists {len(classes)} names but the data has "
                        f"{len(raw.classes)} classes")
    if spec.class_names is not None and spec.class_names.count != len(classes):
        raise DataError(f"{where}.class_names: lists {spec.class_names.count} names but the "
                        f"data has {len(classes)} classes")
    if spec.class_descriptions and len(spec.class_descriptions) != len(classes):
        raise DataError(f"{where}.class_descriptions: lists {len(spec.class_descriptions)} texts "
                        f"but the data has {len(classes)} classes")
    return Dataset(
        name=name, source=spec.source, classes=classes, splits=splits,
        preprocess=spec.preprocess, predict_x=predict_x,
        fingerprint=fingerprint(splits, classes),
    )
