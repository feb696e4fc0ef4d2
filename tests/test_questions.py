"""Each experiment starts with the objective it addresses and its question: the manifest's,
else generated; the question is stated once in the report."""

from __future__ import annotations

import dataclasses

import pytest

from reportgen.manifest import Text
from reportgen.report.build import build
from reportgen.report.model import Paragraph, ReportModel
from reportgen.store.store import ResultSet


def first_paragraph(model: ReportModel, study: str) -> str:
    return next(b.text for b in model.section(f"experiment-{study}").blocks
                if isinstance(b, Paragraph))


def all_text(model: ReportModel) -> str:
    parts = [getattr(b, "text", "") or " ".join(getattr(b, "items", ()))
             for b in model.blocks()]
    return "\n".join(parts)


@pytest.mark.parametrize(("lang", "question"), [
    ("en", "This experiment addresses objective 1. Its question is: How does the hidden-layer "
           "width affect validation accuracy?"),
    ("es", "Este experimento aborda el objetivo 1. Su pregunta es: ¿Cómo influye el número de "
           "neuronas ocultas en la exactitud de validación?"),
])
def test_question_is_generated_from_the_varied_factor(results: ResultSet, lang: str,
                                                      question: str) -> None:
    model = build(results, lang)
    assert first_paragraph(model, "hidden-units") == question
    assert all_text(model).count(question.split(": ", 1)[1]) == 1  # stated once


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
    assert first_paragraph(build(changed, "es"), "hidden-units").endswith(
        "Su pregunta es: ¿Hace falta una capa ancha?")
    assert first_paragraph(build(changed, "en"), "hidden-units").endswith(
        "Its question is: Is a wide layer needed?")
