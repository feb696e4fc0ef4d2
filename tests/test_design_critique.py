"""The design critique (issue 26, item 6): a study's own design is checked — confounded
variants, searches at unequal budgets or with a sampler their name does not imply, a single
seed under an unresolvable margin, an initialiser that does not suit the activation — and
worded in the study's design paragraph and in the report's limitations, in both languages."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from reportgen.analysis.design import DesignIssue, design_issues
from reportgen.analysis.findings import Findings, StudyFindings, analyse
from reportgen.manifest import Study
from reportgen.report.context import Context
from reportgen.report.design_words import design_sentences, limitation_sentences
from reportgen.report.localise import localise
from reportgen.store.records import RunRecord
from reportgen.store.store import ResultSet
from reportgen.store.tuning_records import TuningRecord
from tests.report_fixtures import make_results, record
from tests.test_reasoning import optimizer_runs, with_study

ACCS = {"train": 0.99, "val": 0.96, "test": 0.95}
SGD = {"name": "sgd", "lr": 0.05}
MOMENTUM = {"name": "sgd", "lr": 0.05, "momentum": 0.9}
ADAM = {"name": "adam", "lr": 0.001}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> ResultSet:
    return make_results(tmp_path_factory.mktemp("design"))


def run(run_id: str, label: str, varied: dict[str, Any], optimizer: dict[str, Any] = ADAM,
        model: dict[str, Any] | None = None, training: dict[str, Any] | None = None,
        study: str = "optimizers") -> RunRecord:
    rec = record(run_id * 16, study, label, varied, 64, optimizer, "completed", 12, 12, ACCS)
    config = {**rec.config, "model": {**rec.config["model"], **(model or {})},
              "training": {**rec.config["training"], **(training or {})}}
    return dataclasses.replace(rec, config=config)


def a_study(results: ResultSet, **update: Any) -> Study:
    base = next(s for s in results.manifest.studies if s.id == "optimizers")
    return base.model_copy(update=update)


def search(label: str, algorithm: str, sampler: str, trials: int, epochs: int) -> TuningRecord:
    return TuningRecord(
        study_id="optimizers", label=label, variant=None, algorithm=algorithm,
        dataset="digits", file=f"optimizers-{label}.json", objective="val_accuracy",
        direction="maximize", seed=13, max_trials=trials, max_epochs=27, min_epochs=1,
        factor=3, n_startup_trials=10, timeout=None, sampler=sampler,
        pruner="HyperbandPruner" if algorithm == "hyperband" else "NopPruner", optuna={},
        space={}, base_config={}, trials=[], best=None,
        summary={"trials": trials, "complete": trials, "pruned": 0, "failed": 0,
                 "epochs": epochs, "trial_seconds": 1.0, "wall_seconds": 1.0,
                 "best_value": 0.9},
        hyperband=None, retrained=None, written_at="2025-05-01T10:00:00+00:00")


def kinds(issues: tuple[DesignIssue, ...]) -> list[str]:
    return [i.kind for i in issues]


HE = {"init": "he_uniform"}


# ---------------------------------------------------------------- the findings
def test_a_learning_rate_that_changes_with_the_optimizer_is_a_confound(
        results: ResultSet) -> None:
    study = a_study(results, variants=[], vary={"training.optimizer": [SGD, MOMENTUM, ADAM]})
    runs = [run("1", "sgd", {"training.optimizer": SGD}, SGD, HE),
            run("2", "momentum", {"training.optimizer": MOMENTUM}, MOMENTUM, HE),
            run("3", "adam", {"training.optimizer": ADAM}, ADAM, HE)]
    (issue,) = design_issues(study, runs)
    assert issue.kind == "confounded" and issue.subject == "training.optimizer.lr"
    assert issue.factor == "training.optimizer.name"
    assert issue.values == (("sgd", 0.05), ("adam", 0.001))
    assert issue.number("ratio") == pytest.approx(50.0)  # momentum: part of "SGD with momentum"


def test_a_learning_rate_grid_per_optimizer_is_a_second_factor_not_a_confound(
        results: ResultSet) -> None:
    grid = [SGD, {"name": "sgd", "lr": 0.01}, ADAM, {"name": "adam", "lr": 0.01}]
    study = a_study(results, variants=[], vary={"training.optimizer": grid})
    runs = [run(str(i), f"r{i}", {"training.optimizer": o}, o, HE)
            for i, o in enumerate(grid, start=1)]
    assert design_issues(study, runs) == ()


def test_a_variant_that_changes_two_things_is_confounded(results: ResultSet) -> None:
    runs = [run("1", "none", {}, model=HE),
            run("2", "L2", {"model.l2": 0.001}, model={**HE, "l2": 0.001}),
            run("3", "dropout", {"model.dropout": 0.3, "training.batch_size": 8},
                model={**HE, "dropout": 0.3}, training={"batch_size": 8})]
    (issue,) = design_issues(a_study(results), runs)
    assert issue.kind == "confounded" and issue.subject == "training.batch_size"
    assert issue.factor == "regularisation"
    assert issue.values[0] == ("dropout", 8)


def test_searches_at_unequal_epoch_budgets_are_flagged_and_matched_epochs_are_not() -> None:
    unequal = design_issues(Study(id="s", dataset="digits"), [],
                            [search("hyperband", "hyperband", "RandomSampler", 49, 400),
                             search("bayesian", "bayesian", "TPESampler", 12, 200)])
    assert kinds(unequal) == ["unequal_budget"]
    assert unequal[0].subject == "epochs" and unequal[0].number("ratio") == pytest.approx(2.0)
    assert unequal[0].values == (("hyperband", 400), ("bayesian", 200))
    # Hyperband's many short trials at a matched epoch budget (397 against 324): fair
    matched = design_issues(Study(id="s", dataset="digits"), [],
                            [search("hyperband", "hyperband", "RandomSampler", 49, 397),
                             search("bayesian", "bayesian", "TPESampler", 12, 324)])
    assert matched == ()


def test_hyperband_sampling_with_tpe_is_a_sampler_mismatch() -> None:
    issues = design_issues(Study(id="s", dataset="digits"), [],
                           [search("hyperband", "hyperband", "TPESampler", 30, 300)])
    assert kinds(issues) == ["sampler_mismatch"]
    assert issues[0].value("sampler") == "TPESampler"
    assert issues[0].value("expected") == "RandomSampler"


def test_a_fragile_single_seed_margin_is_a_design_issue(results: ResultSet) -> None:
    fragile = with_study(results, "optimizers", optimizer_runs(0.95, 0.954))
    found = next(s for s in analyse(fragile).studies if s.key == "optimizers")
    assert found.margin is not None and found.margin.fragile
    (issue,) = [i for i in found.design if i.kind == "single_seed"]
    assert issue.number("margin") == pytest.approx(0.004)
    assert issue.number("threshold") == pytest.approx(0.01)
    firm = with_study(results, "optimizers", optimizer_runs(0.95, 0.97))
    found = next(s for s in analyse(firm).studies if s.key == "optimizers")
    assert "single_seed" not in kinds(found.design)


@pytest.mark.parametrize("init, activation, expected", [
    ("glorot_uniform", "relu", "he_uniform"), ("he_normal", "tanh", "glorot_normal"),
    ("he_uniform", "relu", None), ("glorot_uniform", "tanh", None)])
def test_an_initialiser_that_does_not_suit_the_activation(
        results: ResultSet, init: str, activation: str, expected: str | None) -> None:
    runs = [run("1", "a", {"model.hidden": [16]}, model={"init": init, "activation": activation,
                                                         "hidden": [16]}),
            run("2", "b", {"model.hidden": [64]}, model={"init": init, "activation": activation,
                                                         "hidden": [64]})]
    study = a_study(results, variants=[], vary={"model.hidden": [[16], [64]]})
    issues = design_issues(study, runs)
    if expected is None:
        assert issues == ()
    else:
        assert kinds(issues) == ["init_mismatch"] and issues[0].value("expected") == expected


# ---------------------------------------------------------------- the words
def with_design(results: ResultSet, study: Study, runs: list[RunRecord],
                searches: tuple[TuningRecord, ...] = ()) -> tuple[Findings, StudyFindings]:
    findings = analyse(results)
    found = next(s for s in findings.studies if s.key == "optimizers")
    found = dataclasses.replace(found, study=study, runs=tuple(runs),
                                histories=tuple([] for _ in runs), searches=searches,
                                design=design_issues(study, runs, searches))
    findings = dataclasses.replace(findings, studies=(found,))
    return findings, found


def words(findings: Findings, lang: str) -> tuple[str, str]:
    shown = localise(findings, lang)
    ctx = Context(shown, lang)
    return " ".join(design_sentences(ctx, shown.studies[0])), \
        " ".join(limitation_sentences(ctx))


CONFOUND = {"en": ("With Adam, the learning rate is 50 times lower than with SGD",
                   "the learning rate changes with the optimizer",
                   "the learning rate is 50 times lower with Adam than with SGD",
                   "confounds the optimizer with the learning rate",
                   "does not isolate the optimizer",
                   "because the learning rate varies with the optimizer"),
            "es": ("Con Adam, la tasa de aprendizaje es 50 veces menor que con SGD",
                   "La tasa de aprendizaje cambia con el optimizador",
                   "la tasa de aprendizaje es 50 veces menor con Adam que con SGD",
                   "confunde el optimizador con la tasa de aprendizaje",
                   "no aísla el optimizador",
                   "porque la tasa de aprendizaje varía con el optimizador")}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_confounded_design_is_worded_in_the_design_and_the_limitations(
        results: ResultSet, lang: str) -> None:
    study = a_study(results, variants=[], vary={"training.optimizer": [SGD, MOMENTUM, ADAM]})
    runs = [run("1", "sgd", {"training.optimizer": SGD}, SGD, HE),
            run("2", "momentum", {"training.optimizer": MOMENTUM}, MOMENTUM, HE),
            run("3", "adam", {"training.optimizer": ADAM}, ADAM, HE)]
    design, limits = words(with_design(results, study, runs)[0], lang)
    assert any(p in design for p in CONFOUND[lang][:3]), design
    assert any(p in limits for p in CONFOUND[lang][3:]), limits
    assert ("Optimizers" if lang == "en" else "Optimizadores") in limits


SEARCH_WORDS = {
    "en": (r"(did not spend the same budget|unequal budgets|differs by a factor of 2)",
           r"400 epochs for Hyperband and 200 epochs for Bayesian optimisation",
           r"TPE", r"(not plain Hyperband|Although it is called Hyperband|rather than random "
                   r"sampling|not Hyperband as published|combines Hyperband with TPE|calls "
                   r"Hyperband)"),
    "es": (r"(no gastaron el mismo presupuesto|presupuestos desiguales|difiere en un factor "
           r"de 2)", r"400 épocas para Hyperband y 200 épocas para ",
           r"TPE", r"(no es Hyperband sin más|Aunque se llama Hyperband|no con muestreo "
                   r"aleatorio|no es Hyperband tal como se publicó|combina Hyperband con TPE|"
                   r"llama Hyperband)")}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_unequal_budgets_and_hyperband_with_tpe_are_worded(results: ResultSet,
                                                           lang: str) -> None:
    import re
    searches = (search("hyperband", "hyperband", "TPESampler", 49, 400),
                search("bayesian", "bayesian", "TPESampler", 12, 200))
    findings, found = with_design(results, a_study(results), [], searches)
    assert kinds(found.design) == ["unequal_budget", "sampler_mismatch"]
    design, limits = words(findings, lang)
    for text in (design, limits):
        for pattern in SEARCH_WORDS[lang]:
            assert re.search(pattern, text), (pattern, text)


SEED = {"en": (r"0\.4 points", r"1\.0 points", r"(single seed|one seed)"),
        "es": (r"0,4 puntos", r"1,0 puntos", r"(una sola semilla|una semilla)")}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_fragile_single_seed_margin_is_worded(results: ResultSet, lang: str) -> None:
    import re
    fragile = with_study(results, "optimizers", optimizer_runs(0.95, 0.954))
    findings = analyse(fragile)
    shown = localise(findings, lang)
    ctx = Context(shown, lang)
    found = next(s for s in shown.studies if s.key == "optimizers")
    seed_sentences = [s for s in design_sentences(ctx, found)
                      if re.search(SEED[lang][0], s)]
    assert len(seed_sentences) == 1 and all(re.search(p, seed_sentences[0])
                                            for p in SEED[lang])
    limits = [s for s in limitation_sentences(ctx) if re.search(SEED[lang][0], s)]
    assert len(limits) == 1 and "Optimi" in limits[0]
    assert limits[0] != seed_sentences[0]


INIT = {"en": ("Glorot uniform", "He uniform", "ReLU"),
        "es": ("Glorot uniforme", "He uniforme", "ReLU")}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_glorot_with_relu_is_worded_once_across_studies(results: ResultSet,
                                                        lang: str) -> None:
    shown = localise(analyse(results), lang)  # the fixture's networks: Glorot with ReLU
    ctx = Context(shown, lang)
    for found in shown.studies:
        assert "init_mismatch" in kinds(found.design)
        assert any(all(w in s for w in INIT[lang]) for s in design_sentences(ctx, found))
    limits = [s for s in limitation_sentences(ctx) if all(w in s for w in INIT[lang])]
    assert len(limits) == 1  # one sentence, naming both studies
    assert ctx.study_title(shown.studies[0]) in limits[0]
    assert ctx.study_title(shown.studies[1]) in limits[0]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_clean_design_has_no_issue_and_says_what_varies_and_what_is_fixed(
        results: ResultSet, lang: str) -> None:
    study = a_study(results, variants=[], vary={"model.hidden": [[16], [64]]})
    runs = [run("1", "hidden=16", {"model.hidden": [16]}, model={**HE, "hidden": [16]}),
            run("2", "hidden=64", {"model.hidden": [64]}, model={**HE, "hidden": [64]})]
    findings, found = with_design(results, study, runs)
    assert found.design == ()
    design, limits = words(findings, lang)
    assert limits == ""
    varies = {"en": "the hidden layers", "es": "las capas ocultas"}[lang]
    fixed = {"en": ("He uniform initialisation", "12 epochs", "a single seed (13)"),
             "es": ("inicialización He uniforme", "12 épocas", "una sola semilla (13)")}[lang]
    assert varies in design and all(f in design for f in fixed), design
    assert "confound" not in design and "Glorot" not in design


def test_each_kind_of_design_sentence_has_three_phrasings() -> None:
    from reportgen.report import design_words
    for name in ("VARIES", "FIXED", "CONFOUND_RATIO", "CONFOUND", "BUDGET", "SAMPLER",
                 "SINGLE_SEED", "INIT", "LIMIT_CONFOUND", "LIMIT_BUDGET", "LIMIT_SAMPLER",
                 "LIMIT_SINGLE_SEED", "LIMIT_INIT"):
        options = getattr(design_words, name)
        assert len(set(options)) >= 3, name
        assert len({" ".join(o.split()[:3]) for o in options}) == len(options), name
