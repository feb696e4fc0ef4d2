"""A study's design states the lab options it uses, in both languages: a split with no
validation part, continued training (`previous_epochs`), early stopping armed at a threshold
(`arm_at`), L1/L2 on chosen layers (`penalty_layers`), values chosen by another study's search
(`chosen_by`) and variants meant to fail (`expect_error`); a study without them says none."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pytest
import report_fixtures

from reportgen.analysis.findings import analyse
from reportgen.report import methods
from reportgen.report.context import Context
from reportgen.report.model import Paragraph, Table
from reportgen.store.store import ResultSet

SEARCH_STUDY = """
[[studies]]
id = "lr-search"
title = { es = "Búsqueda de la tasa", en = "Learning-rate search" }
dataset = "digits"
model = "mlp"
training = "base"
[studies.search]
algorithms = ["random"]
max_trials = 2
retrain_best = false
[studies.search.space]
"training.optimizer.lr" = { float = [0.0001, 0.1], log = true }
"""


def results_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 change: dict[str, Any] | None = None, manifest: str | None = None,
                 no_validation: bool = False) -> ResultSet:
    """The fixture store, its runs' configs changed by `change` (dotted path → value)."""
    if manifest is not None:
        monkeypatch.setattr(report_fixtures, "MANIFEST", manifest)
    results = report_fixtures.make_results(tmp_path)

    def changed(run: Any) -> Any:
        config = copy.deepcopy(run.record.config)
        for path, value in (change or {}).items():
            node = config
            *parents, last = path.split(".")
            for part in parents:
                node = node.setdefault(part, {}) if node.get(part) is not None else \
                    node.__setitem__(part, {}) or node[part]
            node[last] = value
        metrics = {k: v for k, v in run.record.metrics.items()
                   if not (no_validation and k == "val")}
        return dataclasses.replace(run, record=dataclasses.replace(
            run.record, config=config, metrics=metrics))

    studies = {sid: [changed(run) for run in runs] for sid, runs in results.studies.items()}
    datasets = results.datasets
    if no_validation:
        datasets = {name: dataclasses.replace(summary, split_sizes={
            "train": 1437, "test": 360}) for name, summary in datasets.items()}
    return dataclasses.replace(results, studies=studies, datasets=datasets)


def methods_text(results: ResultSet, lang: str, study: str = "hidden-units") -> str:
    """The study's design blocks and the protocol table's cells, as one text."""
    ctx = Context(analyse(results), lang)
    section = methods.methods_section(ctx)
    found = next(f for f in ctx.findings.studies if f.key == study)
    texts = [b.text for b in methods.study_design_blocks(ctx, found)
             if isinstance(b, Paragraph)]
    texts += [str(c.display) for b in section.blocks if isinstance(b, Table)
              for row in b.rows for c in row if c.display]
    return " ".join(texts)


def test_a_study_without_the_options_states_none(tmp_path, monkeypatch) -> None:
    text = methods_text(results_with(tmp_path, monkeypatch), "en")
    for word in ("Continued training", "armed", "penalty applies", "no validation split",
                 "chosen by the search", "meant to fail", "without the L1/L2 penalty"):
        assert word not in text


@pytest.mark.parametrize("lang, words", [
    ("en", ["Continued training: the model first trains 5 epochs", "up to 12 more epochs"]),
    ("es", ["Entrenamiento continuado: el modelo entrena primero 5 épocas",
            "hasta 12 épocas más"])])
def test_continued_training_is_stated(tmp_path, monkeypatch, lang, words) -> None:
    text = methods_text(results_with(tmp_path, monkeypatch,
                                     {"training.previous_epochs": 5}), lang)
    assert all(word in text for word in words), text


@pytest.mark.parametrize("lang, words", [
    ("en", ["Early stopping is armed only once the validation accuracy reaches 0.95",
            "armed from 0.95"]),
    ("es", ["La parada temprana solo se activa cuando la exactitud de validación alcanza 0,95",
            "activa desde 0,95"])])
def test_early_stopping_armed_at_a_threshold_is_stated(tmp_path, monkeypatch, lang,
                                                       words) -> None:
    stopping = {"monitor": "val_accuracy", "patience": 3, "min_delta": 0.001,
                "restore_best": True, "mode": "auto", "arm_at": 0.95}
    text = methods_text(results_with(tmp_path, monkeypatch,
                                     {"training.early_stopping": stopping}), lang)
    assert all(word in text for word in words), text


@pytest.mark.parametrize("lang, words", [
    ("en", ["The L2 (0.001) penalty applies to weight layer 2 only",
            "the data loss without the L1/L2 penalty term"]),
    ("es", ["La penalización L2 (0,001) solo se aplica a la capa de pesos 2",
            "sin el término de penalización L1/L2"])])
def test_penalty_on_chosen_layers_is_stated(tmp_path, monkeypatch, lang, words) -> None:
    text = methods_text(results_with(tmp_path, monkeypatch,
                                     {"model.l2": 0.001, "model.penalty_layers": [2]}), lang)
    assert all(word in text for word in words), text


@pytest.mark.parametrize("lang, words", [
    ("en", ["no validation split", "train on 1,437 samples", "the 360 test samples"]),
    ("es", ["no tienen conjunto de validación", "entrenan con 1437 muestras",
            "las 360 muestras de prueba"])])
def test_a_split_without_validation_is_stated(tmp_path, monkeypatch, lang, words) -> None:
    text = methods_text(results_with(tmp_path, monkeypatch, no_validation=True), lang)
    assert all(word in text for word in words), text


@pytest.mark.parametrize("lang, words", [
    ("en", ["The values of learning rate in “adam” were chosen by the search of the study "
            "“Learning-rate search”",
            "“sgd-lr5” is meant to fail"]),
    ("es", ["Los valores de tasa de aprendizaje en «adam» se eligieron con la búsqueda del "
            "estudio «Búsqueda de la tasa»",
            "Se espera que «sgd-lr5» falle"])])
def test_chosen_by_and_expect_error_are_stated(tmp_path, monkeypatch, lang, words) -> None:
    text = report_fixtures.MANIFEST.replace(
        'variants]]\nname = "adam"', 'variants]]\nname = "adam"\nchosen_by = "lr-search"').replace(
        'name = "sgd-lr5"', 'name = "sgd-lr5"\nexpect_error = true') + SEARCH_STUDY
    found = methods_text(results_with(tmp_path, monkeypatch, manifest=text), lang,
                         "optimizers")
    assert all(word in found for word in words), found
