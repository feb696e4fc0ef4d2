"""The results of a study as tables and figures: its runs table, learning curves, confusion
matrices and per-class scores (placed by report.experiments and the appendices)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from reportgen import figures
from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.runs import (
    flat_varied,
    has_values,
    varied_paths,
)
from reportgen.figures.runs import VALIDATION_ONLY_FROM
from reportgen.figures.style import ASIDE_WIDTH_IN, MAX_WIDTH_IN
from reportgen.report import (
    i18n,
)
from reportgen.report.context import MAX_COLUMNS, Context
from reportgen.report.curve_marks import (
    VALIDATION_CAPTIONS,
    accuracy_axis_label,
    curve_caption,
    curve_mark_texts,
    curve_marks,
)
from reportgen.report.i18n import N_
from reportgen.report.labels import AVERAGE_ROWS, SPLIT_NAMES, SPLIT_SHORT
from reportgen.report.model import Block, Cell, Column, Figure, Paragraph, Table
from reportgen.report.run_labels import identity
from reportgen.report.text import get_path
from reportgen.store.records import SPLITS, RunRecord, SplitMetrics, finite
from reportgen.store.store import posteriors_name


def posteriors_sentence(ctx: Context, found: StudyFindings) -> list[str]:
    """Where the class probabilities on the dataset's unlabeled `predict` set are (the CSV each
    trained run writes), and what their columns hold."""
    spec = ctx.manifest.datasets.get(found.dataset)
    best = found.best
    if best is None or getattr(spec, "predict", None) is None:
        return []
    return [ctx._(
        "Every run also gives its class probabilities on the unlabeled prediction set, one CSV "
        "file per run in the folder predictions/ next to this report: a column p_<class> per "
        "class, then the predicted class; those of %(run)s are in %(file)s.", run=best.label,
        file=posteriors_name(found.study.id, identity(best.label)))]


def comparison_tables(ctx: Context, found: StudyFindings) -> list[Table]:
    """One row per run: what differs, how training ended, the scores and the time.

    Past MAX_COLUMNS an A4 page cannot hold it; the scores then get a table of their own,
    each table starting with the run's name.
    """
    varied = varied_paths(found.runs)
    splits = [s for s in SPLITS if any(s in r.metrics for r in found.runs)]
    # how training ended is a column only when it differs from "all its epochs"; the time is
    # in the appendix (fused and unfused runs' times do not compare)
    ended = any(r.stop_reason != "completed" for r in found.runs)
    # the engine is in the settings table; a column only when runs differ in it
    engines = len({r.engine for r in found.runs}) > 1 and "engine" not in varied
    setup_rows, score_rows = [], []
    for record in found.runs:
        values = flat_varied(record)
        row = [ctx.value_cell(trained_value(record.config, p, values), path=p) for p in varied]
        row += [Cell(record.engine, "code")] if engines else []
        row += [Cell(record.best_epoch, "int")]
        row += [Cell(record.epochs_run, "int"),
                Cell(record.stop_reason, display=ctx.stop_reason(record.stop_reason))] \
            if ended else []
        setup_rows.append(row)
        score_rows.append([
            Cell(finite(getattr(record.metrics[split], metric))
                 if split in record.metrics else None, "num")
            for metric in ("accuracy", "loss") for split in splits])
    numeric = [all(row[i].numeric for row in setup_rows) for i in range(len(varied))]
    setup = [Column(p, ctx.path_label(p), numeric[i]) for i, p in enumerate(varied)]
    setup += [Column("engine", ctx._("Engine"))] if engines else []
    setup += [Column("best_epoch", ctx._("Best epoch"), True)]
    setup += [Column("epochs_run", ctx._("Epochs"), True),
              Column("stop_reason", ctx._("Stop reason"))] if ended else []
    scores = [Column(f"{split}_{metric}", ctx._(SPLIT_SHORT[split]), True, group)
              for metric, group in (("accuracy", ctx._("Accuracy")), ("loss", ctx._("Loss")))
              for split in splits]
    time: list[Column] = []
    names = [[Cell(record.label)] for record in found.runs]
    times: list[list[Cell]] = [[] for _ in found.runs]

    run = [Column("run", ctx._("Run"))]
    highlight = found.ranking[0] if found.ranking and len(found.runs) > 1 else None
    title = ctx.study_title(found)
    # the “—” of a setting (not set) and of a measure (not measured) are explained apart
    n_settings = len(varied) + (1 if engines else 0)
    settings = [row[:n_settings] for row in setup_rows]
    measured_setup = [row[n_settings:] for row in setup_rows]
    measured = [*measured_setup, *score_rows, *times]
    epochs = {get_path(r.config, "training.epochs") for r in found.runs}
    all_epochs = ctx._("Every run trained all its %(n)s epochs.",
                       n=ctx.integer(next(iter(epochs)))) \
        if not ended and len(epochs) == 1 and None not in epochs else None

    def note(*args: Any) -> str | None:
        parts = [p for p in (runs_note(ctx, *args), all_epochs) if p]
        return " ".join(parts) or None

    if 1 + len(setup) + len(scores) <= MAX_COLUMNS:
        rows = [n + a + b + t for n, a, b, t in zip(names, setup_rows, score_rows, times,
                                                   strict=True)]
        return [ctx.table(f"study-{found.key}-runs", ctx._("Runs of “%(study)s”.",
                                                             study=title),
                           run + setup + scores + time, rows, highlight=highlight,
                           note=note(settings, measured, highlight))]
    setup_table = [n + a + t for n, a, t in zip(names, setup_rows, times, strict=True)]
    score_table = [n + b for n, b in zip(names, score_rows, strict=True)]
    return [
        ctx.table(f"study-{found.key}-runs", ctx._("Runs of “%(study)s”.", study=title),
                   run + setup + time, setup_table, highlight=highlight,
                   note=note(settings, [*measured_setup, *times], highlight)),
        ctx.table(f"study-{found.key}-scores",
                   ctx._("Accuracy and loss of the runs of “%(study)s”.", study=title),
                   run + scores, score_table, highlight=highlight,
                   note=runs_note(ctx, [], score_rows, highlight)),
    ]


def trained_value(config: dict[str, Any], path: str, varied: dict[str, Any]) -> Any:
    """What the run trained with at `path`: its full config (a search's retrained run has the
    tuned value there, where its variant's `set` still holds the value before tuning), else
    the varied value."""
    node: Any = config
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return varied.get(path, get_path(config, path))
    return node


def shows_dash(rows: Sequence[Sequence[Cell]]) -> bool:
    """Whether a table prints the “—” of a missing value anywhere (see render.format_cell)."""
    return any(cell.display == i18n.DASH or (cell.display is None and cell.value is None)
               for row in rows for cell in row)


def runs_note(ctx: Context, settings: Sequence[Sequence[Cell]],
              measured: Sequence[Sequence[Cell]], highlight: int | None) -> str | None:
    """The note under a runs table: what the bold row is and what a “—” means, each only
    when the table shows it."""
    parts = [] if highlight is None else [ctx._("The best run is in bold.")]
    if shows_dash(settings):
        parts.append(ctx._("“—” in a setting: the run does not set it."))
    if shows_dash(measured):
        parts.append(ctx._("“—” in a result: not measured (the run diverged, failed or was "
                           "not evaluated on that split)."))
    return " ".join(parts) or None


LOSS_CAPTIONS = (
    N_("Loss per epoch of the runs of “%(study)s”: training (solid) and validation (dashed)."),
    N_("Training (solid) and validation (dashed) loss of each run of “%(study)s”, epoch by "
       "epoch."),
    N_("“%(study)s”, loss curves: training solid, validation dashed."),
)
ACCURACY_CAPTIONS = (
    N_("Accuracy per epoch of the runs of “%(study)s”: training (solid) and validation "
       "(dashed)."),
    N_("Training (solid) and validation (dashed) accuracy of each run of “%(study)s”, epoch by "
       "epoch."),
    N_("“%(study)s”, accuracy curves: training solid, validation dashed."),
)


def curve_figures(ctx: Context, found: StudyFindings,
                  width_in: float | None = None) -> list[Block]:
    """The loss and the accuracy per epoch of the study's runs; `width_in`: the printed width
    (default: the text width), so the lettering keeps its size at half width."""
    keep = [i for i, h in enumerate(found.histories) if has_values(h)]
    if not keep:
        return [Paragraph(ctx._("No run recorded a finite loss or accuracy, so there are "
                                 "no learning curves."))]
    histories = [found.histories[i] for i in keep]
    labels = [found.runs[i].label for i in keep]
    diverged = [found.runs[i].stop_reason == "diverged" for i in keep]
    marks = curve_marks(found.runs[i] for i in keep)
    title = ctx.study_title(found)
    as_error = figures.accuracy_as_error(histories)
    only_val = len(histories) >= VALIDATION_ONLY_FROM
    out: list[Block] = []
    for metric, ylabel, message in (
        ("loss", ctx._("Loss"), ctx.phrasing("loss-caption", LOSS_CAPTIONS, found)),
        ("accuracy", accuracy_axis_label(ctx, as_error),
         ctx.phrasing("accuracy-caption", ACCURACY_CAPTIONS, found)),
    ):
        texts = figures.CurveTexts(
            xlabel=ctx._("Epoch"), ylabel=ylabel, train=ctx._("training"),
            val=ctx._("validation"), diverged=ctx._("diverged"),
            decimal=i18n.decimal_separator(ctx.lang), **curve_mark_texts(ctx))
        caption = curve_caption(ctx, message, VALIDATION_CAPTIONS[metric], metric, title,
                                as_error, len(histories))
        error = as_error and metric == "accuracy"
        if any(diverged):
            caption += " " + ctx._("× marks the last finite value of a run that diverged.")

        def draw(prefix: str, m: str = metric, t: figures.CurveTexts = texts,
                 e: bool = error) -> str:
            return figures.learning_curves(
                histories, labels, m, t, diverged=diverged, prefix=prefix,
                best_epochs=marks["best_epochs"], restored_epochs=marks["restored_epochs"],
                stopped_epochs=marks["stopped_epochs"], width_in=width_in or MAX_WIDTH_IN,
                error_rate=e, validation_only=only_val)

        out.append(ctx.figure(f"fig-study-{found.key}-{metric}", caption, draw))
    return out


def dual_axis_figure(ctx: Context, found: StudyFindings, best: RunRecord) -> Figure:
    history = found.histories[found.runs.index(best)]
    texts = figures.DualAxisTexts(
        xlabel=ctx._("Epoch"), loss=ctx._("Loss"), accuracy=ctx._("Accuracy"),
        train=ctx._("training"), val=ctx._("validation"),
        decimal=i18n.decimal_separator(ctx.lang))
    caption = ctx._("Loss (left axis) and accuracy (right axis) per epoch of %(run)s, the "
                     "best run of “%(study)s”.", run=best.label, study=ctx.study_title(found))
    return ctx.figure(f"fig-study-{found.key}-dual", caption,
                       lambda prefix: figures.dual_axis(history, texts, prefix=prefix))


def confusion_figure(ctx: Context, found: StudyFindings, run: RunRecord, split: str,
                     metrics: SplitMetrics) -> Figure:
    """The confusion matrix of `run` (the study's best) normalised by row, set beside the
    analysis when its numbers and counts fit there at a readable size, else across the page
    (a large matrix: no numbers, its most frequent confusions listed beside it). The caption
    says how to read the cells as drawn, and with repeats which seed's run it is."""
    classes = class_names(ctx, run, metrics)
    texts = matrix_texts(ctx)
    width = figures.matrix_width(metrics.confusion, classes)
    layout = figures.matrix_layout(metrics.confusion, classes, width)
    caption = ctx._(ctx.phrasing("matrix-caption", MATRIX_CAPTIONS, found),
                    run=seed_label(ctx, found, run),
                    split=ctx._(SPLIT_NAMES.get(split, split)))
    reading = ctx.phrasing("matrix-reading", MATRIX_COUNTS, found) if layout.counts \
        else MATRIX_PERCENT if layout.annotated else MATRIX_SHADE
    figure = ctx.figure(
        f"fig-study-{found.key}-confusion-normalized", f"{caption} {ctx._(reading)}",
        lambda prefix: figures.confusion_matrix(metrics.confusion, classes, texts,
                                                prefix=prefix, width_in=width))
    return dataclasses.replace(figure, aside=width == ASIDE_WIDTH_IN)


def seed_label(ctx: Context, found: StudyFindings, run: RunRecord) -> str:
    """How a caption names `run`: its label, or with repeats its configuration and which of
    the configuration's seeds it is ("«64 neuronas» (semilla 13, la mejor de sus 3)")."""
    if found.seeds is None:
        return ctx.quoted(run.label)
    config = next((c for c in found.seeds.configurations
                   if any(r.run_id == run.run_id for r in c.runs)), None)
    if config is None or len(config.runs) < 2:
        return ctx.quoted(run.label)
    return ctx._("%(config)s (seed %(seed)s, the best of its %(n)s)", config=config.label,
                 seed=str(run.seed), n=i18n.format_int(len(config.runs), ctx.lang))


def matrix_texts(ctx: Context) -> figures.MatrixTexts:
    return figures.MatrixTexts(xlabel=ctx._("Predicted class"), ylabel=ctx._("True class"),
                               decimal=i18n.decimal_separator(ctx.lang),
                               confused=ctx._("Most frequent confusions (true → predicted)"))


def confusion_grid_figure(ctx: Context, found: StudyFindings,
                          runs: Sequence[tuple[RunRecord, str, SplitMetrics]],
                          key: str) -> Figure:
    """The confusion matrices of `runs` (same split, same classes), normalised by row, as
    small multiples titled by run, in the order given."""
    record, split, metrics = runs[0]
    classes = class_names(ctx, record, metrics)
    texts = matrix_texts(ctx)
    values = {"study": ctx.study_title(found), "split": ctx._(SPLIT_NAMES.get(split, split))}
    if len(runs) == 1:
        caption = ctx._("Confusion matrix of %(run)s on the %(split)s split, normalised by "
                        "row: the darker a cell, the larger its share of the row.",
                        run=record.label, split=values["split"])
    else:
        caption = ctx._("Confusion matrices of the other runs of “%(study)s” on the "
                        "%(split)s split, normalised by row, in the order of its runs table: "
                        "the darker a cell, the larger its share of the row.", **values)
    matrices = [m.confusion for _, _, m in runs]
    titles = [str(r.label) for r, _, _ in runs]
    return ctx.figure(key, f"{caption} {ctx._(MATRIX_ROOT_SCALE)}",
                      lambda prefix: figures.confusion_grid(matrices, titles, classes, texts,
                                                            prefix=prefix))


MATRIX_CAPTIONS = (
    N_("Confusion matrix of %(run)s on the %(split)s split, normalised by row: each row shows "
       "how the samples of one true class were classified."),
    N_("How %(run)s classifies the samples of each true class of the %(split)s split (share "
       "of the row)."),
    N_("Where the samples of each class of the %(split)s split go under %(run)s: confusion "
       "matrix normalised by row."),
)
# how to read the cells, as `figures.matrix_layout` drew them
MATRIX_COUNTS = (  # one per study's matrix: a chapter of five does not repeat one sentence
    N_("Each cell gives the percentage of its row and, under it, its number of samples; an "
       "empty cell has none."),
    N_("In each cell, the share of its row and, below it, the number of samples; empty cells "
       "have none."),
    N_("The percentages are shares of each row, with the number of samples under them; a "
       "blank cell holds no sample."),
)
MATRIX_PERCENT = N_("Each cell gives the percentage of its row; an empty cell has no sample.")
MATRIX_SHADE = N_("The shade gives each cell's share of its row, on a square-root scale; "
                  "beside it, the most frequent confusions with their number of samples.")
MATRIX_ROOT_SCALE = N_("The shades follow a square-root scale, so that confusions of a few "
                       "per cent show.")


def class_names(ctx: Context, record: RunRecord, metrics: SplitMetrics) -> list[str]:
    summary = ctx.findings.datasets.get(record.dataset)
    if summary is not None and len(summary.classes) == len(metrics.confusion):
        return list(summary.classes)
    names = [c.name for c in metrics.per_class if c.name not in AVERAGE_ROWS]
    return names if len(names) == len(metrics.confusion) else \
        [str(i) for i in range(len(metrics.confusion))]


def per_class_table(ctx: Context, found: StudyFindings, best: RunRecord, split: str,
                    metrics: SplitMetrics,
                    others: Sequence[tuple[RunRecord, str, SplitMetrics]] = ()) -> Table:
    """Precision, recall, F1 and support per class of the best run, and beside them the F1 of
    `others` (runs scored on the same split and classes), a column each under its label."""
    scores = [{c.name: c for c in m.per_class} for _, _, m in others]

    def row(c: Any, name: Cell) -> list[Cell]:
        theirs = [s.get(c.name) for s in scores]
        return [name, Cell(finite(c.precision), "num"), Cell(finite(c.recall), "num"),
                Cell(finite(c.f1), "num"), Cell(c.support, "int"),
                *(Cell(finite(t.f1) if t else None, "num") for t in theirs)]

    rows = [row(c, Cell(c.name)) for c in metrics.per_class if c.name not in AVERAGE_ROWS]
    foot = [row(c, Cell(c.name, display=ctx._(AVERAGE_ROWS[c.name])))
            for c in metrics.per_class if c.name in AVERAGE_ROWS]
    group = best.label if others else None  # with other runs beside it, the best is named too
    columns = [Column("class", ctx._("Class")),
               Column("precision", ctx._("Precision"), True, group),
               Column("recall", ctx._("Recall"), True, group),
               Column("f1", ctx._("F1"), True, group),
               Column("support", ctx._("Support"), True, group),
               *(Column(f"{r.run_id[:12]}_f1", ctx._("F1"), True, r.label)
                 for r, _, _ in others)]
    values = {"run": best.label, "split": ctx._(SPLIT_NAMES.get(split, split))}
    caption = ctx._("Precision, recall and F1 per class of %(run)s on the %(split)s split, "
                    "and the F1 of other runs beside it.", **values) if others else \
        ctx._("Precision, recall and F1 per class of %(run)s on the %(split)s split.", **values)
    return ctx.table(f"study-{found.key}-per-class", caption, columns, rows,
                     foot=tuple(tuple(r) for r in foot))
