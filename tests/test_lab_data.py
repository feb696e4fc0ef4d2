"""benchmarks/lab_data.py writes data every loader reads as it reads the real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.lab_data import write_all
from reportgen import manifest
from reportgen.data import load_dataset


@pytest.fixture(scope="module")
def lab_data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lab-data")
    write_all(out, 120)
    return out


def load(body: str, base: Path):
    text = f"[report]\ntitle = 't'\n\n[datasets.d]\n{body}\n\n[[studies]]\nid = 's'\ndataset = 'd'\n"
    return load_dataset("d", manifest.loads(text).datasets["d"], base)


@pytest.mark.parametrize("name", ["mnist_784", "Fashion-MNIST"])
def test_openml_caches(lab_data, name):
    ds = load(f"source = 'openml'\nname = '{name}'\ndata_home = '{lab_data}'\ndownload = false\n"
              f"split = {{ test = 20, val = 0.25, shuffle = false }}", lab_data)
    assert ds.input_shape == (28, 28) and len(ds.classes) == 10
    assert sum(len(s) for s in ds.splits.values()) == 120


def test_medmnist_keeps_the_official_split_sizes(lab_data):
    ds = load(f"source = 'medmnist'\nname = 'retinamnist'\nroot = '{lab_data / 'medmnist'}'",
              lab_data)
    assert {s: len(v) for s, v in ds.splits.items()} == {"train": 1080, "val": 120, "test": 400}
    assert ds.input_shape == (28, 28, 3) and len(ds.classes) == 5


@pytest.mark.parametrize("name", ["MNIST", "FashionMNIST", "KMNIST"])
def test_torchvision_raw_files(lab_data, name):
    ds = load(f"source = 'torchvision'\nname = '{name}'\nroot = '{lab_data / 'torchvision'}'\n"
              f"val = 20", lab_data)
    assert {s: len(v) for s, v in ds.splits.items()} == {"train": 100, "val": 20, "test": 20}


def test_k49_course_arrays(lab_data):
    ds = load("source = 'files'\nx = 'k49/data/X_images.npy'\ny = 'k49/data/y_images.npy'\n"
              "predict = 'k49/data/X_COMP.npy'\nshape = [28, 28]\npreprocess = 'divide255'",
              lab_data)
    assert len(ds.classes) == 49 and ds.input_shape == (28, 28) and len(ds.predict_x) == 100


def test_scaled_lab_examples_point_at_the_written_data(lab_data):
    """benchmarks/lab_examples.py's copies: valid manifests, data under lab_data, short runs."""
    from benchmarks.lab_examples import lab_examples, scaled
    from reportgen.plan import expand

    assert len(lab_examples()) == 6
    for example in lab_examples():
        text = scaled(example.read_text(encoding="utf-8"), lab_data, 2, 2)
        spec = manifest.loads(text, example.name)
        the_plan = expand.expand(spec)
        assert all(r.config.training.epochs <= 3 for r in the_plan.runs), example.name
        assert all(t.max_epochs <= 2 for t in the_plan.searches), example.name
        for ds in spec.datasets.values():
            if ds.source == "openml":
                assert ds.data_home == str(lab_data) and not ds.download
            if ds.source == "medmnist":
                assert ds.root == str(lab_data / "medmnist")
            if ds.source == "files":
                assert ds.x.startswith(str(lab_data))
