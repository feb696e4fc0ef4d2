"""A study's answer in sentences: which configuration comes first on the study's criterion,
by how much, and whether that margin means anything (the single-seed threshold, or the
seed-to-seed spread with repeats).

The facts are decided in `reportgen.analysis` (findings.Margin, SeedMargin, seeds.Seeds);
this module only words them, with several phrasings per kind of sentence chosen by
`Context.phrasing`, so that five studies in one chapter do not read as one template. The
first sentence cites the study's table by the number the caller passes.
"""

from __future__ import annotations

from reportgen.analysis.findings import Margin, SeedMargin, StudyFindings
from reportgen.analysis.significance import SINGLE_SEED_LOSS_REL_MARGIN
from reportgen.report import i18n
from reportgen.report.context import Context
from reportgen.report.discussion import (
    CRITERIA,
    at_threshold,
    criterion_value,
    margin_and_threshold,
    margin_text,
)
from reportgen.report.i18n import N_
from reportgen.report.labels import ACCURACY_NAMES, SPLIT_NAMES
from reportgen.report.repeats_section import mean_text

LEAD_ACCURACY = (
    N_("Table %(table)s shows that %(run)s reaches the highest %(metric)s, %(value)s, "
       "%(margin)s points above %(runner)s (%(runner_value)s)."),
    N_("According to table %(table)s, the best configuration is %(run)s, with a %(metric)s of "
       "%(value)s against %(runner_value)s for %(runner)s, the second."),
    N_("The configuration %(run)s heads table %(table)s with a %(metric)s of %(value)s; "
       "%(runner)s follows it with %(runner_value)s."),
)
LEAD_LOSS = (
    N_("Table %(table)s shows that %(run)s reaches the lowest %(metric)s, %(value)s, against "
       "%(runner_value)s for %(runner)s."),
    N_("According to table %(table)s, the best configuration by %(metric)s is %(run)s "
       "(%(value)s), ahead of %(runner)s (%(runner_value)s)."),
    N_("The configuration %(run)s heads table %(table)s with a %(metric)s of %(value)s; "
       "%(runner)s follows it with %(runner_value)s."),
)
TIE = (
    N_("Table %(table)s shows a tie: %(run)s and %(runner)s reach the same %(metric)s, "
       "%(value)s."),
    N_("According to table %(table)s, %(run)s and %(runner)s cannot be told apart: both reach "
       "a %(metric)s of %(value)s."),
    N_("The first two rows of table %(table)s, %(run)s and %(runner)s, share the same "
       "%(metric)s, %(value)s."),
)
FRAGILE_ACCURACY = (
    N_("That margin is below the threshold of %(threshold)s points that this report asks of "
       "a comparison trained with a single seed, so another seed could put %(runner)s ahead."),
    N_("With a single seed, however, a margin of %(margin)s points does not reach the "
       "threshold of %(threshold)s points, and the order of the two is not established."),
    N_("The difference, %(margin)s points, is smaller than the single-seed threshold of "
       "%(threshold)s points: another seed could reverse it."),
)
FRAGILE_LOSS = (
    N_("That margin is below the threshold of %(threshold)s (%(share)s of the smaller loss) "
       "that this report asks of a single seed, so another seed could put %(runner)s ahead."),
    N_("With a single seed, however, a margin of %(margin)s does not reach the threshold of "
       "%(threshold)s (%(share)s of the smaller loss), and the order is not established."),
    N_("The difference, %(margin)s, is smaller than the single-seed threshold of "
       "%(threshold)s (%(share)s of the smaller loss): another seed could reverse it."),
)
FIRM_ACCURACY = (
    N_("The margin clears the single-seed threshold of %(threshold)s points, although each "
       "configuration was trained only once."),
    N_("A margin of %(margin)s points exceeds the threshold of %(threshold)s points set for a "
       "single seed, even if it has not been repeated with other seeds."),
    N_("Even trained once, the difference of %(margin)s points is larger than the threshold "
       "of %(threshold)s points that a single seed requires."),
)
AT_THRESHOLD = (
    N_("The margin of %(margin)s points just reaches the single-seed threshold of "
       "%(threshold)s points, with each configuration trained only once."),
)
FIRM_LOSS = (
    N_("The margin clears the single-seed threshold of %(threshold)s (%(share)s of the "
       "smaller loss), although each configuration was trained only once."),
    N_("A margin of %(margin)s exceeds the threshold of %(threshold)s (%(share)s of the "
       "smaller loss) set for a single seed, even if it has not been repeated."),
    N_("Even trained once, the difference of %(margin)s is larger than the threshold of "
       "%(threshold)s (%(share)s of the smaller loss) that a single seed requires."),
)
SEEDS_LEAD = (
    N_("Table %(table)s shows that %(run)s has the highest mean %(metric)s over the seeds, "
       "%(value)s, %(margin)s points above %(runner)s, which reaches %(runner_value)s."),
    N_("Averaged over the seeds (table %(table)s), the best configuration is %(run)s, with a "
       "mean %(metric)s of %(value)s against %(runner_value)s for %(runner)s."),
    N_("The configuration %(run)s heads table %(table)s with a mean %(metric)s of %(value)s; "
       "the second, %(runner)s, reaches %(runner_value)s."),
)
SEEDS_TIE = (
    N_("Table %(table)s shows a tie: %(run)s and %(runner)s reach the same mean %(metric)s, "
       "%(value)s."),
    N_("Averaged over the seeds (table %(table)s), %(run)s and %(runner)s cannot be told "
       "apart: both reach a mean %(metric)s of %(value)s."),
)
SEEDS_EXCEED = (
    N_("Over %(n)s seeds this lead exceeds the seed-to-seed spread: Welch's t-test gives "
       "p = %(p)s, and the %(level)s bootstrap interval of the difference runs from %(low)s "
       "to %(high)s points."),
    N_("The lead stands out of the variation between seeds (Welch's t-test, p = %(p)s; "
       "%(level)s bootstrap interval of the difference, %(low)s to %(high)s points), although "
       "%(n)s seeds are few."),
    N_("Welch's t-test over the %(n)s seeds (p = %(p)s) and the %(level)s bootstrap interval "
       "of the difference, from %(low)s to %(high)s points, both place the lead above the "
       "seed-to-seed noise."),
)
SEEDS_WITHIN = (
    N_("Over %(n)s seeds, however, this lead does not clearly exceed the seed-to-seed spread "
       "(Welch's t-test: p = %(p)s; %(level)s bootstrap interval of the difference: %(low)s "
       "to %(high)s points), so the runs do not establish which of the two is better."),
    N_("The variation between seeds is as large as the lead: Welch's t-test gives p = %(p)s "
       "and the %(level)s bootstrap interval of the difference, from %(low)s to %(high)s "
       "points, includes zero, so %(n)s seeds do not separate the two."),
    N_("That lead does not stand out of the seed-to-seed noise (Welch's t-test over %(n)s "
       "seeds, p = %(p)s; %(level)s bootstrap interval, %(low)s to %(high)s points): the "
       "order of the two is not established."),
)
SEEDS_SPLIT = (  # the bootstrap interval excludes zero but Welch's test is not significant
    N_("The two checks disagree over %(n)s seeds: the %(level)s bootstrap interval of the "
       "difference, from %(low)s to %(high)s points, excludes zero, but Welch's t-test gives "
       "p = %(p)s; with so few seeds neither is reliable, and the order is not established."),
    N_("Over %(n)s seeds the %(level)s bootstrap interval of the difference (%(low)s to "
       "%(high)s points) stays above zero, yet Welch's t-test does not separate the two "
       "(p = %(p)s): the lead is suggestive, not established."),
)
SEEDS_TEST = (
    N_("On the test split, %(run)s reaches a mean accuracy of %(value)s."),
    N_("Its mean test accuracy is %(value)s."),
    N_("Measured once on the test split, the same configuration reaches a mean of %(value)s."),
)


def answer_sentences(ctx: Context, found: StudyFindings, table: str) -> list[str]:
    """The answer's sentences in reading order, the first citing `table` (its number)."""
    if found.seeds is not None and found.seeds.order:
        return seeds_sentences(ctx, found, table)
    if found.margin is not None:
        return margin_sentences(ctx, found, found.margin, table)
    return []


def margin_sentences(ctx: Context, found: StudyFindings, margin: Margin,
                     table: str) -> list[str]:
    criterion = margin.criterion
    values = {"table": table, "run": margin.best.label,
              "metric": ctx._(CRITERIA[criterion.name]),
              "value": criterion_value(ctx, criterion.metric, margin.value)}
    if margin.runner_up is None:
        return [ctx._("Table %(table)s gives its one run, %(run)s, a %(metric)s of %(value)s.",
                      **values)]
    values.update(runner=margin.runner_up.label,
                  runner_value=criterion_value(ctx, criterion.metric, margin.runner_value))
    if (margin.margin or 0.0) <= 0:
        return [ctx._(ctx.phrasing("tie", TIE, found), **values)]
    accuracy_metric = criterion.metric == "accuracy"
    values["margin"] = margin_text(ctx, margin, margin.margin)
    lead = LEAD_ACCURACY if accuracy_metric else LEAD_LOSS
    out = [ctx._(ctx.phrasing("lead", lead, found), **values)]
    check = margin.check
    if check is not None:
        shown, threshold = margin_and_threshold(ctx, margin, check.threshold)
        values.update(margin=shown, threshold=threshold,
                      share=i18n.format_percent(SINGLE_SEED_LOSS_REL_MARGIN, ctx.lang, 0),
                      split=ctx._(SPLIT_NAMES.get(criterion.split, criterion.split)))
        options: tuple[str, ...]
        if check.caveat:
            options = FRAGILE_ACCURACY if accuracy_metric else FRAGILE_LOSS
        elif accuracy_metric and at_threshold(margin):
            options = AT_THRESHOLD
        else:
            options = FIRM_ACCURACY if accuracy_metric else FIRM_LOSS
        out.append(ctx._(ctx.phrasing("threshold", options, found), **values))
    return out


def seeds_sentences(ctx: Context, found: StudyFindings, table: str) -> list[str]:
    seeds = found.seeds
    assert seeds is not None and seeds.split is not None
    metric = ctx._(ACCURACY_NAMES[seeds.split])
    config, spread = seeds.order[0]
    values = {"table": table, "run": config.label, "metric": metric,
              "value": mean_text(ctx, spread)}
    if len(seeds.order) == 1:
        out = [ctx._("Table %(table)s gives %(run)s a mean %(metric)s of %(value)s over "
                     "%(n)s seeds.", n=ctx.integer(spread.n), **values)]
    else:
        runner, runner_spread = seeds.order[1]
        margin = spread.mean - runner_spread.mean
        values.update(runner=runner.label, runner_value=mean_text(ctx, runner_spread),
                      margin=i18n.format_points(margin, ctx.lang))
        if margin <= 0:
            values["value"] = ctx.pct(spread.mean)
            out = [ctx._(ctx.phrasing("seeds-tie", SEEDS_TIE, found), **values)]
        else:
            out = [ctx._(ctx.phrasing("seeds-lead", SEEDS_LEAD, found), **values)]
        if found.seed_margin is not None and margin > 0:  # a tie has no lead to judge
            out.append(seed_margin_sentence(ctx, found, found.seed_margin))
    test = config.spread(seeds.tables, "test", "accuracy")
    if test is not None and seeds.split != "test":
        out.append(ctx._(ctx.phrasing("seeds-test", SEEDS_TEST, found), run=config.label,
                         value=mean_text(ctx, test)))
    return out


def seed_margin_sentence(ctx: Context, found: StudyFindings, margin: SeedMargin) -> str:
    test = margin.comparison
    values = {"n": ctx.integer(min(test.n_a, test.n_b)), "run": margin.best,
              "runner": margin.runner_up, "p": i18n.format_number(test.p_value, ctx.lang, 3),
              "level": i18n.format_percent(test.confidence, ctx.lang, 0),
              "low": i18n.format_points(test.ci_low, ctx.lang),
              "high": i18n.format_points(test.ci_high, ctx.lang),
              "margin": i18n.format_points(test.difference, ctx.lang)}
    if test.p_value is None:
        return ctx._("Every seed of %(run)s and of %(runner)s gives the same score, so the "
                     "difference of %(margin)s points is not seed-to-seed noise.", **values)
    options: tuple[str, ...]
    if test.exceeds_spread:
        options = SEEDS_EXCEED
    elif test.ci_low > 0:  # the interval excludes zero, the test does not
        options = SEEDS_SPLIT
    else:
        options = SEEDS_WITHIN
    return ctx._(ctx.phrasing("seed-margin", options, found), **values)
