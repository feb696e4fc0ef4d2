"""OpenML datasets through `sklearn.datasets.fetch_openml`, cached under `data_home`.

sklearn keeps every answer of the OpenML API and the ARFF data in `{data_home}/openml/`; once a
dataset has been fetched, it loads from there without a network. `fetch_openml` has no
`download_if_missing`, so with `download = false` the fetch runs with sklearn's URL opener
replaced by one that refuses: a cache miss becomes a one-line DataError, never a connection.

Decisions:
- Class names: the known names for MNIST, Fashion-MNIST, Kuzushiji-MNIST and Kuzushiji-49 (their
  OpenML targets are the indices "0".."k-1"); otherwise the target values as strings, integers
  in numeric order ("2" before "10"), other strings sorted as sklearn's LabelEncoder does.
- Datasets with 784 features are 28×28 images (MNIST and its drop-in replacements): they are
  reshaped to (n, 28, 28), and kept as uint8 when the pixels are integers in 0..255.
- Missing feature values are refused (no model here imputes them).
- A relative `data_home` is read from the manifest's folder; `~` is expanded.
- Parsing: sklearn's pandas ARFF parser first (fast), with pandas inferring every column's type
  (`read_csv_kwargs={"dtype": None}`) instead of sklearn's `dtype="category"` for nominal ones:
  with pandas 3 that category dtype gets integer categories for values that look like numbers
  (MNIST's classes "0".."9") and sklearn's parser then fails on them. Inferred, such a class is
  an integer column, which `encode_target` reads as well as strings; single quotes around
  nominal strings, which sklearn strips from categories only, are stripped there. Should the
  pandas parser fail anyway, sklearn's pure-Python liac-arff parser is tried (about ten times
  slower: minutes for MNIST's 70,000 rows).
- The cache is never deleted: sklearn removes a cached file whose parsing fails and downloads it
  again, which would lose an offline user's only copy for what is a parser problem. The fetch
  runs with that clean-up disabled, and a file that cannot be read is named in the error.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.error import URLError

import numpy as np
from sklearn.datasets import fetch_openml

from reportgen.data.base import RawData
from reportgen.errors import DataError
from reportgen.manifest import OpenmlDataset

FASHION_MNIST = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot"]
# kmnist_classmap.csv and k49_classmap.csv (github.com/rois-codh/kmnist), in index order.
KUZUSHIJI_MNIST = list("おきすつなはまやれを")
KUZUSHIJI_49 = list("あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめも"
                    "やゆよらりるれろわゐゑをんゝ")  # ゝ: the iteration mark, class 48
KNOWN_CLASSES = {
    "mnist_784": [str(d) for d in range(10)],
    "fashion-mnist": FASHION_MNIST,
    "kuzushiji-mnist": KUZUSHIJI_MNIST,
    "kuzushiji-49": KUZUSHIJI_49,
}
IMAGE_FEATURES = 28 * 28


class NotCached(URLError):
    """Raised instead of opening `url` while only the cache may be read."""

    def __init__(self, url: str) -> None:
        super().__init__(f"not cached: {url}")
        self.url = url


@contextmanager
def cache_only() -> Iterator[None]:
    """Make `fetch_openml` read its cache only: any download raises NotCached."""
    from sklearn.datasets import _openml

    original = getattr(_openml, "urlopen", None)
    if original is None:  # sklearn moved its opener; fall back to its own behaviour
        yield
        return

    def refuse(request: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotCached(getattr(request, "full_url", str(request)))

    _openml.urlopen = refuse
    try:
        with warnings.catch_warnings():
            # sklearn warns "A network error occurred ... Retrying" before its one retry.
            warnings.filterwarnings("ignore", message="A network error occurred")
            yield
    finally:
        _openml.urlopen = original


@contextmanager
def keep_cache() -> Iterator[None]:
    """Make `fetch_openml` leave its cached files in place when reading them fails."""
    from sklearn.datasets import _openml

    original = getattr(_openml, "_retry_with_clean_cache", None)
    if original is None:  # sklearn changed its retry; nothing of ours to switch off
        yield
        return

    def no_clean(*args: Any, **kwargs: Any) -> Any:
        return lambda function: function  # run once; let the error through

    _openml._retry_with_clean_cache = no_clean
    try:
        yield
    finally:
        _openml._retry_with_clean_cache = original


def describe(spec: OpenmlDataset) -> str:
    if spec.name is None:
        return f"id {spec.id}"
    return f"{spec.name!r}" + (f" version {spec.version}" if spec.version else "")


def load(spec: OpenmlDataset, base_dir: Path, where: str = "dataset") -> RawData:
    if spec.id is not None and spec.version is not None:
        raise DataError(f"{where}.version: an OpenML id names one version already; give "
                        f"`version` with `name`, or the id of that version")
    data_home = base_dir / Path(spec.data_home).expanduser()
    bunch = _fetch(spec, data_home, where)
    x = _features(bunch, spec, where)
    name = str((bunch.get("details") or {}).get("name") or spec.name or "")
    y, classes = encode_target(bunch.get("target"), KNOWN_CLASSES.get(name.lower()),
                               f"{where}: OpenML dataset {describe(spec)}")
    return RawData(classes=classes, x=x, y=y)


def _fetch(spec: OpenmlDataset, data_home: Path, where: str) -> Any:
    label, cache = describe(spec), data_home / "openml"
    kwargs: dict[str, Any] = dict(name=spec.name, data_id=spec.id, data_home=str(data_home),
                                  as_frame=False, parser="auto")
    if spec.version is not None:
        kwargs["version"] = spec.version
    if not spec.download:
        kwargs.update(n_retries=1, delay=0.01)  # a refused download is not worth waiting for
    not_cached = DataError(f"{where}: OpenML dataset {label} is not cached in {cache} and "
                           f"download = false; set `download = true` when online to fetch and "
                           f"cache it, or set data_home to the folder that holds the cache")
    if not spec.download and not cache.is_dir():
        raise not_cached  # before sklearn creates folders in data_home
    try:
        return _fetch_parsed(kwargs, spec.download)
    except NotCached:
        raise not_cached from None
    except URLError as exc:
        raise DataError(f"{where}: cannot download OpenML dataset {label} ({_reason(exc)}) and "
                        f"it is not cached in {cache}; fetch it once when online, or set "
                        f"data_home to the folder that holds the cache") from None
    except ParseFailure as exc:
        raise DataError(f"{where}: cannot read OpenML dataset {label} from its cache in {cache} "
                        f"({exc}); the cached files were left in place") from None
    except ValueError as exc:  # OpenMLError (unknown name/id) is a ValueError too
        raise DataError(f"{where}: cannot load OpenML dataset {label} ({_reason(exc)})") from None
    except OSError as exc:
        raise DataError(f"{where}: cannot read the OpenML cache in {cache} ({_reason(exc)})") \
            from None


class ParseFailure(Exception):
    """Both ARFF parsers failed on the cached data; the message says how."""


def _fetch_parsed(kwargs: dict[str, Any], download: bool) -> Any:
    """`fetch_openml` with the pandas parser, then liac-arff; the cache kept either way."""
    from sklearn.datasets._openml import OpenMLError

    failures: list[str] = []
    # sklearn passes read_csv_kwargs to its pandas parser only (sparse ARFF uses liac-arff)
    attempts = ({"parser": "auto", "read_csv_kwargs": {"dtype": None}}, {"parser": "liac-arff"})
    for attempt in attempts:
        parser = attempt["parser"]
        try:
            with keep_cache():
                if download:
                    return fetch_openml(**{**kwargs, **attempt})
                with cache_only():
                    return fetch_openml(**{**kwargs, **attempt})
        except (URLError, OpenMLError, OSError):
            raise  # not a parser's doing: no second parser can help
        except Exception as exc:  # the parsers raise TypeError, ValueError, ParserError, ...
            name = "pandas parser" if parser == "auto" else "liac-arff parser"
            failures.append(f"{name}: {type(exc).__name__}: {_reason(exc)}")
            if _is_checksum_error(exc):
                raise ParseFailure(_reason(exc)) from None
    raise ParseFailure("; ".join(failures))


def _is_checksum_error(exc: BaseException) -> bool:
    return isinstance(exc, ValueError) and "md5 checksum" in str(exc)


def _features(bunch: Any, spec: OpenmlDataset, where: str) -> np.ndarray:
    data = bunch.data
    if hasattr(data, "toarray"):  # sparse ARFF
        data = data.toarray()
    try:
        x = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{where}: OpenML dataset {describe(spec)} has non-numeric features; "
                        f"only numeric ones are supported") from None
    if x.ndim != 2:
        raise DataError(f"{where}: OpenML dataset {describe(spec)} gave features of shape "
                        f"{x.shape}, expected (samples, features)")
    if n_missing := int(np.isnan(x).any(axis=0).sum()):
        raise DataError(f"{where}: OpenML dataset {describe(spec)} has missing values in "
                        f"{n_missing} features; impute them and use a `files` dataset")
    if x.shape[1] != IMAGE_FEATURES:
        return x.astype(np.float32)
    images = x.reshape(len(x), 28, 28)
    if images.size and images.min() >= 0 and images.max() <= 255 \
            and np.array_equal(images, np.round(images)):
        return images.astype(np.uint8)
    return images.astype(np.float32)


def encode_target(target: Any, known: list[str] | None,
                  where: str) -> tuple[np.ndarray, list[str]]:
    """Class indices 0..k-1 and their names, from OpenML target values."""
    if target is None:
        raise DataError(f"{where} has no default target column")
    values = np.asarray(target)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise DataError(f"{where} has {values.shape[1]} target columns; one is supported")
    if values.dtype.kind in "OU":  # ARFF's single quotes, which pandas keeps: 'a' → a
        values = np.array([_unquoted(v) if isinstance(v, str) else v for v in values],
                          dtype=object)
    ints = _as_integers(values)
    if ints is not None and known is not None and ints.min() >= 0 and ints.max() < len(known):
        return ints, list(known)
    if ints is not None:
        uniques, y = np.unique(ints, return_inverse=True)
        return y.astype(np.int64), [str(v) for v in uniques]
    uniques, y = np.unique(values.astype(str), return_inverse=True)
    return y.astype(np.int64), [str(v) for v in uniques]


def _unquoted(value: str) -> str:
    """'tested_positive' → tested_positive."""
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value


def _as_integers(values: np.ndarray) -> np.ndarray | None:
    if len(values) == 0:
        return None
    if values.dtype.kind in "iu":
        return values.astype(np.int64)
    try:
        numbers = values.astype(np.float64)
    except (TypeError, ValueError):
        return None
    if not np.all(np.isfinite(numbers)) or not np.array_equal(numbers, np.round(numbers)):
        return None
    return numbers.astype(np.int64)


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    text = " ".join(str(reason if reason is not None else exc).split())
    return text or type(exc).__name__
