"""Run labels and class names as a reader writes them, in Spanish and in English."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest

from reportgen.manifest import loads as load_manifest
from reportgen.report.build import build
from reportgen.report.localise import dataset_classes
from reportgen.report.model import ReportModel, Table
from reportgen.report.render import table_csv
from reportgen.report.run_labels import Label, Words, identity
from reportgen.store.records import DatasetSummary, TuningOrigin
from tests import report_fixtures as fx


def study(text: str):
    manifest = load_manifest(fx.MANIFEST + text, source="m.toml")
    return manifest.studies[-1]


@pytest.mark.parametrize(("lang", "sgd", "adam"), [
    ("es", "SGD, tasa 0,05, momento 0,9", "Adam, tasa 0,001"),
    ("en", "SGD, lr 0.05, momentum 0.9", "Adam, lr 0.001"),
])
def test_optimizer_labels_with_locale_numbers(lang: str, sgd: str, adam: str) -> None:
    words = Words(lang)
    assert words.setting("training.optimizer",
                         {"name": "sgd", "lr": 0.05, "momentum": 0.9}) == sgd
    assert words.setting("training.optimizer", {"name": "adam", "lr": 0.001}) == adam
    assert "Nesterov" in words.setting("training.optimizer", {"name": "sgd", "lr": 0.1,
                                                              "momentum": 0.9, "nesterov": True})


@pytest.mark.parametrize(("lang", "one", "two", "element", "l2", "act"), [
    ("es", "256 neuronas ocultas", "capas ocultas de 32 y 16", "capa 2: 64 neuronas",
     "L2 0,001", "inicialización He normal"),
    ("en", "256 hidden units", "hidden layers of 32 and 16", "layer 2: 64 units",
     "L2 0.001", "He normal initialisation"),
])
def test_settings_in_words(lang: str, one: str, two: str, element: str, l2: str,
                           act: str) -> None:
    words = Words(lang)
    assert words.setting("model.hidden", [256]) == one
    assert words.setting("model.hidden", [32, 16]) == two
    assert words.setting("model.hidden.1", 64) == element
    assert words.setting("model.l2", 0.001) == l2
    assert words.setting("model.init", "he_normal") == act
    assert words.setting("model.activation", "relu") == "ReLU"


def test_variant_title_is_the_label_and_its_name_the_identity() -> None:
    variants = study("""
[[studies]]
id = "reg"
dataset = "digits"
model = "mlp"
training = "base"
[[studies.variants]]
name = "none"
title = { es = "sin regularización", en = "no regularisation" }
[[studies.variants]]
name = "L2"
set = { "model.l2" = 0.001 }
""")
    base = fx.runs()["hidden-units"][0][0]
    none = dataclasses.replace(base, study_id="reg", label="none", varied={})
    l2 = dataclasses.replace(base, study_id="reg", label="L2", varied={"model.l2": 0.001})
    assert Words("es").run_label(none, variants) == "sin regularización"
    assert Words("en").run_label(none, variants) == "no regularisation"
    assert Words("es").run_label(l2, variants) == "L2"  # no title: the author's name


def test_seed_of_a_repeat_and_retrained_search_best() -> None:
    base = fx.runs()["hidden-units"][0][0]
    repeat = dataclasses.replace(base, label="hidden=16 · seed=14", seed=14,
                                 config_label="hidden=16")
    assert Words("es").run_label(repeat, None) == "16 neuronas ocultas · semilla 14"
    assert Words("en").run_label(repeat, None, with_seed=False) == "16 hidden units"
    best = dataclasses.replace(base, label="hyperband best", varied={"model.hidden": [128]},
                               tuning=TuningOrigin("t.json", "bayesian", 3, "val_loss", 0.1))
    assert Words("es").run_label(best, None) == "Búsqueda bayesiana (mejor ensayo)"
    assert Words("en").run_label(best, None) == "Bayesian search (best trial)"


def test_label_keeps_identity_through_pickling_and_csv() -> None:
    label = Label("64 neuronas ocultas", "hidden=64")
    assert pickle.loads(pickle.dumps(label)).identity == "hidden=64"
    assert identity(label) == "hidden=64" and identity("x") == "x"


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ReportModel]:
    results = fx.make_results(Path(tmp_path_factory.mktemp("store")))
    return {lang: build(results, lang) for lang in ("es", "en")}


def table(model: ReportModel, id: str) -> Table:
    return next(t for t in model.tables() if t.id == id)


def test_report_tables_show_words_and_csv_keeps_identities(models) -> None:
    runs = table(models["es"], "study-hidden-units-runs")
    assert [r[0].value for r in runs.rows] == ["16 neuronas ocultas", "64 neuronas ocultas",
                                               "256 neuronas ocultas"]
    assert "hidden=16" in table_csv(runs) and "neuronas" not in table_csv(runs)
    listing = table(models["es"], "runs")  # the appendix lists the identities diff matches on
    assert "hidden=64" in [r[2].value for r in listing.rows]


def test_no_stored_identity_in_spanish_prose(models) -> None:
    text = " ".join(b.text for s in models["es"].sections for b in s.blocks
                    if hasattr(b, "text"))
    assert "hidden=" not in text


@pytest.mark.parametrize(("lang", "expected"), [("es", ["maligno", "benigno"]),
                                                ("en", ["malignant", "benign"])])
def test_class_names_built_in_and_from_the_manifest(lang: str, expected: list[str]) -> None:
    manifest = load_manifest(fx.MANIFEST + """
[datasets.breast]
source = "sklearn"
name = "breast_cancer"
[datasets.mine]
source = "sklearn"
name = "breast_cancer"
class_names = { es = ["M", "B"], en = ["bad", "good"] }
""", source="m.toml")
    summary = DatasetSummary("breast", "sklearn", ["malignant", "benign"], [30],
                             {"train": 2}, {"train": [1, 1]}, (0.0, 1.0), "none", "f")
    assert dataset_classes(manifest, summary, lang) == expected
    mine = dataclasses.replace(summary, name="mine")
    assert dataset_classes(manifest, mine, lang) == (["M", "B"] if lang == "es"
                                                     else ["bad", "good"])


@pytest.mark.parametrize(("lang", "patience", "monitor", "value"), [
    ("es", "Parada temprana: paciencia", "Parada temprana: métrica vigilada",
     "pérdida de validación"),
    ("en", "Early stopping: patience", "Early stopping: monitored metric", "validation loss"),
])
def test_a_varied_key_inside_a_setting_is_named(lang: str, patience: str, monitor: str,
                                               value: str) -> None:
    """A study that varies early stopping's table gets one column per key (flat_varied):
    each column is named in the document's language, never `training.early_stopping.…`."""
    from reportgen.report import i18n, labels

    translate = i18n.gettext(lang)
    assert labels.path_label("training.early_stopping.patience", translate) == patience
    assert labels.path_label("training.early_stopping.monitor", translate) == monitor
    assert Words(lang).value_name("training.early_stopping.monitor", "val_loss") == value
    assert labels.path_label("model.hidden.1", translate).endswith("(2)")
    assert labels.path_label("training.no_such.key", translate) == "training.no_such.key"


@pytest.mark.parametrize(("lang", "one", "five"), [("es", "1 época", "5 épocas"),
                                                   ("en", "1 epoch", "5 epochs")])
def test_epochs_in_a_label_agree_with_their_number(lang: str, one: str, five: str) -> None:
    assert Words(lang).setting("training.epochs", 1) == one
    assert Words(lang).setting("training.epochs", 5) == five


@pytest.mark.parametrize(("lang", "full", "slope"), [
    ("es", "lote completo", "Pendiente de Leaky ReLU"),
    ("en", "full batch", "Leaky ReLU slope")])
def test_full_batch_and_the_leaky_slope_are_named(lang: str, full: str, slope: str) -> None:
    from reportgen.report import i18n, labels

    words = Words(lang)
    assert words.setting("training.batch_size", "full") == full  # a label
    assert words.value_name("training.batch_size", "full") == full  # a table cell
    assert words.value_name("training.batch_size", 32) is None
    assert words.value_name("model.outputs", "auto") == {"es": "una por clase",
                                                          "en": "one per class"}[lang]
    assert labels.path_label("model.negative_slope", i18n.gettext(lang)) == slope
