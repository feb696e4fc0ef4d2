"""The conclusions: the author's text first, then one short paragraph per study that answers
its question (the answer, the strongest evidence with its numbers, the caveat) and an overall
paragraph. Worded afresh from the findings: no sentence is the abstract's.
"""

from __future__ import annotations

from html import escape

from reportgen.analysis import curves as thresholds
from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.runs import accuracy
from reportgen.report import i18n, questions, search_only
from reportgen.report.context import Context
from reportgen.report.curve_words import loss_text
from reportgen.report.discussion import (
    CRITERIA,
    at_threshold,
    criterion_value,
    margin_and_threshold,
)
from reportgen.report.i18n import N_
from reportgen.report.labels import ACCURACY_NAMES
from reportgen.report.model import Block, Paragraph, Section
from reportgen.report.repeats_section import mean_text
from reportgen.report.search_words import SearchWords, upper_first

TREND_ANSWERS = {
    "rises": N_("Across the values tried, the %(metric)s grows steadily with %(factor)s."),
    "falls": N_("Across the values tried, the %(metric)s shrinks steadily as %(factor)s "
                "grows."),
    "mixed": N_("The %(metric)s follows no steady direction as %(factor)s varies."),
}


def conclusions_section(ctx: Context) -> Section:
    blocks: list[Block] = []
    if ctx.manifest.report.conclusions:
        blocks.append(Paragraph(ctx.markdown(ctx.manifest.report.conclusions.get(ctx.lang)),
                                html=True))
    for found in ctx.findings.studies:
        blocks.append(study_paragraph(ctx, found))
    overall = overall_paragraph(ctx)
    if overall:
        blocks.append(Paragraph(overall))
    return Section("conclusions", "", ctx._("Conclusions"), tuple(blocks))


def study_paragraph(ctx: Context, found: StudyFindings) -> Paragraph:
    """“Title.” The question, the answer, the evidence, the caveat."""
    parts: list[str] = []
    question = questions.study_question(ctx, found)
    if question:
        parts.append(question)
    parts += answer(ctx, found) + evidence(ctx, found) + caveat(ctx, found)
    text = " ".join(escape(p, quote=False) for p in parts)
    title = escape(ctx.study_title(found), quote=False)
    return Paragraph(f"<strong>{title}.</strong> {text}", html=True)


# ---------------------------------------------------------------- the answer
def answer(ctx: Context, found: StudyFindings) -> list[str]:
    if found.best is None:
        searched = search_only.answer(ctx, found)
        return [searched or ctx._("No run finished, so these results do not answer it.")]
    out = search_answer(ctx, found) or ranking_answer(ctx, found)
    if found.trend is not None:
        factor = questions.factor_phrase(ctx, found.trend.path, found)
        metric = ctx._(ACCURACY_NAMES[found.trend.split])
        if found.trend.over_means:
            metric = ctx._("mean %(metric)s", metric=metric)
        out.append(ctx._(TREND_ANSWERS[found.trend.direction], metric=metric,
                         factor=factor))
    return out


def ranking_answer(ctx: Context, found: StudyFindings) -> list[str]:
    seeds = found.seeds
    if seeds is not None and seeds.split is not None and seeds.order:
        metric = ctx._(ACCURACY_NAMES[seeds.split])
        (config, spread) = seeds.order[0]
        if len(seeds.order) == 1:
            return [ctx._("Over its seeds, %(run)s reaches a mean %(metric)s of %(value)s.",
                          run=config.label, metric=metric, value=mean_text(ctx, spread))]
        runner, runner_spread = seeds.order[1]
        return [ctx._(
            "The highest mean %(metric)s over the seeds is that of %(run)s, %(value)s, against "
            "%(runner_value)s for %(runner)s.", metric=metric, run=config.label,
            value=mean_text(ctx, spread), runner=runner.label,
            runner_value=mean_text(ctx, runner_spread))]
    margin = found.margin
    if margin is None:
        return []
    criterion = margin.criterion
    values = {"run": margin.best.label, "metric": ctx._(CRITERIA[criterion.name]),
              "value": criterion_value(ctx, criterion.metric, margin.value)}
    if margin.runner_up is None:
        return [ctx._("Its one run, %(run)s, reaches a %(metric)s of %(value)s.", **values)]
    values.update(runner=margin.runner_up.label,
                  runner_value=criterion_value(ctx, criterion.metric, margin.runner_value))
    if (margin.margin or 0.0) <= 0:
        return [ctx._("In these runs %(run)s and %(runner)s answer it equally well, with the "
                      "same %(metric)s, %(value)s.", **values)]
    if criterion.metric == "accuracy":
        return [ctx._("In these runs the best answer is %(run)s, with a %(metric)s of "
                      "%(value)s against %(runner_value)s for %(runner)s, the next best.",
                      **values)]
    return [ctx._("In these runs the best answer is %(run)s, whose %(metric)s, %(value)s, is "
                  "lower than that of %(runner)s, %(runner_value)s.", **values)]


def search_answer(ctx: Context, found: StudyFindings) -> list[str]:
    """A search study: which search found the configuration of the best run."""
    best, margin = found.best, found.margin
    if best is None or margin is None or found.criterion is None \
            or found.criterion.objective is None:
        return []
    words = SearchWords(ctx, found)
    by_run = {(r.retrained or {}).get("run_id"): r for r in found.searches}
    search = by_run.get(best.run_id)
    runner = by_run.get(margin.runner_up.run_id) if margin.runner_up is not None else None
    if search is None or runner is None or (margin.margin or 0.0) <= 0:
        return []
    metric = found.criterion.metric
    return [upper_first(ctx._(
        "%(search)s found the best %(objective)s, %(value)s, against %(runner_value)s for "
        "%(runner)s; retrained, its configuration (%(run)s) reaches a test accuracy of "
        "%(test)s.", search=words.search_name(search),
        objective=ctx._(CRITERIA[found.criterion.name]),
        value=criterion_value(ctx, metric, margin.value),
        runner_value=criterion_value(ctx, metric, margin.runner_value),
        runner=words.search_name(runner), run=best.label,
        test=ctx.pct(accuracy(best, "test"))))]


# ---------------------------------------------------------------- the evidence
def evidence(ctx: Context, found: StudyFindings) -> list[str]:
    """What the learning curves add: overfitting or the largest gap, and convergence."""
    reading = found.curves
    if reading is None or found.best is None:
        return []
    out = []
    lang = ctx.lang
    share = i18n.format_percent(thresholds.CONVERGENCE_FRACTION, lang, 0)
    if reading.findings.overfitting:
        item = max(reading.findings.overfitting, key=lambda o: o.rise_rel)
        out.append(ctx._(
            "From the learning curves, %(run)s overfits: its validation loss rises by "
            "%(rise)s after epoch %(epoch)s.", run=item.config,
            rise=i18n.format_percent(item.rise_rel, lang, 0),
            epoch=ctx.integer(item.onset_epoch)))
    elif reading.findings.gaps:
        ratios = [(g.config, g.gap.loss_ratio) for g in reading.findings.gaps
                  if g.gap.loss_ratio is not None
                  and g.gap.loss_ratio >= thresholds.GAP_LOSS_RATIO]
        if ratios:
            label, ratio = max(ratios, key=lambda item: item[1])
            f = reading.of(label)
            out.append(ctx._(
                "From the learning curves, %(run)s ends with a validation loss of %(val)s, "
                "%(ratio)s times its training loss, the largest gap of the study.", run=label,
                val=loss_text(f.final_val_loss, lang),
                ratio=i18n.format_number(ratio, lang, 1 if ratio < 10 else 0)))
    found_conv = reading.findings.convergence
    if found_conv is not None:
        out.append(ctx._(
            "%(fast)s is at %(share)s of its final validation accuracy by epoch %(fast_n)s, "
            "%(slow)s not until epoch %(slow_n)s.", fast=found_conv.fastest, share=share,
            fast_n=ctx.integer(found_conv.fastest_epochs), slow=found_conv.slowest,
            slow_n=ctx.integer(found_conv.slowest_epochs)))
    return out


# ---------------------------------------------------------------- the caveat
def caveat(ctx: Context, found: StudyFindings) -> list[str]:
    out = []
    if found.seed_margin is not None:
        test = found.seed_margin.comparison
        values = {"n": ctx.integer(min(test.n_a, test.n_b)), "run": found.seed_margin.best,
                  "p": i18n.format_number(test.p_value, ctx.lang, 3)}
        if test.p_value is not None and not test.exceeds_spread:
            out.append(ctx._(
                "Caveat: with %(n)s seeds, the lead of %(run)s lies within the seed-to-seed "
                "spread (Welch's p = %(p)s), so these runs do not settle the order.", **values))
        elif test.p_value is not None:
            out.append(ctx._(
                "Caveat: %(n)s seeds are few; the lead of %(run)s exceeds their spread "
                "(Welch's p = %(p)s), but more seeds would make the estimate firmer.",
                **values))
    margin = found.margin
    if margin is not None and margin.runner_up is not None:
        values = {"run": margin.best.label, "runner": margin.runner_up.label}
        if (margin.margin or 0.0) <= 0:
            out.append(ctx._("Caveat: with a tie, these runs do not decide between %(run)s "
                             "and %(runner)s.", **values))
        elif margin.check is not None:
            shown, threshold = margin_and_threshold(ctx, margin, margin.check.threshold)
            values.update(margin=shown, threshold=threshold)
            points = margin.criterion.metric == "accuracy"
            if margin.check.caveat:
                message = N_("Caveat: a margin of %(margin)s points is below the single-seed "
                             "threshold of %(threshold)s points, so another seed could "
                             "reverse the order of %(run)s and %(runner)s.") if points else \
                    N_("Caveat: a margin of %(margin)s is below the single-seed threshold of "
                       "%(threshold)s, so another seed could reverse the order of %(run)s and "
                       "%(runner)s.")
            elif points and at_threshold(margin):
                message = N_("Caveat: each configuration was trained once, on one split of "
                             "the data; the margin of %(margin)s points just reaches the "
                             "threshold of %(threshold)s points, and it has not been repeated "
                             "with other seeds.")
            else:
                message = N_("Caveat: each configuration was trained once, on one split of "
                             "the data; the margin of %(margin)s points clears the threshold "
                             "of %(threshold)s points, but it has not been repeated with "
                             "other seeds.") if points else \
                    N_("Caveat: each configuration was trained once, on one split of the "
                       "data; the margin of %(margin)s clears the threshold of %(threshold)s, "
                       "but it has not been repeated with other seeds.")
            out.append(ctx._(message, **values))
    out += test_caveat(ctx, found)
    if not out and found.best is not None and len(found.runs) == 1:
        out.append(ctx._("Caveat: with a single run, there is nothing to compare %(run)s "
                         "with.", run=found.best.label))
    return out


def test_caveat(ctx: Context, found: StudyFindings) -> list[str]:
    """The test split disagrees with the choice: another run is ahead on it."""
    best = found.best
    if best is None or found.seeds is not None:
        return []
    best_test = accuracy(best, "test")
    tested = [(r, v) for r in found.runs if (v := accuracy(r, "test")) is not None]
    if best_test is None or len(tested) < 2:
        return []
    leader, value = max(tested, key=lambda item: item[1])
    if round(value, 3) <= round(best_test, 3):
        return []
    return [ctx._("On the test split, however, %(other)s is ahead (%(value)s against "
                  "%(best)s).", other=leader.label, value=ctx.pct(value),
                  best=ctx.pct(best_test))]


# ---------------------------------------------------------------- overall
def firm(found: StudyFindings) -> bool | None:
    """Whether the lead of the study's best clears its test; None: nothing to compare."""
    if found.seed_margin is not None:
        return found.seed_margin.comparison.exceeds_spread
    margin = found.margin
    if margin is None or margin.runner_up is None or margin.check is None:
        return None
    return (margin.margin or 0.0) > 0 and not margin.check.caveat


def overall_paragraph(ctx: Context) -> str:
    studies = ctx.findings.studies
    titles = {f.key: ctx._("“%(study)s”", study=ctx.study_title(f)) for f in studies}
    verdicts = {f.key: v for f in studies if (v := firm(f)) is not None}
    parts = []
    if len(verdicts) >= 2:
        clear = [titles[k] for k, v in verdicts.items() if v]
        unclear = [titles[k] for k, v in verdicts.items() if not v]
        join = ctx._("%(items)s and %(last)s", items=", ".join(unclear[:-1]),
                     last=unclear[-1]) if len(unclear) > 1 else "".join(unclear)
        if clear and unclear:
            parts.append(ctx._(
                "Overall, the lead of the best configuration clears the single-seed threshold "
                "or the seed-to-seed spread in %(clear)s, but not in %(unclear)s, where another "
                "seed could change the order.", clear=ctx._(
                    "%(items)s and %(last)s", items=", ".join(clear[:-1]), last=clear[-1])
                if len(clear) > 1 else clear[0], unclear=join))
        elif clear:
            parts.append(ctx._(
                "Overall, in all %(n)s studies the lead of the best configuration clears the "
                "single-seed threshold or the seed-to-seed spread.", n=ctx.integer(len(clear))))
        else:
            parts.append(ctx._(
                "Overall, in none of the %(n)s studies does the lead of the best configuration "
                "clear the single-seed threshold or the seed-to-seed spread: ranking these "
                "configurations needs more seeds.", n=ctx.integer(len(unclear))))
    overfit = [titles[f.key] for f in studies if f.curves is not None
               and (f.curves.findings.overfitting or f.curves.findings.gaps)]
    if overfit:
        parts.append(ctx._(
            "The curves show signs of overfitting (a validation loss that rises after its "
            "minimum, or a large gap between training and validation at the end) in "
            "%(studies)s.",
            studies=ctx._("%(items)s and %(last)s", items=", ".join(overfit[:-1]),
                          last=overfit[-1]) if len(overfit) > 1 else overfit[0]))
    elif any(f.curves is not None for f in studies):
        parts.append(ctx._("No study's curves show overfitting by the measures of this "
                           "report."))
    return " ".join(parts)
