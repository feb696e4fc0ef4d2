"""The methodology states the common protocol once: one table of the shared set-up with a
column per study showing only what the study changes, the selection rule each study really
applies (a search's objective where it has one), the seeds and the single-seed threshold;
each study's design comes without a settings table."""

from __future__ import annotations

import copy
import dataclasses
import re

import pytest
from report_fixtures import make_results

from reportgen.analysis.findings import Findings, analyse
from reportgen.analysis.ranking import Criterion
from reportgen.report import methods
from reportgen.report.context import Context
from reportgen.report.model import Paragraph, Table


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> Findings:
    return analyse(make_results(tmp_path_factory.mktemp("store")))


def with_third_study(findings: Findings, batch_size: int) -> Findings:
    """A copy of the width study, keyed "copy", whose runs train with `batch_size`."""
    width = findings.studies[0]
    runs = []
    for record in width.runs:
        config = copy.deepcopy(record.config)
        config["training"]["batch_size"] = batch_size
        runs.append(dataclasses.replace(record, config=config))
    copied = dataclasses.replace(width, key="copy", runs=tuple(runs))
    return dataclasses.replace(findings, studies=(*findings.studies, copied))


def rows(table: Table) -> dict[str, list[str]]:
    return {r[0].value: [c.display or "" for c in r[1:]] for r in table.rows}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_protocol_table_has_a_column_per_study_showing_what_it_changes(findings, lang) -> None:
    ctx = Context(with_third_study(findings, 64), lang)
    table = methods.protocol_table(ctx)
    assert [c.key for c in table.columns] == [
        "setting", "common", "study-hidden-units", "study-optimizers", "study-copy"]
    shown = rows(table)
    # 32 in two studies: the common value, their cells empty; the copy shows its own
    assert shown["training.batch_size"] == ["32", "", "", "64"]
    # the width study varies the hidden layer: its cell lists its values
    assert shown["model.hidden"][1] == "[16] · [64] · [256]"
    assert shown["model.hidden"][2] == "[64]"
    optimizer = shown["training.optimizer.name"]
    assert optimizer[0] == "Adam" and optimizer[1] == "" and "SGD" in optimizer[2]
    assert shown["training.optimizer.lr"][2] == ("5 · 0.001" if lang == "en" else "5 · 0,001")
    assert "model.batchnorm" not in shown and "regularisation" not in shown  # none anywhere
    assert "device" not in shown  # the same everywhere: the appendix gives it


def test_the_protocol_text_cites_the_table(findings) -> None:
    for lang, phrase in (("en", "table %s lists"), ("es", "la tabla %s recoge")):
        ctx = Context(findings, lang)
        section = methods.methods_section(ctx)
        table = next(b for b in section.blocks if isinstance(b, Table))
        text = " ".join(b.text for b in section.blocks if isinstance(b, Paragraph))
        assert phrase % table.number in text
        assert not re.search(r"\b[Tt]abl(?:a|e)s? [\d ,y]+(?:da|dan|gives?|give)\b", text)


def with_search_objective(findings: Findings) -> Findings:
    searched = dataclasses.replace(findings.studies[1], criterion=Criterion(
        "val", "loss", minimise=True, objective="val_loss"))
    return dataclasses.replace(findings, studies=(findings.studies[0], searched))


@pytest.mark.parametrize(("lang", "loss", "accuracy"), [
    ("en", "The study “Optimizers” chooses by the lowest validation loss, the objective its "
           "search minimises",
     "The other study chooses its best configuration by the highest validation accuracy."),
    ("es", "El estudio «Optimizadores» elige por la menor pérdida de validación, el objetivo "
           "que minimiza su búsqueda",
     "El otro estudio elige su mejor configuración por la mayor exactitud de validación."),
])
def test_selection_rule_names_the_search_objective_where_a_study_has_one(
        findings, lang, loss, accuracy) -> None:
    text = " ".join(methods.protocol_paragraphs(Context(with_search_objective(findings), lang)))
    assert loss in text and accuracy in text
    plain = " ".join(methods.protocol_paragraphs(Context(findings, lang)))
    assert ("Every study chooses its best configuration by the highest validation accuracy."
            if lang == "en" else "Todos los estudios eligen su mejor configuración por la "
            "mayor exactitud de validación.") in plain
    assert ("validation loss" if lang == "en" else "pérdida de validación") not in \
        " ".join(methods.selection_sentences(Context(findings, lang)))


@pytest.mark.parametrize(("lang", "seeds", "threshold", "curves"), [
    ("en", "Every study trains each configuration once, with seed 13.",
     "two validation samples (1 point on “scikit-learn digits”)",
     "the mean loss and accuracy over its batches"),
    ("es", "Todos los estudios entrenan cada configuración una sola vez, con la semilla 13.",
     "dos muestras de validación, lo que sea mayor (1 punto en «Dígitos de scikit-learn»)",
     "la pérdida y la exactitud medias sobre sus lotes"),
])
def test_seeds_threshold_and_what_the_curves_measure_are_stated(findings, lang, seeds,
                                                                threshold, curves) -> None:
    text = " ".join(methods.protocol_paragraphs(Context(findings, lang)))
    assert seeds in text and threshold in text and curves in text


def test_the_threshold_is_two_samples_on_a_small_validation_split(findings) -> None:
    summary = findings.datasets["digits"]
    small = dataclasses.replace(findings, datasets={"digits": dataclasses.replace(
        summary, split_sizes={**summary.split_sizes, "val": 114})})
    assert methods.single_seed_thresholds(Context(small, "en")) == {
        "digits": pytest.approx(2 / 114)}
    assert "1.8 points on" in methods.threshold_sentence(Context(small, "en"))


def test_design_blocks_give_the_description_and_no_settings_table(findings) -> None:
    ctx = Context(findings, "en")
    methods.methods_section(ctx)
    width, optimizers = findings.studies
    blocks = methods.study_design_blocks(ctx, width)
    assert not any(isinstance(b, Table) for b in blocks)
    assert "Three widths, everything else fixed." in blocks[0].text  # the author's text
    generated = methods.study_design_blocks(ctx, optimizers)[0].text  # no description
    table = ctx.table_numbers["protocol"]
    assert "2 configurations" in generated and f"table {table}" in generated
    assert "optimizer" in generated


@pytest.mark.parametrize(("lang", "layers", "params", "low", "high"), [
    ("en", "one dense hidden layer of 64 units", "4,810 parameters", "1,210", "19,210"),
    ("es", "una capa oculta densa de 64 neuronas", "4810 parámetros", "1210", "19.210"),
])
def test_architecture_sentence(findings, lang, layers, params, low, high) -> None:
    ctx = Context(findings, lang)
    width, optimizers = findings.studies
    sentence = methods.architecture_sentence(ctx, optimizers)  # one architecture
    assert layers in sentence and params in sentence and sentence[0].isupper()
    spread = methods.architecture_sentence(ctx, width)  # 16, 64 or 256 units
    assert low in spread and high in spread


@pytest.mark.parametrize(("lang", "dense", "flatten"), [("en", "Dense", "Flatten"),
                                                        ("es", "Densa", "Aplanado")])
def test_model_summary_names_layers_in_the_language_and_drops_none(findings, lang, dense,
                                                                   flatten) -> None:
    ctx = Context(findings, lang)
    found = findings.studies[0]
    table = methods.model_summary_table(ctx, found, found.best)
    names = [r[0].display for r in table.rows]
    shapes = [r[1].display for r in table.rows]
    assert names[-1] == f"{dense} 2" and names[0] in (flatten, f"{dense} 1")
    assert not any("None" in s for s in shapes) and shapes[-1] == "10"
    assert table.rows[-1][0].value.endswith("(Dense)")  # the CSV keeps Keras' name
    assert methods.shape_text("(None, 8, 8, 32)") == "8 × 8 × 32"


def test_a_regularised_study_shows_each_penalty_in_its_column(findings) -> None:
    width = findings.studies[0]
    runs = []
    for record, change in zip(width.runs, ({}, {"l2": 0.001}, {"l1": 0.0001, "l2": 0.0005}),
                              strict=True):
        config = copy.deepcopy(record.config)
        config["model"].update(change)
        runs.append(dataclasses.replace(record, config=config))
    regularised = dataclasses.replace(findings, studies=(
        dataclasses.replace(width, runs=tuple(runs)), *findings.studies[1:]))
    shown = rows(methods.protocol_table(Context(regularised, "es")))
    assert shown["regularisation"][1] == "ninguna · L2 0,001 · L1 0,0001 + L2 0,0005"
    assert shown["regularisation"][2] == "ninguna"


def test_several_studies_by_validation_accuracy_are_the_others(findings) -> None:
    three = with_search_objective(with_third_study(findings, 32))
    three = dataclasses.replace(three, studies=(*three.studies, with_third_study(
        findings, 32).studies[-1]))
    text = " ".join(methods.selection_sentences(Context(three, "es")))
    assert "El estudio «Optimizadores» elige por la menor pérdida de validación" in text
    assert "Los demás estudios eligen su mejor configuración por la mayor exactitud de " \
           "validación." in text
