"""The discussion: per study, what the findings show, in sentences; then the author's notes.

Every verdict (overfitting, a fragile margin, a trend) is decided in `reportgen.analysis`;
this module only words it. A failed run's error text stays in the appendix (untranslated,
labelled as such): here it is named, not quoted.
"""

from __future__ import annotations

from reportgen.analysis.findings import EngineGap, Gap, Margin, StudyFindings, Trend
from reportgen.analysis.runs import accuracy
from reportgen.report import i18n, repeats_section, search_only, tuning_section
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.report.labels import ACCURACY_NAMES, MONITOR_NAMES
from reportgen.report.model import BulletList, Paragraph, Section
from reportgen.report.questions import factor_phrase
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
            items += margin_sentences(ctx, found.margin)
        items += [trend_sentence(ctx, found.trend)] if found.trend else []
        items += [gap_sentence(ctx, found.gap)] if found.gap else []
    items += [engine_sentence(ctx, gap) for gap in found.engine_gaps]
    if found.study.search is not None:
        items += tuning_section.conclusions(ctx, found)
    items += stop_sentences(ctx, found)
    return items


def trend_sentence(ctx: Context, trend: Trend) -> str:
    values = {"factor": factor_phrase(ctx, trend.path),  # with its article
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
        a=a.label, engine_a=a.engine, b=b.label, engine_b=b.engine,
        metric=ctx._(ACCURACY_NAMES[gap.split]), value_a=ctx.pct(gap.score_a),
        value_b=ctx.pct(gap.score_b),
        gap=i18n.format_points(abs(gap.score_a - gap.score_b), ctx.lang),
        time_a=f"{i18n.format_number(a.seconds_per_epoch, ctx.lang, 3)} s",
        time_b=f"{i18n.format_number(b.seconds_per_epoch, ctx.lang, 3)} s")


def margin_sentences(ctx: Context, margin: Margin) -> list[str]:
    best, split = margin.best, margin.split
    metric = ctx._(ACCURACY_NAMES[split])
    items = []
    if margin.runner_up is None:
        items.append(ctx._("%(run)s reaches %(metric)s %(value)s.", run=best.label,
                           metric=metric, value=ctx.pct(margin.value)))
    elif (margin.margin or 0.0) <= 0:
        items.append(ctx._("%(run)s and %(runner)s tie on %(metric)s (%(value)s).",
                           run=best.label, runner=margin.runner_up.label, metric=metric,
                           value=ctx.pct(margin.value)))
    else:
        items.append(ctx._(
            "%(run)s has the highest %(metric)s (%(value)s), %(margin)s percentage "
            "points above the runner-up, %(runner)s (%(runner_value)s).",
            run=best.label, metric=metric, value=ctx.pct(margin.value),
            margin=i18n.format_points(margin.margin, ctx.lang), runner=margin.runner_up.label,
            runner_value=ctx.pct(margin.runner_value)))
    if margin.fragile:
        items.append(ctx._(
            "The difference is under half a percentage point and each configuration was "
            "trained with a single seed, so another seed could change the order."))
    test_value = accuracy(best, "test")
    if test_value is not None and split != "test":
        items.append(ctx._("On the test split, %(run)s reaches an accuracy of %(value)s.",
                           run=best.label, value=ctx.pct(test_value)))
    return items


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
