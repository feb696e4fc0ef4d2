"""The discussion: per study, what the findings show, in sentences; then the author's notes.

Every verdict (overfitting, a fragile margin, a trend) is decided in `reportgen.analysis`;
this module only words it. A failed run's error text stays in the appendix (untranslated,
labelled as such): here it is named, not quoted.
"""

from __future__ import annotations

import math

from reportgen.analysis import curves as thresholds
from reportgen.analysis.findings import EngineGap, Margin, StudyFindings, Trend
from reportgen.analysis.verdicts import lead_established
from reportgen.report import (
    baselines_section,
    curve_words,
    design_words,
    i18n,
    questions,
)
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.report.labels import ACCURACY_NAMES, MONITOR_NAMES
from reportgen.report.model import Block, Paragraph, Section
from reportgen.report.run_labels import Words
from reportgen.report.search_words import upper_first
from reportgen.report.text import get_path, prose


def discussion_section(ctx: Context) -> Section:
    """Chapter 5, the general discussion: what the experiments say together, then the
    limitations and threats to validity of the design."""
    blocks: list[Block] = []
    together = synthesis_sentences(ctx)
    if together:
        blocks.append(Paragraph(prose(together), generated=True))
    against = baselines_section.synthesis_sentences(ctx)
    if against:
        blocks.append(Paragraph(prose(against), generated=True))
    limits = limitation_sentences(ctx)
    if limits:
        blocks.append(Paragraph(prose(limits), lead=ctx._("Limitations."), generated=True))
    return Section("discussion", "", ctx._("General discussion"), tuple(blocks))


def synthesis_sentences(ctx: Context) -> list[str]:
    """Which experiments establish their answer and which do not, and what the curves show
    across them: one verdict per study (analysis.verdicts), worded once."""
    studies = ctx.findings.studies
    verdicts = {f.key: v for f in studies if (v := lead_established(f)) is not None}
    clear = [f for f in studies if verdicts.get(f.key) is True]
    open_ = [f for f in studies if verdicts.get(f.key) is False]
    out = []
    if clear and open_:
        out.append(ctx.ngettext(
            "Taken together, the experiments answer their questions unevenly: %(clear)s "
            "establishes the lead of its best configuration, whereas in %(open)s the margin "
            "stays within the single-seed threshold or the seed-to-seed spread, so the order "
            "is provisional.",
            "Taken together, the experiments answer their questions unevenly: %(clear)s "
            "establish the lead of their best configuration, whereas in %(open)s the margin "
            "stays within the single-seed threshold or the seed-to-seed spread, so the order "
            "is provisional.", len(clear)) % {"clear": ctx.titles(clear),
                                              "open": ctx.titles(open_)})
    elif clear:
        out.append(ctx._(
            "Taken together, every experiment that compares configurations establishes the "
            "lead of its best one beyond the single-seed threshold or the seed-to-seed "
            "spread."))
    elif open_:
        out.append(ctx._(
            "Taken together, no experiment establishes the lead of its best configuration: in "
            "%(open)s the margins stay within the single-seed threshold or the seed-to-seed "
            "spread, so the differences measured are of the size of the noise.",
            open=ctx.titles(open_)))
    out += overfitting_sentences(ctx)
    return out


def overfitting_sentences(ctx: Context) -> list[str]:
    """Which configurations overfit, named with their experiment: the curves' one verdict
    per configuration (`CurveReading.overfitting_configs`), the answer the experiment's curve
    paragraph gives too."""
    read = [f for f in ctx.findings.studies if f.curves is not None]
    if not read:
        return []
    named = [(f, f.curves.overfitting_configs) for f in read
             if f.curves is not None and f.curves.overfitting_configs]
    if not named:
        return [ctx._(
            "No configuration of any experiment overfits: no validation loss rises by "
            "%(threshold)s or more after its minimum, and no training accuracy ends more than "
            "%(points)s points above the validation accuracy.",
            threshold=i18n.format_percent(thresholds.OVERFIT_MIN_RISE_REL, ctx.lang, 0),
            points=i18n.format_points(thresholds.OVERFIT_ACC_GAP, ctx.lang, 0))]
    configs = ctx.join([ctx._("%(configs)s (in %(study)s)",
                              configs=ctx.join([ctx.quoted(str(c)) for c in found_configs]),
                              study=ctx.quoted(ctx.study_title(found)))
                        for found, found_configs in named])
    n = sum(len(c) for _, c in named)
    values = {"n": ctx.integer(n), "configs": configs}
    if len(named) == len(read) > 1:
        return [ctx._("Every experiment has at least one configuration that overfits: "
                      "%(configs)s.", configs=configs)]
    if len(named) == len(read):  # the one experiment whose curves were read
        message = N_("Overfitting appears in one configuration, %(configs)s.") if n == 1 \
            else N_("Overfitting appears in %(n)s configurations: %(configs)s.")
    else:
        message = N_("Overfitting appears in one configuration only, %(configs)s; no "
                     "configuration of the other experiments overfits.") if n == 1 \
            else N_("Overfitting appears in %(n)s configurations, %(configs)s; no "
                    "configuration of the other experiments overfits.")
    return [ctx._(message, **values)]


def limitation_sentences(ctx: Context) -> list[str]:
    """What the design cannot show: each study's design objections (report.design_words),
    then one split of the data, few seeds, small validation splits on which one sample is a
    visible share."""
    out = design_words.limitation_sentences(ctx)
    single = [f for f in ctx.findings.studies if f.runs and f.seeds is None
              and len(f.runs) > 1]
    seeded = [f for f in ctx.findings.studies if f.seeds is not None]
    if single:
        out.append(ctx.ngettext(
            "%(studies)s trains each configuration with a single seed, so its ranking rests on "
            "one draw of the initial weights and of the batch order.",
            "%(studies)s train each configuration with a single seed, so their rankings rest on "
            "one draw of the initial weights and of the batch order.", len(single))
            % {"studies": upper_first(ctx.titles(single))})
    if seeded:
        n = min(f.study.repeats for f in seeded)
        out.append(ctx._(
            "Where there are repeats, %(n)s seeds give a rough estimate of the spread, and a "
            "t-test with so few samples has little power.", n=ctx.integer(n)))
    sizes = sorted({(name, size) for name, s in ctx.findings.datasets.items()
                    if (size := s.split_sizes.get("val"))}, key=lambda item: item[1])
    if sizes:
        name, n_val = sizes[0]
        out.append(ctx._(
            "Every experiment uses one split of the data; on %(dataset)s the validation split "
            "holds %(n)s samples, so one sample is worth %(share)s points of accuracy.",
            dataset=ctx.quoted(ctx.dataset_title(name)), n=ctx.integer(n_val),
            share=i18n.format_number(100 / n_val, ctx.lang, 2)))
    return out


def trend_sentence(ctx: Context, trend: Trend, found: StudyFindings | None = None) -> str:
    # the factor with its article ("the hidden-layer width"), as the study's question says it
    values = {"factor": questions.factor_phrase(ctx, trend.path, found),
              "metric": ctx._(ACCURACY_NAMES[trend.split])}
    if trend.over_means:
        values["metric"] = ctx._("mean %(metric)s", metric=values["metric"])
    message = {
        "rises": N_("The %(metric)s rises at every step as %(factor)s increases."),
        "falls": N_("The %(metric)s falls at every step as %(factor)s increases."),
        "mixed": N_("The %(metric)s does not move in one direction as %(factor)s increases."),
    }[trend.direction]
    return ctx._(message, **values)


def engine_sentence(ctx: Context, gap: EngineGap) -> str:
    a, b = gap.a, gap.b
    return ctx._(
        "%(a)s (%(engine_a)s) and %(b)s (%(engine_b)s) train the same network with "
        "different engines: %(metric)s %(value_a)s and %(value_b)s, a gap of %(gap)s "
        "percentage points; %(time_a)s and %(time_b)s per epoch.",
        a=a.label, engine_a=engine_name(ctx, a.engine), b=b.label,
        engine_b=engine_name(ctx, b.engine),
        metric=ctx._(ACCURACY_NAMES[gap.split]), value_a=ctx.pct(gap.score_a),
        value_b=ctx.pct(gap.score_b),
        gap=i18n.format_points(abs(gap.score_a - gap.score_b), ctx.lang),
        time_a=f"{i18n.format_number(a.seconds_per_epoch, ctx.lang, 3)} s",
        time_b=f"{i18n.format_number(b.seconds_per_epoch, ctx.lang, 3)} s")


def engine_name(ctx: Context, engine: str) -> str:
    """"PyTorch", "NumPy": the engine as a reader names it."""
    return Words(ctx.lang).value_name("engine", engine) or engine


CRITERIA = {  # a ranking criterion inside a sentence (analysis.ranking.Criterion.name)
    "val_accuracy": N_("validation accuracy"), "test_accuracy": N_("test accuracy"),
    "train_accuracy": N_("training accuracy"), "val_loss": N_("validation loss"),
    "train_loss": N_("training loss"),
}


def criterion_value(ctx: Context, metric: str, value: float | None) -> str:
    """A value on a ranking criterion: accuracies as percentages, losses as numbers."""
    return ctx.pct(value) if metric == "accuracy" else curve_words.loss_text(value, ctx.lang)


def margin_text(ctx: Context, margin: Margin, value: float | None) -> str:
    """A margin on the criterion: percentage points for accuracy, the loss's own units."""
    if margin.criterion.metric == "accuracy":
        return i18n.format_points(value, ctx.lang)
    return curve_words.loss_text(value, ctx.lang)


def at_threshold(margin: Margin) -> bool:
    """The margin equals the single-seed threshold (say, exactly two validation samples): it
    passes, but "exceeds" would misstate it."""
    check = margin.check
    return check is not None and margin.margin is not None and \
        _same(margin.margin, check.threshold)


def _same(a: float, b: float) -> bool:
    """Equal but for float rounding (0.97 - 0.96 against 0.01)."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def margin_and_threshold(ctx: Context, margin: Margin, threshold: float) -> tuple[str, str]:
    """The margin and the threshold it is compared with, with as many more decimals as it
    takes for two different numbers to read differently ("1,62 exceeds 1,58", never "1,6
    exceeds 1,6")."""
    value = margin.margin
    a, b = margin_text(ctx, margin, value), margin_text(ctx, margin, threshold)
    if value is None or a != b or _same(value, threshold):
        return a, b
    scale = 100 if margin.criterion.metric == "accuracy" else 1
    for digits in range(2 if scale == 100 else 4, 7):
        a = i18n.format_number(value * scale, ctx.lang, digits)
        b = i18n.format_number(threshold * scale, ctx.lang, digits)
        if a != b:
            break
    return a, b


def stop_sentences(ctx: Context, found: StudyFindings) -> list[str]:
    items = []
    stops = found.stops
    if stops.diverged:
        runs = ", ".join(ctx._("%(run)s (epoch %(epoch)s)", run=r.label,
                               epoch=ctx.integer(r.diverged_epoch or r.epochs_run))
                         for r in stops.diverged)
        items.append(ctx.ngettext(
            "Training diverged in %(n)s run (its loss stopped being finite), which has no "
            "final metrics: %(runs)s.",
            "Training diverged in %(n)s runs (their loss stopped being finite), which have no "
            "final metrics: %(runs)s.", len(stops.diverged))
            % {"n": ctx.integer(len(stops.diverged)), "runs": runs})
    if stops.early:
        runs = ", ".join(ctx._(
            "%(run)s (epoch %(epoch)s of %(max)s, best epoch %(best)s)", run=r.label,
            epoch=ctx.integer(r.epochs_run), max=ctx.integer(get_path(r.config, "training.epochs")),
            best=ctx.integer(r.best_epoch)) for r in stops.early)
        items.append(ctx.ngettext(
            "Early stopping ended %(n)s run when its %(monitor)s stopped improving: %(runs)s.",
            "Early stopping ended %(n)s runs when their %(monitor)s stopped improving: "
            "%(runs)s.",
            len(stops.early)) % {"n": ctx.integer(len(stops.early)),
                                 "monitor": ctx._(MONITOR_NAMES.get(stops.early[0].monitor,
                                                                   stops.early[0].monitor)),
                                 "runs": runs})
    if stops.threshold:
        runs = ", ".join(ctx._("%(run)s (epoch %(epoch)s)", run=r.label,
                               epoch=ctx.integer(r.epochs_run)) for r in stops.threshold)
        items.append(ctx.ngettext(
            "The stop threshold ended %(n)s run: %(runs)s.",
            "The stop threshold ended %(n)s runs: %(runs)s.", len(stops.threshold),
        ) % {"n": ctx.integer(len(stops.threshold)), "runs": runs})
    # named, not quoted: the error's own (English) text is in the appendix's error table
    failed = [r.label for r in stops.failed] + [rid[:12] for rid, _ in stops.lost]
    if failed:
        items.append(ctx.ngettext(
            "Of the planned runs, %(n)s failed and has no results: %(runs)s (its error message "
            "is in the appendix).",
            "Of the planned runs, %(n)s failed and have no results: %(runs)s (their error "
            "messages are in the appendix).", len(failed),
        ) % {"n": ctx.integer(len(failed)), "runs": "; ".join(failed)})
    return items
