"""Checks of a manifest against the world, before any training: what `run` would otherwise
only find out when it loads the data (issue 15.10).

`validate` and `run` both call `check` (through `plan.expand`'s callers), so a manifest that
validates does not fail at run time for these reasons, and the message names the file and line.
"""

from __future__ import annotations

from pathlib import Path

from reportgen.errors import DataError, ManifestError
from reportgen.manifest import FilesDataset, Manifest, format_path
from reportgen.manifest.toml_positions import line_of

# Classes of the sources whose class count is known without loading them.
KNOWN_CLASSES: dict[tuple[str, str | None], int] = {
    ("sklearn", "digits"): 10, ("sklearn", "breast_cancer"): 2, ("sklearn", "iris"): 3,
    ("sklearn", "wine"): 3, ("torchvision", "MNIST"): 10, ("torchvision", "FashionMNIST"): 10,
    ("torchvision", "KMNIST"): 10}


def check(manifest: Manifest, only: list[str] | None = None) -> None:
    """Raise ManifestError naming file, line and key for the first problem found in the
    datasets the studies (those in `only`, if given) use."""
    base_dir = Path(manifest.source_path).parent
    used = {name for study in manifest.studies if not only or study.id in only
            for name in study.datasets()}
    for name, spec in manifest.datasets.items():
        if name not in used:
            continue
        where = ("datasets", name)
        count = KNOWN_CLASSES.get((spec.source, getattr(spec, "name", None)))
        if isinstance(spec, FilesDataset):
            count = _files(manifest, where, spec, base_dir)
        if count is None:
            continue
        for key in ("classes", "class_descriptions"):
            given = getattr(spec, key)
            if given is not None and len(given) != count:
                _fail(manifest, (*where, key), f"lists {len(given)} entries but the data has "
                      f"{count} classes")
        names = getattr(spec, "class_names", None)
        for lang in ("es", "en"):
            given = getattr(names, lang, None)
            if given is not None and len(given) != count:
                _fail(manifest, (*where, "class_names", lang), f"lists {len(given)} names but "
                      f"the data has {count} classes")


def _files(manifest: Manifest, where: tuple[str, ...], spec: FilesDataset,
           base_dir: Path) -> int | None:
    """Every file of a files dataset exists; the class count of its labels when it matters."""
    from reportgen.data.files_source import encode_labels, read_array

    for key in ("x", "y", "predict"):
        value = getattr(spec, key)
        if value is not None and not (base_dir / value).is_file():
            _fail(manifest, (*where, key), f"file not found: {base_dir / value}")
    if spec.classes is None and spec.class_descriptions is None and spec.class_names is None:
        return None
    try:  # labels only: small, and the same reading `run` does
        _, names = encode_labels(read_array(base_dir / spec.y, "y", ".".join(where)), None,
                                 ".".join(where))
    except DataError as exc:
        _fail(manifest, (*where, "y"), str(exc).split(": ", 1)[-1])
    return len(names)


def _fail(manifest: Manifest, path: tuple[str | int, ...], message: str) -> None:
    line = line_of(manifest.source_text, path)
    location = f"{manifest.source_path}:{line}" if line else manifest.source_path
    raise ManifestError(f"{location}: {format_path(path)}: {message}")
