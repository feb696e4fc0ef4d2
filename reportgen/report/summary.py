"""The front of the report: the introduction, and the abstract with the key result of every
study (its sentence is the conclusions' too)."""

from __future__ import annotations

from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.runs import accuracy
from reportgen.analysis.verdicts import lead_established
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
        "split.", len(studies)) % {"n": ctx.integer(n_configs), "k": ctx.integer(len(studies)),
                                   "data": ctx.join(datasets)}]
    # the findings that matter most first: established answers, then the provisional ones
    ordered = sorted(studies, key=lambda f: {True: 0, None: 1, False: 2}[lead_established(f)])
    for found in ordered[:MAX_FINDINGS]:
        sentence = key_result_sentence(ctx, found)
        verdict = lead_established(found)
        if verdict is True:
            sentence = sentence[:-1] + ctx._(", a lead beyond the noise.")
        elif verdict is False:
            sentence = sentence[:-1] + ctx._(", though within the noise.")
        out.append(sentence)
    clear = sum(1 for f in studies if lead_established(f) is True)
    compared = sum(1 for f in studies if lead_established(f) is not None)
    if compared:
        out.append(ctx._(
            "In all, %(clear)s of the %(n)s experiments that compare configurations establish "
            "their answer beyond the noise; table %(table)s sums up the best run of each.",
            clear=ctx.integer(clear), n=ctx.integer(compared), table=table))
    else:
        out.append(ctx._("Table %(table)s sums up the best run of each experiment.",
                         table=table))
    return out


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


