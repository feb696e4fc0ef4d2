"""build(): the report model computed from a stored ResultSet (no HTML involved)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from reportgen.analysis.runs import rank_runs
from reportgen.report import build as build_mod
from reportgen.report.build import build
from reportgen.report.context import MAX_COLUMNS
from reportgen.report.model import BulletList, Cell, Figure, Paragraph, ReportModel, Table
from reportgen.report.render import format_cell
from reportgen.report.run_labels import identity
from reportgen.store.records import RunRecord
from reportgen.store.store import ResultSet, StoredRun


@pytest.fixture
def models(report_models: dict[str, ReportModel]) -> dict[str, ReportModel]:
    return report_models  # conftest's, built once per test process


def table(model: ReportModel, table_id: str) -> Table:
    return next(t for t in model.tables() if t.id == table_id)


def texts(model: ReportModel, section_id: str) -> str:
    """Every sentence of a section and its subsections, joined."""
    out = []
    for part in model.section(section_id).walk():
        for block in part.blocks:
            if isinstance(block, Paragraph):
                out.append(block.text)
            elif isinstance(block, BulletList):
                out.extend(block.items)
    return "\n".join(out)


def test_sections_in_order_and_numbered(models: dict[str, ReportModel]) -> None:
    model = models["en"]
    assert [(s.number, s.id) for s in model.sections] == [
        ("1", "introduction"), ("2", "data"), ("3", "methods"), ("4", "experiments"),
        ("5", "discussion"), ("6", "conclusions"), ("7", "references"), ("A", "appendix"),
        ("B", "appendix-runs"),
    ]
    experiments = model.section("experiments")
    assert [(s.number, s.id) for s in experiments.subsections] == [
        ("4.1", "experiment-hidden-units"), ("4.2", "experiment-optimizers")]
    assert model.section("manifest").number == "A.1"


def test_headings_are_translated(models: dict[str, ReportModel]) -> None:
    titles = {lang: [s.title for s in m.sections] for lang, m in models.items()}
    assert titles["es"] == ["Introducción", "Datos", "Metodología", "Experimentos",
                            "Discusión general", "Conclusiones", "Referencias",
                            "Apéndice: procedencia",
                            "Apéndice: matrices de confusión y métricas por clase de las demás "
                            "ejecuciones"]
    assert titles["en"] == ["Introduction", "Data", "Methodology", "Experiments",
                            "General discussion", "Conclusions", "References",
                            "Appendix: provenance",
                            "Appendix: confusion matrices and per-class scores of the other "
                            "runs"]
    assert models["es"].meta.title.startswith("Perceptrones")


def test_tables_and_figures_numbered_in_document_order(
        models: dict[str, ReportModel]) -> None:
    for model in models.values():
        assert [t.number for t in model.tables()] == list(range(1, len(model.tables()) + 1))
        assert [f.number for f in model.figures()] == list(range(1, len(model.figures()) + 1))
        ids = [b.id for b in model.blocks() if isinstance(b, Table | Figure)]
        assert len(ids) == len(set(ids))


def test_ids_are_language_neutral(models: dict[str, ReportModel]) -> None:
    assert [t.id for t in models["es"].tables()] == [t.id for t in models["en"].tables()]
    assert [f.id for f in models["es"].figures()] == [f.id for f in models["en"].figures()]
    assert [c.key for c in table(models["es"], "study-hidden-units-runs").columns] == \
        [c.key for c in table(models["en"], "study-hidden-units-runs").columns]


def test_expected_tables_and_figures(models: dict[str, ReportModel]) -> None:
    model = models["en"]
    table_ids = [t.id for t in model.tables()]
    assert table_ids[0] == "key-results"
    for expected in ("dataset-digits-splits", "dataset-digits-info",
                     "protocol",
                     "study-hidden-units-runs", "study-hidden-units-per-class",
                     "study-optimizers-runs", "provenance", "versions", "runs"):
        assert expected in table_ids
    # the best run's per-class scores back the error analysis from appendix B
    assert table_ids.index("study-hidden-units-per-class") > table_ids.index("runs")
    figure_ids = [f.id for f in model.figures()]
    assert figure_ids[0] == "fig-dataset-digits-distribution"  # the study asks for it
    for expected in ("fig-study-hidden-units-loss", "fig-study-hidden-units-accuracy",
                     "fig-study-hidden-units-confusion-normalized",
                     "fig-study-optimizers-loss"):
        assert expected in figure_ids
    # one normalised matrix per study in the body: the counts are not drawn twice
    assert "fig-study-hidden-units-confusion" not in figure_ids
    for figure in model.figures():
        assert figure.svg.startswith("<svg") and f'id="{figure.id}-' in figure.svg


def test_best_run_is_highest_validation_accuracy(models: dict[str, ReportModel]) -> None:
    key = table(models["en"], "key-results")
    assert [row[2].value for row in key.rows] == ["64 hidden units", "adam"]
    assert identity(key.rows[0][2].value) == "hidden=64"  # the CSV keeps the run's identity
    assert key.rows[0][3].value == pytest.approx(0.97312)
    runs = table(models["en"], "study-hidden-units-runs")
    assert runs.highlight == 1 and runs.rows[1][0].value == "64 hidden units"


def cells_by_key(t: Table, label: str) -> dict[str, Cell]:
    row = next(r for r in t.rows if r[0].value == label)
    return {column.key: cell for column, cell in zip(t.columns, row, strict=True)}


def test_diverged_run_shows_dashes(models: dict[str, ReportModel]) -> None:
    runs = cells_by_key(table(models["es"], "study-optimizers-runs"), "sgd-lr5")
    assert format_cell(runs["best_epoch"], "es") == "—"
    for key in ("train_accuracy", "val_accuracy", "test_loss"):
        assert format_cell(runs[key], "es") == "—"
    assert runs["stop_reason"].value == "diverged" and runs["stop_reason"].display == "divergió"
    # the table-valued variant setting is split into readable columns
    assert runs["training.optimizer.name"].value == "sgd"
    assert runs["training.optimizer.lr"].value == 5.0


def test_runs_table_fits_one_page_width_without_a_time_column(
        models: dict[str, ReportModel]) -> None:
    ids = [t.id for t in models["en"].tables()]
    assert "study-hidden-units-scores" not in ids and "study-optimizers-scores" not in ids
    runs = table(models["en"], "study-optimizers-runs")
    assert "wall_seconds" not in [c.key for c in runs.columns]  # fused times do not compare
    for t in models["en"].tables():
        assert len(t.columns) <= MAX_COLUMNS


def test_a_run_shared_by_two_studies_is_named_as_in_each(
        models: dict[str, ReportModel]) -> None:
    runs = table(models["en"], "study-optimizers-runs")
    assert [r[0].value for r in runs.rows] == ["sgd-lr5", "adam"]
    assert cells_by_key(runs, "adam")["training.optimizer.name"].value == "adam"
    assert "model.hidden" not in [c.key for c in runs.columns]
    assert [r[0].value for r in table(models["en"], "study-hidden-units-runs").rows] == \
        ["16 hidden units", "64 hidden units", "256 hidden units"]


def test_methodology_states_the_shared_set_up_once(models: dict[str, ReportModel]) -> None:
    ids = [t.id for t in models["en"].tables()]
    assert not any(i.endswith("-settings") for i in ids)  # no settings table per study
    protocol = table(models["en"], "protocol")
    assert [c.key for c in protocol.columns] == ["setting", "common", "study-hidden-units",
                                                 "study-optimizers"]
    values = {r[0].value: r[1:] for r in protocol.rows}
    assert values["model.hidden"][1].display == "[16] · [64] · [256]"
    assert values["training.batch_size"][0].display == "32"  # shared: the common value
    assert "patience 3" in values["training.early_stopping"][0].display
    assert "model.batchnorm" not in values  # off in every run: left out
    methods_part = models["en"].section("methods")
    assert [s.id for s in methods_part.subsections] == ["methods-concepts"]


def test_dataset_tables(models: dict[str, ReportModel]) -> None:
    splits = table(models["en"], "dataset-digits-splits")
    assert [r[1].value for r in splits.rows] == [1078, 359, 360]
    assert splits.foot[0][1].value == 1797


def test_analysis_follows_the_numbers(models: dict[str, ReportModel]) -> None:
    en = texts(models["en"], "experiments")
    n = table(models["en"], "study-hidden-units-runs").number
    assert f"“64 hidden units” heads table {n} with a validation accuracy of 97.3%; " \
           "“256 hidden units” follows it with 96.1%." in en
    # the end-of-training losses quoted are the runs table's (the final evaluation)
    runs = table(models["en"], "study-hidden-units-runs")
    wide = cells_by_key(runs, "256 hidden units")
    assert f"“256 hidden units” has a training loss of {wide['train_loss'].value:.3f} " \
           f"against a validation loss of {wide['val_loss'].value:.3f}" in en
    assert "“sgd-lr5” (epoch 4)" in en
    assert "Of the planned runs, 1 failed and has no results: ffffffffffff" in en
    assert "“64 hidden units” (epoch 10 of 12, best epoch 7)" in en
    es = texts(models["es"], "experiments")
    assert f"«64 neuronas ocultas» encabeza la tabla {n}" in es and "97,3\xa0%" in es


def test_analysis_is_paragraphs_that_cite_their_tables_and_figures(
        models: dict[str, ReportModel]) -> None:
    n = table(models["en"], "study-hidden-units-runs").number
    loss = next(f.number for f in models["en"].figures() if f.id == "fig-study-hidden-units-loss")
    for lang, words in (("en", (f"table {n}", f"figures {loss}")),
                        ("es", (f"tabla {n}", f"figuras {loss}"))):
        part = models[lang].section("experiment-hidden-units")
        assert not any(isinstance(b, BulletList) for b in part.blocks)
        analysis = [b for b in part.blocks if isinstance(b, Paragraph) and not b.html
                    and b.generated]
        assert len(analysis) >= 3  # objective, the answer, the curves
        text = " ".join(b.text for b in analysis)
        assert all(w in text for w in words), text


def test_a_run_error_is_quoted_only_in_the_appendix_labelled_untranslated(
        models: dict[str, ReportModel]) -> None:
    for lang, label in (("en", "untranslated"), ("es", "sin traducir")):
        model = models[lang]
        outside = [texts(model, s.id) for s in model.sections if s.id != "appendix"]
        assert not any("CUDA out of memory" in text for text in outside)
        errors = table(model, "run-errors")
        assert label in errors.caption and label in errors.columns[-1].label
        assert "CUDA out of memory" in errors.rows[0][-1].value


def with_accuracies(stored: StoredRun, **accuracies: float) -> StoredRun:
    metrics = dict(stored.record.metrics)
    for split, value in accuracies.items():
        metrics[split] = dataclasses.replace(metrics[split], accuracy=value)
    return StoredRun(dataclasses.replace(stored.record, metrics=metrics), stored.history)


def conclusions_with(results: ResultSet, best: dict[str, float], others: dict[str, float]) -> str:
    runs = [with_accuracies(r, **(best if r.record.label == "hidden=64" else others))
            for r in results.studies["hidden-units"]]
    changed = dataclasses.replace(results, studies={**results.studies, "hidden-units": runs})
    model = build(changed, "en")
    return texts(model, "experiment-hidden-units") + "\n" + texts(model, "conclusions")


def test_small_margins_are_called_fragile(results: ResultSet) -> None:
    close = conclusions_with(results, {"val": 0.9012}, {"val": 0.9})
    assert "90.1%" in close
    assert re.search(r"(below|does not reach|smaller than) the (single-seed )?threshold of "
                     r"1\.0 points", close), close
    assert re.search(r"provisional|not established|could reverse", close)
    tie = conclusions_with(results, {"val": 0.9}, {"val": 0.9})
    assert "tie" in tie and "90.0%" in tie
    assert "answers it" not in tie  # a tie is never a winner in the conclusions


def test_notes_markdown_is_escaped(models: dict[str, ReportModel]) -> None:
    part = models["en"].section("experiment-hidden-units")
    notes = next(b for b in part.blocks if isinstance(b, Paragraph) and b.html
                 and "generalises" in b.text)
    assert "<strong>64</strong>" in notes.text and not notes.generated
    assert "<script>" not in notes.text and "&lt;script&gt;" in notes.text


def test_abstract(models: dict[str, ReportModel]) -> None:
    first = models["en"].abstract[0]
    assert isinstance(first, Paragraph) and "<strong>widths</strong>" in first.text
    sentences = " ".join(b.text for b in models["es"].abstract if isinstance(b, Paragraph))
    assert "la tabla 1 resume la mejor ejecución de cada estudio" in sentences.lower()


def test_generated_abstract_is_one_paragraph_with_the_key_findings(
        results: ResultSet) -> None:
    report = results.manifest.report.model_copy(update={"abstract": None})
    manifest = results.manifest.model_copy(update={"report": report})
    model = build(dataclasses.replace(results, manifest=manifest), "es")
    paragraphs = [b for b in model.abstract if isinstance(b, Paragraph)]
    assert len(paragraphs) == 1
    text = paragraphs[0].text
    assert "«64 neuronas ocultas»" in text and "97,3\xa0%" in text
    assert "una ventaja que supera el ruido" in text  # the verdict, as the analysis has it


def test_date_defaults_to_today(results: ResultSet) -> None:
    import datetime as dt

    report = results.manifest.report.model_copy(update={"date": None})
    manifest = results.manifest.model_copy(update={"report": report})
    model = build(dataclasses.replace(results, manifest=manifest), "en")
    assert model.meta.date == dt.date.today()


def test_keywords_are_the_datasets_and_studies_titles(models: dict[str, ReportModel]) -> None:
    assert models["es"].meta.keywords == (
        "Dígitos de scikit-learn", "Neuronas en la capa oculta", "Optimizadores")
    assert models["en"].meta.keywords == (
        "scikit-learn digits", "Hidden layer width", "Optimizers")


@pytest.mark.parametrize(("lang", "words"), [
    ("es", ["lleva adjuntos", "panel de adjuntos", "reportgen grade SOLUCIONARIO results.json"]),
    ("en", ["carries two attachments", "attachments pane",
            "reportgen grade KEY results.json"])])
def test_provenance_appendix_names_the_pdf_attachments(models: dict[str, ReportModel],
                                                      lang: str, words: list[str]) -> None:
    appendix = models[lang].section("appendix")
    text = " ".join(b.text for b in appendix.blocks if isinstance(b, Paragraph))
    for name in ("<code>manifest.toml</code>", "<code>results.json</code>",
                 f"<code>pdfdetach -saveall report.{lang}.pdf</code>",
                 "<code>reportgen run manifest.toml</code>", *words):
        assert name in text, name


def test_without_a_pdf_the_appendix_names_no_attachment(results: ResultSet) -> None:
    report = results.manifest.report.model_copy(update={"formats": ["html"]})
    manifest = results.manifest.model_copy(update={"report": report})
    model = build(dataclasses.replace(results, manifest=manifest), "en")
    appendix = model.section("appendix")
    assert not any("pdfdetach" in b.text for b in appendix.blocks if isinstance(b, Paragraph))


def test_study_without_runs_still_builds(results: ResultSet) -> None:
    empty = dataclasses.replace(results, studies={"hidden-units": [], "optimizers": []},
                                index=dataclasses.replace(results.index, failed={}))
    model = build(empty, "en")
    assert model.section("experiments").subsections == ()
    assert table(model, "key-results").rows == ()


# ---------------------------------------------------------------- ranking
def rec(results: ResultSet, label: str, **accuracies: float | None) -> RunRecord:
    base = results.studies["hidden-units"][0].record
    metrics = {split: dataclasses.replace(base.metrics["val"], accuracy=value)
               for split, value in accuracies.items()}
    return dataclasses.replace(base, label=label, metrics=metrics)


def test_rank_prefers_validation_then_test(results: ResultSet) -> None:
    runs = [rec(results, "a", val=0.8, test=0.99), rec(results, "b", val=0.9, test=0.5)]
    assert rank_runs(runs) == ("val", (1, 0))
    runs = [rec(results, "a", test=0.7), rec(results, "b", test=0.9)]
    assert rank_runs(runs) == ("test", (1, 0))


def test_rank_skips_failed_and_non_finite(results: ResultSet) -> None:
    failed = dataclasses.replace(rec(results, "f", val=1.0), stop_reason="failed")
    runs = [failed, rec(results, "nan", val=float("nan")), rec(results, "ok", val=0.5)]
    assert rank_runs(runs) == ("val", (2,))
    assert rank_runs([failed]) == (None, ())


def test_ties_keep_manifest_order(results: ResultSet) -> None:
    runs = [rec(results, "a", val=0.9), rec(results, "b", val=0.9)]
    assert rank_runs(runs)[1] == (0, 1)


def test_section_modules_have_no_html(tmp_path: Path) -> None:
    folder = Path(build_mod.__file__).parent
    # the renderers read or write markup: HTML/PDF, the stand-alone pages, the Word prose
    renderers = ("render.py", "pages.py", "grade_pages.py", "docx_prose.py", "docx.py")
    sources = [p for p in folder.glob("*.py") if p.name not in renderers]
    assert len(sources) > 10
    for path in sources:
        assert not re.search(r"<(p|table|div|span)[\s>]", path.read_text()), path.name


def test_user_markdown_is_safe() -> None:
    from reportgen.report.text import markdown

    html = markdown("# Title\n\n<img src=x onerror=alert(1)>\n\n![chart](https://example.com/c.png)"
                    " [x](javascript:alert(1))")
    assert "<h4>Title</h4>" in html  # below the report's own headings
    assert "<img" not in html and "&lt;img" in html  # raw HTML escaped; images never fetched
    assert 'href="javascript:' not in html


def referenced(model: ReportModel, word: str) -> set[int]:
    """Numbers the text cites as "Figure 3", "figures 4 and 5", "table 2"…"""
    pattern = re.compile(rf"\b{word}s? (\d+)(?: (?:and|y) (\d+))?(?: (?:to|a) (\d+))?",
                         re.IGNORECASE)
    found: set[int] = set()
    blocks = [*model.abstract, *(b for s in model.sections for p in s.walk() for b in p.blocks)]
    for block in blocks:
        text = getattr(block, "text", "") or " ".join(getattr(block, "items", ()))
        for match in pattern.finditer(text):
            first, second, last = match.groups()
            found.update(int(n) for n in (first, second) if n)
            if last:  # a range: "figures 4 to 7"
                found.update(range(int(first), int(last) + 1))
    return found


def test_every_figure_and_table_is_referenced_from_the_text(
        models: dict[str, ReportModel]) -> None:
    for lang, figure, table in (("en", "figure", "table"), ("es", "figura", "tabla")):
        model = models[lang]
        assert {f.number for f in model.figures()} <= referenced(model, figure)
        assert {t.number for t in model.tables()} <= referenced(model, table)


def test_runs_table_shows_what_the_run_trained_not_the_value_before_tuning(
        results: ResultSet) -> None:
    """A search's retrained run: its variant `set` model.hidden = [128, 64] and the search
    tuned model.hidden.0 to 224; the table shows the [224, 64] it trained (issue 14 item 4)."""
    first = results.studies["hidden-units"][0]
    config = {**first.record.config,
              "model": {**first.record.config["model"], "hidden": [224, 64]}}
    tuned = dataclasses.replace(first.record, varied={"model.hidden": [128, 64]},
                                config=config)
    changed = dataclasses.replace(results, studies={
        **results.studies,
        "hidden-units": [StoredRun(tuned, first.history), *results.studies["hidden-units"][1:]]})
    runs = table(build(changed, "en"), "study-hidden-units-runs")
    column = [c.key for c in runs.columns].index("model.hidden")
    row = next(r for r in runs.rows if identity(r[0].value) == tuned.label)
    assert row[column].value == [224, 64]



def test_small_counts_in_prose_are_words(models: dict[str, ReportModel],
                                         results: ResultSet) -> None:
    from reportgen.analysis.findings import analyse
    from reportgen.report.context import Context

    for lang, words in (("es", "persigue dos objetivos"), ("en", "pursues two objectives")):
        intro = " ".join(b.text for b in models[lang].section("introduction").blocks
                         if isinstance(b, Paragraph))
        assert words in intro, intro
    ctx = Context(analyse(results), "es")
    assert (ctx.count(5), ctx.count(10), ctx.count(12)) == ("cinco", "diez", "12")
