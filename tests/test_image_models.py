"""Image models: the manifest's model types, CNN and ResNet-18 modules, their summaries, and the
torch engine's (N, C, H, W) inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from reportgen import data, manifest
from reportgen.errors import ManifestError
from reportgen.execution import executor
from reportgen.plan import expand
from reportgen.store.store import Store
from reportgen.training import initializers, models
from reportgen.training.engines.torch_engine import TorchTrainer
from reportgen.training.loop import fit
from tests.helpers import TINY, write_manifest

ROOT = Path(__file__).resolve().parents[1]
CNN = TINY.replace("[models.mlp]\nhidden = [16]",
                   '[models.mlp]\ntype = "cnn"\nfilters = [8, 16]\nhidden = [16]')


def error_of(text: str) -> str:
    with pytest.raises(ManifestError) as info:
        expand.expand(manifest.loads(text, source="m.toml"))
    return str(info.value)


def trainable(rows: list) -> int:
    return sum(row.params - row.non_trainable for row in rows)


def rgb_files(folder: Path, n: int = 24, k: int = 3) -> str:
    """A files dataset of n random 28×28×3 images in k classes, as manifest text."""
    rng = np.random.default_rng(0)
    np.save(folder / "x.npy", rng.integers(0, 256, size=(n, 28, 28, 3), dtype=np.uint8))
    np.save(folder / "y.npy", np.arange(n) % k)
    return ('[datasets.rgb]\nsource = "files"\nx = "x.npy"\ny = "y.npy"\n'
            'preprocess = "divide255"\nsplit = { train = 0.5, val = 0.25, test = 0.25 }\n')


# ---------------------------------------------------------------- manifest
def test_type_defaults_to_mlp_and_picks_the_schema() -> None:
    spec = manifest.loads(CNN)
    cnn = spec.models["mlp"]
    assert isinstance(cnn, manifest.CnnSpec) and cnn.filters == [8, 16] and cnn.pool == "max"
    assert isinstance(manifest.loads(TINY).models["mlp"], manifest.ModelSpec)
    resnet = manifest.loads(TINY.replace("hidden = [16]", 'type = "resnet18"'))
    assert isinstance(resnet.models["mlp"], manifest.ResnetSpec)


def test_keys_of_another_type_are_named_at_their_line() -> None:
    text = TINY.replace("hidden = [16]", "hidden = [16]\nfilters = [8]")
    line = text.splitlines().index("filters = [8]") + 1
    assert error_of(text) == (f'm.toml:{line}: models.mlp.filters: applies to type = "cnn" '
                              'models, not to type = "mlp"')
    message = error_of(TINY.replace("hidden = [16]", 'type = "resnet18"\nhidden = [16]'))
    assert 'models.mlp.hidden: applies to type = "mlp" or "cnn" models' in message
    assert "models.mlp.type: must be one of 'mlp', 'cnn', 'resnet18' (got 'vgg')" in error_of(
        TINY.replace("hidden = [16]", 'type = "vgg"'))
    assert "models.mlp.kernal: unknown key" in error_of(CNN.replace("hidden = [16]",
                                                                    "kernal = 3"))
    assert "3 needed" in error_of(CNN.replace("hidden = [16]",
                                              'hidden = [16]\nactivation = ["relu"]'))


def test_overrides_reach_cnn_keys_and_switch_types() -> None:
    text = CNN.replace('vary = { "model.hidden" = [[8], [16]] }',
                       'vary = { "model.filters" = [[4], [4, 8]], "model.kernel" = [3, 5] }')
    runs = expand.expand(manifest.loads(text)).runs
    assert [(r.config.model.filters, r.config.model.kernel) for r in runs] == [
        ([4], 3), ([4], 5), ([4, 8], 3), ([4, 8], 5)]
    switched = TINY.replace('vary = { "model.hidden" = [[8], [16]] }',
                            'vary = { "model.type" = ["mlp", "cnn"] }')
    types = [type(r.config.model) for r in expand.expand(manifest.loads(switched)).runs]
    assert types == [manifest.ModelSpec, manifest.CnnSpec]
    bad = CNN.replace('vary = { "model.hidden" = [[8], [16]] }',
                      'vary = { "model.filters" = [[0]] }')
    assert 'studies[0].vary."model.filters"' in error_of(bad)


def test_numpy_engine_refuses_image_models() -> None:
    message = error_of(CNN.replace('device = "cpu"', 'device = "cpu"\nengine = "numpy"'))
    assert "model.type: 'cnn' is not available in the numpy engine" in message


@pytest.mark.parametrize(("name", "expected"), [
    ("retinamnist-mlp.toml", [("final-mlp", "M4", manifest.ModelSpec)]),
    ("mnist-cnn.toml", [("cnn-vs-mlp", "CNN", manifest.CnnSpec),
                        ("cnn-vs-mlp", "MLP", manifest.ModelSpec),
                        ("filters", "filters=[8, 16]", manifest.CnnSpec),
                        ("filters", "filters=[16, 32]", manifest.CnnSpec),
                        ("filters", "filters=[32, 64]", manifest.CnnSpec)]),
])
def test_examples_validate(name: str, expected: list[tuple[str, str, type]]) -> None:
    """Each example expands into the runs its studies name (variants, then the `vary` values),
    each with the model type its variant sets."""
    runs = expand.expand(manifest.load(ROOT / "examples" / name)).runs
    assert [(r.study_id, r.label, type(r.config.model)) for r in runs] == expected


def test_retinamnist_example_is_seed_000s_final_model() -> None:
    spec = manifest.load(ROOT / "examples" / "retinamnist-mlp.toml")
    (run,) = expand.expand(spec).runs
    rows = models.summary_rows(run.config.model, (28, 28, 3), 5)
    assert [(r.output_shape, r.params) for r in rows] == [
        ("(None, 2352)", 0), ("(None, 256)", 602_368), ("(None, 64)", 16_448),
        ("(None, 5)", 325)]
    assert run.config.training.epochs == 30
    assert len(spec.datasets["retina"].class_descriptions) == 5


# ---------------------------------------------------------------- modules and summaries
def test_mlp_on_rgb_images_has_2352_inputs() -> None:
    spec = manifest.ModelSpec(hidden=[256])
    rows = models.summary_rows(spec, (28, 28, 3), 5)
    assert rows[0].layer == "flatten (Flatten)" and rows[0].output_shape == "(None, 2352)"
    module = models.build_model(spec, (28, 28, 3), 5, seed=0)
    assert next(m for m in module if isinstance(m, torch.nn.Linear)).in_features == 2352
    x = np.zeros((2, 28, 28, 3), np.float32)
    assert models.model_input(spec, x).shape == (2, 2352)
    assert trainable(rows) == sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("kwargs", [
    {"filters": [8, 16], "hidden": [32], "batchnorm": True, "dropout": 0.1},
    {"filters": [4], "padding": "valid", "pool": "none", "kernel": 5},
])
def test_cnn_summary_counts_the_torch_parameters(kwargs: dict) -> None:
    spec = manifest.CnnSpec(**kwargs)
    for shape in ((8, 8), (28, 28, 3)):
        rows = models.summary_rows(spec, shape, 10)
        module = models.build_model(spec, shape, 10, seed=1)
        assert trainable(rows) == sum(p.numel() for p in module.parameters())
        buffers = sum(b.numel() for name, b in module.named_buffers()
                      if not name.endswith("num_batches_tracked"))
        assert sum(r.non_trainable for r in rows) == buffers
        x = models.model_input(spec, np.zeros((3, *shape), np.float32))
        assert module(torch.from_numpy(x)).shape == (3, 10)


def test_cnn_weights_are_seeded_and_keras_initialised() -> None:
    spec = manifest.CnnSpec(filters=[6], init="he_normal")
    one, two, other = (models.build_model(spec, (8, 8), 3, seed=s) for s in (5, 5, 6))
    assert torch.equal(one[0].weight, two[0].weight)
    assert not torch.equal(one[0].weight, other[0].weight)
    assert not one[0].bias.detach().any()
    # he_normal: std sqrt(2 / fan_in) with fan_in = 3·3·1, truncated at 2σ
    weights = one[0].weight.detach().numpy()
    assert np.abs(weights).max() <= 2 * np.sqrt(2 / 9) / initializers.TRUNCATED_STD + 1e-6


def test_resnet18_summary_and_small_image_stem() -> None:
    spec = manifest.ResnetSpec()
    for shape in ((28, 28), (28, 28, 3)):
        module = models.build_model(spec, shape, 5, seed=0)
        assert module.conv1.kernel_size == (3, 3) and module.conv1.stride == (1, 1)
        assert module.conv1.in_channels == (1 if len(shape) == 2 else 3)
        assert isinstance(module.maxpool, torch.nn.Identity)
        rows = models.summary_rows(spec, shape, 5)
        assert trainable(rows) == sum(p.numel() for p in module.parameters())
        assert rows[-1].output_shape == "(None, 5)"
        assert [r.output_shape for r in rows if "layer" in r.layer][-1] == "(None, 4, 4, 512)"


def test_image_models_need_images_that_survive_the_pooling() -> None:
    assert "needs images" in models.image_problem(manifest.CnnSpec(), (30,))
    assert "needs images" in models.image_problem(manifest.ResnetSpec(), (30,))
    deep = manifest.CnnSpec(filters=[4, 4, 4, 4])
    assert "block 4 of 4" in models.image_problem(deep, (8, 8))
    assert models.image_problem(deep.model_copy(update={"pool": "none"}), (8, 8)) is None
    assert models.image_problem(manifest.ModelSpec(), (30,)) is None


# ---------------------------------------------------------------- training
def test_cnn_learns_digits() -> None:
    spec = manifest.loads(CNN)
    dataset = data.load_dataset("digits", spec.datasets["digits"], Path("."))
    config = expand.expand(spec).runs[0].config.model_copy(
        update={"training": manifest.TrainingSpec(epochs=5, batch_size=32,
                                                  optimizer={"name": "adam", "lr": 0.01})})
    trainer = TorchTrainer(config, dataset, "cpu")
    assert trainer.splits["train"][0].shape[1:] == (1, 8, 8)  # (N, C, H, W)
    result = fit(trainer, config.training, has_val=True)
    assert result.history[-1]["val_accuracy"] > 0.8
    proba = trainer.predict_proba(dataset.splits["test"].x)
    assert proba.shape == (len(dataset.splits["test"]), 10)
    assert np.allclose(proba.sum(axis=1), 1)
    rows = models.summary_rows(config.model, dataset.input_shape, 10)
    assert trainable(rows) == sum(p.numel() for p in trainer.model.parameters())


def test_resnet18_runs_on_a_tiny_rgb_files_dataset(tmp_path: Path) -> None:
    text = TINY.split("[datasets.digits]")[0] + rgb_files(tmp_path) + """
[[studies]]
id = "resnet"
dataset = "rgb"
model = { type = "resnet18" }
training = { epochs = 2, batch_size = 8 }
"""
    spec = manifest.load(write_manifest(tmp_path, text))
    store = Store(tmp_path / "out")
    outcome = executor.execute(spec, expand.expand(spec), store)
    assert len(outcome.trained) == 1 and not outcome.failed
    record = store.load().studies["resnet"][0].record
    assert record.epochs_run == 2 and set(record.metrics) == {"train", "val", "test"}
    assert record.summary[0].layer == "conv2d (Conv2D)"
    assert record.n_params == sum(r.params for r in record.summary)


def test_a_cnn_on_tabular_data_is_refused_before_training(tmp_path: Path) -> None:
    text = TINY.replace('name = "digits"', 'name = "breast_cancer"').replace(
        "hidden = [16]", 'type = "cnn"')
    spec = manifest.load(write_manifest(tmp_path, text))
    with pytest.raises(ManifestError, match="needs images"):
        executor.execute(spec, expand.expand(spec), Store(tmp_path / "out"))
