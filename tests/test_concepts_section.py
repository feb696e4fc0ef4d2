"""The methodology explains the concepts the report uses, once, with typeset formulas, and a
reference list gives what they cite; `[report] explain = false` leaves both out."""

from __future__ import annotations

import dataclasses
import re

import pytest

from reportgen.report.build import build
from reportgen.report.model import BulletList, Paragraph
from reportgen.store.store import ResultSet


@pytest.mark.parametrize(("lang", "title", "adam", "refs", "kingma"), [
    ("en", "Concepts", "Adam", "References", "Kingma, D. P. and Ba, J. (2015)"),
    ("es", "Conceptos", "Adam", "Referencias", "Kingma, D. P. y Ba, J. (2015)"),
])
def test_concepts_are_explained_with_formulas_and_cited(results: ResultSet, lang: str,
                                                        title: str, adam: str, refs: str,
                                                        kingma: str) -> None:
    model = build(results, lang)
    section = model.section("methods-concepts")
    assert section.title == title
    texts = [b.text for b in section.blocks if isinstance(b, Paragraph)]
    assert any(t.startswith(f"<b>{adam}") for t in texts)
    assert sum("<svg" in t for t in texts) >= 2  # formulas typeset inline and displayed
    prose = [re.sub(r"<svg.*?</svg>", "", t, flags=re.DOTALL) for t in texts]
    assert not any("$" in t for t in prose)  # no raw mathtext left in the prose
    heads = [t for t in texts if t.startswith("<b>")]
    assert len(heads) == len(set(heads))  # each concept once
    assert not any("Dropout" in t for t in heads)  # the fixture uses no dropout
    references = model.section("references")
    assert references.title == refs
    items = next(b for b in references.blocks if isinstance(b, BulletList)).items
    assert any(i.startswith(kingma) for i in items)


def test_explain_false_leaves_concepts_and_references_out(results: ResultSet) -> None:
    report = results.manifest.report.model_copy(update={"explain": False})
    manifest = results.manifest.model_copy(update={"report": report})
    model = build(dataclasses.replace(results, manifest=manifest), "es")
    ids = {s.id for s in model.sections for s in s.walk()}
    assert "methods-concepts" not in ids and "references" not in ids
    assert "methods" in ids


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ["Multilayer perceptron", "Depth and width", "ReLU activation",
            "Glorot (Xavier) initialisation", "Softmax and cross-entropy",
            "Stochastic gradient descent (SGD)", "Learning rate", "Adam", "Early stopping"]),
    ("es", ["Perceptrón multicapa", "Profundidad y anchura", "Activación ReLU",
            "Inicialización de Glorot (Xavier)", "Softmax y entropía cruzada",
            "Descenso de gradiente estocástico (SGD)", "Tasa de aprendizaje", "Adam",
            "Parada temprana"]),
])
def test_only_the_concepts_the_studies_use_are_listed(results: ResultSet, lang: str,
                                                      expected: list[str]) -> None:
    """The fixture trains MLPs (ReLU, Glorot, cross-entropy) with Adam and SGD, varies the
    width and the learning rate and stops early: nothing else (no momentum, no penalty, no
    dropout, no search) is explained."""
    section = build(results, lang).section("methods-concepts")
    heads = [re.match(r"<b>(.*?)\.</b>", b.text).group(1) for b in section.blocks
             if isinstance(b, Paragraph) and b.text.startswith("<b>")]
    assert heads == expected
    # the formulas of a concept share one display paragraph after its text
    displays = [b for b in section.blocks if isinstance(b, Paragraph)
                and b.text.startswith("<svg")]
    assert len(displays) == len([h for h in expected if h not in ("Learning rate",
                                                                 "Tasa de aprendizaje")])
