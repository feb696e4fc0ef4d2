"""The example manifests reproduce their reference labs (../shared/seeds) study by study: each
study of a lab's example names the lab's section, asks its question, and says what it runs and
what the lab concluded; the settings the labs state are the ones the runs get."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reportgen import manifest
from reportgen.plan import expand

ROOT = Path(__file__).resolve().parents[1]
LAB_EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.toml")
                      if re.search(r"^# Seed \d{3}", p.read_text(encoding="utf-8"), re.M))


def test_every_reference_lab_has_an_example():
    seeds = {re.search(r"^# Seed (\d{3})", p.read_text(encoding="utf-8"), re.M).group(1)
             for p in LAB_EXAMPLES}
    assert seeds == {"000", "001", "002", "003", "004"}


@pytest.mark.parametrize("path", LAB_EXAMPLES, ids=lambda p: p.name)
def test_each_study_names_its_lab_section_and_fills_its_texts(path: Path):
    text = path.read_text(encoding="utf-8")
    blocks = text.split("[[studies]]")[:-1]
    for before in blocks:  # the comments right above each [[studies]] name the lab's section
        lines = before.rstrip().splitlines()
        comments = []
        while lines and lines[-1].startswith("#"):
            comments.append(lines.pop())
        assert any(c.startswith("# Lab") for c in comments), \
            f"{path.name}: no '# Lab …' comment right above a study"
    for study in manifest.load(path).studies:
        for field in ("question", "description", "notes"):
            value = getattr(study, field)
            assert value is not None, f"{path.name}: study {study.id} has no {field}"
            assert value.get("es") and value.get("en") and value.get("es") != value.get("en")


def runs_of(name: str, study: str):
    spec = manifest.load(ROOT / "examples" / name)
    return [r for r in expand.expand(spec).runs if r.study_id == study]


def test_seed_004_regularisation_is_five_variants_with_threshold_armed_stopping():
    runs = {r.label: r.config for r in runs_of("mnist-lab.toml", "regularisation")}
    assert list(runs) == ["l2", "elasticnet", "dropout", "l2_dropout", "elasticnet_dropout"]
    stopping = runs["l2"].training.early_stopping
    assert (stopping.monitor, stopping.arm_at, stopping.patience, stopping.min_delta,
            stopping.restore_best) == ("val_accuracy", 0.95, 3, 0.001, False)
    assert (runs["elasticnet_dropout"].model.l1, runs["elasticnet_dropout"].model.l2,
            runs["elasticnet_dropout"].model.dropout) == (0.0005, 0.0005, 0.3)
    assert all(c.model.layer_activations() == ["leaky_relu"] * 4 and c.model.negative_slope == 0.3
               and c.training.batch_size == 128 for c in runs.values())


def test_seed_004_optimizers_run_on_the_leaky_relu_network():
    configs = [r.config for r in runs_of("mnist-lab.toml", "optimizers")]
    assert [c.training.optimizer.name for c in configs] == ["sgd", "sgd", "adagrad", "rmsprop",
                                                            "adam"]
    assert all(c.model.layer_activations() == ["leaky_relu"] * 4 for c in configs)


def test_seed_004_final_network_is_dropout_only_and_s8_continues_s4s_model():
    (final,) = [r.config for r in runs_of("mnist-lab.toml", "final")]
    assert final.model.dropout == 0.3 and final.model.l2 == 0 and final.model.l1 == 0
    assert final.training.early_stopping.monitor == "val_loss"
    (continued,) = [r.config for r in runs_of("mnist-lab.toml", "early-stopping")]
    assert continued.training.previous_epochs == 5 and continued.training.epochs == 30


def test_seed_002_images_are_28_by_28_and_its_selection_is_searched():
    spec = manifest.load(ROOT / "examples" / "k49-m0-m4.toml")
    assert spec.datasets["k49"].shape == [28, 28]
    searches = [t for t in expand.expand(spec).searches if t.study_id == "selection"]
    assert [t.label for t in searches] == ["M1 · bayesian", "M3 · bayesian"]
    assert "training.optimizer.lr" in searches[0].space
    assert "training.optimizer.lr" not in searches[1].space


def test_chosen_by_links_a_variant_to_the_search_behind_it():
    spec = manifest.load(ROOT / "examples" / "k49-m0-m4.toml")
    by_name = {v.name: v for v in spec.studies[0].variants}
    assert by_name["M1"].chosen_by == by_name["M3"].chosen_by == "selection"


@pytest.mark.parametrize("target, message", [
    ("nowhere", "no study 'nowhere' in this manifest"),
    ("m0-m4", "study 'm0-m4' has no [studies.search]"),
])
def test_chosen_by_must_name_a_study_with_a_search(target, message):
    from reportgen.errors import ManifestError

    text = (ROOT / "examples" / "k49-m0-m4.toml").read_text(encoding="utf-8").replace(
        'chosen_by = "selection"', f'chosen_by = "{target}"', 1)
    with pytest.raises(ManifestError, match=re.escape(message)) as err:
        expand.expand(manifest.loads(text, "k49.toml"))
    assert re.match(r"k49\.toml:\d+: studies\[0\]\.variants\[1\]\.chosen_by: ", str(err.value))
