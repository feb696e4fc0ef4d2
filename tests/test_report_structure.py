"""The report as a lab writes it: numbered objectives and hypotheses in the introduction, one
experiment per study that refers to them, one verdict per study worded the same in every
chapter (a tie is a tie everywhere), a hypothesis checked against the runs, and the generated
paragraphs marked only when the manifest asks."""

from __future__ import annotations

import dataclasses
import re

import pytest
from test_reasoning import items, optimizer_runs, plain, with_study

from reportgen.analysis.findings import analyse
from reportgen.analysis.verdicts import hypothesis_check, is_tie, lead_established
from reportgen.manifest import Text
from reportgen.report import render
from reportgen.report.build import build
from reportgen.report.model import BulletList, Paragraph, ReportModel
from reportgen.store.store import ResultSet


def with_study_keys(results: ResultSet, study: str, **keys: object) -> ResultSet:
    studies = [s.model_copy(update=keys) if s.id == study else s
               for s in results.manifest.studies]
    manifest = results.manifest.model_copy(update={"studies": studies})
    return dataclasses.replace(results, manifest=manifest)


def objectives_list(model: ReportModel) -> BulletList:
    return next(b for b in model.section("introduction").blocks
                if isinstance(b, BulletList))


@pytest.mark.parametrize(("lang", "objective", "hypothesis"), [
    ("en", "Measure how the hidden-layer width affects the validation accuracy.", "<em>Hypothesis.</em>"),
    ("es", "Medir cómo cambia la exactitud de validación al variar el número de neuronas ocultas.",
     "<em>Hipótesis.</em>"),
])
def test_introduction_numbers_one_objective_per_study_with_its_hypothesis(
        results: ResultSet, lang: str, objective: str, hypothesis: str) -> None:
    changed = with_study_keys(results, "optimizers", objective=Text(
        es="Elegir el optimizador.", en="Choose the optimizer."), hypothesis=Text(
        es="Adam gana por *más de un punto*.", en="Adam wins by *more than a point*."))
    model = build(changed, lang)
    listing = objectives_list(model)
    assert listing.ordered and len(listing.items) == len(analyse(changed).studies)
    assert objective in listing.items[0]  # generated from what the study varies
    second = listing.items[1]
    assert ("Choose the optimizer." if lang == "en" else "Elegir el optimizador.") in second
    assert hypothesis in second and "<em>" in second  # the author's Markdown, inline
    assert hypothesis not in listing.items[0]  # no hypothesis given: none stated
    # each experiment refers to its objective by number instead of restating it
    for n, part in enumerate(model.section("experiments").subsections, 1):
        first = next(b for b in part.blocks if isinstance(b, Paragraph))
        assert re.search(rf"\b{n}\b", first.text) and objective not in first.text


def test_a_tie_is_a_tie_in_every_chapter(results: ResultSet) -> None:
    """Both optimizers at 96 %: the analysis, the general discussion, the conclusions and the
    abstract all call it a tie or unsettled, and none calls a winner."""
    tied = with_study(results, "optimizers", optimizer_runs(val_sgd=0.96, val_momentum=0.96))
    found = next(f for f in analyse(tied).studies if f.key == "optimizers")
    assert is_tie(found) and lead_established(found) is False
    for lang, tie, winner in (
            ("en", r"tie|cannot be told apart|share the same", r"answers it|is established"),
            ("es", r"empate|no se distinguen|comparten la misma",
             r"responde al objetivo|queda establecida")):
        model = build(tied, lang)
        analysis = " ".join(items(model, "experiment-optimizers"))
        assert re.search(tie, analysis), analysis
        conclusion = items(model, "conclusions")[1]
        assert re.search(r"tie|tied|empat", conclusion) and not re.search(winner, conclusion)
        discussion = " ".join(items(model, "discussion"))
        title = {"en": "“Optimizers”", "es": "«Optimizadores»"}[lang]
        established = discussion.split(".")[0]
        assert title not in established.split("whereas")[0].split("mientras")[0] \
            or "no experiment" in established or "ningún experimento" in established


@pytest.mark.parametrize(("expected", "scores", "verdict"), [
    ("SGD, lr 0.05, momentum 0.9", (0.95, 0.97), "supported"),  # 2 points: established
    ("momentum", (0.96, 0.963), "leaning"),  # first, inside the single-seed threshold
    ("sgd-plain", (0.95, 0.97), "not_supported"),  # another leads clearly
    ("sgd-plain", (0.96, 0.963), "undecided"),
])
def test_the_hypothesis_is_checked_against_the_runs(
        results: ResultSet, expected: str, scores: tuple[float, float], verdict: str) -> None:
    changed = with_study(results, "optimizers", optimizer_runs(*scores))
    labels = {r.record.label for r in changed.studies["optimizers"]}
    # the manifest names the configuration as its label, or its variant name
    name = {"SGD, lr 0.05, momentum 0.9": next(iter(sorted(labels, key=len, reverse=True))),
            "momentum": next(iter(sorted(labels, key=len, reverse=True))),
            "sgd-plain": next(iter(sorted(labels, key=len)))}[expected]
    changed = with_study_keys(changed, "optimizers", expected_best=name, hypothesis=Text(
        es="Gana el momento.", en="Momentum wins."))
    found = next(f for f in analyse(changed).studies if f.key == "optimizers")
    check = hypothesis_check(found)
    assert check is not None and check.verdict == verdict
    words = {"supported": (r"bear out|holds|support the hypothesis",
                           r"confirman la hipótesis|se cumple|apoyan la hipótesis"),
             "leaning": (r"point the way|does come first|agrees with the hypothesis",
                         r"apuntan en la dirección|como espera la hipótesis|coincide con la"),
             "not_supported": (r"do not support|does not hold|contradict",
                               r"no apoyan|no se cumple|contradicen"),
             "undecided": (r"do not settle|neither confirmed|stays open",
                           r"no zanjan|no se confirma ni se refuta|queda abierta")}[verdict]
    for lang, pattern in zip(("en", "es"), words, strict=True):
        text = " ".join(items(build(changed, lang), "experiment-optimizers"))
        assert re.search(pattern, text), text


def test_no_hypothesis_no_verdict(results: ResultSet) -> None:
    found = next(f for f in analyse(results).studies if f.key == "optimizers")
    assert hypothesis_check(found) is None
    text = " ".join(items(build(results, "en"), "experiment-optimizers"))
    assert "hypothesis" not in text


def test_generated_paragraphs_are_marked_only_when_asked(results: ResultSet) -> None:
    plain_page = render.html(build(results, "en"))
    assert 'class="generated"' not in plain_page and "prose generated" not in plain_page
    report = results.manifest.report.model_copy(update={"mark_generated": True})
    marked = dataclasses.replace(
        results, manifest=results.manifest.model_copy(update={"report": report}))
    model = build(marked, "en")
    page = render.html(model)
    generated = [b for b in model.blocks() if isinstance(b, Paragraph) and b.generated]
    assert generated and page.count('class="generated"') >= len(
        [b for b in generated if not b.html])
    # the author's notes are theirs: never marked
    notes = re.search(r'<div class="prose[^"]*">(?:(?!</div>).)*generalises', page, re.S)
    assert notes and "generated" not in notes.group(0).split(">")[0]


def test_the_analysis_has_no_lists_and_runs_in_heads(results: ResultSet) -> None:
    for lang, heads in (("en", ("Objective.", "Design.", "Analysis.")),
                        ("es", ("Objetivo.", "Diseño.", "Análisis."))):
        model = build(results, lang)
        part = model.section("experiment-hidden-units")
        assert not any(isinstance(b, BulletList) for b in part.blocks)
        leads = [b.lead for b in part.blocks if isinstance(b, Paragraph) and b.lead]
        assert leads == list(heads)


def test_every_conclusion_is_numbered_and_recommends_a_configuration(results: ResultSet) -> None:
    for lang, word in (("en", "recommend"), ("es", "recomiendan")):
        model = build(results, lang)
        listing = next(b for b in model.section("conclusions").blocks
                       if isinstance(b, BulletList))
        assert listing.ordered and len(listing.items) == 2
        recommendation = next(b for b in model.section("conclusions").blocks
                              if isinstance(b, Paragraph) and b.lead
                              and b.lead.startswith(("Recommendation", "Recomendación")))
        assert word in recommendation.text
        assert {"en": "“64 hidden units”", "es": "«64 neuronas ocultas»"}[lang] in \
            plain(recommendation.text)


def test_no_generated_sentence_opens_in_lower_case(results: ResultSet) -> None:
    from reportgen.report.text import capitalised

    assert capitalised("«sin regularización» gana. «numpy» pierde. la red. (la otra)") == \
        "«Sin regularización» gana. «numpy» pierde. La red. (La otra)"
    for lang in ("es", "en"):
        model = build(results, lang)
        for part in ("experiments", "discussion", "conclusions"):
            for sentence in re.split(r"(?<=[.!?])\s+", " ".join(items(model, part))):
                opening = sentence.lstrip("«“(")
                assert not re.match(r"[a-záéíóúñ]+ ", opening), sentence
