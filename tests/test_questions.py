"""Each study's results start with the question it answers: the manifest's, else generated."""

from __future__ import annotations

import dataclasses

import pytest
from report_fixtures import make_results

from reportgen.manifest import Text
from reportgen.report.build import build
from reportgen.report.model import Paragraph, ReportModel
from reportgen.store import ResultSet


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> ResultSet:
    return make_results(tmp_path_factory.mktemp("store"))


def first_paragraph(model: ReportModel, study: str) -> str:
    return next(b.text for b in model.section(f"results-{study}").blocks
                if isinstance(b, Paragraph))


@pytest.mark.parametrize(("lang", "question"), [
    ("en", "Question: How does the hidden-layer width affect validation accuracy?"),
    ("es", "Pregunta: ¿Cómo influye el número de neuronas ocultas en la exactitud de "
           "validación?"),
])
def test_question_is_generated_from_the_varied_factor(results: ResultSet, lang: str,
                                                      question: str) -> None:
    assert first_paragraph(build(results, lang), "hidden-units") == question


@pytest.mark.parametrize(("lang", "phrase"), [("en", "the choice of optimizer"),
                                               ("es", "la elección del optimizador")])
def test_optimizer_question_names_the_factor_in_the_language(results: ResultSet, lang: str,
                                                             phrase: str) -> None:
    assert phrase in first_paragraph(build(results, lang), "optimizers")


def test_the_manifests_question_wins_in_each_language(results: ResultSet) -> None:
    studies = list(results.manifest.studies)
    studies[0] = studies[0].model_copy(update={"question": Text(
        es="¿Hace falta una capa ancha?", en="Is a wide layer needed?")})
    manifest = results.manifest.model_copy(update={"studies": studies})
    changed = dataclasses.replace(results, manifest=manifest)
    assert first_paragraph(build(changed, "es"), "hidden-units") == \
        "Pregunta: ¿Hace falta una capa ancha?"
    assert first_paragraph(build(changed, "en"), "hidden-units") == \
        "Question: Is a wide layer needed?"
