"""Appendix B: the confusion matrices and per-class scores of every run but each study's best.

The results chapter keeps the best run's (the one `analysis` chooses); the others would fill
pages between a study's findings, so they wait here, one part per study (B.1, B.2, …) that the
results cite by number (`appendix.other_runs_number`).
"""

from __future__ import annotations

from collections.abc import Sequence

from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.runs import final_metrics
from reportgen.report import results, samples_section
from reportgen.report.appendix import OTHER_RUNS, other_runs
from reportgen.report.context import Context
from reportgen.report.labels import AVERAGE_ROWS, SPLIT_NAMES
from reportgen.report.model import Block, Cell, Column, Figure, Paragraph, Section, Table
from reportgen.store.records import RunRecord, SplitMetrics, finite

# the F1 of up to eight runs + the class: 9 columns, which portrait A4 holds with the runs'
# labels over them; the best run's table (class, precision, recall, F1, support) has room for
# five more. Recall needs no column of its own: it is the diagonal of the normalised matrices.
RUNS_PER_TABLE = 8
BESIDE_THE_BEST = 5


def section(ctx: Context) -> Section | None:
    parts = [study_part(ctx, found, runs) for found in ctx.findings.studies
             if (runs := other_runs(found)) or best_per_class(found)
             or (found.samples is not None and found.samples.available)]
    if not parts:
        return None
    intro = Paragraph(ctx._(
        "Each experiment shows the normalised confusion matrix of its best run; this appendix "
        "gives that run's precision, recall and F1 per class, and the matrices and the F1 per "
        "class of the other runs (in a study with repeats, of the first seed of "
        "every other configuration), to compare them class by class."))
    return Section("appendix-runs", OTHER_RUNS,
                   ctx._("Appendix: confusion matrices and per-class scores of the other runs"),
                   (intro,), tuple(parts))


def study_part(ctx: Context, found: StudyFindings,
               runs: Sequence[tuple[RunRecord, str, SplitMetrics]]) -> Section:
    show = found.study.show
    blocks: list[Block] = []
    with_scores = [run for run in runs if run[2].per_class] if "per_class" in show else []
    best = best_per_class(found)
    if best is not None:  # the first runs scored like the best one join its table
        record, split, metrics = best
        alongside = [k for k, run in enumerate(with_scores)
                     if (run[1], scored_classes(run)) == (split, scored_classes(best))]
        taken = set(alongside[:BESIDE_THE_BEST])
        beside = [with_scores[k] for k in sorted(taken)]
        with_scores = [run for k, run in enumerate(with_scores) if k not in taken]
        blocks.append(results.per_class_table(ctx, found, record, split, metrics, beside))
    if "confusion" in show:  # one figure of small multiples per split and set of classes
        with_matrix = [run for run in runs if run[2].confusion]
        for i, group in enumerate(alike(ctx, with_matrix), 1):
            key = f"fig-appendix-{found.key}-confusion" + (f"-{i}" if i > 1 else "")
            blocks.append(results.confusion_grid_figure(ctx, found, group, key))
    tables = [chunk for group in alike(ctx, with_scores) for chunk in chunks(group)]
    blocks += [per_class_table(ctx, found, chunk, k) for k, chunk in enumerate(tables, 1)]
    predictions = samples_section.study_blocks(ctx, found,
                                               frozenset({"predictions", "misclassified"}))
    blocks += predictions
    guide = part_guide(ctx, found, blocks)
    return Section(f"appendix-runs-{found.key}", "", ctx.study_title(found),
                   (*([Paragraph(guide)] if guide else []), *blocks))


def best_per_class(found: StudyFindings) -> tuple[RunRecord, str, SplitMetrics] | None:
    """The best run with its per-class scores, when the study shows them."""
    best = found.best
    if best is None or "per_class" not in found.study.show:
        return None
    split, metrics = final_metrics(best)
    return (best, split, metrics) if metrics is not None and metrics.per_class else None


def part_guide(ctx: Context, found: StudyFindings, blocks: Sequence[Block]) -> str:
    """Which figures and tables of the part show what, by number."""
    best = found.best.label if found.best is not None else ""
    predictions = [str(b.number) for b in blocks if isinstance(b, Figure)
                   and b.id.endswith("-predictions")]
    mistakes = [str(b.number) for b in blocks if isinstance(b, Figure)
                and b.id.endswith("-misclassified")]
    figures = [str(b.number) for b in blocks if isinstance(b, Figure)
               and not b.id.endswith(("-predictions", "-misclassified"))]
    tables = [str(b.number) for b in blocks if isinstance(b, Table)]
    parts = []
    best_table = next((b for b in blocks if isinstance(b, Table)
                       and b.id == f"study-{found.key}-per-class"), None)
    if best_table is not None:
        tables.remove(str(best_table.number))
        beside = len([c for c in best_table.columns if c.key.endswith("_f1")])
        parts.append(ctx._("Table %(n)s gives the precision, recall and F1 per class of "
                           "%(best)s, the best run of “%(study)s”.",
                           n=str(best_table.number), best=best, study=ctx.study_title(found)))
        if beside:
            parts.append(ctx.ngettext(
                "Beside them it sets the F1 of %(count)s other run.",
                "Beside them it sets the F1 of %(count)s other runs, one column each.",
                beside) % {"count": str(beside)})
    values = {"study": ctx.study_title(found), "best": best}
    others = len(other_runs(found))
    if figures and others == 1:
        parts.append(ctx._("Figure %(n)s gives the confusion matrix, normalised by row, of the "
                           "other run of “%(study)s” (that of its best run, %(best)s, is in "
                           "the experiment's section).", n=figures[0], **values))
    elif len(figures) == 1:
        parts.append(ctx._("Figure %(n)s sets side by side the confusion matrices, normalised "
                           "by row, of the other runs of “%(study)s”, in the order of its runs "
                           "table (that of its best run, %(best)s, is in the experiment's "
                           "section).", n=figures[0], **values))
    elif figures:
        parts.append(ctx._("Figures %(first)s to %(last)s give the confusion matrices, "
                           "normalised by row, of the other runs of “%(study)s”, in the order "
                           "of its runs table (that of its best run, %(best)s, is in the "
                           "experiment's section).",
                           first=figures[0], last=figures[-1], **values))
    if figures:  # the diagonal of a matrix normalised by row is the recall of each class
        parts.append(ctx._("The diagonal of each matrix is the recall of each class."))
    if len(tables) == 1:
        parts.append(ctx._("Table %(n)s gives the F1 per class of the remaining runs, a column "
                           "per run.", n=tables[0]))
    elif tables:
        parts.append(ctx._("Tables %(first)s to %(last)s give the F1 per class of the "
                           "remaining runs, a column per run.", first=tables[0],
                           last=tables[-1]))
    if predictions:
        parts.append(ctx._("Figure %(n)s shows sample predictions of %(run)s with the "
                           "probability of every class.", n=predictions[0], run=best))
    if mistakes:
        parts.append(ctx._("Figure %(n)s gathers its most confident mistakes.",
                           n=mistakes[0]))
    return " ".join(parts)


def alike(ctx: Context, runs: Sequence[tuple[RunRecord, str, SplitMetrics]],
          ) -> list[list[tuple[RunRecord, str, SplitMetrics]]]:
    """`runs` grouped by split and classes (in order of first appearance): what one figure of
    matrices, or one table of per-class scores, can put side by side."""
    groups: dict[tuple[str, tuple[str, ...]], list[tuple[RunRecord, str, SplitMetrics]]] = {}
    for run in runs:
        record, split, metrics = run
        classes = tuple(results.class_names(ctx, record, metrics)) if metrics.confusion else \
            tuple(c.name for c in metrics.per_class if c.name not in AVERAGE_ROWS)
        groups.setdefault((split, classes), []).append(run)
    return list(groups.values())


def chunks(runs: Sequence[tuple[RunRecord, str, SplitMetrics]],
           ) -> list[Sequence[tuple[RunRecord, str, SplitMetrics]]]:
    """`runs` in as few tables as RUNS_PER_TABLE allows, of sizes as even as can be (seven
    runs: four and three, not four and one)."""
    count = -(-len(runs) // RUNS_PER_TABLE)
    size = -(-len(runs) // max(count, 1))
    return [runs[k:k + size] for k in range(0, len(runs), size)]


def scored_classes(run: tuple[RunRecord, str, SplitMetrics]) -> tuple[str, ...]:
    return tuple(c.name for c in run[2].per_class if c.name not in AVERAGE_ROWS)


def per_class_table(ctx: Context, found: StudyFindings,
                    runs: Sequence[tuple[RunRecord, str, SplitMetrics]], number: int) -> Table:
    """F1 per class of up to RUNS_PER_TABLE runs, a column each under the run's label; the
    averages in the foot."""
    columns = [Column("class", ctx._("Class"))]
    columns += [Column(f"{record.run_id[:12]}_f1", ctx._("F1"), True, record.label)
                for record, _, _ in runs]
    by_run = [{c.name: c for c in metrics.per_class} for _, _, metrics in runs]
    names = [c.name for c in runs[0][2].per_class]

    def row(name: str, label: Cell) -> list[Cell]:
        return [label, *(Cell(finite(c.f1) if (c := scores.get(name)) else None, "num")
                         for scores in by_run)]

    body = [row(n, Cell(n)) for n in names if n not in AVERAGE_ROWS]
    foot = [row(n, Cell(n, display=ctx._(AVERAGE_ROWS[n]))) for n in names if n in AVERAGE_ROWS]
    split = runs[0][1]
    caption = ctx._("F1 per class of other runs of “%(study)s” on the %(split)s split.",
                    study=ctx.study_title(found), split=ctx._(SPLIT_NAMES.get(split, split)))
    return ctx.table(f"appendix-{found.key}-per-class-{number}", caption, columns, body,
                     foot=tuple(tuple(r) for r in foot))
