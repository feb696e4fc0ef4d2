"""sklearn and files sources, splits and preprocessing, through `load_dataset` as the runner calls
it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn import datasets as skdatasets

from reportgen import manifest
from reportgen.data import load_dataset
from reportgen.data.splits import split_indices
from reportgen.errors import DataError
from reportgen.manifest import SplitSpec

N_DIGITS = 1797


def dataset_spec(body: str):
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


def load(body: str, base_dir: Path = Path(".")):
    return load_dataset("d", dataset_spec(body), base_dir)


def sizes(data) -> dict[str, int]:
    return {name: len(split) for name, split in data.splits.items()}


def data_error(body: str, base_dir: Path) -> str:
    with pytest.raises(DataError) as info:
        load(body, base_dir)
    message = str(info.value)
    assert "\n" not in message
    return message


# ---------------------------------------------------------------- sklearn + split sizes
@pytest.mark.parametrize(("split", "expected"), [
    # train given: every part is of the whole (round(359.4) = 359); fractions adding up to 1
    # use every sample, so train takes what rounding left (1797 - 2 * 359)
    ("{ train = 0.6, val = 0.2, test = 0.2 }", {"train": 1079, "val": 359, "test": 359}),
    # train not given: test of the whole, val of the rest (round(0.25 * 1438) = 360)
    ("{ test = 0.2, val = 0.25 }", {"train": 1078, "val": 360, "test": 359}),
    ("{ test = 300, val = 200 }", {"train": 1297, "val": 200, "test": 300}),
    ("{ train = 1000, val = 200, test = 300 }", {"train": 1000, "val": 200, "test": 300}),
    ("{ test = 297, val = 0.2 }", {"train": 1200, "val": 300, "test": 297}),
    ("{ val = 0.1, test = 0.1, train = 0.5 }", {"train": 898, "val": 180, "test": 180}),
])
def test_digits_split_sizes(split, expected):
    data = load(f"source = 'sklearn'\nname = 'digits'\nsplit = {split}")
    assert sizes(data) == expected
    assert data.input_shape == (8, 8) and data.classes == [str(d) for d in range(10)]


def test_default_split_and_no_val_or_test():
    assert sizes(load("source = 'sklearn'\nname = 'iris'")) == {"train": 96, "val": 24,
                                                                 "test": 30}
    data = load("source = 'sklearn'\nname = 'wine'\nsplit = { val = 0.2 }")
    assert set(data.splits) == {"train", "val", "test"}
    spec = SplitSpec(val=0.2, test=None)
    assert set(split_indices(np.zeros(50, dtype=np.int64), spec, "w")) == {"train", "val"}


def test_split_asking_for_too_many_samples():
    message = data_error("source = 'sklearn'\nname = 'iris'\n"
                         "split = { train = 100, val = 40, test = 20 }", Path("."))
    assert message.startswith("datasets.d: split asks for 100 train + 40 val + 20 test")
    assert "has 150" in message


def test_splits_are_disjoint_and_cover_the_dataset():
    y = skdatasets.load_digits().target
    parts = split_indices(y, SplitSpec(test=0.2, val=0.25), "w")
    joined = np.concatenate(list(parts.values()))
    assert len(joined) == len(set(joined.tolist())) == N_DIGITS


def test_stratified_split_keeps_class_proportions():
    y = skdatasets.load_breast_cancer().target  # 212 malignant / 357 benign
    overall = np.bincount(y) / len(y)
    for split, idx in split_indices(y, SplitSpec(test=0.2, val=0.25, seed=3), "w").items():
        share = np.bincount(y[idx], minlength=2) / len(idx)
        assert np.abs(share - overall).max() < 0.01, split


def test_split_seed_decides_the_split_and_repeats():
    body = "source = 'sklearn'\nname = 'digits'\nsplit = {{ seed = {} }}"
    assert load(body.format(1)).fingerprint == load(body.format(1)).fingerprint
    assert load(body.format(1)).fingerprint != load(body.format(2)).fingerprint


def test_unshuffled_split_takes_the_last_samples_in_order():
    """Keras validation_split: train | val | test in file order, nothing shuffled."""
    x = skdatasets.load_digits().data.reshape(-1, 8, 8).astype(np.float32)
    data = load("source = 'sklearn'\nname = 'digits'\n"
                "split = { test = 297, val = 0.2, shuffle = false }")
    np.testing.assert_array_equal(data.splits["train"].x, x[:1200])
    np.testing.assert_array_equal(data.splits["val"].x, x[1200:1500])
    np.testing.assert_array_equal(data.splits["test"].x, x[1500:])
    no_test = load("source = 'sklearn'\nname = 'digits'\n"
                   "split = { val = 0.25, test = 0.0001, shuffle = false }")
    np.testing.assert_array_equal(no_test.splits["val"].x, x[N_DIGITS - 449:])


# ---------------------------------------------------------------- preprocessing
def test_standard_scaling_is_fitted_on_train_only():
    data = load("source = 'sklearn'\nname = 'breast_cancer'\npreprocess = 'standard'")
    train, val = data.splits["train"].x, data.splits["val"].x
    np.testing.assert_allclose(train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(train.std(axis=0), 1, atol=1e-4)
    assert np.abs(val.mean(axis=0)).max() > 0.01  # val keeps train's shift, not its own
    assert train.dtype == val.dtype == np.float32


def test_minmax_uses_train_range():
    data = load("source = 'sklearn'\nname = 'wine'\npreprocess = 'minmax'\n"
                "split = { test = 0.3, val = 0.3, seed = 5 }")
    train = data.splits["train"].x
    assert train.min() == 0 and train.max() == 1
    others = np.concatenate([data.splits["val"].x, data.splits["test"].x])
    assert others.min() < 0 or others.max() > 1  # outside train's range, not clipped


def test_divide255_and_none():
    raw = skdatasets.load_digits().data.reshape(-1, 8, 8)
    spec = "source = 'sklearn'\nname = 'digits'\nsplit = {{ shuffle = false }}\npreprocess = '{}'"
    none = load(spec.format("none"))
    np.testing.assert_array_equal(none.splits["train"].x, raw[:len(none.splits["train"])])
    scaled = load(spec.format("divide255"))
    np.testing.assert_allclose(scaled.splits["train"].x * 255, none.splits["train"].x,
                               rtol=1e-5)
    assert none.preprocess == "none" and scaled.preprocess == "divide255"


# ---------------------------------------------------------------- files source
@pytest.fixture
def blobs() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 20)
    x = rng.normal(size=(60, 4)) + y[:, None]
    return x.astype(np.float32), y


def files_body(x: str, y: str, extra: str = "") -> str:
    return f"source = 'files'\nx = '{x}'\ny = '{y}'\n{extra}"


def test_files_npy(tmp_path, blobs):
    x, y = blobs
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    data = load(files_body("x.npy", "y.npy", "split = { train = 0.6, val = 0.2, test = 0.2 }"),
                tmp_path)
    assert sizes(data) == {"train": 36, "val": 12, "test": 12}
    assert data.classes == ["0", "1", "2"] and data.input_shape == (4,)


def test_files_npz_named_and_first_arrays(tmp_path, blobs):
    x, y = blobs
    np.savez(tmp_path / "named.npz", other=np.zeros(3), x=x, y=y)
    np.savez(tmp_path / "plain_x.npz", x)
    np.savez(tmp_path / "plain_y.npz", y)
    named = load(files_body("named.npz", "named.npz"), tmp_path)
    plain = load(files_body("plain_x.npz", "plain_y.npz"), tmp_path)
    assert named.fingerprint == plain.fingerprint and named.n_features == 4


def test_files_csv_with_header_and_string_labels(tmp_path, blobs):
    x, y = blobs
    names = np.array(["perro", "gato", "ave"])[y]
    header = ",".join(f"f{i}" for i in range(4))
    np.savetxt(tmp_path / "x.csv", x, delimiter=",", header=header, comments="")
    (tmp_path / "y.csv").write_text("label\n" + "\n".join(names) + "\n", encoding="utf-8")
    data = load(files_body("x.csv", "y.csv", "split = { shuffle = false }"), tmp_path)
    assert sum(sizes(data).values()) == 60  # the header rows are not samples
    assert data.classes == ["ave", "gato", "perro"]  # sorted, as LabelEncoder
    first_train = names[:len(data.splits["train"])]
    np.testing.assert_array_equal(np.array(data.classes)[data.splits["train"].y], first_train)


def test_files_csv_without_header(tmp_path, blobs):
    x, y = blobs
    np.savetxt(tmp_path / "x.csv", x, delimiter=",")
    np.savetxt(tmp_path / "y.csv", y, fmt="%d")
    data = load(files_body("x.csv", "y.csv"), tmp_path)
    assert sum(sizes(data).values()) == 60 and data.classes == ["0", "1", "2"]


def test_files_classes_override(tmp_path, blobs):
    x, y = blobs
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    data = load(files_body("x.npy", "y.npy", f"classes = {json.dumps(['あ', 'い', 'う'])}"),
                tmp_path)
    assert data.classes == ["あ", "い", "う"]
    message = data_error(files_body("x.npy", "y.npy", "classes = ['a', 'b']"), tmp_path)
    assert "2 names" in message and "3 classes" in message


def test_files_one_hot_labels(tmp_path, blobs):
    x, y = blobs
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", np.eye(3)[y])
    data = load(files_body("x.npy", "y.npy", "split = { shuffle = false }"), tmp_path)
    np.testing.assert_array_equal(data.splits["train"].y, y[:len(data.splits["train"])])


def test_files_predict_set_and_shape(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, size=(40, 16)).astype(np.float32)
    y = np.arange(40) % 4
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", rng.integers(0, 256, size=(7, 16)).astype(np.float32))
    data = load(files_body("x.npy", "y.npy", "predict = 'p.npy'\nshape = [4, 4]\n"
                                             "preprocess = 'standard'"), tmp_path)
    assert data.input_shape == (4, 4) and data.predict_x.shape == (7, 4, 4)
    assert data.predict_x.dtype == np.float32
    assert abs(float(data.predict_x.mean())) < 1  # scaled with train's statistics
    message = data_error(files_body("x.npy", "y.npy", "shape = [5, 5]"), tmp_path)
    assert "cannot be reshaped to (5, 5)" in message


def test_files_missing_file(tmp_path, blobs):
    np.save(tmp_path / "x.npy", blobs[0])
    message = data_error(files_body("x.npy", "labels.npy"), tmp_path)
    assert "not found" in message and str(tmp_path / "labels.npy") in message


def test_files_length_mismatch_and_bad_type(tmp_path, blobs):
    x, y = blobs
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y[:10])
    assert "60 samples" in data_error(files_body("x.npy", "y.npy"), tmp_path)
    (tmp_path / "x.txt").write_text("1 2 3")
    assert "unsupported file type" in data_error(files_body("x.txt", "y.npy"), tmp_path)


def test_csv_of_string_labels_without_header_keeps_every_label(tmp_path):
    from reportgen.data.files_source import read_array

    (tmp_path / "y.csv").write_text("cat\ndog\ncat\nbird\n")
    (tmp_path / "y_named.csv").write_text("label\ncat\ndog\ncat\n")
    assert list(read_array(tmp_path / "y.csv", "y")) == ["cat", "dog", "cat", "bird"]
    assert list(read_array(tmp_path / "y_named.csv", "y")) == ["cat", "dog", "cat"]
