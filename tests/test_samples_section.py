"""Images in the report: stored samples, class descriptions, sample predictions, misclassified
images, and Japanese class names from the manifest to the HTML."""

from __future__ import annotations

import re

import numpy as np
import pytest

from reportgen import figures, manifest
from reportgen.data import Dataset, Split
from reportgen.data import samples as samples_mod
from reportgen.execution import executor
from reportgen.plan import expand
from reportgen.report import render
from reportgen.report.build import build
from reportgen.report.model import Figure, Paragraph, ReportModel, Table
from reportgen.store.store import ResultSet, Store
from tests.helpers import write_manifest

KANA = ["あ", "い", "う"]
MANIFEST = """
[report]
title = { es = "Imágenes", en = "Images" }

[defaults]
seed = 3
device = "cpu"

[datasets.kana]
title = "Kana"
source = "files"
x = "x.npy"
y = "y.npy"
classes = ["あ", "い", "う"]
class_descriptions = [{ es = "la vocal a", en = "the vowel a" }, "i", "u"]
preprocess = "divide255"
split = { train = 0.5, val = 0.25, test = 0.25 }

[datasets.cancer]
source = "sklearn"
name = "breast_cancer"
preprocess = "standard"

[trainings.quick]
epochs = 2
batch_size = 16

[[studies]]
id = "kana"
dataset = "kana"
model = { hidden = [8] }
training = "quick"
show = ["confusion", "per_class", "distribution", "samples"]

[[studies]]
id = "kana-val-only"
dataset = "kana"
model = { hidden = [8] }
training = "quick"
seed = 4
evaluate = ["val"]
show = ["samples"]

[[studies]]
id = "cancer"
dataset = "cancer"
model = { hidden = [8] }
training = "quick"
show = ["confusion", "distribution", "samples"]
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> ResultSet:
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    # random pixels, labels in turn: the network cannot learn them, so it makes mistakes
    np.save(folder / "x.npy", rng.integers(0, 256, size=(48, 12, 12), dtype=np.uint8))
    np.save(folder / "y.npy", np.arange(48) % 3)
    spec = manifest.load(write_manifest(folder, MANIFEST))
    store = Store(folder / "out")
    executor.execute(spec, expand.expand(spec), store)
    return store.load()


@pytest.fixture(scope="module")
def models(results: ResultSet) -> dict[str, ReportModel]:
    return {lang: build(results, lang) for lang in ("es", "en")}


def figure_ids(model: ReportModel) -> set[str]:
    return {f.id for f in model.figures()}


def table(model: ReportModel, table_id: str) -> Table:
    return next(t for t in model.tables() if t.id == table_id)


# ---------------------------------------------------------------- the stored samples
def test_only_image_datasets_get_a_samples_file(results: ResultSet) -> None:
    assert not (results.root / "datasets" / "cancer.npz").exists()
    stored = Store(results.root).load_dataset_samples("kana")
    assert stored is not None
    assert stored["grid_x"].dtype == np.uint8 and stored["grid_x"].shape == (6, 12, 12)
    assert sorted(stored["grid_y"].tolist()) == [0, 0, 1, 1, 2, 2]
    assert str(stored["pred_split"]) == "test"
    assert stored["pred_index"].tolist() == list(range(12))  # the whole (small) test split


def make_dataset(x: np.ndarray, y: np.ndarray, k: int) -> Dataset:
    splits = {"train": Split(x, y), "test": Split(x[: len(x) // 2], y[: len(y) // 2])}
    return Dataset(name="d", source="files", classes=[str(i) for i in range(k)],
                   splits=splits, preprocess="none")


def test_grid_takes_two_per_class_then_one() -> None:
    y = np.arange(120) % 5
    assert samples_mod.grid_indices(y, 5).tolist() == [0, 5, 1, 6, 2, 7, 3, 8, 4, 9]
    y49 = np.arange(200) % 49
    assert samples_mod.grid_indices(y49, 49).tolist() == list(range(49))
    assert len(samples_mod.grid_indices(np.arange(300) % 100, 100)) == 64


def test_pixels_are_scaled_to_uint8_and_large_images_subsampled() -> None:
    x = np.linspace(-1, 1, 2 * 128 * 128 * 3, dtype=np.float32).reshape(2, 128, 128, 3)
    out = samples_mod.to_uint8(x, -1.0, 1.0)
    assert out.dtype == np.uint8 and out.shape == (2, 64, 64, 3)
    assert out.min() == 0 and out.max() >= 250  # the last rows and columns are skipped
    grey = samples_mod.to_uint8(np.zeros((1, 8, 8, 1), np.float32), 0.0, 0.0)
    assert grey.shape == (1, 8, 8) and not grey.any()


def test_samples_respect_the_byte_budget_and_skip_tabular_data() -> None:
    rng = np.random.default_rng(1)
    big = make_dataset(rng.random((4000, 28, 28, 3), np.float32), np.arange(4000) % 10, 10)
    stored = samples_mod.dataset_samples(big)
    assert stored is not None
    assert stored["pred_x"].nbytes <= samples_mod.PRED_BYTES
    assert len(stored["pred_x"]) == samples_mod.PRED_BYTES // (28 * 28 * 3)
    table_data = make_dataset(rng.random((40, 30), np.float32), np.arange(40) % 2, 2)
    assert samples_mod.dataset_samples(table_data) is None


# ---------------------------------------------------------------- the report
def test_dataset_section_shows_descriptions_balance_and_images(
        models: dict[str, ReportModel]) -> None:
    for lang, first in (("es", "la vocal a"), ("en", "the vowel a")):
        model = models[lang]
        rows = table(model, "dataset-kana-classes").rows
        assert [(r[0].value, r[1].value, r[2].value) for r in rows] == [
            (0, "あ", first), (1, "い", "i"), (2, "う", "u")]
        ids = figure_ids(model)
        assert {"fig-dataset-kana-samples", "fig-dataset-kana-distribution"} <= ids
        assert "fig-dataset-kana-counts" not in ids  # one class-balance figure, not two
        assert "fig-dataset-cancer-samples" not in ids
    section = models["en"].section("data-kana")
    sentences = [b.text for b in section.blocks if isinstance(b, Paragraph)]
    assert any("Every class has 8 samples in the training split." in s for s in sentences)
    assert not any(t.id == "dataset-cancer-classes" for t in models["en"].tables())


def test_sample_predictions_and_misclassified_gallery(models: dict[str, ReportModel]) -> None:
    model = models["en"]
    ids = figure_ids(model)
    assert {"fig-study-kana-predictions", "fig-study-kana-misclassified"} <= ids
    assert not any("cancer-predictions" in i or "cancer-misclassified" in i for i in ids)
    blocks = model.section("experiment-kana").blocks
    sentence = next(b.text for b in blocks if isinstance(b, Paragraph)
                    and "misclassifies" in b.text)
    assert re.search(r"misclassifies \d+ of the 12 images of the test split", sentence)
    # the gallery waits in the study's part of appendix B, cited from there
    appendix = [b for part in model.section("appendix-runs").walk() for b in part.blocks]
    gallery = next(b for b in appendix if isinstance(b, Figure)
                   and b.id.endswith("kana-misclassified"))
    assert gallery.svg.startswith("<svg") and "data:image/png;base64," in gallery.svg
    # a study that did not evaluate the test split says why it shows no predictions
    texts = [b.text for b in model.section("experiment-kana-val-only").blocks
             if isinstance(b, Paragraph)]
    assert any("no stored predictions on the test split" in t for t in texts)


def test_hiragana_class_names_reach_the_html_tables(models: dict[str, ReportModel]) -> None:
    page = render.html(models["es"])
    info = re.search(r'<figure class="table[^"]*" id="dataset-kana-info">.*?</figure>', page, re.S)
    assert info and "あ, い, う" in info.group(0)
    classes = re.search(r'<figure class="table[^"]*" id="dataset-kana-classes">.*?</figure>', page,
                        re.S)
    assert classes and all(f"<td class=\"text\">{name}</td>" in classes.group(0)
                           for name in KANA)


def test_figures_draw_hiragana_when_a_cjk_font_is_installed() -> None:
    names = figures.tick_names(KANA, 10)
    covered = figures.covered_codepoints()
    if all(ord(ch) in covered for ch in "あいう"):
        assert names == KANA
    else:  # no CJK font: numbers rather than empty boxes
        assert names == ["0", "1", "2"]
    svg = figures.image_grid([np.zeros((4, 4), np.uint8)] * 3, KANA, [0, 1, 2],
                             predicted=[1, 2, 0], confidence=[0.5, 0.6, 0.7], decimal=",",
                             prefix="g")
    assert svg.startswith("<svg") and 'id="g-' in svg


def test_image_report_references_every_figure_and_table(models: dict[str, ReportModel]) -> None:
    from tests.test_report_build import referenced

    for lang, figure, table in (("en", "figure", "table"), ("es", "figura", "tabla")):
        model = models[lang]
        assert {f.number for f in model.figures()} <= referenced(model, figure)
        assert {t.number for t in model.tables()} <= referenced(model, table)
