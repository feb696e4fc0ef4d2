"""What a study with `repeats` adds to the report: each configuration over its seeds.

The runs table still lists every run (one row per seed); this module adds the spread table
(mean, standard deviation, min and max over the seeds), mean learning curves with a min–max
band, and the sentences that rank configurations by their means (computed in
`reportgen.analysis.seeds`). Functions take the report's context and the study's findings.
"""

from __future__ import annotations

from typing import Any

from reportgen import figures
from reportgen.analysis import repeats
from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.seeds import HISTORY_KEYS, Seeds, pointwise
from reportgen.figures.runs import VALIDATION_ONLY_FROM
from reportgen.report import i18n
from reportgen.report.context import Context
from reportgen.report.curve_marks import (
    MEAN_VALIDATION_CAPTIONS,
    accuracy_axis_label,
    best_epoch_of,
    curve_caption,
    curve_mark_texts,
)
from reportgen.report.i18n import N_
from reportgen.report.labels import ACCURACY_HEADERS, ACCURACY_NAMES
from reportgen.report.model import Block, Cell, Column, Table
from reportgen.store.records import finite


def _seeds(found: StudyFindings) -> Seeds:
    assert found.seeds is not None, "only studies with repeats have these parts"
    return found.seeds


def mean_text(ctx: Context, spread: repeats.Spread) -> str:
    """"(95.1 ± 0.4)%" ("(95,1 ± 0,4) %"), or the one value when a single seed finished."""
    if spread.std is None:
        return ctx.pct(spread.mean)
    # the percent sign as the locale writes it after a number ("%" or " %")
    suffix = ctx.pct(0.0).replace(i18n.format_number(0.0, ctx.lang, 1), "", 1)
    mean = i18n.format_number(spread.mean * 100, ctx.lang, 1)
    std = i18n.format_number(spread.std * 100, ctx.lang, 1)
    return f"({mean} ± {std}){suffix}"


def methods_sentence(ctx: Context, found: StudyFindings) -> str:
    seeds = sorted({r.seed for r in found.runs})
    return ctx._("Each configuration is trained %(n)s times, with consecutive seeds (seeds "
               "used: %(seeds)s): the seed sets the initial weights, the order of the batches "
               "and dropout, while the data split stays the same. Results are given as the "
               "mean, standard deviation, minimum and maximum over the seeds.",
               n=i18n.format_int(found.study.repeats, ctx.lang),
               seeds=", ".join(str(s) for s in seeds))


# ---------------------------------------------------------------- tables and figures
def spread_table(ctx: Context, found: StudyFindings) -> Table:
    """One row per configuration: how many seeds finished, then per split the mean, sample
    standard deviation, minimum and maximum accuracy over them."""
    tables = _seeds(found).tables
    configs = list(_seeds(found).configurations)
    splits = [s for s in ("val", "test") if any(s in r.metrics for r in found.runs)] or ["train"]
    rows = []
    for config in configs:
        row = [Cell(config.label), Cell(len(config.runs), "int")]
        for split in splits:
            spread = config.spread(tables, split, "accuracy")
            row += [Cell(getattr(spread, field) if spread else None, "num")
                    for field in ("mean", "std", "min", "max")]
        rows.append(row)
    columns = [Column("configuration", ctx._("Configuration")),
               Column("seeds", ctx._("Seeds"), True)]
    for split in splits:
        group = ctx._(ACCURACY_HEADERS[split])
        columns += [Column(f"{split}_accuracy_{field}", ctx._(label), True, group)
                    for field, label in (("mean", N_("Mean")), ("std", N_("Std dev")),
                                         ("min", N_("Min")), ("max", N_("Max")))]
    order = _seeds(found).order
    highlight = configs.index(order[0][0]) if order and len(configs) > 1 else None
    return ctx.table(
        f"study-{found.key}-seeds",
        ctx._(ctx.phrasing("spread-caption", SPREAD_CAPTIONS, found),
              study=ctx.study_title(found), seeds=i18n.format_int(found.study.repeats, ctx.lang)),
        columns, rows, highlight=highlight,
        note=ctx._(ctx.phrasing("spread-note", SPREAD_NOTES, found)))


SPREAD_CAPTIONS = (
    N_("Accuracy of each configuration of “%(study)s” over its %(seeds)s seeds: mean, sample "
       "standard deviation, minimum and maximum."),
    N_("“%(study)s”: mean, sample standard deviation, minimum and maximum accuracy of each "
       "configuration over %(seeds)s seeds."),
    N_("Spread over %(seeds)s seeds of the accuracy of each configuration of “%(study)s” (mean, "
       "sample standard deviation, minimum, maximum)."),
)
SPREAD_NOTES = (N_("Bold: the highest mean."),)  # short: the same note under every table


MEAN_LOSS_CAPTIONS = (
    N_("Mean loss per epoch over the seeds of each configuration of “%(study)s”: training "
       "(solid) and validation (dashed); the band spans the lowest to the highest seed."),
    N_("Training (solid) and validation (dashed) loss of each configuration of “%(study)s”, "
       "averaged over its seeds; the band spans the lowest to the highest seed."),
    N_("“%(study)s”, mean loss curves over the seeds: training solid, validation dashed, with "
       "a band from the lowest to the highest seed."),
)
MEAN_ACCURACY_CAPTIONS = (
    N_("Mean accuracy per epoch over the seeds of each configuration of “%(study)s”: training "
       "(solid) and validation (dashed); the band spans the lowest to the highest seed."),
    N_("Training (solid) and validation (dashed) accuracy of each configuration of "
       "“%(study)s”, averaged over its seeds; the band spans the lowest to the highest seed."),
    N_("“%(study)s”, mean accuracy curves over the seeds: training solid, validation dashed, "
       "with a band from the lowest to the highest seed."),
)


def curve_figures(ctx: Context, found: StudyFindings,
                  width_in: float | None = None) -> list[Block]:
    """Per configuration the mean curve over its seeds, with a band from the lowest to the
    highest seed at each epoch; `width_in` as in results.curve_figures."""
    configs = _seeds(found).configurations
    histories = {r.run_id: h for r, h in zip(found.runs, found.histories, strict=True)}
    means, bands, labels = [], [], []
    for config in configs:
        runs = [histories[r.run_id] for r in config.runs]
        if not any(finite(row.get(k)) is not None for h in runs for row in h
                   for k in HISTORY_KEYS):
            continue
        mean, low, high = pointwise(runs)
        means.append(mean)
        bands.append((low, high))
        labels.append(config.label)
    if not means:
        return []
    monitor = found.runs[0].monitor if found.runs else "val_loss"
    best: dict[str, Any] = {"best_epochs": [best_epoch_of(mean, monitor) for mean in means]}
    title = ctx.study_title(found)
    out: list[Block] = []
    sized: dict[str, Any] = {"width_in": width_in} if width_in else {}
    as_error = figures.accuracy_as_error(means, bands)
    only_val = len(means) >= VALIDATION_ONLY_FROM
    for metric, ylabel, message in (
        ("loss", ctx._("Loss"), ctx.phrasing("mean-loss-caption", MEAN_LOSS_CAPTIONS, found)),
        ("accuracy", accuracy_axis_label(ctx, as_error),
         ctx.phrasing("mean-accuracy-caption", MEAN_ACCURACY_CAPTIONS, found)),
    ):
        texts = figures.CurveTexts(
            xlabel=ctx._("Epoch"), ylabel=ylabel, train=ctx._("training"),
            val=ctx._("validation"), diverged=ctx._("diverged"),
            decimal=i18n.decimal_separator(ctx.lang), best=curve_mark_texts(ctx)["best"])
        error = as_error and metric == "accuracy"
        caption = curve_caption(ctx, message, MEAN_VALIDATION_CAPTIONS[metric], metric, title,
                                as_error, len(means))

        def draw(prefix: str, m: str = metric, t: figures.CurveTexts = texts,
                 e: bool = error) -> str:
            return figures.learning_curves(means, labels, m, t, prefix=prefix, bands=bands,
                                           error_rate=e, validation_only=only_val,
                                           **best, **sized)

        out.append(ctx.figure(f"fig-study-{found.key}-{metric}", caption, draw))
    return out


# ---------------------------------------------------------------- sentences


def key_result(ctx: Context, found: StudyFindings, title: str) -> str | None:
    """The abstract's and conclusions' sentence for a study with repeats."""
    split, order = _seeds(found).split, _seeds(found).order
    if not order:
        return None
    config = order[0][0]
    tables = _seeds(found).tables
    spreads = {s: spread for s in ("val", "test")
               if (spread := config.spread(tables, s, "accuracy")) is not None}
    if not spreads and split is not None:  # ranked on another split: that one
        spreads = {split: spread} if (spread := config.spread(tables, split, "accuracy")) else {}
    if not spreads:
        return None
    scores = ", ".join(
        ctx._("%(metric)s of %(value)s", metric=ctx._(ACCURACY_NAMES[s]),
              value=mean_text(ctx, spread)) for s, spread in spreads.items())
    n = len(_seeds(found).configurations)
    return ctx.ngettext(
        "“%(study)s”: over %(seeds)s seeds, the best of %(n)s configuration is %(run)s, "
        "with a mean %(scores)s.",
        "“%(study)s”: over %(seeds)s seeds, the best of %(n)s configurations is %(run)s, "
        "with a mean %(scores)s.", n,
    ) % {"study": title, "seeds": i18n.format_int(found.study.repeats, ctx.lang),
         "n": i18n.format_int(n, ctx.lang), "run": config.label, "scores": scores}


def key_result_cells(ctx: Context, found: StudyFindings) -> list[Cell] | None:
    """The abstract table's best-run, validation and test cells: the best configuration's
    means (± standard deviation)."""
    order = _seeds(found).order
    if not order:
        return None
    config = order[0][0]
    tables = _seeds(found).tables
    cells = [Cell(config.label)]
    for s in ("val", "test"):
        spread = config.spread(tables, s, "accuracy")
        if spread is None:
            cells.append(Cell(None, "num"))
            continue
        shown = i18n.format_number(spread.mean, ctx.lang, 3)
        if spread.std is not None:
            shown += " ± " + i18n.format_number(spread.std, ctx.lang, 3)
        cells.append(Cell(spread.mean, "num", display=shown))
    return cells


