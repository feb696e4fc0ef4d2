"""Concept paragraphs: both languages, formulas that typeset, references that exist, and which
concepts a configuration or a study uses."""

import re

import pytest

from reportgen import manifest as mf
from reportgen.figures.math import check_formula
from reportgen.manifest import RunConfig, SearchSpec
from reportgen.plan.expand import expand
from reportgen.report.bibliography import BIBLIOGRAPHY
from reportgen.report.concepts import (
    ACTIVATIONS,
    CONCEPTS,
    INITIALIZERS,
    OPTIMIZERS,
    SCHEDULES,
    concept,
    concepts_for_run,
    concepts_for_study,
    ordered,
    references,
    text_parts,
)

ISSUE_FACTORS = ["gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw",
                 "schedule_step", "schedule_exponential", "schedule_cosine", "schedule_linear",
                 "batch_size", "l1", "l2", "elastic_net", "dropout", "batchnorm",
                 "early_stopping", "act_relu", "act_leaky_relu", "act_tanh", "act_sigmoid",
                 "act_elu", "act_gelu", "init_glorot", "init_he", "depth_width", "cnn",
                 "resnet", "hyperband", "tpe", "gp_bo", "random_search", "grid_search",
                 "numpy_engine", "autograd"]


def run(model=None, training=None, engine="torch"):
    return RunConfig(dataset="d", model=model or {}, training=training or {}, engine=engine,
                     seed=0, device="cpu")


def test_every_factor_of_the_issue_is_a_concept():
    assert set(ISSUE_FACTORS) <= CONCEPTS.keys()


def test_every_manifest_choice_maps_to_a_concept():
    assert set(OPTIMIZERS) == set(mf.OptimizerName.__args__)
    assert set(ACTIVATIONS) == set(mf.Activation.__args__)
    assert set(INITIALIZERS) == set(mf.Initializer.__args__)
    assert set(SCHEDULES) | {"none"} == set(mf.ScheduleSpec.model_fields["kind"].annotation.__args__)
    assert set(ACTIVATIONS.values()) | set(INITIALIZERS.values()) <= CONCEPTS.keys()


@pytest.mark.parametrize("key", list(CONCEPTS))
def test_concept_has_a_spanish_and_an_english_text(key):
    es, en = concept(key, "es"), concept(key, "en")
    assert es.title and es.text and en.title and en.text
    assert es.text != en.text
    assert len(en.text.split()) >= 20  # a paragraph, not a label
    assert es.formulas == en.formulas == CONCEPTS[key].formulas


@pytest.mark.parametrize("key", list(CONCEPTS))
def test_spanish_text_has_no_untranslated_terms(key):
    text = concept(key, "es").text.lower()
    for word in ("learning rate", "optimizer", "hidden", "trial", "best", "epoch", "weight",
                 "overfitting", "callback"):
        assert not re.search(rf"\b{word}", text), f"{key}: {word!r} in the Spanish text"
    # an English term may appear only inside parentheses, after its Spanish name ("dropout"
    # is the Spanish term too: the one name the report keeps for it)
    for term in ("bracket", "batch normalization", "max pooling", "one-hot"):
        for match in re.finditer(term, text):
            start = match.start()
            inside = text.rfind("(", 0, start) > text.rfind(")", 0, start)
            assert inside, f"{key}: {term!r} not explained"


@pytest.mark.parametrize("key", list(CONCEPTS))
def test_formulas_typeset_and_references_exist(key):
    for formula in CONCEPTS[key].formulas:
        check_formula(formula)
    for lang in ("es", "en"):
        for kind, piece in concept(key, lang).parts:
            if kind == "math":
                check_formula(piece)
    assert CONCEPTS[key].references
    for ref in CONCEPTS[key].references:
        assert ref in BIBLIOGRAPHY


def test_unknown_concept_and_language():
    with pytest.raises(KeyError, match="unknown concept 'nope'"):
        concept("nope", "es")
    with pytest.raises(ValueError, match="no concepts catalog for language 'fr'"):
        concept("adam", "fr")


def test_default_run_uses_adam_relu_glorot_cross_entropy():
    assert concepts_for_run(run()) == {"mlp", "act_relu", "init_glorot", "cross_entropy",
                                       "adam"}


def test_sgd_with_nesterov_schedule_regularisation_and_early_stopping():
    config = run(model={"hidden": [32, 16], "activation": ["tanh", "elu"], "init": "he_normal",
                        "dropout": [0.2, 0.0], "batchnorm": True, "l1": 1e-4, "l2": 1e-3},
                 training={"optimizer": {"name": "sgd", "lr": 0.05, "momentum": 0.9,
                                         "nesterov": True},
                           "schedule": {"kind": "cosine"}, "early_stopping": {"patience": 3},
                           "loss": "mse"}, engine="numpy")
    assert concepts_for_run(config) == {
        "numpy_engine", "mlp", "act_tanh", "act_elu", "init_he", "dropout", "batchnorm",
        "elastic_net", "mse", "sgd", "nesterov", "schedule_cosine", "early_stopping"}


def test_momentum_without_nesterov_and_single_penalties():
    config = run(model={"l2": 0.01}, training={"optimizer": {"name": "sgd", "momentum": 0.9}})
    assert {"momentum", "l2"} <= concepts_for_run(config)
    assert "nesterov" not in concepts_for_run(config)
    assert "l1" in concepts_for_run(run(model={"l1": 0.01}))


def test_image_models():
    assert {"cnn", "act_relu"} <= concepts_for_run(run(model={"type": "cnn"}))
    resnet = concepts_for_run(run(model={"type": "resnet18"}))
    assert {"resnet", "batchnorm"} <= resnet and not any(k.startswith("init_") for k in resnet)


TOML = """
[report]
title = "t"
[datasets.d]
source = "sklearn"
name = "iris"
[[studies]]
id = "lr"
dataset = "d"
training = { optimizer = { name = "sgd" } , batch_size = 16 }
vary = { "training.optimizer.lr" = [0.01, 0.1], "training.batch_size" = [16, 64] }
[[studies]]
id = "engines"
dataset = "d"
variants = [{ name = "numpy", engine = "numpy" }, { name = "torch", engine = "torch" }]
[[studies]]
id = "penalties"
dataset = "d"
variants = [{ name = "elastic", set = { "model.l1" = 0.0001, "model.l2" = 0.0005 } },
            { name = "dropout", set = { "model.dropout" = 0.3 } }]
[[studies]]
id = "search"
dataset = "d"
[studies.search]
algorithms = ["hyperband", "gp", "random"]
[studies.search.space]
"training.optimizer" = { choice = ["adam", { name = "rmsprop" }] }
"model.hidden" = { layers = [1, 2], units = { int = [8, 16] } }
"model.dropout" = { float = [0.0, 0.5] }
"model.activation" = { choice = ["relu", "gelu"] }
"""


def study_concepts(study_id):
    manifest = mf.loads(TOML)
    plan = expand(manifest)
    study = manifest.study(study_id)
    runs = plan.for_study(study_id) or [t.base for t in plan.searches_for(study_id)]
    varied = {path for r in runs for path in r.varied} | {
        k for v in study.variants for k in v.set} | (
        {"engine"} if any(v.engine for v in study.variants) else set())
    return concepts_for_study([r.config for r in runs], varied, study.search)


def test_a_study_varying_lr_and_batch_size_explains_both():
    keys = study_concepts("lr")
    assert {"sgd", "learning_rate", "batch_size"} <= set(keys)
    assert "depth_width" not in keys


def test_a_study_comparing_engines_explains_both_engines():
    assert {"numpy_engine", "autograd"} <= set(study_concepts("engines"))
    assert "autograd" not in concepts_for_study([run()])


def test_a_search_study_explains_its_algorithms_and_searched_factors():
    keys = study_concepts("search")
    assert {"hyperband", "tpe", "gp_bo", "random_search", "adam", "rmsprop", "depth_width",
            "dropout", "act_relu", "act_gelu"} <= set(keys)
    assert "grid_search" not in keys
    assert keys == ordered(keys)
    with_random_sampler = SearchSpec(algorithms=["hyperband"], sampler="random")
    assert set(concepts_for_study([], search=with_random_sampler)) == {"hyperband",
                                                                       "random_search"}


def test_concepts_come_in_reading_order():
    keys = concepts_for_study([run()])
    assert keys == ("mlp", "act_relu", "init_glorot", "cross_entropy", "adam")
    with pytest.raises(KeyError, match="unknown concept 'x'"):
        ordered(["x"])


def test_references_of_concepts_in_list_order_without_repeats():
    assert references(["adam", "sgd", "gd"]) == ["cauchy1847", "goodfellow2016", "kingma2015",
                                                 "robbins1951"]


def test_text_parts_split_inline_math():
    assert text_parts(r"rate $\eta_0$ to $\eta_{min}$.") == (
        ("text", "rate "), ("math", r"\eta_0"), ("text", " to "), ("math", r"\eta_{min}"),
        ("text", "."))
    with pytest.raises(ValueError, match="unbalanced"):
        text_parts("a $b")


def test_a_varied_penalty_brings_only_the_concepts_its_runs_use():
    keys = set(study_concepts("penalties"))
    assert {"elastic_net", "dropout"} <= keys
    assert not {"l1", "l2"} & keys  # model.l1 is set only together with model.l2
