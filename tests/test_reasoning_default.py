"""The default manifest, trained through the CLI with fewer epochs and trials: its body
repeats no sentence, its conclusions copy nothing from the abstract, and the tuning study names
one best run, the one its search objective picks, in every section that names a best run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reportgen.analysis.findings import analyse
from reportgen.report.build import build
from reportgen.report.context import Context
from reportgen.report.localise import localise
from reportgen.report.model import Paragraph, ReportModel
from reportgen.report.run_labels import identity
from reportgen.store.store import ResultSet, Store
from tests.helpers import DEFAULT_GROUP
from tests.test_reasoning import items, undrawn

pytestmark = DEFAULT_GROUP  # one worker trains the default run


# Session-scoped, though only this module reads them: xdist runs test_spanish_words (the same
# group) between this module's tests, and a module fixture would be torn down and built again.
@pytest.fixture(scope="session")
def results(default_run: Path) -> ResultSet:
    html = (default_run / "report.es.html").read_text()
    assert "Experimentos" in html and "Conclusiones" in html
    return Store(default_run).load()


@pytest.fixture(scope="session")
def models(results: ResultSet) -> dict[str, ReportModel]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Context, "figure", undrawn)
        return {lang: build(results, lang) for lang in ("es", "en")}


def sentences(parts: list[str]) -> list[str]:
    return [s for t in parts for s in re.split(r"(?<=[.!?])\s+", t) if s.strip()]


BODY = ("introduction", "data", "methods", "experiments", "discussion", "conclusions")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_body_repeats_no_sentence(models: dict[str, ReportModel], lang: str) -> None:
    found = [s for part in BODY for s in sentences(items(models[lang], part))
             if len(s.split()) >= 8]
    repeated = {s for s in found if found.count(s) > 1}
    assert not repeated, repeated


@pytest.mark.parametrize("lang", ["es", "en"])
def test_no_sentence_of_the_conclusions_is_in_the_abstract(models: dict[str, ReportModel],
                                                           lang: str) -> None:
    abstract = " ".join(re.sub(r"<[^>]+>", "", b.text) for b in models[lang].abstract
                        if isinstance(b, Paragraph))
    copied = [s for s in sentences(items(models[lang], "conclusions")) if s in abstract]
    assert not copied, copied


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_tuning_study_names_the_objectives_best_run_everywhere(
        results: ResultSet, models: dict[str, ReportModel], lang: str) -> None:
    found = next(s for s in analyse(results).studies if s.study.search is not None)
    assert found.criterion is not None and found.criterion.objective == "val_loss"
    best = found.best
    assert best is not None
    losses = {r.label: r.metrics["val"].loss for r in found.runs}
    by_search = {(t.retrained or {}).get("label"): t.summary["best_value"]
                 for t in found.searches}
    # the objective the searches selected on, lowest wins (accuracy does not decide)
    assert by_search[best.label] == min(by_search.values())
    assert losses[best.label] == pytest.approx(by_search[best.label], rel=1e-6)
    # the text names runs as the reader sees them (run_labels), tables keep the identity
    shown = {r.run_id: r.label for s in localise(analyse(results), lang).studies
             for r in s.runs}
    name = shown[best.run_id]
    others = [shown[r.run_id] for r in found.runs if r.run_id != best.run_id]
    model = models[lang]
    abstract = " ".join(b.text for b in model.abstract if isinstance(b, Paragraph))
    title = found.study.title.get(lang)
    key = next(s for s in abstract.split("\n") if title in s) if "\n" in abstract else abstract
    assert name in key
    analysis = next(b.text for b in model.section(f"experiment-{found.key}").blocks
                    if isinstance(b, Paragraph) and b.lead in ("Analysis.", "Análisis."))
    answer = sentences([analysis])[0]
    named = re.findall(r"[«“]([^»”]+)[»”]", answer)
    assert named and named[0] == name, answer  # the objective's best is named first
    assert all(o != named[0] for o in others)
    runs_table = next(t for t in model.tables() if t.id == f"study-{found.key}-runs")
    assert identity(runs_table.rows[runs_table.highlight][0].value) == best.label
    conclusions = next(t for t in items(model, "conclusions") if f"({title})" in t)
    assert name in conclusions


@pytest.mark.parametrize("lang", ["es", "en"])
def test_curve_figures_are_the_tables_and_each_configuration_has_one_verdict(
        results: ResultSet, lang: str) -> None:
    """Issue 26, item 7: the end-of-training gap the curve sentences quote is the final
    evaluation's (the runs table), and findings.gap agrees with the curve verdict."""
    from reportgen.report import curve_words

    shown = localise(analyse(results), lang)
    ctx = Context(shown, lang)
    read = [f for f in shown.studies if f.curves is not None]
    assert read
    for found in read:
        curves = found.curves
        assert curves is not None and len(curves.verdicts) == len(curves.labels)
        for label in curves.labels:
            fit, features = curves.final(label), curves.of(label)
            if fit is not None and fit.train_loss and fit.val_loss is not None \
                    and features.gap_at_end is not None:
                assert features.gap_at_end.loss_ratio == pytest.approx(
                    fit.val_loss / fit.train_loss)
        best = found.best
        if best is not None and found.gap is not None:
            verdict = curves.verdict(best.config_label or best.label)
            assert (found.gap.verdict == "overfit") == (verdict == "overfits")
        assert curve_words.curve_sentences(ctx, found)


@pytest.mark.parametrize(("lang", "words"), [("en", r"single[- ]seed"), ("es", r"una sola semilla")])
def test_the_single_seed_margin_of_the_searches_is_judged_once(models: dict[str, ReportModel],
                                                              lang: str, words: str) -> None:
    """The answer paragraph holds the retrained best runs to the single-seed threshold; the
    searches' comparison under its table does not say it a second time."""
    section = models[lang].section("experiment-tuners")
    said = [s for b in section.blocks if isinstance(b, Paragraph)
            for s in re.split(r"(?<=\.)\s", b.text)
            if re.search(words, s) and re.search(r"threshold|umbral", s)]
    assert len(said) == 1, said
