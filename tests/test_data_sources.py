"""The downloadable sources (medmnist, openml, torchvision), read from files the tests write in
the exact on-disk formats the real libraries read. Nothing here touches the network."""

from __future__ import annotations

import gzip
import hashlib
import json
import struct
import time
from pathlib import Path
from urllib.error import URLError

import medmnist
import numpy as np
import pytest
from sklearn.utils import Bunch

from reportgen import manifest
from reportgen.data import load_dataset, openml_source
from reportgen.errors import DataError

RETINA_SIZES = {"train": 1080, "val": 120, "test": 400}


def dataset_spec(body: str):
    """The spec of dataset `d`, through the real manifest loader."""
    text = f"""
[report]
title = "t"

[datasets.d]
{body}

[[studies]]
id = "s"
dataset = "d"
"""
    return manifest.loads(text).datasets["d"]


def load(body: str, base_dir: Path, name: str = "d"):
    return load_dataset(name, dataset_spec(body), base_dir)


def data_error(body: str, base_dir: Path, name: str = "d") -> str:
    with pytest.raises(DataError) as info:
        load(body, base_dir, name)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"datasets.{name}")
    return message


# ---------------------------------------------------------------- medmnist
def write_medmnist(path: Path, sizes: dict[str, int], shape: tuple[int, ...], n_classes: int,
                   seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """A .npz laid out as the medmnist package downloads it: {split}_images, {split}_labels."""
    rng = np.random.default_rng(seed)
    arrays, parts = {}, {}
    for split, n in sizes.items():
        images = rng.integers(0, 256, size=(n, *shape), dtype=np.uint8)
        labels = rng.integers(0, n_classes, size=(n, 1)).astype(np.uint8)  # (n, 1) as MedMNIST
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = images, labels
        parts[split] = (images, labels)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    return parts


@pytest.fixture(scope="module")
def retina_root(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("medmnist")
    parts = write_medmnist(root / "retinamnist.npz", RETINA_SIZES, (28, 28, 3), 5)
    return root, parts


def test_retinamnist_full_size_official_splits(retina_root):
    root, parts = retina_root
    data = load(f"source = 'medmnist'\nname = 'retinamnist'\nroot = '{root}'", Path("."),
                "retina")
    assert {s: len(split) for s, split in data.splits.items()} == RETINA_SIZES
    assert data.classes == ["0", "1", "2", "3", "4"]
    assert data.classes == [medmnist.INFO["retinamnist"]["label"][str(i)] for i in range(5)]
    assert data.input_shape == (28, 28, 3) and data.n_classes == 5
    assert data.preprocess == "divide255"
    for split, (images, labels) in parts.items():
        x, y = data.splits[split].x, data.splits[split].y
        assert x.dtype == np.float32 and y.dtype == np.int64 and y.shape == (len(images),)
        assert x.min() >= 0.0 and x.max() <= 1.0 and x.max() > 0.99
        np.testing.assert_array_equal(y, labels[:, 0])  # official order, (n, 1) → (n,)
        np.testing.assert_allclose(x, images / 255.0, rtol=1e-6)


def test_retinamnist_loads_the_same_twice(retina_root):
    root, _ = retina_root
    body = f"source = 'medmnist'\nname = 'RetinaMNIST'\nroot = '{root}'"  # case-insensitive
    assert load(body, Path(".")).fingerprint == load(body, Path(".")).fingerprint


def test_medmnist_class_names_override(retina_root):
    root, _ = retina_root
    names = ["No DR", "Mild", "Moderate", "Severe", "Proliferative"]
    data = load(f"source = 'medmnist'\nname = 'retinamnist'\nroot = '{root}'\n"
                f"classes = {json.dumps(names)}", Path("."))
    assert data.classes == names


def test_medmnist_grayscale_flag_and_larger_size(tmp_path):
    write_medmnist(tmp_path / "breastmnist_64.npz", {"train": 12, "val": 4, "test": 6},
                   (64, 64), 2)
    data = load(f"source = 'medmnist'\nname = 'breastmnist'\nsize = 64\nroot = '{tmp_path}'",
                Path("."))
    assert data.input_shape == (64, 64)
    assert data.classes == ["malignant", "normal, benign"]
    assert [len(data.splits[s]) for s in ("train", "val", "test")] == [12, 4, 6]


def test_medmnist_relative_root_and_home(tmp_path, monkeypatch):
    write_medmnist(tmp_path / "data" / "pneumoniamnist.npz", {"train": 6, "val": 2, "test": 2},
                   (28, 28), 2)
    body = "source = 'medmnist'\nname = 'pneumoniamnist'\nroot = '{}'"
    assert len(load(body.format("data"), tmp_path).splits["train"]) == 6  # manifest's folder
    monkeypatch.setenv("HOME", str(tmp_path))
    assert len(load(body.format("~/data"), Path("/")).splits["val"]) == 2


def test_chestmnist_is_refused_as_multi_label(tmp_path):
    message = data_error(f"source = 'medmnist'\nname = 'chestmnist'\nroot = '{tmp_path}'",
                         tmp_path, "chest")
    assert "chestmnist is multi-label" in message and "not supported" in message


def test_3d_flag_is_refused_listing_2d_flags(tmp_path):
    message = data_error(f"source = 'medmnist'\nname = 'organmnist3d'\nroot = '{tmp_path}'",
                         tmp_path)
    assert "3D" in message and "only 2D flags" in message and "retinamnist" in message


def test_unknown_flag_lists_the_2d_flags(tmp_path):
    message = data_error(f"source = 'medmnist'\nname = 'retinamnst'\nroot = '{tmp_path}'",
                         tmp_path)
    assert message.startswith("datasets.d.name: unknown MedMNIST flag 'retinamnst'")
    assert "pathmnist" in message and "retinamnist" in message and "3d" not in message
    assert "chestmnist" not in message  # listed flags are the ones that load


def test_missing_medmnist_file_names_path_and_how_to_get_it(tmp_path):
    message = data_error(f"source = 'medmnist'\nname = 'retinamnist'\nroot = '{tmp_path}'",
                         tmp_path, "retina")
    assert message == (f"datasets.retina: {tmp_path / 'retinamnist.npz'} not found; download it "
                       f"with `download = true` when online or from "
                       f"https://zenodo.org/records/10519652 into {tmp_path}")


def test_missing_larger_size_names_its_own_file(retina_root):
    root, _ = retina_root  # holds only the 28×28 file
    message = data_error(f"source = 'medmnist'\nname = 'retinamnist'\nsize = 128\n"
                         f"root = '{root}'", root)
    assert str(root / "retinamnist_128.npz") in message


def test_medmnist_file_without_its_arrays(tmp_path):
    np.savez(tmp_path / "dermamnist.npz", train_images=np.zeros((2, 28, 28, 3), np.uint8))
    message = data_error(f"source = 'medmnist'\nname = 'dermamnist'\nroot = '{tmp_path}'",
                         tmp_path)
    assert "not a MedMNIST file" in message


def test_medmnist_damaged_or_wrong_size_file(tmp_path):
    (tmp_path / "octmnist.npz").write_bytes(b"not a zip archive")
    message = data_error(f"source = 'medmnist'\nname = 'octmnist'\nroot = '{tmp_path}'",
                         tmp_path)
    assert f"cannot read {tmp_path / 'octmnist.npz'}" in message
    write_medmnist(tmp_path / "octmnist_64.npz", {"train": 2, "val": 2, "test": 2}, (28, 28), 4)
    message = data_error(f"source = 'medmnist'\nname = 'octmnist'\nsize = 64\n"
                         f"root = '{tmp_path}'", tmp_path)
    assert "shape (28, 28), not 64×64" in message


def test_medmnist_download_failure_is_one_line(tmp_path, monkeypatch):
    import torchvision.datasets.utils

    def offline(*args, **kwargs):
        raise URLError("no network")

    monkeypatch.setattr(torchvision.datasets.utils, "download_url", offline)
    root = tmp_path / "new"
    message = data_error(f"source = 'medmnist'\nname = 'bloodmnist'\nroot = '{root}'\n"
                         f"download = true", tmp_path)
    assert "could not download bloodmnist.npz" in message and "zenodo.org" in message


# ---------------------------------------------------------------- openml
class FakeFetch:
    """Stands in for sklearn's fetch_openml: records its arguments, returns a Bunch like it."""

    def __init__(self, data: np.ndarray, target: np.ndarray, name: str) -> None:
        self.bunch = Bunch(data=data, target=target, frame=None, categories=None,
                           feature_names=[f"pixel{i + 1}" for i in range(data.shape[1])],
                           target_names=["class"], DESCR="", details={"name": name},
                           url="https://www.openml.org/d/1")
        self.calls: list[dict] = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        return self.bunch


def image_bunch(n: int, n_classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, size=(n, 784)).astype(np.float64)  # as fetch_openml returns
    target = np.array([str(i % n_classes) for i in range(n)], dtype=object)
    return data, target


def test_openml_mnist_784_images(tmp_path, monkeypatch):
    data, target = image_bunch(100, 10)
    fake = FakeFetch(data, target, "mnist_784")
    monkeypatch.setattr(openml_source, "fetch_openml", fake)
    ds = load(f"source = 'openml'\nname = 'mnist_784'\ndata_home = '{tmp_path}'\n"
              f"split = {{ test = 20, val = 0.25 }}", Path("."), "mnist")
    assert [len(ds.splits[s]) for s in ("train", "val", "test")] == [60, 20, 20]
    assert ds.input_shape == (28, 28) and ds.classes == [str(d) for d in range(10)]
    x = ds.splits["train"].x
    assert x.dtype == np.float32 and x.min() >= 0 and x.max() <= 1 and x.max() > 0.99
    call = fake.calls[0]
    assert call["name"] == "mnist_784" and call["data_id"] is None
    assert call["data_home"] == str(tmp_path) and call["as_frame"] is False
    assert call["parser"] == "auto" and "version" not in call


def test_openml_fashion_mnist_by_id_gets_its_names(tmp_path, monkeypatch):
    data, target = image_bunch(50, 10)
    fake = FakeFetch(data, target, "Fashion-MNIST")
    monkeypatch.setattr(openml_source, "fetch_openml", fake)
    ds = load(f"source = 'openml'\nid = 40996\ndata_home = '{tmp_path}'", Path("."))
    assert ds.classes == openml_source.FASHION_MNIST and ds.classes[0] == "T-shirt/top"
    assert ds.classes[-1] == "Ankle boot" and fake.calls[0]["data_id"] == 40996


def test_openml_kuzushiji_49_names_in_numeric_label_order(tmp_path, monkeypatch):
    data, target = image_bunch(49 * 5, 49)
    fake = FakeFetch(data, target, "Kuzushiji-49")
    monkeypatch.setattr(openml_source, "fetch_openml", fake)
    raw = openml_source.load(dataset_spec(f"source = 'openml'\nname = 'Kuzushiji-49'\n"
                                          f"data_home = '{tmp_path}'"), Path("."), "k49")
    assert len(raw.classes) == 49 and raw.classes[0] == "あ" and raw.classes[-1] == "ゝ"
    assert raw.classes[44:48] == ["ゐ", "ゑ", "を", "ん"]
    np.testing.assert_array_equal(raw.y, [int(t) for t in target])  # "10" is class 10, not 2
    assert raw.x.shape == (245, 28, 28) and raw.x.dtype == np.uint8


def test_openml_tabular_string_targets(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    data = rng.normal(size=(60, 4))
    target = np.array(["tested_positive", "tested_negative"] * 30, dtype=object)
    fake = FakeFetch(data, target, "diabetes")
    monkeypatch.setattr(openml_source, "fetch_openml", fake)
    ds = load(f"source = 'openml'\nname = 'diabetes'\nversion = 1\ndata_home = '{tmp_path}'\n"
              f"preprocess = 'standard'", Path("."))
    assert ds.classes == ["tested_negative", "tested_positive"] and ds.input_shape == (4,)
    assert fake.calls[0]["version"] == 1


def test_openml_integer_targets_keep_numeric_order():
    y, names = openml_source.encode_target(np.array(["10", "2", "3", "2"]), None, "w")
    assert names == ["2", "3", "10"] and y.tolist() == [2, 0, 1, 0]


def test_openml_missing_feature_values(tmp_path, monkeypatch):
    data = np.ones((10, 3))
    data[2, 1] = np.nan
    monkeypatch.setattr(openml_source, "fetch_openml",
                        FakeFetch(data, np.array(["a", "b"] * 5), "x"))
    message = data_error(f"source = 'openml'\nname = 'x'\ndata_home = '{tmp_path}'", tmp_path)
    assert "missing values in 1 features" in message


def test_openml_download_failure(tmp_path, monkeypatch):
    def offline(**kwargs):
        raise URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(openml_source, "fetch_openml", offline)
    message = data_error(f"source = 'openml'\nname = 'mnist_784'\ndata_home = '{tmp_path}'",
                         tmp_path)
    assert "cannot download OpenML dataset 'mnist_784'" in message
    assert str(tmp_path / "openml") in message


def test_openml_unknown_dataset(tmp_path, monkeypatch):
    from sklearn.datasets._openml import OpenMLError

    def unknown(**kwargs):
        raise OpenMLError("No active dataset mnist_785 found.")

    monkeypatch.setattr(openml_source, "fetch_openml", unknown)
    message = data_error(f"source = 'openml'\nname = 'mnist_785'\ndata_home = '{tmp_path}'",
                         tmp_path)
    assert "No active dataset mnist_785 found." in message


def test_openml_id_with_version_is_refused(tmp_path):
    message = data_error(f"source = 'openml'\nid = 554\nversion = 1\ndata_home = '{tmp_path}'",
                         tmp_path)
    assert message.startswith("datasets.d.version:")


def test_openml_offline_with_nothing_cached_never_connects(tmp_path):
    """The real fetch_openml, download = false, empty cache: a clear error, no network."""
    home = tmp_path / "sk"
    start = time.monotonic()
    message = data_error(f"source = 'openml'\nname = 'mnist_784'\ndata_home = '{home}'\n"
                         f"download = false", tmp_path, "mnist")
    assert time.monotonic() - start < 5
    assert "'mnist_784' is not cached in" in message and str(home / "openml") in message
    assert "download = true" in message
    assert not home.exists()  # nothing written into data_home


def test_openml_offline_cache_miss_inside_an_existing_cache(tmp_path):
    """Other datasets cached, this one not: sklearn's own download is refused, not attempted."""
    write_openml_cache(tmp_path / "sk", "other", 1, np.zeros((3, 1)), ["a", "b", "a"])
    message = data_error("source = 'openml'\nname = 'mnist_784'\ndata_home = 'sk'\n"
                         "download = false", tmp_path)
    assert "'mnist_784' is not cached in" in message


def write_openml_cache(data_home: Path, name: str, data_id: int, x: np.ndarray,
                       y: list[str]) -> None:
    """The files sklearn's fetch_openml caches for one dense ARFF dataset, gzipped JSON + ARFF."""
    cache = data_home / "openml" / "openml.org"
    classes = sorted(set(y))
    arff = "\n".join([f"@RELATION {name}",
                      *[f"@ATTRIBUTE f{i} NUMERIC" for i in range(x.shape[1])],
                      f"@ATTRIBUTE class {{{','.join(classes)}}}", "@DATA",
                      *[",".join([*(f"{v:g}" for v in row), label]) for row, label in zip(x, y, strict=True)]])
    arff_bytes = (arff + "\n").encode()
    features = [{"index": str(i), "name": f"f{i}", "data_type": "numeric", "is_target": "false",
                 "is_ignore": "false", "is_row_identifier": "false",
                 "number_of_missing_values": "0"} for i in range(x.shape[1])]
    features.append({"index": str(x.shape[1]), "name": "class", "data_type": "nominal",
                     "nominal_value": classes, "is_target": "true", "is_ignore": "false",
                     "is_row_identifier": "false", "number_of_missing_values": "0"})
    description = {"id": str(data_id), "name": name, "version": "1", "format": "ARFF",
                   "file_id": "999", "status": "active", "description": "test data",
                   "url": f"https://api.openml.org/data/v1/download/999/{name}.arff",
                   "md5_checksum": hashlib.md5(arff_bytes).hexdigest(),
                   "default_target_attribute": "class"}
    files = {
        f"api/v1/json/data/list/data_name/{name}/limit/2/status/active/":
            {"data": {"dataset": [{"did": data_id, "name": name, "version": 1,
                                   "status": "active"}]}},
        f"api/v1/json/data/{data_id}": {"data_set_description": description},
        f"api/v1/json/data/features/{data_id}": {"data_features": {"feature": features}},
        f"api/v1/json/data/qualities/{data_id}":
            {"data_qualities": {"quality": [{"name": "NumberOfInstances",
                                             "value": f"{len(x)}.0"}]}},
    }
    for path, content in files.items():
        target = cache / (path + ".gz")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(gzip.compress(json.dumps(content).encode()))
    data_file = cache / f"data/v1/download/999/{name}.arff.gz"
    data_file.parent.mkdir(parents=True, exist_ok=True)
    data_file.write_bytes(gzip.compress(arff_bytes))


def test_openml_reads_a_real_sklearn_cache_offline(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 10, size=(30, 3)).astype(float)
    y = ["b", "a", "c"] * 10
    write_openml_cache(tmp_path / "sk", "tiny-test", 4242, x, y)
    ds = load("source = 'openml'\nname = 'tiny-test'\ndata_home = 'sk'\ndownload = false\n"
              "preprocess = 'none'\nsplit = { val = 5, test = 5, shuffle = false }", tmp_path)
    assert ds.classes == ["a", "b", "c"] and ds.input_shape == (3,)
    np.testing.assert_array_equal(ds.splits["train"].x, x[:20])
    np.testing.assert_array_equal(ds.splits["test"].y, [{"a": 0, "b": 1, "c": 2}[c]
                                                        for c in y[25:]])
    by_id = load("source = 'openml'\nid = 4242\ndata_home = 'sk'\ndownload = false", tmp_path)
    assert by_id.classes == ds.classes


# ---------------------------------------------------------------- torchvision
def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX format: 0, 0, type code 0x08 (unsigned byte), ndim, big-endian int32 dims, data."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">i", d) for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_idx_dataset(root: Path, name: str, n_train: int, n_test: int,
                      seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    raw = root / name / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    written = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        (raw / f"{prefix}-images-idx3-ubyte").write_bytes(idx_bytes(images))
        (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(idx_bytes(labels))
        written[prefix] = (images, labels)
    return written


def test_torchvision_mnist_val_is_the_end_of_train(tmp_path):
    written = write_idx_dataset(tmp_path, "MNIST", 50, 20)
    ds = load(f"source = 'torchvision'\nname = 'MNIST'\nroot = '{tmp_path}'\nval = 0.2",
              Path("."), "mnist")
    assert [len(ds.splits[s]) for s in ("train", "val", "test")] == [40, 10, 20]
    assert ds.classes == [str(d) for d in range(10)] and ds.input_shape == (28, 28)
    images, labels = written["train"]
    np.testing.assert_allclose(ds.splits["val"].x, images[40:] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(ds.splits["train"].y, labels[:40])
    np.testing.assert_array_equal(ds.splits["test"].y, written["t10k"][1])
    assert ds.splits["test"].x.dtype == np.float32 and ds.splits["test"].x.max() <= 1


def test_torchvision_fashion_mnist_names_and_val_count(tmp_path):
    write_idx_dataset(tmp_path, "FashionMNIST", 30, 10)
    ds = load(f"source = 'torchvision'\nname = 'FashionMNIST'\nroot = '{tmp_path}'\nval = 5",
              Path("."))
    assert ds.classes[0] == "T-shirt/top" and ds.classes[-1] == "Ankle boot"
    assert [len(ds.splits[s]) for s in ("train", "val", "test")] == [25, 5, 10]


def test_torchvision_kmnist_relative_root(tmp_path):
    write_idx_dataset(tmp_path / "tv", "KMNIST", 20, 10)
    ds = load("source = 'torchvision'\nname = 'KMNIST'\nroot = 'tv'", tmp_path)
    assert ds.classes == ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
    assert [len(ds.splits[s]) for s in ("train", "val", "test")] == [18, 2, 10]


def test_torchvision_missing_files_name_the_folder(tmp_path):
    (tmp_path / "MNIST" / "raw").mkdir(parents=True)
    (tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte").write_bytes(b"")
    message = data_error(f"source = 'torchvision'\nname = 'MNIST'\nroot = '{tmp_path}'",
                         tmp_path, "mnist")
    assert f"MNIST not found in {tmp_path / 'MNIST' / 'raw'}" in message
    assert "missing train-labels-idx1-ubyte, t10k-images-idx3-ubyte" in message
    assert "download = true" in message


def test_torchvision_corrupt_idx_file(tmp_path):
    write_idx_dataset(tmp_path, "MNIST", 10, 10)
    (tmp_path / "MNIST" / "raw" / "t10k-images-idx3-ubyte").write_bytes(b"\x00\x00\x0d\x05junk")
    message = data_error(f"source = 'torchvision'\nname = 'MNIST'\nroot = '{tmp_path}'",
                         tmp_path)
    assert "cannot read MNIST" in message
