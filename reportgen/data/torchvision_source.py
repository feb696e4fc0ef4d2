"""torchvision's MNIST, FashionMNIST and KMNIST: official train and test sets, val cut from train.

torchvision reads the four IDX files `{root}/{name}/raw/{train,t10k}-{images-idx3,labels-idx1}
-ubyte` (un-gzipped); with `download = true` it fetches and unpacks the .gz files from its
mirrors first (or only unpacks them when they are there already, checked by MD5).

Decisions:
- val is the last `val` (fraction or count) of the official training set, in file order:
  Keras' `validation_split`, which the reference MNIST lab uses.
- Class names are torchvision's `.classes`, except MNIST's "0 - zero" ...: the digits alone,
  which read the same in both report languages.
- A relative `root` is read from the manifest's folder; `~` is expanded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from reportgen.data.base import RawData
from reportgen.data.splits import split_indices
from reportgen.errors import DataError
from reportgen.manifest import SplitSpec, TorchvisionDataset


def raw_files(dataset_class: Any) -> list[str]:
    """The un-gzipped file names torchvision reads, e.g. train-images-idx3-ubyte."""
    return [name.removesuffix(".gz") for name, _md5 in dataset_class.resources]


def load(spec: TorchvisionDataset, base_dir: Path, where: str = "dataset") -> RawData:
    from torchvision import datasets

    dataset_class = getattr(datasets, spec.name)
    root = base_dir / Path(spec.root).expanduser()
    train = _open(dataset_class, root, True, spec.download, where)
    test = _open(dataset_class, root, False, False, where)
    x_train, y_train = _arrays(train, root, spec.name, where)
    x_test, y_test = _arrays(test, root, spec.name, where)
    classes = [str(d) for d in range(10)] if spec.name == "MNIST" else list(train.classes)
    for y in (y_train, y_test):
        if len(y) and (y.min() < 0 or y.max() >= len(classes)):
            raise DataError(f"{where}: {root / spec.name / 'raw'} has labels outside "
                            f"0..{len(classes) - 1}")
    # Keras validation_split: the last samples of the training set, not shuffled.
    parts = split_indices(y_train, SplitSpec(val=spec.val, test=None, shuffle=False), where)
    splits = {name: (x_train[idx], y_train[idx]) for name, idx in parts.items()}
    splits["test"] = (x_test, y_test)
    return RawData(classes=classes, splits=splits)


def _open(dataset_class: Any, root: Path, train: bool, download: bool, where: str) -> Any:
    folder = root / dataset_class.__name__ / "raw"
    if download:
        root.mkdir(parents=True, exist_ok=True)
    try:
        return dataset_class(str(root), train=train, download=download)
    except RuntimeError as exc:
        if str(exc).startswith("Dataset not found"):
            missing = [f for f in raw_files(dataset_class) if not (folder / f).is_file()]
            raise DataError(
                f"{where}: {dataset_class.__name__} not found in {folder} (missing "
                f"{', '.join(missing)}); set `download = true` when online, or download the "
                f".gz files from {dataset_class.mirrors[0]} and unpack them there") from None
        if str(exc).startswith("Error downloading"):
            raise DataError(f"{where}: could not download {dataset_class.__name__} into "
                            f"{folder} ({_one_line(exc)}); check the connection, or put the "
                            f"files from {dataset_class.mirrors[0]} there by hand") from None
        raise DataError(f"{where}: cannot read {dataset_class.__name__} from {folder} "
                        f"({_one_line(exc)})") from None
    except (AssertionError, ValueError, OSError) as exc:
        raise DataError(f"{where}: cannot read {dataset_class.__name__} from {folder} "
                        f"({_one_line(exc) or 'not IDX files of the expected type'})") from None


def _arrays(dataset: Any, root: Path, name: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    x = dataset.data.numpy()  # (n, 28, 28) uint8
    y = dataset.targets.numpy().astype(np.int64)  # (n,)
    if len(x) != len(y):
        raise DataError(f"{where}: {root / name / 'raw'} has {len(x)} images but {len(y)} "
                        f"labels")
    return x, y


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."
