"""The front of the report: the introduction, and the abstract with the key result of every
study (its sentence is the conclusions' too)."""

from __future__ import annotations

from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.runs import accuracy
from reportgen.analysis.verdicts import is_tie, lead_established
from reportgen.report import i18n, repeats_section, search_only
from reportgen.report.context import Context
from reportgen.report.discussion import CRITERIA, criterion_value
from reportgen.report.labels import ACCURACY_NAMES
from reportgen.report.model import Block, Cell, Column, Paragraph


def abstract(ctx: Context) -> list[Block]:
    """One paragraph (the author's abstract, else a generated one: what was compared, the
    key findings with their numbers, the main conclusion) and the key-results table."""
    blocks: list[Block] = []
    rows = []
    for found in ctx.findings.studies:
        best = found.best
        cells = repeats_section.key_result_cells(ctx, found) \
            if found.has_repeats else None
        searched = search_only.key_cells(ctx, found)  # trials, not runs
        row = [
            Cell(found.study.id, display=ctx.study_title(found)),
            *(searched or [
                Cell(len(found.runs) + len(found.failed), "int"),
                *(cells or [Cell(best.label if best else None),
                            Cell(accuracy(best, "val") if best else None, "num"),
                            Cell(accuracy(best, "test") if best else None, "num")])]),
        ]
        if not searched and is_tie(found):  # the first row of a tie is not "the best"
            first, second = tied_pair(found)
            row[2] = Cell(row[2].value, display=ctx._("%(run)s, tied with %(runner)s",
                                                      run=str(first), runner=str(second)))
        rows.append(row)
    columns = [
        Column("study", ctx._("Study")), Column("runs", ctx._("Runs"), True),
        Column("best_run", ctx._("Best run")),
        Column("val_accuracy", ctx._("Validation accuracy"), True),
        Column("test_accuracy", ctx._("Test accuracy"), True),
    ]
    table = ctx.table("key-results", ctx._("Best run of every study."), columns, rows)
    if ctx.manifest.report.abstract:
        blocks.append(Paragraph(ctx.markdown(ctx.manifest.report.abstract.get(ctx.lang)),
                                html=True))
        blocks.append(Paragraph(ctx._("Table %(n)s sums up the best run of every study.",
                                      n=str(table.number))))
    else:
        blocks.append(Paragraph(" ".join(abstract_sentences(ctx, str(table.number))),
                                generated=True))
    blocks.append(table)
    return blocks


def abstract_sentences(ctx: Context, table: str) -> list[str]:
    studies = ctx.findings.studies
    names = list(dict.fromkeys(f.dataset for f in studies))
    datasets = [ctx.quoted(ctx.dataset_title(n)) for n in names]
    n_configs = sum(len(f.seeds.configurations) if f.seeds is not None else len(f.runs)
                    for f in studies)
    out = [ctx.ngettext(
        "We compare %(n)s configurations of neural networks in %(k)s experiment on %(data)s, "
        "choosing on the validation split and measuring the final figures once on the test "
        "split.",
        "We compare %(n)s configurations of neural networks in %(k)s experiments on %(data)s, "
        "choosing on the validation split and measuring the final figures once on the test "
        "split.", len(studies)) % {"n": ctx.integer(n_configs), "k": ctx.count(len(studies)),
                                   "data": ctx.join(datasets)}]
    # the answers the runs establish, each with its numbers; then the provisional ones
    # together, in one sentence, so that the abstract argues instead of listing studies
    established = [f for f in studies if lead_established(f) is True]
    ties = [f for f in studies if lead_established(f) is False and is_tie(f)]
    provisional = [f for f in studies if lead_established(f) is False and not is_tie(f)]
    for found in established[:MAX_FINDINGS]:
        out.append(established_sentence(ctx, found) or
                   key_result_sentence(ctx, found)[:-1] + ctx._(", a lead beyond the noise."))
    if provisional:
        out.append(provisional_sentence(ctx, provisional, after=bool(established)))
    out += [tie_sentence(ctx, f) for f in ties]  # a tie has no best to name
    # nothing to compare (one configuration, a search that was not retrained): its result
    alone = [f for f in studies if lead_established(f) is None]
    out += [key_result_sentence(ctx, f) for f in alone[:max(0, MAX_FINDINGS - len(established))]]
    out.append(ctx._("Table %(table)s sums up the best run of each experiment.", table=table))
    return out


def established_sentence(ctx: Context, found: StudyFindings) -> str | None:
    """The best configuration against the second, on the study's criterion, with the
    verdict; None when the study has no second to name."""
    title = ctx.study_title(found)
    seeds = found.seeds
    if seeds is not None and len(seeds.order) >= 2 and seeds.split is not None:
        (config, spread), (runner, runner_spread) = seeds.order[0], seeds.order[1]
        return ctx._(
            "In “%(study)s”, %(run)s comes ahead of %(runner)s in mean %(metric)s over "
            "%(n)s seeds (%(value)s against %(runner_value)s), a lead beyond the noise.",
            study=title, run=config.label, runner=runner.label,
            metric=ctx._(ACCURACY_NAMES[seeds.split]), n=ctx.integer(spread.n),
            value=repeats_section.mean_text(ctx, spread),
            runner_value=repeats_section.mean_text(ctx, runner_spread))
    margin = found.margin
    if margin is None or margin.runner_up is None:
        return None
    criterion = margin.criterion
    values = {"study": title, "run": margin.best.label, "runner": margin.runner_up.label,
              "metric": ctx._(CRITERIA[criterion.name]),
              "value": criterion_value(ctx, criterion.metric, margin.value),
              "runner_value": criterion_value(ctx, criterion.metric, margin.runner_value)}
    test = accuracy(margin.best, "test")
    if test is None or criterion.split == "test":
        return ctx._("In “%(study)s”, %(run)s comes ahead of %(runner)s in %(metric)s "
                     "(%(value)s against %(runner_value)s), a lead beyond the noise.",
                     **values)
    return ctx._("In “%(study)s”, %(run)s comes ahead of %(runner)s in %(metric)s "
                 "(%(value)s against %(runner_value)s), a lead beyond the noise; its test "
                 "accuracy is %(test)s.", test=ctx.pct(test), **values)


def provisional_sentence(ctx: Context, studies: list[StudyFindings], after: bool) -> str:
    """The studies whose best configuration does not clear the noise, with those
    configurations, in one sentence (`after`: it follows an established answer)."""
    names = ctx.join([ctx.quoted(ctx.study_title(f)) for f in studies])
    runs = ctx.join([ctx.quoted(str(best_label(f))) for f in studies])
    if after:
        message = ctx.ngettext(
            "In %(studies)s, on the other hand, the best configuration, %(runs)s, does not "
            "beat the second by more than the noise, so that answer is provisional.",
            "In %(studies)s, on the other hand, the best configurations (%(runs)s, in that "
            "order) do not beat the second by more than the noise, so those answers are "
            "provisional.", len(studies))
    else:
        message = ctx.ngettext(
            "In %(studies)s the best configuration, %(runs)s, does not beat the second by "
            "more than the noise, so that answer is provisional.",
            "In %(studies)s the best configurations (%(runs)s, in that order) do not beat "
            "the second by more than the noise, so those answers are provisional.",
            len(studies))
    return message % {"studies": names, "runs": runs}


def tied_pair(found: StudyFindings) -> tuple[str, str]:
    """The labels of a tie's two configurations, in the order of the study's table."""
    seeds = found.seeds
    if seeds is not None and len(seeds.order) >= 2:
        return seeds.order[0][0].label, seeds.order[1][0].label
    assert found.margin is not None and found.margin.runner_up is not None
    return found.margin.best.label, found.margin.runner_up.label


def tie_sentence(ctx: Context, found: StudyFindings) -> str:
    first, second = tied_pair(found)
    return ctx._("“%(study)s” ends in a tie between %(run)s and %(runner)s.",
                 study=ctx.study_title(found), run=first, runner=second)


def best_label(found: StudyFindings) -> str:
    """The label of the study's best configuration (with repeats, without the seed)."""
    if found.seeds is not None and found.seeds.order:
        return found.seeds.order[0][0].label
    return found.best.label if found.best is not None else ""


MAX_FINDINGS = 4  # the abstract names at most this many studies' results




def key_result_sentence(ctx: Context, found: StudyFindings) -> str:
    best = found.best
    title = ctx.study_title(found)
    if found.has_repeats and \
            (sentence := repeats_section.key_result(ctx, found, title)):
        return sentence
    if best is None:
        return search_only.key_result(ctx, found, title) or \
            ctx._("“%(study)s”: no run finished with results.", study=title)
    shown = [s for s in ("val", "test") if accuracy(best, s) is not None] or ["train"]
    scores = ", ".join(
        ctx._("%(metric)s of %(value)s", metric=ctx._(ACCURACY_NAMES[s]),
               value=ctx.pct(accuracy(best, s))) for s in shown)
    n = len(found.runs) + len(found.failed)
    criterion = found.criterion
    if criterion is not None and criterion.objective is not None and n > 1:
        return ctx.ngettext(
            "“%(study)s”: of %(n)s run, the one with the best %(objective)s (the objective "
            "of the study's searches) is %(run)s, %(value)s, with %(scores)s.",
            "“%(study)s”: of %(n)s runs, the one with the best %(objective)s (the objective "
            "of the study's searches) is %(run)s, %(value)s, with %(scores)s.", n,
        ) % {"study": title, "n": i18n.format_int(n, ctx.lang),
             "run": ctx.quoted(best.label),  # ngettext does not quote labels as ctx._ does
             "objective": ctx._(CRITERIA[criterion.name]),
             "value": criterion_value(ctx, criterion.metric,
                                      found.criterion_values[found.ranking[0]]),
             "scores": scores}
    if n == 1:
        return ctx._("“%(study)s”: one run, %(run)s, with %(scores)s.", study=title,
                        run=best.label, scores=scores)
    return ctx.ngettext(
        "“%(study)s”: the best of %(n)s run is %(run)s, with %(scores)s.",
        "“%(study)s”: the best of %(n)s runs is %(run)s, with %(scores)s.", n,
    ) % {"study": title, "n": i18n.format_int(n, ctx.lang), "run": best.label,
         "scores": scores}


