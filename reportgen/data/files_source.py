"""Local arrays: .npy, .npz (first array, or arrays named x/y) and .csv files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reportgen.data.base import RawData
from reportgen.errors import DataError
from reportgen.manifest import FilesDataset


def read_array(path: Path, role: str, where: str = "dataset") -> np.ndarray:
    if not path.is_file():
        raise DataError(f"{where}.{role}: file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            return np.load(path, allow_pickle=False)
        if suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                key = role if role in archive.files else archive.files[0]
                return archive[key]
        if suffix == ".csv":
            return _read_csv(path)
    except (OSError, ValueError) as exc:
        raise DataError(f"{where}.{role}: cannot read {path} ({exc})") from None
    raise DataError(f"{where}.{role}: unsupported file type {suffix!r} in {path} "
                    "(use .npy, .npz or .csv)")


def _read_csv(path: Path) -> np.ndarray:
    import pandas as pd

    frame = pd.read_csv(path, header=None)
    if _has_header(frame):
        frame = pd.read_csv(path)
    values = frame.to_numpy()
    return values[:, 0] if values.shape[1] == 1 else values


def _has_header(frame: object) -> bool:
    """A first row of names above numbers, or a first label that never occurs again."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    if len(frame) < 2:
        return False
    first, second = list(frame.iloc[0]), list(frame.iloc[1])
    if any(not _is_number(a) and _is_number(b) for a, b in zip(first, second, strict=True)):
        return True
    # All-text columns (string labels): labels repeat, a column name does not.
    column = frame.iloc[:, 0]
    return frame.shape[1] == 1 and column.nunique() < len(column) and \
        (column.iloc[1:] != column.iloc[0]).all()


def _is_number(value: object) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def encode_labels(y: np.ndarray, classes: list[str] | None,
                  where: str) -> tuple[np.ndarray, list[str]]:
    """Map arbitrary labels to 0..k-1, keeping their names (sorted, as sklearn's LabelEncoder)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        y = y.argmax(axis=1)  # one-hot labels
    y = y.reshape(-1)
    values, encoded = np.unique(y, return_inverse=True)
    integral = np.issubdtype(values.dtype, np.integer) and values.min() >= 0
    if integral:
        # Integer labels are class indices already; keep gaps so class k stays class k.
        encoded = y.astype(np.int64)
        n_classes = int(values.max()) + 1
        names = [str(i) for i in range(n_classes)]
    else:
        names = [str(v) for v in values]
    if classes is not None:
        if len(classes) != len(names):
            raise DataError(f"{where}: classes lists {len(classes)} names but the labels have "
                            f"{len(names)} classes")
        names = list(classes)
    return encoded.astype(np.int64), names


def load(spec: FilesDataset, base_dir: Path, where: str = "dataset") -> RawData:
    x = read_array(base_dir / spec.x, "x", where)
    y_raw = read_array(base_dir / spec.y, "y", where)
    if len(x) != len(y_raw):
        raise DataError(f"{where}: {spec.x} has {len(x)} samples but {spec.y} has "
                        f"{len(y_raw)} labels")
    y, classes = encode_labels(y_raw, spec.classes, f"{where}.classes")
    x = x.astype(np.float32)
    predict = read_array(base_dir / spec.predict, "predict", where).astype(np.float32) \
        if spec.predict else None
    if spec.shape:
        shape = tuple(spec.shape)
        x = _reshape(x, shape, spec.x)
        predict = _reshape(predict, shape, spec.predict) if predict is not None else None
    return RawData(classes=classes, x=x, y=y, predict_x=predict)


def _reshape(x: np.ndarray, shape: tuple[int, ...], where: str | None) -> np.ndarray:
    if int(np.prod(x.shape[1:])) != int(np.prod(shape)):
        raise DataError(f"{where}: samples of shape {x.shape[1:]} cannot be reshaped to {shape}")
    return x.reshape((len(x), *shape))
