"""The methodology explains the concepts the report uses, once, with typeset formulas, and a
reference list gives what they cite; `[report] explain = false` leaves both out."""

from __future__ import annotations

import dataclasses
import re

import pytest
from report_fixtures import make_results

from reportgen.report.build import build
from reportgen.report.model import BulletList, Paragraph
from reportgen.store import ResultSet


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> ResultSet:
    return make_results(tmp_path_factory.mktemp("store"))


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
