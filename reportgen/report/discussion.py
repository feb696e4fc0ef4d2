"""The discussion: per study, what the findings show, in sentences; then the author's notes.

Every verdict (overfitting, a fragile margin, a trend) is decided in `reportgen.analysis`;
this module only words it. A failed run's error text stays in the appendix (untranslated,
labelled as such): here it is named, not quoted.
"""

from __future__ import annotations

import math

from reportgen.analysis.findings import EngineGap, Gap, Margin, StudyFindings, Trend
from reportgen.analysis.runs import accuracy
from reportgen.analysis.significance import SINGLE_SEED_LOSS_REL_MARGIN
from reportgen.report import (
    curve_words,
    i18n,
    questions,
    repeats_section,
    search_only,
    tuning_section,
)
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.report.labels import ACCURACY_NAMES, MONITOR_NAMES, SPLIT_NAMES
from reportgen.report.model import BulletList, Paragraph, Section
from reportgen.report.run_labels import Words
from reportgen.report.text import get_path


def discussion_section(ctx: Context) -> Section:
    intro = Paragraph(ctx._(
        "For each study, the observations below are computed from the results; the "
        "author's own notes, where given, follow them."))
    return Section("discussion", "", ctx._("Discussion"), (intro,),
                   tuple(study_discussion(ctx, found) for found in ctx.findings.studies))


def study_discussion(ctx: Context, found: StudyFindings) -> Section:
    notes: tuple[Section, ...] = ()
    if found.study.notes:
        text = Paragraph(ctx.markdown(found.study.notes.get(ctx.lang)), html=True)
        notes = (Section(f"notes-{found.key}", "", ctx._("Author's notes"), (text,)),)
    return Section(f"discussion-{found.key}", "", ctx.study_title(found),
                   (BulletList(tuple(observations(ctx, found))),), notes)


def observations(ctx: Context, found: StudyFindings) -> list[str]:
    items: list[str] = []
    if found.best is None:
        items.append(search_only.observation(ctx, found)
                     or ctx._("No run finished with results, so nothing can be compared."))
    else:
        if found.seeds is not None:
            items += repeats_section.ranking_conclusions(ctx, found)
        elif found.margin is not None:
            items += margin_sentences(ctx, found, found.margin)
        items += [trend_sentence(ctx, found.trend, found)] if found.trend else []
        if found.curves is not None:  # the curves read; the accuracy gap only without them
            items += curve_words.curve_sentences(ctx, found)
        elif found.gap:
            items.append(gap_sentence(ctx, found.gap))
    items += [engine_sentence(ctx, gap) for gap in found.engine_gaps]
    if found.study.search is not None:
        items += tuning_section.conclusions(ctx, found)
    items += stop_sentences(ctx, found)
    return items


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


def margin_sentences(ctx: Context, found: StudyFindings, margin: Margin) -> list[str]:
    """The best run against the runner-up on the study's criterion, and the single-seed
    threshold the margin is held to (stated every time, caveat below it)."""
    best, criterion = margin.best, margin.criterion
    metric = ctx._(CRITERIA[criterion.name])
    value = criterion_value(ctx, criterion.metric, margin.value)
    items = []
    if margin.runner_up is None:
        items.append(ctx._("%(run)s reaches %(metric)s %(value)s.", run=best.label,
                           metric=metric, value=value))
    elif (margin.margin or 0.0) <= 0:
        items.append(ctx._("%(run)s and %(runner)s tie on %(metric)s (%(value)s).",
                           run=best.label, runner=margin.runner_up.label, metric=metric,
                           value=value))
    elif criterion.metric == "accuracy":
        items.append(ctx._(
            "%(run)s has the highest %(metric)s (%(value)s), %(margin)s percentage "
            "points above the runner-up, %(runner)s (%(runner_value)s).",
            run=best.label, metric=metric, value=value,
            margin=margin_text(ctx, margin, margin.margin), runner=margin.runner_up.label,
            runner_value=criterion_value(ctx, criterion.metric, margin.runner_value)))
    else:
        items.append(ctx._(
            "%(run)s has the lowest %(metric)s (%(value)s), %(margin)s below the runner-up, "
            "%(runner)s (%(runner_value)s).", run=best.label, metric=metric, value=value,
            margin=margin_text(ctx, margin, margin.margin), runner=margin.runner_up.label,
            runner_value=criterion_value(ctx, criterion.metric, margin.runner_value)))
    if criterion.objective is not None and margin.runner_up is not None:
        items.append(ctx._(
            "The study's searches optimise the %(metric)s, so the report ranks its runs by it, "
            "not by accuracy.", metric=metric))
    items += caveat_sentences(ctx, found, margin)
    test_value = accuracy(best, "test")
    if test_value is not None and criterion.split != "test":
        items.append(ctx._("On the test split, %(run)s reaches an accuracy of %(value)s.",
                           run=best.label, value=ctx.pct(test_value)))
    return items


def caveat_sentences(ctx: Context, found: StudyFindings, margin: Margin) -> list[str]:
    """The single-seed threshold, stated with the margin it is compared with."""
    check, runner = margin.check, margin.runner_up
    if check is None or runner is None or (margin.margin or 0.0) <= 0:
        return []
    shown, threshold = margin_and_threshold(ctx, margin, check.threshold)
    values = {"margin": shown, "threshold": threshold, "run": margin.best.label,
              "runner": runner.label,
              "split": ctx._(SPLIT_NAMES.get(margin.criterion.split, margin.criterion.split)),
              "share": i18n.format_percent(SINGLE_SEED_LOSS_REL_MARGIN, ctx.lang, 0)}
    accuracy_metric = margin.criterion.metric == "accuracy"
    if check.caveat:
        message = N_(
            "The margin, %(margin)s percentage points, is below %(threshold)s points, the "
            "threshold under which this report does not trust a ranking from a single seed "
            "(the larger of one point and two samples of the %(split)s split): with another "
            "seed, %(runner)s could come out ahead of %(run)s.") if accuracy_metric else N_(
            "The margin, %(margin)s, is below %(threshold)s (%(share)s of the smaller loss), "
            "the threshold under which this report does not trust a ranking from a single "
            "seed: with another seed, %(runner)s could come out ahead of %(run)s.")
    elif accuracy_metric and at_threshold(margin):  # two samples exactly: "reaches"
        message = N_(
            "The margin of %(margin)s points reaches %(threshold)s points, this report's "
            "threshold for a single seed, although %(run)s and %(runner)s were each trained "
            "only once.")
    else:
        message = N_(
            "The margin of %(margin)s points exceeds %(threshold)s points, this report's "
            "threshold for a single seed, although %(run)s and %(runner)s were each trained "
            "only once.") if accuracy_metric else N_(
            "The margin of %(margin)s exceeds %(threshold)s (%(share)s of the smaller loss), "
            "this report's threshold for a single seed, although %(run)s and %(runner)s were "
            "each trained only once.")
    return [ctx._(message, **values)]


def gap_sentence(ctx: Context, gap: Gap) -> str:
    values = {"run": gap.run.label, "train": ctx.pct(gap.train), "val": ctx.pct(gap.val),
              "gap": i18n.format_points(abs(gap.gap), ctx.lang)}
    message = {
        "overfit": N_("The training accuracy of %(run)s (%(train)s) exceeds its validation "
                      "accuracy (%(val)s) by %(gap)s percentage points, which suggests "
                      "overfitting."),
        "small": N_("The training accuracy of %(run)s (%(train)s) exceeds its validation "
                    "accuracy (%(val)s) by %(gap)s percentage points, a gap too small to "
                    "suggest overfitting."),
        "none": N_("The validation accuracy of %(run)s (%(val)s) is %(gap)s percentage "
                   "points above its training accuracy (%(train)s): no sign of "
                   "overfitting."),
    }[gap.verdict]
    return ctx._(message, **values)


def stop_sentences(ctx: Context, found: StudyFindings) -> list[str]:
    items = []
    stops = found.stops
    if stops.diverged:
        runs = ", ".join(ctx._("%(run)s (epoch %(epoch)s)", run=r.label,
                               epoch=ctx.integer(r.diverged_epoch or r.epochs_run))
                         for r in stops.diverged)
        items.append(ctx.ngettext(
            "%(n)s run diverged (its loss stopped being finite) and has no final metrics: "
            "%(runs)s.",
            "%(n)s runs diverged (their loss stopped being finite) and have no final "
            "metrics: %(runs)s.", len(stops.diverged)) % {"n": ctx.integer(len(stops.diverged)),
                                                          "runs": runs})
    if stops.early:
        runs = ", ".join(ctx._(
            "%(run)s (epoch %(epoch)s of %(max)s, best epoch %(best)s)", run=r.label,
            epoch=ctx.integer(r.epochs_run), max=ctx.integer(get_path(r.config, "training.epochs")),
            best=ctx.integer(r.best_epoch)) for r in stops.early)
        items.append(ctx.ngettext(
            "%(n)s run stopped early because %(monitor)s stopped improving: %(runs)s.",
            "%(n)s runs stopped early because %(monitor)s stopped improving: %(runs)s.",
            len(stops.early)) % {"n": ctx.integer(len(stops.early)),
                                 "monitor": ctx._(MONITOR_NAMES.get(stops.early[0].monitor,
                                                                   stops.early[0].monitor)),
                                 "runs": runs})
    if stops.threshold:
        runs = ", ".join(ctx._("%(run)s (epoch %(epoch)s)", run=r.label,
                               epoch=ctx.integer(r.epochs_run)) for r in stops.threshold)
        items.append(ctx.ngettext(
            "%(n)s run reached its stop threshold: %(runs)s.",
            "%(n)s runs reached their stop threshold: %(runs)s.", len(stops.threshold),
        ) % {"n": ctx.integer(len(stops.threshold)), "runs": runs})
    # named, not quoted: the error's own (English) text is in the appendix's error table
    failed = [r.label for r in stops.failed] + [rid[:12] for rid, _ in stops.lost]
    if failed:
        items.append(ctx.ngettext(
            "%(n)s run failed and has no results: %(runs)s (its error message is in the "
            "appendix).",
            "%(n)s runs failed and have no results: %(runs)s (their error messages are in "
            "the appendix).", len(failed),
        ) % {"n": ctx.integer(len(failed)), "runs": "; ".join(failed)})
    return items
