"""The baselines in words: the table of the majority class and the logistic regression per
dataset, the methodology paragraph that says what they are, and the sentence that compares a
study's best run with them (`Findings.baselines`, computed by `reportgen.training.baselines`).

The lead places `baseline_table` and `baseline_paragraph` in the methodology (the table first,
so that the paragraph can cite its number) and `baseline_sentence` in each study's analysis.
"""

from __future__ import annotations

import math

from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.runs import accuracy
from reportgen.report import i18n
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.report.labels import ACCURACY_HEADERS, SPLIT_NAMES
from reportgen.report.model import Cell, Column, Paragraph, Table
from reportgen.store.records import BASELINES, BaselineRecord

TABLE_ID = "baselines"
BASELINE_NAMES = {"majority": N_("Majority class"),
                  "logistic_regression": N_("Logistic regression")}
TIE = 0.0005  # below 0.05 points the network is not said to beat a baseline

BEATS_BOTH = (
    N_("The best network beats the logistic regression by %(points)s points on the %(split)s "
       "split (%(net)s against %(lr)s), and both stay above the %(majority)s of the majority "
       "class."),
    N_("On the %(split)s split, the best network reaches %(net)s, %(points)s points more than "
       "the logistic regression (%(lr)s); the majority class stays at %(majority)s."),
    N_("Against the baselines, the best network comes out ahead: %(net)s on the %(split)s "
       "split, against %(lr)s for the logistic regression (%(points)s points less) and "
       "%(majority)s for the majority class."),
)
BELOW_LOGISTIC = (
    N_("The best network does not beat the logistic regression on the %(split)s split "
       "(%(net)s against %(lr)s), although both stay above the %(majority)s of the majority "
       "class."),
    N_("The logistic regression reaches %(lr)s on the %(split)s split and the best network "
       "%(net)s: the network does not improve on the linear model, and only the majority "
       "class, at %(majority)s, stays below both."),
    N_("A logistic regression is enough here: with %(lr)s on the %(split)s split it matches or "
       "beats the best network (%(net)s); the majority class reaches %(majority)s."),
)
BEATS_MAJORITY = (
    N_("The best network beats the majority class by %(points)s points on the %(split)s split "
       "(%(net)s against %(majority)s)."),
    N_("With %(net)s on the %(split)s split, the best network stands %(points)s points above "
       "the majority class (%(majority)s)."),
    N_("Predicting the majority class for every sample would give %(majority)s on the "
       "%(split)s split; the best network reaches %(net)s."),
)
BELOW_MAJORITY = (
    N_("The best network does not even beat the majority class on the %(split)s split "
       "(%(net)s against %(majority)s): it has not learnt to use the inputs."),
    N_("Even the majority class, which predicts the same class for every sample, reaches "
       "%(majority)s on the %(split)s split, as much as or more than the best network "
       "(%(net)s)."),
    N_("Always predicting the most frequent class gives %(majority)s on the %(split)s split, "
       "as much as or more than the best network's %(net)s."),
)


def _records(ctx: Context) -> dict[str, BaselineRecord]:
    """The baselines the report shows: none with `[report] baselines = false`."""
    return ctx.findings.baselines if ctx.manifest.report.baselines else {}


def _splits(records: dict[str, BaselineRecord]) -> list[str]:
    shown = [s for s in ("val", "test") if any(s in r.majority for r in records.values())]
    return shown or ["train"]


def baseline_table(ctx: Context) -> Table | None:
    """One row per dataset × baseline (majority class, logistic regression): its validation
    and test accuracy (raw fractions, shown as percentages). None without baselines."""
    records = _records(ctx)
    if not records:
        return None
    splits = _splits(records)
    several = len(records) > 1
    columns = [Column("dataset", ctx._("Dataset"))] if several else []
    columns += [Column("baseline", ctx._("Baseline"))]
    columns += [Column(f"{split}_accuracy", ctx._(ACCURACY_HEADERS[split]), True)
                for split in splits]
    rows = []
    for name, record in records.items():
        for baseline in BASELINES:
            if baseline not in record.scores:
                continue
            row = [Cell(name, display=ctx.dataset_title(name))] if several else []
            row.append(Cell(baseline, display=ctx._(BASELINE_NAMES[baseline])))
            row += [Cell(record.accuracy(baseline, split), "pct") for split in splits]
            rows.append(row)
    if several:
        caption = ctx._("Accuracy of the two baselines on each dataset: the majority class and "
                        "a logistic regression, fitted on the same training split as the "
                        "networks.")
    else:
        caption = ctx._("Accuracy of the two baselines on %(dataset)s: the majority class and a "
                        "logistic regression, fitted on the same training split as the "
                        "networks.", dataset=ctx.dataset_title(next(iter(records))))
    return ctx.table(TABLE_ID, caption, columns, rows, note=_skipped_note(ctx, records))


def _skipped_note(ctx: Context, records: dict[str, BaselineRecord]) -> str | None:
    """Which datasets have no logistic regression, and why."""
    large: list[str] = []
    single: list[str] = []
    for name, record in records.items():
        if record.logistic is not None:
            continue
        summary = ctx.findings.datasets.get(name)
        values = summary.split_sizes.get("train", 0) * math.prod(summary.input_shape) \
            if summary is not None else 0
        (large if record.max_values and values > record.max_values else single).append(
            ctx.dataset_title(name))
    notes = []
    if large:
        cap = next(r.max_values for r in records.values() if r.max_values)
        notes.append(ctx._("No logistic regression on %(datasets)s: its training split holds "
                           "more than %(cap)s values (samples × inputs).",
                           datasets=", ".join(large), cap=ctx.integer(cap)))
    if single:
        notes.append(ctx._("No logistic regression on %(datasets)s: its training split holds "
                           "a single class.", datasets=", ".join(single)))
    return " ".join(notes) or None


def baseline_paragraph(ctx: Context) -> Paragraph | None:
    """What the two baselines are and why, citing the baselines table by number when it is
    already built (call `baseline_table` first). None without baselines."""
    records = _records(ctx)
    if not records:
        return None
    max_iter = next((r.max_iter for r in records.values() if r.max_iter), 1000)
    number = ctx.table_numbers.get(TABLE_ID)
    values = {"iterations": ctx.integer(max_iter)}
    if number is not None:
        text = ctx._("Two baselines put the accuracy of the networks in context (table %(n)s): "
                     "the majority class, which predicts the most frequent training class for "
                     "every sample, and a logistic regression (scikit-learn, at most "
                     "%(iterations)s iterations), a linear model fitted on the same training "
                     "split and the same preprocessed inputs as the networks.",
                     n=ctx.integer(number), **values)
    else:
        text = ctx._("Two baselines put the accuracy of the networks in context: the majority "
                     "class, which predicts the most frequent training class for every sample, "
                     "and a logistic regression (scikit-learn, at most %(iterations)s "
                     "iterations), a linear model fitted on the same training split and the "
                     "same preprocessed inputs as the networks.", **values)
    parts = [text]
    summaries = [ctx.findings.datasets.get(name) for name in records]
    if any(s is not None and len(s.input_shape) > 1 for s in summaries):
        parts.append(ctx._("The logistic regression sees each image as one vector of its "
                           "pixels."))
    parts.append(ctx._("A network that does not beat the majority class has learnt nothing "
                       "from the inputs; one that does not beat the logistic regression gains "
                       "nothing from being non-linear."))
    return Paragraph(" ".join(parts), generated=True)


def network_accuracy(found: StudyFindings, split: str) -> float | None:
    """The best network's accuracy on `split` as the study's answer quotes it: with repeats,
    the mean over the seeds of the best configuration (one truth per number), else the best
    run's."""
    seeds = found.seeds
    if seeds is not None and seeds.order:
        spread = seeds.order[0][0].spread(seeds.tables, split, "accuracy")
        return spread.mean if spread is not None else None
    return accuracy(found.best, split) if found.best is not None else None


def synthesis_sentences(ctx: Context) -> list[str]:
    """The general discussion's reading of the baselines: per dataset, whether the best of
    the networks compared beats the logistic regression on the test split at all."""
    out = []
    for name in dict.fromkeys(f.dataset for f in ctx.findings.studies):
        linear = logistic_accuracy(ctx, name, "test")
        nets = [v for f in ctx.findings.studies if f.dataset == name
                if (v := network_accuracy(f, "test")) is not None]
        if linear is None or not nets:
            continue
        values = {"dataset": ctx.quoted(ctx.dataset_title(name)), "net": ctx.pct(max(nets)),
                  "lr": ctx.pct(linear),
                  "points": i18n.format_points(max(nets) - linear, ctx.lang)}
        if max(nets) - linear >= TIE:
            out.append(ctx._("On %(dataset)s the networks earn their non-linearity: the best "
                             "reaches %(net)s on the test split, %(points)s points above the "
                             "logistic regression (%(lr)s).", **values))
        else:
            out.append(ctx._("On %(dataset)s no network beats the logistic regression on the "
                             "test split (%(lr)s, against %(net)s for the best network): for "
                             "these data a linear model is enough.", **values))
    return out


def logistic_accuracy(ctx: Context, dataset: str, split: str) -> float | None:
    """The logistic regression's accuracy on `dataset`'s `split`, None where not shown."""
    record = _records(ctx).get(dataset)
    return record.accuracy("logistic_regression", split) if record is not None else None


def baseline_sentence(ctx: Context, found: StudyFindings) -> str | None:
    """The study's best run against the baselines of its dataset, on the test split (else
    validation): by how many points it beats the logistic regression and the majority class,
    or plainly that it does not. None without baselines or a scored best run."""
    record = _records(ctx).get(found.dataset)
    best = found.best
    if record is None or best is None:
        return None
    for split in ("test", "val"):
        net, majority = network_accuracy(found, split), record.accuracy("majority", split)
        if net is not None and majority is not None:
            break
    else:
        return None
    lr = record.accuracy("logistic_regression", split)
    values = {"split": ctx._(SPLIT_NAMES[split]), "net": ctx.pct(net),
              "majority": ctx.pct(majority)}
    if net - majority < TIE:
        kind, options = "baseline-below-majority", BELOW_MAJORITY
    elif lr is None or lr <= majority:
        kind, options = "baseline-majority", BEATS_MAJORITY
        values["points"] = i18n.format_points(net - majority, ctx.lang)
    elif net - lr < TIE:
        kind, options = "baseline-below-logistic", BELOW_LOGISTIC
        values["lr"] = ctx.pct(lr)
    else:
        kind, options = "baseline-both", BEATS_BOTH
        values |= {"lr": ctx.pct(lr), "points": i18n.format_points(net - lr, ctx.lang)}
    return ctx._(ctx.phrasing(kind, options, found), **values)
