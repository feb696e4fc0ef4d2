"""MedMNIST 2D datasets through the `medmnist` package, with their official train/val/test splits.

Each flag is one file in `root`: `{flag}.npz` for 28×28 images, `{flag}_{size}.npz` for 64, 128
and 224, holding `train_images`, `train_labels`, `val_images`, ... as the package downloads them
from Zenodo. Images are (n, H, W) for grayscale flags and (n, H, W, 3) for RGB ones, uint8;
labels are (n, 1). Class names are `INFO[flag]["label"]` in index order (RetinaMNIST's are the
grades "0".."4"; its ordinal-regression task is read as 5-class classification, as the
reference report does).

Decisions:
- Only 2D flags. The 3D ones (organmnist3d, nodulemnist3d, ...) hold volumes that no model here
  takes; they are refused with a message listing the flags that load.
- Multi-label flags (chestmnist: 14 findings per image, task "multi-label, binary-class") are
  refused, not yet supported: every engine, loss, metric and figure assumes one class per
  sample, and keeping one of the 14 labels would train on a different task than the user meant.
- The medmnist package downloads (its URLs and MD5 sums); the .npz is then read here, once and
  closed, so a wrong or damaged file gives one message instead of an exception from inside it.
- The flag is case-insensitive (`RetinaMNIST` works as `retinamnist`).
- A relative `root` is read from the manifest's folder; `~` is expanded.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from reportgen.data.base import RawData
from reportgen.errors import DataError
from reportgen.manifest import MedmnistDataset

SPLITS = ("train", "val", "test")
MULTI_LABEL = "multi-label"


def _info() -> dict[str, dict]:
    import medmnist

    return medmnist.INFO


def is_3d(flag: str, info: dict) -> bool:
    return flag.endswith("3d") or str(info.get("python_class", "")).endswith("3D")


def supported_flags() -> list[str]:
    """The 2D, single-label flags."""
    return sorted(flag for flag, info in _info().items()
                  if not is_3d(flag, info) and MULTI_LABEL not in info["task"])


def file_name(flag: str, size: int) -> str:
    """The medmnist package's naming: no suffix for 28×28, `_{size}` otherwise."""
    return f"{flag}.npz" if size == 28 else f"{flag}_{size}.npz"


def class_names(info: dict) -> list[str]:
    labels = info["label"]
    return [str(labels[key]) for key in sorted(labels, key=int)]


def resolve(folder: str, base_dir: Path) -> Path:
    return base_dir / Path(folder).expanduser()


def check_flag(name: str, where: str) -> tuple[str, dict]:
    """The flag and its INFO entry, or a DataError saying why it cannot be used."""
    flag = name.lower()
    info = _info().get(flag)
    if info is None:
        raise DataError(f"{where}.name: unknown MedMNIST flag {name!r}; supported flags: "
                        f"{', '.join(supported_flags())}")
    if is_3d(flag, info):
        raise DataError(f"{where}.name: {flag} is a 3D MedMNIST dataset (volumes); only 2D flags "
                        f"are supported: {', '.join(supported_flags())}")
    if MULTI_LABEL in info["task"]:
        raise DataError(f"{where}.name: {flag} is multi-label (task {info['task']!r}: several "
                        f"findings per image), which is not supported yet; reportgen trains "
                        f"single-label classifiers")
    return flag, info


def zenodo_page(info: dict, size: int) -> str:
    """The Zenodo record of a flag's file, e.g. https://zenodo.org/records/10519652."""
    url = str(info.get("url" if size == 28 else f"url_{size}", ""))
    return url.split("/files/")[0] if "/files/" in url else url


def load(spec: MedmnistDataset, base_dir: Path, where: str = "dataset") -> RawData:
    flag, info = check_flag(spec.name, where)
    root = resolve(spec.root, base_dir)
    path = root / file_name(flag, spec.size)
    if spec.download:
        _download(info, root, spec.size, path, where)
    if not path.is_file():
        raise DataError(f"{where}: {path} not found; download it with `download = true` when "
                        f"online or from {zenodo_page(info, spec.size)} into {root}")
    classes = class_names(info)
    try:
        with np.load(path, allow_pickle=False) as archive:
            splits = {split: _split(archive, split, spec.size, path, len(classes), where)
                      for split in SPLITS}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{where}: cannot read {path} ({_one_line(exc)})") from None
    return RawData(classes=classes, splits=splits)


def _download(info: dict, root: Path, size: int, path: Path, where: str) -> None:
    """Fetch the file through the medmnist package (its URL and MD5) unless a good copy is there."""
    import medmnist

    root.mkdir(parents=True, exist_ok=True)
    try:
        getattr(medmnist, info["python_class"])(split="train", root=str(root), size=size,
                                                download=True)
    except RuntimeError as exc:
        cause = exc.__cause__ or exc.__context__
        reason = f" ({_one_line(cause)})" if cause else ""
        raise DataError(f"{where}: could not download {path.name} into {root}{reason}; check "
                        f"the connection, or download it by hand from "
                        f"{zenodo_page(info, size)}") from None
    except (KeyError, OSError, ValueError, zipfile.BadZipFile):
        pass  # downloaded, but the file is not what it should be: the reader says how


def _split(archive: Any, split: str, size: int, path: Path, n_classes: int,
           where: str) -> tuple[np.ndarray, np.ndarray]:
    keys = (f"{split}_images", f"{split}_labels")
    if not all(key in archive.files for key in keys):
        raise DataError(f"{where}: {path} has no {keys[0]}/{keys[1]} arrays; it is not a "
                        f"MedMNIST file")
    images, labels = archive[keys[0]], archive[keys[1]]
    if images.ndim not in (3, 4) or images.shape[1:3] != (size, size):
        raise DataError(f"{where}: {path} holds {split} images of shape {images.shape[1:]}, "
                        f"not {size}×{size} (size = {size})")
    if labels.ndim == 2 and labels.shape[1] > 1:
        raise DataError(f"{where}: {path} has {labels.shape[1]} labels per image (multi-label), "
                        f"which is not supported yet")
    labels = labels.reshape(-1).astype(np.int64)  # (n, 1) → (n,)
    if len(labels) != len(images):
        raise DataError(f"{where}: {path} has {len(images)} {split} images but "
                        f"{len(labels)} labels")
    if len(labels) and (labels.min() < 0 or labels.max() >= n_classes):
        raise DataError(f"{where}: {path} has {split} labels outside 0..{n_classes - 1}")
    return images, labels


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."
