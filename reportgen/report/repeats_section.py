"""What a study with `repeats` adds to the report: each configuration over its seeds.

The runs table still lists every run (one row per seed); this module adds the spread table
(mean, standard deviation, min and max over the seeds), mean learning curves with a min–max
band, and the sentences that rank configurations by their means. Builder-facing functions take
the report builder (`build._Builder`) as `b`.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from reportgen import figures, repeats
from reportgen.report import i18n
from reportgen.report.i18n import N_, finite
from reportgen.report.labels import ACCURACY_HEADERS, ACCURACY_NAMES
from reportgen.report.model import Block, Cell, Column, Table

if TYPE_CHECKING:
    from reportgen.report.build import StudyView

HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


def has_repeats(view: StudyView) -> bool:
    return any(record.config_label for record in view.runs)


def metric_tables(view: StudyView) -> dict[str, dict[str, dict[str, float | None]]]:
    """run id -> split -> {"accuracy", "loss"}: what the spreads are computed over."""
    return {r.run_id: {split: {"accuracy": finite(m.accuracy), "loss": finite(m.loss)}
                       for split, m in r.metrics.items()} for r in view.runs}


def configurations(view: StudyView) -> list[repeats.Configuration]:
    return repeats.configurations(r for r in view.runs if r.stop_reason != "failed")


def ranked(view: StudyView) -> tuple[str | None, list[tuple[repeats.Configuration,
                                                              repeats.Spread]]]:
    """The split that ranks configurations and the configurations with a score on it, best
    first by mean accuracy (a tie keeps manifest order)."""
    tables = metric_tables(view)
    configs = configurations(view)
    split, _ = repeats.best_configuration(configs, tables)
    if split is None:
        return None, []
    scored = [(c, s) for c in configs if (s := c.spread(tables, split, "accuracy")) is not None]
    return split, sorted(scored, key=lambda item: -item[1].mean)


def mean_text(b: Any, spread: repeats.Spread) -> str:
    """"95.1% ± 0.4%", or the one value when a single seed finished."""
    if spread.std is None:
        return b.pct(spread.mean)
    return f"{b.pct(spread.mean)} ± {b.pct(spread.std)}"


def methods_sentence(b: Any, view: StudyView) -> str:
    seeds = sorted({r.seed for r in view.runs})
    return b._("Each configuration is trained %(n)s times, with consecutive seeds (seeds "
               "used: %(seeds)s): the seed sets the initial weights, the order of the batches "
               "and dropout, while the data split stays the same. Results are given as the "
               "mean, standard deviation, minimum and maximum over the seeds.",
               n=i18n.format_int(view.study.repeats, b.lang),
               seeds=", ".join(str(s) for s in seeds))


# ---------------------------------------------------------------- tables and figures
def spread_table(b: Any, view: StudyView) -> Table:
    """One row per configuration: how many seeds finished, then per split the mean, sample
    standard deviation, minimum and maximum accuracy over them."""
    tables = metric_tables(view)
    configs = configurations(view)
    splits = [s for s in ("val", "test") if any(s in r.metrics for r in view.runs)] or ["train"]
    rows = []
    for config in configs:
        row = [Cell(config.label), Cell(len(config.runs), "int")]
        for split in splits:
            spread = config.spread(tables, split, "accuracy")
            row += [Cell(getattr(spread, field) if spread else None, "num")
                    for field in ("mean", "std", "min", "max")]
        rows.append(row)
    columns = [Column("configuration", b._("Configuration")),
               Column("seeds", b._("Seeds"), True)]
    for split in splits:
        group = b._(ACCURACY_HEADERS[split])
        columns += [Column(f"{split}_accuracy_{field}", b._(label), True, group)
                    for field, label in (("mean", N_("Mean")), ("std", N_("Std. dev.")),
                                         ("min", N_("Min.")), ("max", N_("Max.")))]
    _, order = ranked(view)
    highlight = configs.index(order[0][0]) if order and len(configs) > 1 else None
    return b.table(
        f"study-{view.key}-seeds",
        b._("Accuracy of each configuration of “%(study)s” over its %(seeds)s seeds: mean, "
            "sample standard deviation, minimum and maximum.",
            study=b.study_title(view), seeds=i18n.format_int(view.study.repeats, b.lang)),
        columns, rows, highlight=highlight,
        note=b._("The configuration with the highest mean is in bold. Every seed's run is in "
                 "the next table."))




def curve_figures(b: Any, view: StudyView) -> list[Block]:
    """Per configuration the mean curve over its seeds, with a band from the lowest to the
    highest seed at each epoch."""
    configs = configurations(view)
    histories = {r.run_id: h for r, h in zip(view.runs, view.histories, strict=True)}
    means, bands, labels = [], [], []
    for config in configs:
        runs = [histories[r.run_id] for r in config.runs]
        if not any(finite(row.get(k)) is not None for h in runs for row in h
                   for k in HISTORY_KEYS):
            continue
        mean, low, high = _pointwise(runs)
        means.append(mean)
        bands.append((low, high))
        labels.append(config.label)
    if not means:
        return []
    title = b.study_title(view)
    out: list[Block] = []
    for metric, ylabel, message in (
        ("loss", b._("Loss"),
         N_("Mean loss per epoch over the seeds of each configuration of “%(study)s”: "
            "training (solid) and validation (dashed); the band spans the lowest to the "
            "highest seed.")),
        ("accuracy", b._("Accuracy"),
         N_("Mean accuracy per epoch over the seeds of each configuration of “%(study)s”: "
            "training (solid) and validation (dashed); the band spans the lowest to the "
            "highest seed.")),
    ):
        texts = figures.CurveTexts(
            xlabel=b._("Epoch"), ylabel=ylabel, train=b._("training"),
            val=b._("validation"), diverged=b._("diverged"),
            decimal=i18n.decimal_separator(b.lang))
        out.append(b.figure(
            f"fig-study-{view.key}-{metric}", b._(message, study=title),
            lambda prefix, m=metric, t=texts: figures.learning_curves(
                means, labels, m, t, prefix=prefix, bands=bands)))
    return out


def _pointwise(histories: Sequence[Sequence[Mapping[str, Any]]],
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Mean, min and max of each history column per epoch, over the runs that recorded a
    finite value at that epoch (runs stopped early simply stop contributing)."""
    epochs = sorted({row.get("epoch") or i for h in histories
                     for i, row in enumerate(h, start=1)})
    by_epoch = [{row.get("epoch") or i: row for i, row in enumerate(h, start=1)}
                for h in histories]
    mean, low, high = [], [], []
    for epoch in epochs:
        rows = [{"epoch": epoch}, {"epoch": epoch}, {"epoch": epoch}]
        for key in HISTORY_KEYS:
            values = [v for h in by_epoch if (v := finite(h.get(epoch, {}).get(key)))
                      is not None]
            if values:
                rows[0][key] = statistics.fmean(values)
                rows[1][key], rows[2][key] = min(values), max(values)
        mean.append(rows[0])
        low.append(rows[1])
        high.append(rows[2])
    return mean, low, high


# ---------------------------------------------------------------- sentences
def best_sentence(b: Any, view: StudyView) -> str | None:
    split, order = ranked(view)
    if not order:
        return None
    config, spread = order[0]
    return b._("Best configuration: %(run)s, with a mean %(metric)s of %(value)s over "
               "%(n)s seeds (table %(table)s).", run=config.label,
               metric=b._(ACCURACY_NAMES[split]), value=mean_text(b, spread),
               n=i18n.format_int(spread.n, b.lang),
               table=b.table_numbers.get(f"study-{view.key}-seeds", "?"))




def ranking_conclusions(b: Any, view: StudyView) -> list[str]:
    """Configurations ranked by mean; whether the margin stands out of the seed-to-seed
    spread is said, not assumed."""
    split, order = ranked(view)
    if not order:
        return []
    metric = b._(ACCURACY_NAMES[split])
    config, spread = order[0]
    if len(order) == 1:
        return [b._("%(run)s reaches a mean %(metric)s of %(value)s over %(n)s seeds "
                    "(from %(min)s to %(max)s).", run=config.label, metric=metric,
                    value=mean_text(b, spread), n=i18n.format_int(spread.n, b.lang),
                    min=b.pct(spread.min), max=b.pct(spread.max))]
    runner, runner_spread = order[1]
    margin = spread.mean - runner_spread.mean
    if margin <= 0:
        items = [b._("%(run)s and %(runner)s tie on mean %(metric)s (%(value)s).",
                     run=config.label, runner=runner.label, metric=metric,
                     value=b.pct(spread.mean))]
    else:
        items = [b._("%(run)s has the highest mean %(metric)s over its seeds (%(value)s), "
                     "%(margin)s percentage points above the runner-up, %(runner)s "
                     "(%(runner_value)s).", run=config.label, metric=metric,
                     value=mean_text(b, spread),
                     margin=i18n.format_points(margin, b.lang), runner=runner.label,
                     runner_value=mean_text(b, runner_spread))]
    deviations = [s.std for s in (spread, runner_spread) if s.std is not None]
    if margin > 0 and deviations:
        if margin < max(deviations):
            items.append(b._("That margin is smaller than the standard deviation between "
                             "seeds, so these runs do not establish which of the two is "
                             "better."))
        else:
            items.append(b._("That margin is larger than the standard deviation between "
                             "seeds of either configuration."))
    test = order[0][0].spread(metric_tables(view), "test", "accuracy")
    if test is not None and split != "test":
        items.append(b._("On the test split, %(run)s reaches a mean accuracy of %(value)s.",
                         run=config.label, value=mean_text(b, test)))
    return items


def factor_points(view: StudyView, split: str, value_of: Any) -> list[tuple[float, float]]:
    """(numeric value of the varied factor, mean score) per configuration."""
    tables = metric_tables(view)
    points = []
    for config in configurations(view):
        spread = config.spread(tables, split, "accuracy")
        if spread is not None and (x := value_of(config.runs[0])) is not None:
            points.append((x, spread.mean))
    return sorted(points)


def key_result(b: Any, view: StudyView, title: str) -> str | None:
    """The abstract's and conclusions' sentence for a study with repeats."""
    split, order = ranked(view)
    if not order:
        return None
    config = order[0][0]
    tables = metric_tables(view)
    shown = [s for s in ("val", "test") if config.spread(tables, s, "accuracy")] or [split]
    scores = ", ".join(
        b._("%(metric)s of %(value)s", metric=b._(ACCURACY_NAMES[s]),
            value=mean_text(b, config.spread(tables, s, "accuracy"))) for s in shown)
    n = len(configurations(view))
    return b.ngettext(
        "“%(study)s”: over %(seeds)s seeds, the best of %(n)s configuration is %(run)s, "
        "with a mean %(scores)s.",
        "“%(study)s”: over %(seeds)s seeds, the best of %(n)s configurations is %(run)s, "
        "with a mean %(scores)s.", n,
    ) % {"study": title, "seeds": i18n.format_int(view.study.repeats, b.lang),
         "n": i18n.format_int(n, b.lang), "run": config.label, "scores": scores}


def key_result_cells(b: Any, view: StudyView) -> list[Cell] | None:
    """The abstract table's best-run, validation and test cells: the best configuration's
    means (± standard deviation)."""
    _, order = ranked(view)
    if not order:
        return None
    config = order[0][0]
    tables = metric_tables(view)
    cells = [Cell(config.label)]
    for s in ("val", "test"):
        spread = config.spread(tables, s, "accuracy")
        if spread is None:
            cells.append(Cell(None, "num"))
            continue
        shown = i18n.format_number(spread.mean, b.lang, 3)
        if spread.std is not None:
            shown += " ± " + i18n.format_number(spread.std, b.lang, 3)
        cells.append(Cell(spread.mean, "num", display=shown))
    return cells

