"""One verdict, worded alike wherever it is stated (issue 26, items 7, 8 and 11), in both
languages, on small hand-made result sets: a sentence about the configurations left agrees
in number with how many there are, a margin's verdict reads the same in the abstract, the
experiment's section and the conclusions, and the discussion and the experiment's section
name the same overfitting configuration."""

from __future__ import annotations

import dataclasses
import re

import pytest

from reportgen.analysis.findings import analyse
from reportgen.report.context import Context
from reportgen.report.curve_words import curve_sentences
from reportgen.report.localise import localise
from reportgen.store.records import RunRecord
from reportgen.store.store import ResultSet
from tests.report_fixtures import make_results, record, split_metrics
from tests.test_reasoning import curve, with_study

SGD = {"name": "sgd", "lr": 0.05}
SGD_FAST = {"name": "sgd", "lr": 0.1}
MOMENTUM = {"name": "sgd", "lr": 0.05, "momentum": 0.9}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> ResultSet:
    return make_results(tmp_path_factory.mktemp("verdict"))


def optimizer_run(run_id: str, label: str, optimizer: dict, best_epoch: int,
                  train: tuple[float, float], val: tuple[float, float]) -> RunRecord:
    """A 12-epoch run of the optimizers study whose final evaluation gives (accuracy, loss)
    `train` and `val` (and the validation accuracy on test)."""
    rec = record(run_id * 16, "optimizers", label, {"training.optimizer": optimizer}, 64,
                 optimizer, "completed", 12, best_epoch,
                 {"train": train[0], "val": val[0], "test": val[0]})
    return dataclasses.replace(rec, metrics={**rec.metrics,
                                             "train": split_metrics(*train, 1078),
                                             "val": split_metrics(*val, 359)})


def flat(run_id: str, label: str, optimizer: dict) -> tuple:
    """A configuration whose validation loss is still at its minimum at the end, its
    accuracies one point apart: it does not overfit."""
    rec = optimizer_run(run_id, label, optimizer, 12, (0.96, 0.15), (0.95, 0.16))
    return rec, curve(12, 0.15, 0.16, 12, 0.16, acc_at=10)


def rising(run_id: str = "2") -> tuple:
    """SGD with momentum: its validation loss is lowest at epoch 5 and rises 33 % after it."""
    rec = optimizer_run(run_id, "sgd+momentum", MOMENTUM, 5, (0.99, 0.05), (0.98, 0.08))
    return rec, curve(12, 0.010, 0.06, 5, 0.08, acc_at=3)


def curve_text(results: ResultSet, pairs: list[tuple], lang: str) -> list[str]:
    shown = localise(analyse(with_study(results, "optimizers", pairs)), lang)
    found = next(s for s in shown.studies if s.key == "optimizers")
    return curve_sentences(Context(shown, lang), found)


# the sentence on the configurations left, as each phrasing opens, singular and plural
REST_ONE = {"en": r"(its validation loss does not rise|whose validation loss stays|The other "
                  r"configuration, .*, does not overfit)",
            "es": r"(su pérdida de validación no sube|cuya pérdida de validación queda|La otra "
                  r"configuración, .*, no sobreajusta)"}
REST_MANY = {"en": r"(no validation loss rises|whose validation losses stay|The other "
                   r"configurations, .*, do not overfit)",
             "es": r"(ninguna pérdida de validación sube|sus pérdidas de validación quedan|Las "
                   r"demás configuraciones, .*, no sobreajustan)"}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_one_configuration_left_is_worded_in_the_singular(results: ResultSet,
                                                              lang: str) -> None:
    said = curve_text(results, [flat("1", "sgd", SGD), rising()], lang)
    rest = [s for s in said if re.search(REST_ONE[lang], s)]
    assert len(rest) == 1, said
    assert not any(re.search(REST_MANY[lang], s) for s in said), said
    plain = {"en": "“SGD, lr 0.05”", "es": "«SGD, tasa 0,05»"}[lang]
    assert plain in rest[0]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_several_configurations_left_are_worded_in_the_plural(results: ResultSet,
                                                              lang: str) -> None:
    pairs = [flat("1", "sgd", SGD), flat("3", "sgd-fast", SGD_FAST), rising()]
    said = curve_text(results, pairs, lang)
    rest = [s for s in said if re.search(REST_MANY[lang], s)]
    assert len(rest) == 1, said
    assert not any(re.search(REST_ONE[lang], s) for s in said), said
    for label in {"en": ("“SGD, lr 0.05”", "“SGD, lr 0.1”"),
                  "es": ("«SGD, tasa 0,05»", "«SGD, tasa 0,1»")}[lang]:
        assert label in rest[0]


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("n", [1, 2])
def test_every_phrasing_of_the_rest_agrees_in_number(results: ResultSet, lang: str,
                                                     n: int) -> None:
    """Each of the three phrasings (they rotate with the study's position) agrees in number."""
    from reportgen.report import curve_words

    options = curve_words.REST_ONE if n == 1 else curve_words.REST
    ctx = Context(analyse(results), lang)
    for option in options:
        text = ctx._(option, runs="«a»" if n == 1 else "«a» y «b»", threshold="10 %",
                     points="5")
        wrong = REST_MANY if n == 1 else REST_ONE
        assert not re.search(wrong[lang], text), text


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_study_of_one_configuration_is_not_called_none_of_them(results: ResultSet,
                                                                 lang: str) -> None:
    said = " ".join(curve_text(results, [flat("1", "sgd", SGD)], lang))
    plural = {"en": r"none of them|none of “|neither do the accuracies",
              "es": r"ninguna configuración|ninguna de las configuraciones|las pérdidas de"}
    assert not re.search(plural[lang], said), said
    assert re.search({"en": r"does not overfit|shows no overfitting",
                      "es": r"no sobreajusta|no muestra sobreajuste"}[lang], said), said


# ---------------------------------------------------------------- one overfitting verdict
@pytest.fixture
def no_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_reasoning import undrawn

    monkeypatch.setattr(Context, "figure", undrawn)


def by_accuracies(run_id: str = "2") -> tuple:
    """SGD with momentum whose validation loss keeps falling but whose accuracies end 8 points
    apart in the final evaluation: it overfits by the accuracy sign alone, which is where a
    text reading only the loss rise would disagree."""
    rec = optimizer_run(run_id, "sgd+momentum", MOMENTUM, 12, (1.0, 0.05), (0.92, 0.08))
    return rec, curve(12, 0.010, 0.06, 12, 0.06, acc_at=3)


LABELS = {"en": {"sgd": "“SGD, lr 0.05”", "momentum": "“SGD, lr 0.05, momentum 0.9”"},
          "es": {"sgd": "«SGD, tasa 0,05»", "momentum": "«SGD, tasa 0,05, momento 0,9»"}}
OVERFITS = {"en": r"overfit", "es": r"sobreajust"}


@pytest.mark.parametrize("kind", ["loss rise", "accuracy gap"])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_discussion_and_the_experiment_name_the_same_overfitting_configuration(
        results: ResultSet, no_drawing: None, lang: str, kind: str) -> None:
    from reportgen.report.build import build
    from tests.test_reasoning import items, sentences

    overfitting = rising() if kind == "loss rise" else by_accuracies()
    changed = with_study(results, "optimizers", [flat("1", "sgd", SGD), overfitting])
    found = next(s for s in localise(analyse(changed), lang).studies if s.key == "optimizers")
    assert found.curves is not None
    assert [str(c) for c in found.curves.overfitting_configs] == [
        LABELS[lang]["momentum"][1:-1]]
    model = build(changed, lang)
    title = next(s.title for s in model.section("experiments").subsections
                 if s.id == "experiment-optimizers")
    study = ("“%s”" if lang == "en" else "«%s»") % title
    # the discussion: the configuration named with its experiment, the other one not
    discussion = [s for s in sentences(items(model, "discussion"))
                  if re.search(OVERFITS[lang], s, re.I) and study in s]
    assert len(discussion) == 1, items(model, "discussion")
    assert LABELS[lang]["momentum"] in discussion[0]
    assert LABELS[lang]["sgd"] not in discussion[0]
    # the experiment's section: the same one overfits, the other does not
    section = sentences(items(model, "experiment-optimizers"))
    said = [s for s in section if LABELS[lang]["momentum"] in s
            and re.search(OVERFITS[lang], s) and LABELS[lang]["sgd"] not in s]
    assert said, section
    assert any(LABELS[lang]["sgd"] in s and re.search(REST_ONE[lang], s) for s in section), \
        section


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_generated_abstract_names_every_compared_study_once_with_its_verdict(
        results: ResultSet, lang: str) -> None:
    """An established answer gets its own sentence with both numbers; the provisional ones
    share one sentence (not one stamped sentence per study) and a tie is called a tie, each
    study named once."""
    from reportgen.analysis.findings import analyse
    from reportgen.analysis.verdicts import lead_established
    from reportgen.report import summary
    from reportgen.report.context import Context
    from reportgen.report.localise import localise

    # two optimizers with the same validation accuracy: a tie, so a provisional answer
    tied = with_study(results, "optimizers", [flat("1", "sgd", SGD),
                                              flat("3", "sgd-fast", SGD_FAST)])
    report = tied.manifest.report.model_copy(update={"abstract": None})
    changed = dataclasses.replace(tied, manifest=tied.manifest.model_copy(
        update={"report": report}))
    findings = localise(analyse(changed), lang)
    ctx = Context(findings, lang)
    said = summary.abstract_sentences(ctx, "1")
    provisional = {"es": "provisional", "en": "provisional"}[lang]
    verdicts = {f.key: lead_established(f) for f in findings.studies}
    assert set(verdicts.values()) >= {True, False}, verdicts  # the fixture has both kinds
    for found in findings.studies:
        if verdicts[found.key] is None:
            continue
        title = ctx.quoted(ctx.study_title(found))
        naming = [s for s in said if title in s]
        assert len(naming) == 1, (title, said)
        if verdicts[found.key] is False:  # the fixture's provisional answer is a tie
            assert {"es": "empate", "en": "tie"}[lang] in naming[0], naming[0]
            assert provisional not in naming[0]  # a tie has no best to call provisional
        else:
            assert provisional not in naming[0], naming[0]
    # the provisional sentence opens with a contrast only after an established answer
    tied = [f for f in findings.studies if verdicts[f.key] is False]
    contrast = {"es": "En cambio", "en": "on the other hand"}[lang]
    assert contrast not in summary.provisional_sentence(ctx, tied, after=False)
    assert contrast in summary.provisional_sentence(ctx, tied, after=True)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_many_configurations_left_are_counted_not_listed(results: ResultSet,
                                                        lang: str) -> None:
    """Past three, the configurations that do not overfit are counted: a sentence naming
    seven of them reads as a table."""
    from reportgen.report import curve_words

    rates = [0.01, 0.02, 0.05, 0.1]
    pairs = [flat(str(k + 3), f"sgd-{k}", {"name": "sgd", "lr": lr})
             for k, lr in enumerate(rates)]
    said = curve_text(results, [*pairs, rising()], lang)
    counted = {"en": r"(None of the other|The other) four configurations",
               "es": r"(Ninguna de las otras|Las otras) cuatro configuraciones"}[lang]
    rest = [s for s in said if re.search(counted, s)]
    assert len(rest) == 1, said
    assert "«" not in rest[0] and "“" not in rest[0]  # no names
    assert len(rates) > curve_words.MAX_NAMED


def test_no_two_cited_error_phrasings_open_alike() -> None:
    """The confusion and the false-negative sentences can both appear in one chapter: their
    phrasings must not share an opening, or the chapter repeats a sentence frame."""
    from reportgen.report import error_words, i18n

    openings: dict[str, str] = {}
    for name in ("TOP_CITED", "MISSED_CITED"):
        for message in getattr(error_words, name):
            for lang in ("en", "es"):
                words = " ".join(i18n.gettext(lang)(message).split()[:4])
                assert words not in openings, (lang, words, openings.get(words), name)
                openings[words] = name


@pytest.mark.parametrize(("lang", "excludes", "includes"), [
    ("es", "excluye el cero", "incluye el cero"), ("en", "excludes zero", "includes zero")])
def test_an_interval_above_zero_is_never_said_to_include_it(results: ResultSet, lang: str,
                                                            excludes: str,
                                                            includes: str) -> None:
    """Welch's test not significant while the bootstrap interval excludes zero: the sentence
    says the two checks disagree (it once said the interval 'includes zero')."""
    from reportgen.analysis.findings import SeedMargin
    from reportgen.analysis.significance import SeedComparison
    from reportgen.report import answer_words

    ctx = Context(analyse(results), lang)
    comparison = SeedComparison(0.004, 0.001, 0.006, 0.95, 0.134, 3, 3, False)
    margin = SeedMargin("val", "a", "b", comparison)
    said = [answer_words.seed_margin_sentence(ctx, position, margin)  # every phrasing
            for position in range(len(answer_words.SEEDS_SPLIT))]
    assert len(set(said)) == len(answer_words.SEEDS_SPLIT)
    for sentence in said:
        assert includes not in sentence
        assert "0,1" in sentence or "0.1" in sentence  # the interval's low end, in points
    assert any(excludes in sentence for sentence in said)


def test_a_hypothesis_that_expects_a_tie_is_checked_both_ways(results: ResultSet) -> None:
    """`expects_tie`: a tie bears it out, an established lead refutes it."""
    from reportgen.analysis.verdicts import hypothesis_check

    def with_tie_expected(changed: ResultSet) -> ResultSet:
        studies = [s.model_copy(update={"expects_tie": True, "expected_best": None})
                   for s in changed.manifest.studies]
        return dataclasses.replace(changed, manifest=changed.manifest.model_copy(
            update={"studies": studies}))

    tied = with_tie_expected(with_study(results, "optimizers", [flat("1", "sgd", SGD),
                                                               flat("3", "sgd-fast", SGD_FAST)]))
    found = {s.key: s for s in analyse(tied).studies}
    assert hypothesis_check(found["optimizers"]).verdict == "tie_supported"
    assert hypothesis_check(found["hidden-units"]).verdict == "tie_refuted"  # 64 leads firmly
    for lang, words in (("es", "ninguna configuración se"), ("en", "no configuration")):
        from reportgen.report.experiments import hypothesis_sentence

        shown = next(s for s in localise(analyse(tied), lang).studies if s.key == "optimizers")
        said = hypothesis_sentence(Context(localise(analyse(tied), lang), lang), shown,
                                   hypothesis_check(shown))
        assert said is not None and words in said, said


def test_expects_tie_and_expected_best_together_are_refused(tmp_path) -> None:
    from reportgen import manifest
    from reportgen.errors import ReportgenError
    from tests.helpers import TINY, write_manifest

    text = TINY.replace("[[studies]]\n", "[[studies]]\nexpects_tie = true\n"
                        "expected_best = \"16\"\n", 1)
    with pytest.raises(ReportgenError, match="expects_tie and expected_best"):
        manifest.load(write_manifest(tmp_path, text))


@pytest.mark.parametrize(("lang", "words"), [("es", "empatada con"), ("en", "tied with")])
def test_the_key_results_table_calls_a_tie_a_tie(results: ResultSet, no_drawing: None,
                                                 lang: str, words: str) -> None:
    from reportgen.report.build import build

    tied = with_study(results, "optimizers", [flat("1", "sgd", SGD),
                                              flat("3", "sgd-fast", SGD_FAST)])
    table = next(t for t in build(tied, lang).tables() if t.id == "key-results")
    shown = {row[0].value: row[2].display or str(row[2].value) for row in table.rows}
    assert words in shown["optimizers"], shown
    assert words not in shown["hidden-units"], shown  # a real lead is named plainly
