"""The front of the report: the introduction, and the abstract with the key result of every
study (its sentence is the conclusions' too)."""

from __future__ import annotations

from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.runs import accuracy
from reportgen.report import i18n, repeats_section, search_only
from reportgen.report.context import Context
from reportgen.report.discussion import CRITERIA, criterion_value
from reportgen.report.labels import ACCURACY_NAMES
from reportgen.report.model import Block, Cell, Column, Paragraph, Section


def abstract(ctx: Context) -> list[Block]:
    blocks: list[Block] = []
    if ctx.manifest.report.abstract:
        blocks.append(Paragraph(ctx.markdown(ctx.manifest.report.abstract.get(ctx.lang)),
                                html=True))
    rows = []
    for found in ctx.findings.studies:
        blocks.append(Paragraph(key_result_sentence(ctx, found)))
        best = found.best
        cells = repeats_section.key_result_cells(ctx, found) \
            if found.has_repeats else None
        searched = search_only.key_cells(ctx, found)  # trials, not runs
        rows.append([
            Cell(found.study.id, display=ctx.study_title(found)),
            *(searched or [
                Cell(len(found.runs) + len(found.failed), "int"),
                *(cells or [Cell(best.label if best else None),
                            Cell(accuracy(best, "val") if best else None, "num"),
                            Cell(accuracy(best, "test") if best else None, "num")])]),
        ])
    columns = [
        Column("study", ctx._("Study")), Column("runs", ctx._("Runs"), True),
        Column("best_run", ctx._("Best run")),
        Column("val_accuracy", ctx._("Validation accuracy"), True),
        Column("test_accuracy", ctx._("Test accuracy"), True),
    ]
    table = ctx.table("key-results", ctx._("Best run of every study."), columns, rows)
    blocks += [Paragraph(ctx._("Table %(n)s sums them up.", n=str(table.number))), table]
    return blocks


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


def best_run_sentence(ctx: Context, found: StudyFindings, table: object) -> str | None:
    """The results' best-run sentence when a search objective chose the best run (None
    otherwise: the results word the documented score themselves)."""
    best, criterion = found.best, found.criterion
    if best is None or criterion is None or criterion.objective is None:
        return None
    split = found.score_split or "val"
    if criterion.metric == "accuracy" and criterion.split == split:  # one number, said once
        return ctx._(
            "Best run: %(run)s, with the best %(objective)s, %(value)s, the objective the "
            "study's searches optimise (table %(table)s).", run=best.label,
            objective=ctx._(CRITERIA[criterion.name]), value=ctx.pct(accuracy(best, split)),
            table=table)
    return ctx._(
        "Best run: %(run)s, with the best %(objective)s, %(value)s, the objective the study's "
        "searches optimise, and %(metric)s %(accuracy)s (table %(table)s).", run=best.label,
        objective=ctx._(CRITERIA[criterion.name]),
        value=criterion_value(ctx, criterion.metric, found.criterion_values[found.ranking[0]]),
        metric=ctx._(ACCURACY_NAMES[split]), accuracy=ctx.pct(accuracy(best, split)),
        table=table)


def introduction(ctx: Context) -> Section | None:
    text = ctx.manifest.report.introduction
    if not text:
        return None
    return Section("introduction", "", ctx._("Introduction"),
                   (Paragraph(ctx.markdown(text.get(ctx.lang)), html=True),))
