"""Chapter 6, the conclusions: the author's text first, then one numbered conclusion per
objective (its answer in one or two sentences, referring to the objective by number rather
than repeating its question), the configuration the results recommend per dataset, and the
future work that follows from the limitations.

Worded afresh from the same verdicts as the analysis (analysis.verdicts): a tie is a tie here
too, and a lead that another seed could reverse is called provisional.
"""

from __future__ import annotations

from typing import Any

from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.runs import accuracy
from reportgen.analysis.verdicts import is_tie, lead_established
from reportgen.report import baselines_section, search_only
from reportgen.report.context import Context
from reportgen.report.discussion import CRITERIA, criterion_value
from reportgen.report.i18n import N_
from reportgen.report.labels import ACCURACY_NAMES
from reportgen.report.model import Block, BulletList, Paragraph, Section
from reportgen.report.objectives import objective_number
from reportgen.report.repeats_section import mean_text
from reportgen.report.search_words import SearchWords, upper_first
from reportgen.report.text import prose

ESTABLISHED = (
    N_("%(run)s answers it: with a %(metric)s of %(value)s it is ahead of %(runner)s, at "
       "%(runner_value)s, by more than the noise allows."),
    N_("The best configuration is %(run)s, with %(value)s against %(runner_value)s for "
       "%(runner)s, and its lead is established."),
    N_("The results favour %(run)s clearly: %(value)s of %(metric)s, against %(runner_value)s "
       "for %(runner)s."),
)
PROVISIONAL = (
    N_("%(run)s comes first, with %(value)s against %(runner_value)s for %(runner)s, but the "
       "lead is within the noise, so the order is provisional."),
    N_("The order, with %(run)s ahead of %(runner)s by %(value)s against %(runner_value)s, is "
       "not established: the margin is of the size of the noise."),
    N_("No configuration wins clearly: %(run)s leads %(runner)s, %(value)s against "
       "%(runner_value)s, by a margin another seed could reverse."),
)
TIED = (
    N_("%(run)s and %(runner)s are tied at %(value)s; the experiment does not decide between "
       "them."),
    N_("The experiment ends in a tie between %(run)s and %(runner)s, both at %(value)s."),
)
ONE = (N_("Its one configuration, %(run)s, reaches a %(metric)s of %(value)s."),)


def conclusions_section(ctx: Context) -> Section:
    blocks: list[Block] = []
    if ctx.manifest.report.conclusions:
        blocks.append(Paragraph(ctx.markdown(ctx.manifest.report.conclusions.get(ctx.lang)),
                                html=True))
    studies = ctx.findings.studies
    if studies:
        blocks.append(BulletList(
            tuple(prose(answer(ctx, found)) for found in studies), ordered=True,
            leads=tuple(objective_head(ctx, found) for found in studies), generated=True))
    recommended = recommendation_sentences(ctx)
    if recommended:
        blocks.append(Paragraph(prose(recommended), lead=ctx._("Recommendation."),
                                generated=True))
    future = future_work_sentences(ctx)
    if future:
        blocks.append(Paragraph(prose(future), lead=ctx._("Future work."), generated=True))
    return Section("conclusions", "", ctx._("Conclusions"), tuple(blocks))


def objective_head(ctx: Context, found: StudyFindings) -> str:
    return ctx._("Objective %(n)s (%(study)s).", n=objective_number(ctx, found),
                 study=ctx.study_title(found))


def answer(ctx: Context, found: StudyFindings) -> list[str]:
    if found.best is None:
        return [search_only.answer(ctx, found)
                or ctx._("No run finished, so the results do not answer it.")]
    searched = search_answer(ctx, found)
    if searched:
        return searched
    values = leader_values(ctx, found)
    if values is None:
        return []
    if "runner" not in values:
        return [ctx._(ONE[0], **values)]
    options: tuple[str, ...]
    if is_tie(found):
        options = TIED
    elif lead_established(found):
        options = ESTABLISHED
    else:
        options = PROVISIONAL
    return [upper_first(ctx._(ctx.phrasing("conclusion", options, found), **values))]


def leader_values(ctx: Context, found: StudyFindings) -> dict[str, str] | None:
    """The leader and the runner-up with their values on the study's criterion (the mean over
    the seeds with repeats)."""
    seeds = found.seeds
    if seeds is not None and seeds.split is not None and seeds.order:
        config, spread = seeds.order[0]
        values = {"run": config.label, "metric": ctx._(ACCURACY_NAMES[seeds.split]),
                  "value": mean_text(ctx, spread)}
        if len(seeds.order) > 1:
            runner, runner_spread = seeds.order[1]
            values.update(runner=runner.label, runner_value=mean_text(ctx, runner_spread))
        return values
    margin = found.margin
    if margin is None:
        return None
    criterion = margin.criterion
    values = {"run": margin.best.label, "metric": ctx._(CRITERIA[criterion.name]),
              "value": criterion_value(ctx, criterion.metric, margin.value)}
    if margin.runner_up is not None:
        values.update(runner=margin.runner_up.label,
                      runner_value=criterion_value(ctx, criterion.metric, margin.runner_value))
    return values


def search_answer(ctx: Context, found: StudyFindings) -> list[str]:
    """A study comparing searches: which one found the best objective, and at what cost."""
    best, margin = found.best, found.margin
    if best is None or margin is None or found.criterion is None \
            or found.criterion.objective is None or margin.runner_up is None:
        return []
    words = SearchWords(ctx, found)
    by_run = {(r.retrained or {}).get("run_id"): r for r in found.searches}
    search, runner = by_run.get(best.run_id), by_run.get(margin.runner_up.run_id)
    if search is None or runner is None:
        return []
    metric = found.criterion.metric
    values = {"search": words.search_name(search), "runner": words.search_name(runner),
              "run": ctx.quoted(best.label),
              "objective": ctx._(CRITERIA[found.criterion.name]),
              "value": criterion_value(ctx, metric, margin.value),
              "runner_value": criterion_value(ctx, metric, margin.runner_value),
              "epochs": words.epochs(search.summary["epochs"]),
              "runner_epochs": words.epochs(runner.summary["epochs"])}
    if is_tie(found) or not lead_established(found):
        return [upper_first(ctx._(
            "%(search)s and %(runner)s reach %(objective)s values that the noise does not "
            "separate (%(value)s for %(run)s, %(runner_value)s for the other); %(search)s "
            "spent %(epochs)s of training and %(runner)s %(runner_epochs)s.", **values))]
    return [upper_first(ctx._(
        "%(search)s finds the better configuration, %(run)s, with a %(objective)s of %(value)s "
        "against %(runner_value)s for %(runner)s, spending %(epochs)s of training against "
        "%(runner_epochs)s.", **values))]


# ---------------------------------------------------------------- recommendation
def recommendation_sentences(ctx: Context) -> list[str]:
    """Per dataset, the configuration the results recommend: the best of all the
    experiments on it by the methodology's selection rule (validation accuracy; with repeats
    the configuration's mean over its seeds), with its test accuracy, hedged when its own
    experiment did not establish its lead."""
    out = []
    for name in dict.fromkeys(f.dataset for f in ctx.findings.studies):
        candidates = [c for found in ctx.findings.studies if found.dataset == name
                      if (c := leader(found)) is not None]
        if not candidates:
            continue
        found, label, val, test = max(candidates, key=lambda c: c[2])
        def shown(value: Any) -> str:
            spread = getattr(value, "spread", None)  # a configuration's spread over seeds
            return mean_text(ctx, spread) if spread is not None else ctx.pct(value)

        values = {"dataset": ctx.quoted(ctx.dataset_title(name)), "run": label,
                  "study": ctx.study_title(found), "val": shown(val),
                  "test": shown(test) if test is not None else None}
        if test is None:
            message = N_("For %(dataset)s, the results recommend %(run)s (experiment "
                         "“%(study)s”), with a validation accuracy of %(val)s.")
        else:
            message = N_("For %(dataset)s, the results recommend %(run)s (experiment "
                         "“%(study)s”): %(val)s of validation accuracy and %(test)s on the "
                         "test split, measured once.")
        sentence = ctx._(message, **values)
        if lead_established(found) is False:
            sentence += " " + ctx._("The lead of %(run)s within that experiment is not "
                                    "established, so a close runner-up would serve as well.",
                                    run=label)
        linear = baselines_section.logistic_accuracy(ctx, name, "test")
        if test is not None and linear is not None and linear >= float(test):
            # a network that a linear model matches is not what a reader should deploy
            sentence += " " + ctx._(
                "A logistic regression reaches %(lr)s on the same test split, as much or "
                "more, so on this dataset the linear model is the simpler choice.",
                lr=ctx.pct(linear))
        out.append(sentence)
    return out


def leader(found: StudyFindings) -> tuple[StudyFindings, str, Any, Any] | None:
    """(study, label, validation score, test score) of the study's first configuration: with
    repeats its spreads over the seeds (compared by mean), else the best run's accuracies."""
    seeds = found.seeds
    if seeds is not None and seeds.order:
        config = seeds.order[0][0]
        val = config.spread(seeds.tables, "val", "accuracy")
        test = config.spread(seeds.tables, "test", "accuracy")
        return None if val is None else (found, config.label, _Mean(val),
                                         _Mean(test) if test is not None else None)
    best = found.best
    if best is None or accuracy(best, "val") is None:
        return None
    return found, best.label, accuracy(best, "val"), accuracy(best, "test")


class _Mean(float):
    """A spread that compares by its mean and is shown with its spread."""

    spread: Any

    def __new__(cls, spread: Any) -> _Mean:
        value = super().__new__(cls, spread.mean)
        value.spread = spread
        return value


# ---------------------------------------------------------------- future work
def future_work_sentences(ctx: Context) -> list[str]:
    """What to do next, following from the limitations: more seeds where a lead is not
    established, a wider grid where the best value sits at the edge of the grid."""
    studies = ctx.findings.studies
    open_ = [f for f in studies if lead_established(f) is False and not is_tie(f)]
    tied = [f for f in studies if is_tie(f)]
    out = []
    undecided = open_ + tied
    if undecided:
        joined = ctx.titles(undecided)
        out.append(ctx._(
            "Repeating %(studies)s with five or more seeds would tell whether their orders are "
            "real; the margins measured there are of the size of the seed-to-seed variation.",
            studies=joined))
    edge = [f for f in studies if f.trend is not None and f.trend.direction in ("rises", "falls")]
    for found in edge:
        out.append(ctx._(
            "In “%(study)s” the score still moves in one direction at the last value tried, so "
            "the grid should be extended beyond it.", study=ctx.study_title(found)))
    if not out:
        out.append(ctx._("A second split of the data, or cross-validation, would show how "
                         "much these figures depend on the one split used here."))
    return out
