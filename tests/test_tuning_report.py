"""The tuning sections of the report, built from a small real search (Hyperband and TPE)."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest

from reportgen import manifest
from reportgen.analysis import searches
from reportgen.execution import executor
from reportgen.plan import expand
from reportgen.report import render, search_words
from reportgen.report.build import build
from reportgen.report.context import MAX_COLUMNS
from reportgen.report.model import Figure, Paragraph, ReportModel, Section, Table
from reportgen.store import tuning_records
from reportgen.store.store import ResultSet, Store
from reportgen.tuning import distributions, importance
from reportgen.tuning.importance import with_importance
from tests.helpers import write_manifest

MANIFEST = """
[report]
title = { es = "Búsqueda", en = "Search" }
date = 2025-05-01

[defaults]
seed = 5
device = "cpu"

[datasets.breast]
source = "sklearn"
name = "breast_cancer"
preprocess = "standard"
split = { test = 0.2, val = 0.2 }

[models.mlp]
hidden = [16]

[trainings.quick]
epochs = 3
batch_size = 64

[[studies]]
id = "tuners"
title = { es = "Hyperband frente a TPE", en = "Hyperband versus TPE" }
dataset = "breast"
model = "mlp"
training = "quick"
[studies.search]
algorithms = ["hyperband", "bayesian"]
max_trials = { bayesian = 4 }
n_startup_trials = 2
max_epochs = 9
[studies.search.space]
"model.hidden" = { layers = [1, 2], units = { int = [8, 32], step = 8 } }
"model.activation" = { choice = ["relu", "tanh"] }
"model.dropout" = { float = [0.0, 0.5] }
"training.optimizer.lr" = { choice = [0.001, 0.01, 0.1] }
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> ResultSet:
    folder = tmp_path_factory.mktemp("tuning-report")
    spec = manifest.load(write_manifest(folder, MANIFEST))
    store = Store(folder / "out")
    executor.execute(spec, expand.expand(spec), store)
    return store.load()


@pytest.fixture(scope="module")
def models(results: ResultSet) -> dict[str, ReportModel]:
    return {lang: build(results, lang) for lang in ("es", "en")}


def table(model: ReportModel, table_id: str) -> Table:
    return next(t for t in model.tables() if t.id == table_id)


def figure_ids(model: ReportModel) -> set[str]:
    return {f.id for f in model.figures()}


def paragraphs(section: Section) -> str:
    return " ".join(b.text for part in section.walk() for b in part.blocks
                    if isinstance(b, Paragraph))


def with_records(results: ResultSet, tuning: list[tuning_records.TuningRecord]) -> ResultSet:
    return dataclasses.replace(results, tuning={"tuners": tuning})


def test_the_store_loads_the_tuning_records(results: ResultSet) -> None:
    hyperband, bayesian = results.tuning["tuners"]
    assert (hyperband.algorithm, bayesian.algorithm) == ("hyperband", "bayesian")
    assert hyperband.hyperband is not None and len(bayesian.trials) == 4
    # the fixture is meant to exercise both importance and pruning
    assert len(searches.complete_trials(hyperband)) >= 2
    assert any(t.state == "pruned" for t in hyperband.trials)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_sections_tables_and_figures_in_both_languages(models: dict[str, ReportModel],
                                                       lang: str) -> None:
    model = models[lang]
    # the comparison in the experiment's section; each search's detail in appendix C
    experiment = model.section("experiment-tuners")
    assert "tuning-tuners-comparison" in {b.id for b in experiment.blocks if hasattr(b, "id")}
    ids = [s.id for s in model.section("appendix-details-tuners").subsections]
    assert ids == ["tuning-tuners-hyperband", "tuning-tuners-bayesian"]
    tables = {t.id for t in model.tables()}
    for key in ("hyperband", "bayesian"):
        assert {f"tuning-tuners-{key}-space", f"tuning-tuners-{key}-trials"} <= tables
        assert {f"fig-tuning-tuners-{key}-history", f"fig-tuning-tuners-{key}-importance",
                f"fig-tuning-tuners-{key}-parallel"} <= figure_ids(model)
    assert "tuning-tuners-comparison" in tables
    assert "tuning-tuners-hyperband-brackets" in tables
    assert "tuning-tuners-bayesian-brackets" not in tables
    title = model.section("tuning-tuners-bayesian").title
    assert title == {"es": "Búsqueda: Optimización bayesiana",
                     "en": "Search: Bayesian optimisation"}[lang]
    intro = paragraphs(model.section("tuning-tuners-hyperband"))
    assert ("ensayos" if lang == "es" else "trials") in intro
    assert "%(" not in intro and "nan" not in intro.lower()


def test_comparison_table_holds_the_records_values(results: ResultSet,
                                                   models: dict[str, ReportModel]) -> None:
    expected = tuning_records.comparison(results.tuning["tuners"])
    comparison = table(models["en"], "tuning-tuners-comparison")
    keys = [c.key for c in comparison.columns]
    assert keys[0] == "label" and "test_accuracy" in keys and "best_value" in keys
    for row, want in zip(comparison.rows, expected, strict=True):
        values = {key: cell.value for key, cell in zip(keys, row, strict=True)}
        for key in keys:
            assert values[key] == pytest.approx(want[key]) if isinstance(want[key], float) \
                else values[key] == want[key], key
    # the retrained best runs are the study's runs
    labels = {s.record.label for s in results.studies["tuners"]}
    assert labels == {"hyperband best", "bayesian best"}


def test_comparison_sentence_names_the_best_search(results: ResultSet,
                                                   models: dict[str, ReportModel]) -> None:
    hyperband, bayesian = results.tuning["tuners"]
    text = paragraphs(models["en"].section("experiment-tuners"))
    best_h, best_b = hyperband.summary["best_value"], bayesian.summary["best_value"]
    if best_h == best_b:
        assert "found the same best validation accuracy" in text
    else:
        winner = "Hyperband" if best_h > best_b else "Bayesian optimisation"
        assert f"{winner} found the best validation accuracy" in text
    assert f"{hyperband.summary['epochs']} epochs" in text
    assert "test accuracy of" in text
    conclusions = models["en"].section("conclusions")
    objective = next(item for block in conclusions.blocks for lead, item in
                     zip(getattr(block, "leads", ()), getattr(block, "items", ()), strict=True)
                     if "Objective 1" in lead)
    assert "validation accuracy" in objective and "epochs" in objective


def test_trials_table_shows_readable_values_and_translated_states(
        results: ResultSet, models: dict[str, ReportModel]) -> None:
    hyperband = results.tuning["tuners"][0]
    for lang, pruned in (("es", "podado"), ("en", "pruned")):
        trials = table(models[lang], "tuning-tuners-hyperband-trials")
        keys = [c.key for c in trials.columns]
        assert keys[:2] == ["number", "bracket"]
        assert {"model.hidden", "model.activation", "value", "epochs", "state",
                "seconds"} <= set(keys)
        assert len(trials.rows) == len(hyperband.trials) and trials.shown_rows is None
        hidden = keys.index("model.hidden")
        by_number = {row[0].value: row for row in trials.rows}
        for trial in hyperband.trials:
            row = by_number[trial.number]
            assert row[hidden].value == trial.set["model.hidden"]  # raw list in the CSV
            assert row[hidden].display.startswith("[")
            if trial.state == "pruned":
                assert row[keys.index("state")].display == pruned
            activation = row[keys.index("model.activation")]  # raw in the CSV, named here
            assert activation.value == trial.set["model.activation"]
            assert activation.display == {"relu": "ReLU", "tanh": "tanh"}[activation.value]
        space = table(models[lang], "tuning-tuners-hyperband-space")
        choice = next(row for row in space.rows if row[0].value == "model.activation")
        assert "ReLU" in choice[1].display and "relu" not in choice[1].display
        best = trials.rows[trials.highlight]
        assert best[0].value == hyperband.best["number"]


def test_long_trial_lists_show_the_best_and_keep_all_in_the_csv(results: ResultSet) -> None:
    hyperband, bayesian = results.tuning["tuners"]
    many = [dataclasses.replace(t, number=t.number + 4 * k)
            for k in range(10) for t in bayesian.trials]  # 40 trials
    long = dataclasses.replace(bayesian, trials=many)
    model = build(with_records(results, [hyperband, long]), "en")
    trials = table(model, "tuning-tuners-bayesian-trials")
    assert len(trials.rows) == 40 and trials.shown_rows == search_words.TOP_TRIALS
    assert "tables/tuning-tuners-bayesian-trials.csv" in trials.note
    values = [row[[c.key for c in trials.columns].index("value")].value
              for row in trials.rows]
    assert values == sorted(values, reverse=True)  # best first
    assert render.table_csv(trials).count("\n") == 41
    page = render.html(model)
    body = page.split('id="tuning-tuners-bayesian-trials"')[1].split("<tbody>")[1]
    body = body.split("</tbody>")[0]
    assert body.count("<tr") == search_words.TOP_TRIALS


def test_bracket_table_equals_the_records_plan(results: ResultSet,
                                               models: dict[str, ReportModel]) -> None:
    plan_ = results.tuning["tuners"][0].hyperband
    brackets = table(models["en"], "tuning-tuners-hyperband-brackets")
    expected = [(b["bracket"], k, r["epochs"], r["configs"], r["observed"])
                for b in plan_["brackets"] for k, r in enumerate(b["rungs"])]
    assert [tuple(c.value for c in row) for row in brackets.rows] == expected
    (total,) = brackets.foot
    assert total[3].value == plan_["total_configs"]
    assert total[4].value == sum(b["trials"] for b in plan_["brackets"]) == len(
        results.tuning["tuners"][0].trials)
    spent = sum(b["epochs"] for b in plan_["brackets"])
    sentence = paragraphs(models["en"].section("tuning-tuners-hyperband"))
    assert (f"Hyperband planned {plan_['total_configs']} configurations and "
            f"{plan_['budget_epochs']} epochs; it ran") in sentence
    assert f"spent {spent} epochs" in sentence


def test_importance_is_computed_without_a_database(results: ResultSet) -> None:
    bayesian = results.tuning["tuners"][1]
    importances = importance.importance(bayesian)["values"]
    assert bayesian.importance == {"values": importances}  # stored when the search finished
    assert sum(importances.values()) == pytest.approx(1.0)
    complete = searches.complete_trials(bayesian)
    assert set(importances) <= set(complete[0].params)
    assert list(importances.values()) == sorted(importances.values(), reverse=True)
    names = distributions.distributions(bayesian)
    assert set(names) == {"model.hidden.layers", "model.hidden.units_1",
                          "model.hidden.units_2", "model.activation", "model.dropout",
                          "training.optimizer.lr"}
    assert names["training.optimizer.lr"].choices == (0.001, 0.01, 0.1)


def test_one_complete_trial_gives_a_sentence_instead_of_figures(results: ResultSet) -> None:
    hyperband, bayesian = results.tuning["tuners"]
    keep = bayesian.trials[0].number
    trials = [t if t.number == keep else dataclasses.replace(t, state="pruned")
              for t in bayesian.trials]
    lonely = dataclasses.replace(bayesian, trials=trials)
    assert importance.importance(lonely) == {"unavailable": "too_few"}
    for lang, words in (("en", "need at least two complete trials; this search has 1"),
                        ("es", "requieren al menos dos ensayos completos; esta búsqueda "
                               "tiene 1")):
        model = build(with_records(results, [hyperband, lonely]), lang)
        assert words in paragraphs(model.section("tuning-tuners-bayesian"))
        ids = figure_ids(model)
        assert "fig-tuning-tuners-bayesian-importance" not in ids
        assert "fig-tuning-tuners-bayesian-parallel" not in ids
        assert "fig-tuning-tuners-bayesian-history" in ids


def test_searches_without_retrained_runs_are_still_reported(results: ResultSet) -> None:
    bare = dataclasses.replace(results, studies={"tuners": []})
    model = build(bare, "en")
    assert "tuning-tuners-comparison" in {t.id for t in model.tables()}
    assert "fig-tuning-tuners-hyperband-history" in figure_ids(model)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_rendered_page_holds_the_figures_and_no_nan(models: dict[str, ReportModel],
                                                    lang: str) -> None:
    page = render.html(models[lang])
    for figure in models[lang].figures():
        if figure.id.startswith("fig-tuning-"):
            kind = " aside" if figure.aside else " half" if figure.half else ""
            assert f'<figure class="figure{kind}" id="{figure.id}">' in page
            assert "<svg" in figure.svg
    text = re.sub(r"<svg.*?</svg>", "", page, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    assert not re.search(r"\b(nan|NaN|inf|Infinity)\b", text)
    assert "%(" not in text
    decimal = "0,0" if lang == "es" else "0.0"
    assert decimal in text or ("0,9" if lang == "es" else "0.9") in text


def test_figures_take_translated_texts(models: dict[str, ReportModel]) -> None:
    history = {lang: next(f for f in models[lang].figures()
                          if f.id == "fig-tuning-tuners-hyperband-history")
               for lang in ("es", "en")}
    assert isinstance(history["es"], Figure)
    assert history["es"].svg != history["en"].svg  # axis labels and legend differ


def test_a_tie_highlights_no_search(results: ResultSet) -> None:
    hyperband, bayesian = results.tuning["tuners"]
    same = dataclasses.replace(bayesian, summary={**bayesian.summary,
                                                  "best_value": hyperband.summary["best_value"]})
    model = build(with_records(results, [hyperband, same]), "en")
    assert table(model, "tuning-tuners-comparison").highlight is None
    assert "Hyperband and Bayesian optimisation found the same best validation accuracy" in \
        paragraphs(model.section("experiment-tuners"))


def test_rounded_keeps_three_significant_digits() -> None:
    assert search_words.rounded(0.16371418564438028) == 0.164
    assert search_words.rounded([0.001, 256, 0.04779118]) == [0.001, 256, 0.0478]
    assert search_words.rounded("relu") == "relu"


def test_the_records_space_parses_back_to_manifest_ranges() -> None:
    parsed = distributions.parse_space({"model.hidden": {
        "kind": "layers", "min_layers": 1, "max_layers": 3,
        "units": {"kind": "int", "low": 32, "high": 512, "step": 32, "log": False}}})
    assert isinstance(parsed["model.hidden"], manifest.Layers)


def test_many_parameters_share_one_column_and_failed_trials_show_dashes(
        results: ResultSet) -> None:
    hyperband, bayesian = results.tuning["tuners"]
    extra = {f"model.extra_{i}": {"kind": "float", "low": 0.0, "high": 1.0, "step": None,
                                  "log": False} for i in range(6)}
    trials = [dataclasses.replace(t, set={**t.set, **{p: 0.5 for p in extra}})
              for t in bayesian.trials]
    trials[-1] = dataclasses.replace(trials[-1], state="failed", value=None, set={},
                                     error="RuntimeError: boom")
    wide = dataclasses.replace(bayesian, space={**bayesian.space, **extra}, trials=trials)
    model = build(with_records(results, [hyperband, wide]), "en")
    table_ = table(model, "tuning-tuners-bayesian-trials")
    keys = [c.key for c in table_.columns]
    assert "set" in keys and len(keys) <= MAX_COLUMNS
    failed = table_.rows[-1]
    assert failed[keys.index("state")].display == "failed"
    assert render.format_cell(failed[keys.index("value")], "en") == "—"


def test_a_search_without_a_complete_trial_has_no_best(results: ResultSet) -> None:
    hyperband, bayesian = results.tuning["tuners"]
    pruned = [dataclasses.replace(t, state="pruned") for t in hyperband.trials]
    summary = {**hyperband.summary, "complete": 0, "pruned": len(pruned), "best_value": None}
    none = dataclasses.replace(hyperband, trials=pruned, best=None, retrained=None,
                               summary=summary)
    model = build(with_records(results, [none, bayesian]), "es")
    text = paragraphs(model.section("tuning-tuners-hyperband"))
    assert "Ningún ensayo se completó" in text
    assert "fig-tuning-tuners-hyperband-history" in figure_ids(model)
    assert "tuning-tuners-hyperband-brackets" in {t.id for t in model.tables()}
    assert "%(" not in paragraphs(model.section("experiment-tuners"))


def test_every_figure_and_table_of_a_search_is_referenced(models: dict[str, ReportModel]) -> None:
    from tests.test_report_build import referenced

    for lang, figure, table in (("en", "figure", "table"), ("es", "figura", "tabla")):
        model = models[lang]
        assert {f.number for f in model.figures()} <= referenced(model, figure)
        assert {t.number for t in model.tables()} <= referenced(model, table)


def test_an_output_folder_of_the_previous_format_gives_the_same_report(
        results: ResultSet, models: dict[str, ReportModel], tmp_path: Path) -> None:
    """Before: importance computed at report time (not in the tuning record), run origins in a
    loose `extra` dict. Such a folder still loads, the records lack importance, and rendering
    (which computes it, `with_importance`) gives the same report."""
    old = tmp_path / "old"
    shutil.copytree(results.root, old)
    for path in (old / "tuning").glob("*.json"):
        data = json.loads(path.read_text())
        assert data.pop("importance") is not None
        path.write_text(json.dumps(data))
    for path in (old / "runs").glob("*/record.json"):
        data = json.loads(path.read_text())
        extra = {k: data.pop(k) for k in ("fused_group", "tuning", "restored_epoch")
                 if data[k] is not None}
        data.pop("expected_error")
        path.write_text(json.dumps({**data, "extra": extra}))
    loaded = Store(old).load()
    assert all(r.importance is None for r in loaded.tuning["tuners"])
    loaded = with_importance(loaded)
    assert [r.importance for r in loaded.tuning["tuners"]] == \
        [r.importance for r in results.tuning["tuners"]]
    assert build(loaded, "en") == models["en"]


@pytest.mark.parametrize("lang, words", [
    ("en", ["a search only, not retrained", "the best of its", "trial", "validation accuracy",
            "This study only searches: its trials are its results",
            "Its search answers it without retraining"]),  # the conclusions' answer
    ("es", ["solo una búsqueda, sin reentrenar", "el mejor de sus", "ensayo",
            "exactitud de validación", "Este estudio solo realiza una búsqueda",
            "Su búsqueda la responde sin reentrenar su mejor configuración"])])
def test_a_search_only_study_gives_its_best_trial_not_no_run(results: ResultSet, lang: str,
                                                             words: list[str]) -> None:
    """`retrain_best = false`: the trials are the results; no "no run finished"."""
    spec = manifest.loads(MANIFEST.replace("max_epochs = 9", "max_epochs = 9\n"
                                           "retrain_best = false"))
    bare = dataclasses.replace(results, manifest=spec, studies={"tuners": []})
    model = build(bare, lang)
    text = " ".join(paragraphs(s) for s in model.sections) + " ".join(
        b.text for b in model.abstract if isinstance(b, Paragraph))
    text += " ".join(item for s in model.sections for part in s.walk() for b in part.blocks
                     for item in getattr(b, "items", ()))
    assert "no run finished" not in text and "ninguna ejecución" not in text.lower()
    for word in words:
        assert word in text, word
    best = max((r.best for r in results.tuning["tuners"] if r.best), key=lambda b: b["value"])
    number = str(best["number"])
    assert re.search(rf"(trial|ensayo) {number} \(", text)
    # the key-results table counts trials and names the best trial, with the accuracy the
    # trials measured (their objective); no test accuracy: trials never see the test split
    row = table(model, "key-results").rows[0]
    trials = sum(len(r.trials) for r in results.tuning["tuners"])
    assert row[1].value == trials and row[1].display.startswith(str(trials))
    assert re.match(rf"(trial|ensayo) {number} \(", row[2].value)
    assert row[3].value == pytest.approx(best["value"]) and row[4].value is None


def test_parallel_coordinates_name_categorical_values(results: ResultSet, monkeypatch) -> None:
    """A choice axis is labelled as the reader names the values ("ReLU"), not as stored."""
    from reportgen.report import search_section

    drawn = []
    original = search_section.figures.parallel_coordinates

    def spy(axes, *args, **kwargs):
        drawn.append(axes)
        return original(axes, *args, **kwargs)

    monkeypatch.setattr(search_section.figures, "parallel_coordinates", spy)
    build(results, "es")
    categories = {c for axes in drawn for axis in axes for c in (axis.categories or ())}
    assert "ReLU" in categories and "relu" not in categories


@pytest.mark.parametrize("lang", ["es", "en"])
def test_best_run_sentence_states_an_accuracy_objective_once(
        models: dict[str, ReportModel], lang: str) -> None:
    """The searches optimise validation accuracy: the best run's sentence gives that number
    once, not again as "and validation accuracy 22.5%"."""
    analysis = next(b.text for b in models[lang].section("experiment-tuners").blocks
                    if isinstance(b, Paragraph) and b.lead in ("Analysis.", "Análisis."))
    sentence = re.split(r"(?<=[.;])\s(?=[A-ZÁÉÍÓÚ«“])", analysis)[0]
    metric = {"es": "exactitud de validación", "en": "validation accuracy"}[lang]
    assert sentence.count(metric) == 1, sentence  # named once, with the value(s) it ranks by
    values = re.findall(r"\d+[.,]\d\s?%", sentence)
    assert len(values) == (1 if re.search(r"empate|tie", sentence) else 2), sentence


@pytest.mark.parametrize(("lang", "one", "many"), [
    ("es", ("1 ensayo", "1 época", "1 configuración"), ("3 ensayos", "3 épocas",
                                                       "3 configuraciones")),
    ("en", ("1 trial", "1 epoch", "1 configuration"), ("3 trials", "3 epochs",
                                                      "3 configurations"))])
def test_search_counts_agree_with_their_number(results: ResultSet, lang: str,
                                               one: tuple[str, ...],
                                               many: tuple[str, ...]) -> None:
    """A scaled-down search may run one trial: never "1 ensayos" in its sentences."""
    from reportgen.analysis.findings import analyse
    from reportgen.report.context import Context
    from reportgen.report.search_words import SearchWords

    found = analyse(results).studies[0]
    words = SearchWords(Context(analyse(results), lang), found)
    for n, expected in ((1, one), (3, many)):
        assert (words.trials(n), words.epochs(n), words.configurations(n)) == expected


# ---------------------------------------------------------------- budget figure
def test_budget_points_count_every_trials_epochs_in_trial_order(results: ResultSet) -> None:
    from reportgen.report.tuning_section import budget_points

    hyperband = results.tuning["tuners"][0]
    trial = hyperband.trials[0]
    made = [dataclasses.replace(trial, number=0, state="complete", value=0.90, epochs=3),
            dataclasses.replace(trial, number=1, state="pruned", value=0.99, epochs=1),
            dataclasses.replace(trial, number=2, state="complete", value=0.85, epochs=9),
            dataclasses.replace(trial, number=3, state="complete", value=0.95, epochs=9)]
    record = dataclasses.replace(hyperband, trials=list(reversed(made)), direction="maximize")
    assert budget_points(record) == [(3.0, 0.90), (22.0, 0.95)]
    assert budget_points(dataclasses.replace(record, direction="minimize")) == \
        [(3.0, 0.90), (13.0, 0.85)]


def test_budget_figure_of_each_study_with_searches_is_drawn_and_referenced(
        results: ResultSet, models: dict[str, ReportModel]) -> None:
    from reportgen.report.tuning_section import budget_points

    for model in models.values():
        found = [f for f in model.figures() if f.id == "fig-tuning-tuners-budget"]
        assert len(found) == 1
        # set beside the paragraphs after it, the last of which introduces it by number
        assert found[0].aside
        after = [p for top in model.sections for part in top.walk()
                 for blocks in [part.blocks] for i, b in enumerate(blocks) if b is found[0]
                 for p in blocks[i + 1:i + 4] if isinstance(p, Paragraph)]
        assert any(re.search(rf"\b{found[0].number}\b", p.text) for p in after), after
    hyperband, bayesian = results.tuning["tuners"]
    # the search spent its epochs; its last improvement comes no later than that
    for record in (hyperband, bayesian):
        points = budget_points(record)
        assert points and points[-1][0] <= sum(t.epochs for t in record.trials)
        assert [x for x, _ in points] == sorted(x for x, _ in points)


def test_the_objective_history_and_the_importance_sit_side_by_side(
        models: dict[str, ReportModel]) -> None:
    """Both drawn at half the text width and marked half, next to each other; the parallel
    coordinates keep the full width."""
    import re

    from reportgen.figures.style import HALF_WIDTH_IN, MAX_WIDTH_IN
    from reportgen.report.model import Figure

    def width_in(svg: str) -> float:
        return float(re.match(r'<svg width="([\d.]+)pt"', svg)[1]) / 72

    for key in ("hyperband", "bayesian"):
        section = models["es"].section(f"tuning-tuners-{key}")
        shown = [b for b in section.blocks if isinstance(b, Figure)]
        ids = [f.id.rsplit("-", 1)[1] for f in shown]
        assert ids == ["history", "importance", "parallel"]
        history, importance, parallel = shown
        assert history.half and importance.half and not parallel.half
        assert width_in(history.svg) == pytest.approx(HALF_WIDTH_IN, abs=0.02)
        assert width_in(importance.svg) == pytest.approx(HALF_WIDTH_IN, abs=0.02)
        assert width_in(parallel.svg) == pytest.approx(MAX_WIDTH_IN, abs=0.02)
