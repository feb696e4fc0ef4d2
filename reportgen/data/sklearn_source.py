"""scikit-learn's embedded datasets: available offline, no download."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn import datasets as skdatasets

from reportgen.data.base import RawData
from reportgen.manifest import SklearnDataset

LOADERS = {
    "digits": skdatasets.load_digits,
    "breast_cancer": skdatasets.load_breast_cancer,
    "iris": skdatasets.load_iris,
    "wine": skdatasets.load_wine,
}


def load(spec: SklearnDataset, base_dir: Path, where: str) -> RawData:
    bunch = LOADERS[spec.name]()
    x = np.asarray(bunch.data, dtype=np.float32)
    if spec.name == "digits":
        x = x.reshape(-1, 8, 8)  # keep the image shape: figures show samples, CNNs see 8×8
    classes = [str(c) for c in bunch.target_names]
    return RawData(classes=classes, x=x, y=np.asarray(bunch.target, dtype=np.int64))
