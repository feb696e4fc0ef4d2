"""Built-in class-name translations of the bundled datasets."""

import pytest
from sklearn import datasets as skdatasets

from reportgen.data.openml_source import FASHION_MNIST
from reportgen.manifest import FilesDataset, MedmnistDataset, SklearnDataset
from reportgen.report.class_names import CLASS_NAMES, class_name, class_names, for_dataset


def test_breast_cancer_in_spanish_and_english():
    names = [str(c) for c in skdatasets.load_breast_cancer().target_names]
    assert class_names("sklearn", "breast_cancer", names, "es") == ["maligno", "benigno"]
    assert class_names("sklearn", "breast_cancer", names, "en") == ["malignant", "benign"]


@pytest.mark.parametrize("name, loader", [("breast_cancer", skdatasets.load_breast_cancer),
                                          ("digits", skdatasets.load_digits),
                                          ("iris", skdatasets.load_iris),
                                          ("wine", skdatasets.load_wine)])
def test_every_sklearn_class_is_known(name, loader):
    names = [str(c) for c in loader().target_names]  # as sklearn_source names them
    assert class_names("sklearn", name, names, "es") is not None


@pytest.mark.parametrize("flag", sorted({n for s, n in CLASS_NAMES if s == "medmnist"}))
def test_medmnist_tables_cover_the_package_labels(flag):
    import medmnist

    labels = medmnist.INFO[flag]["label"]
    names = [labels[k] for k in sorted(labels, key=int)]
    es = class_names("medmnist", flag, names, "es")
    en = class_names("medmnist", flag, names, "en")
    assert es is not None and en is not None and len(set(es)) == len(names)


def test_retinamnist_grades_are_named():
    assert class_name("medmnist", "RetinaMNIST", "3", "es") == "3 (RDNP grave)"
    assert class_name("medmnist", "retinamnist", "0", "en") == "0 (no DR)"


def test_fashion_mnist_from_openml_and_torchvision():
    es = class_names("openml", "Fashion-MNIST", FASHION_MNIST, "es")
    assert es[0] == "camiseta" and es[-1] == "botín"
    assert class_names("torchvision", "FashionMNIST", FASHION_MNIST, "es") == es


def test_unknown_dataset_class_or_language_is_none():
    assert class_name("sklearn", "breast_cancer", "malignant", "fr") is None
    assert class_name("sklearn", "nope", "malignant", "es") is None
    assert class_name("sklearn", "breast_cancer", "other", "es") is None
    # one unknown name: no partial translation
    assert class_names("sklearn", "breast_cancer", ["malignant", "other"], "es") is None


def test_for_a_manifest_dataset():
    spec = SklearnDataset(source="sklearn", name="breast_cancer")
    assert for_dataset(spec, ["malignant", "benign"], "es") == ["maligno", "benigno"]
    retina = MedmnistDataset(source="medmnist", name="retinamnist")
    assert for_dataset(retina, ["0", "1"], "en") == ["0 (no DR)", "1 (mild NPDR)"]
    assert for_dataset(FilesDataset(source="files", x="x.npy", y="y.npy"), ["a"], "es") is None


# -- the manifest's `class_names = { es = [...], en = [...] }`
BREAST = """
[report]
title = "t"
[datasets.breast]
source = "sklearn"
name = "breast_cancer"
{extra}
[[studies]]
id = "s"
dataset = "breast"
model = {{ hidden = [4] }}
training = {{ epochs = 1 }}
"""


def test_class_names_of_both_languages_must_have_the_same_length():
    from reportgen.errors import ManifestError
    from reportgen.manifest import loads

    with pytest.raises(ManifestError, match=r"m\.toml:7: .*class_names.*es lists 2 names but "
                                            r"en lists 1") as err:
        loads(BREAST.format(extra='class_names = { es = ["M", "B"], en = ["bad"] }'),
              source="m.toml")
    assert "\n" not in str(err.value)


def test_class_names_must_match_the_class_count_of_the_data():
    from reportgen.data import preflight
    from reportgen.errors import ManifestError
    from reportgen.manifest import loads

    manifest = loads(BREAST.format(extra='class_names = { es = ["a", "b", "c"] }'),
                     source="m.toml")
    with pytest.raises(ManifestError, match=r"m\.toml:7: datasets\.breast\.class_names\.es: "
                                            r"lists 3 names but the data has 2 classes"):
        preflight.check(manifest)
    preflight.check(loads(BREAST.format(extra='class_names = { en = ["bad", "good"] }'),
                          source="m.toml"))  # one language is enough
