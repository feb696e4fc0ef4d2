"""The real `fetch_openml` reading a cache written in OpenML's on-disk format (benchmarks/
lab_data.py): gzipped JSON API answers and a gzipped ARFF whose class values are unquoted numbers,
as OpenML serves MNIST. No mock of fetch_openml; sklearn's URL opener refuses any download."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import _openml

from benchmarks.lab_data import mnist_like, openml_arff, write_openml_cache, write_openml_images
from reportgen import manifest
from reportgen.data import load_dataset, openml_source
from reportgen.errors import DataError


def spec(body: str):
    text = f"[report]\ntitle = 't'\n\n[datasets.d]\n{body}\n\n[[studies]]\nid = 's'\ndataset = 'd'\n"
    return manifest.loads(text).datasets["d"]


def snapshot(home: Path) -> dict[str, bytes]:
    return {str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*"))
            if p.is_file()}


@pytest.fixture
def no_network(monkeypatch):
    def refuse(request, *args, **kwargs):
        raise AssertionError(f"tried to open {getattr(request, 'full_url', request)}")

    monkeypatch.setattr(_openml, "urlopen", refuse)


def test_mnist_cache_with_unquoted_numeric_classes_loads_offline(tmp_path):
    home = tmp_path / "sk"
    write_openml_images(home, "mnist_784", 554, 40)
    x, y = mnist_like(40)
    arff = gzip.decompress(next(home.rglob("mnist_784.arff.gz")).read_bytes()).decode()
    assert "@ATTRIBUTE class {0,1,2,3,4,5,6,7,8,9}" in arff and arff.rstrip().endswith(",9")
    before = snapshot(home)
    raw = openml_source.load(spec("source = 'openml'\nname = 'mnist_784'\ndata_home = 'sk'\n"
                                  "download = false"), tmp_path, "datasets.d")
    assert raw.classes == [str(d) for d in range(10)]
    np.testing.assert_array_equal(raw.y, y)
    assert raw.x.shape == (40, 28, 28) and raw.x.dtype == np.uint8
    np.testing.assert_array_equal(raw.x.reshape(40, -1), x)
    assert snapshot(home) == before  # nothing deleted, nothing rewritten


def test_download_true_reads_a_complete_cache_without_connecting(tmp_path, no_network):
    write_openml_images(tmp_path / "sk", "mnist_784", 554, 30)
    ds = load_dataset("d", spec("source = 'openml'\nname = 'mnist_784'\ndata_home = 'sk'\n"
                                "split = { val = 5, test = 5 }"), tmp_path)
    assert ds.input_shape == (28, 28) and [len(ds.splits[s]) for s in ("train", "val", "test")] \
        == [20, 5, 5]


def test_fashion_mnist_by_id_and_by_name_with_version(tmp_path, no_network):
    write_openml_images(tmp_path / "sk", "Fashion-MNIST", 40996, 30)
    by_id = openml_source.load(spec("source = 'openml'\nid = 40996\ndata_home = 'sk'\n"
                                    "download = false"), tmp_path)
    assert by_id.classes == openml_source.FASHION_MNIST
    by_name = openml_source.load(spec("source = 'openml'\nname = 'Fashion-MNIST'\nversion = 1\n"
                                      "data_home = 'sk'\ndownload = false"), tmp_path)
    np.testing.assert_array_equal(by_name.y, by_id.y)


def test_corrupt_arff_is_named_in_one_line_and_kept(tmp_path):
    x, y = mnist_like(20)
    labels = [str(v) for v in y]
    bad = openml_arff("mnist_784", x, labels, [str(c) for c in range(10)]).replace(b",3\n", b",4\n")
    files = write_openml_cache(tmp_path / "sk", "mnist_784", 554, x, labels, arff=bad)
    with pytest.raises(DataError) as err:
        openml_source.load(spec("source = 'openml'\nname = 'mnist_784'\ndata_home = 'sk'\n"
                                "download = false"), tmp_path, "datasets.d")
    message = str(err.value)
    assert "\n" not in message and message.startswith("datasets.d: cannot read OpenML dataset")
    assert "md5" in message and str(files["arff"]) in message
    assert "left in place" in message and files["arff"].read_bytes() == gzip.compress(bad, mtime=0)


def test_unparseable_arff_reports_both_parsers_and_keeps_the_cache(tmp_path):
    x, y = mnist_like(10)
    labels = [str(v) for v in y]
    # Rows one value short: the md5 matches (the description is written for this file), but
    # neither parser can read it.
    short = openml_arff("mnist_784", x[:, :-1], labels, [str(c) for c in range(10)])
    short = short.replace(b"@ATTRIBUTE pixel783 NUMERIC\n",
                          b"@ATTRIBUTE pixel783 NUMERIC\n@ATTRIBUTE pixel784 NUMERIC\n")
    home = tmp_path / "sk"
    write_openml_cache(home, "mnist_784", 554, x, labels)
    arff_file = next(home.rglob("mnist_784.arff.gz"))
    arff_file.write_bytes(gzip.compress(short, mtime=0))
    _rewrite_md5(home, 554, short)
    before = snapshot(home)
    with pytest.raises(DataError) as err:
        openml_source.load(spec("source = 'openml'\nname = 'mnist_784'\ndata_home = 'sk'\n"
                                "download = false"), tmp_path, "datasets.d")
    message = str(err.value)
    assert "\n" not in message and "pandas parser" in message and "liac-arff parser" in message
    assert snapshot(home) == before


def _rewrite_md5(home: Path, data_id: int, arff: bytes) -> None:
    import hashlib
    import json

    path = home / "openml" / "openml.org" / "api" / "v1" / "json" / "data" / f"{data_id}.gz"
    content = json.loads(gzip.decompress(path.read_bytes()))
    content["data_set_description"]["md5_checksum"] = hashlib.md5(arff).hexdigest()
    path.write_bytes(gzip.compress(json.dumps(content).encode(), mtime=0))


def test_quoted_nominal_classes_lose_their_quotes(tmp_path):
    x = np.arange(24, dtype=float).reshape(8, 3)
    labels = ["'tested_positive'", "'tested_negative'"] * 4
    write_openml_cache(tmp_path / "sk", "diabetes", 37, x, labels,
                       ["'tested_negative'", "'tested_positive'"])
    raw = openml_source.load(spec("source = 'openml'\nname = 'diabetes'\ndata_home = 'sk'\n"
                                  "download = false"), tmp_path)
    assert raw.classes == ["tested_negative", "tested_positive"]
    np.testing.assert_array_equal(raw.y, [1, 0] * 4)


def test_quoted_numeric_classes_keep_numeric_order():
    y, names = openml_source.encode_target(np.array(["'10'", "'2'", "'3'"], dtype=object), None,
                                           "w")
    assert names == ["2", "3", "10"] and y.tolist() == [2, 0, 1]
