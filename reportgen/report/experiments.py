"""Chapter 4, the experiments: one section per study, as the best labs write it — the
objective and hypothesis it answers, its design, its results (tables and figures) and the
analysis that argues from them in paragraphs, ending with the answer.

The question is stated here for the first time (the introduction numbers the objectives and
hypotheses; the conclusions refer back to them). Each analysis paragraph makes one point and
cites the table or figure that shows it by number: the answer and its margin, the curves and
the mechanism consistent with them, the errors, the authors' own reading, and the answer.
What a study shows beyond that (every seed's run, the other runs' matrices, every search
trial) is in the appendices, which the text cites.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.runs import final_metrics
from reportgen.analysis.significance import reconcile
from reportgen.analysis.verdicts import HypothesisCheck, hypothesis_check
from reportgen.figures.style import HALF_WIDTH_IN
from reportgen.report import (
    answer_words,
    baselines_section,
    curve_words,
    design_words,
    error_words,
    methods,
    questions,
    repeats_section,
    results,
    samples_section,
    search_only,
    tuning_section,
)
from reportgen.report.context import Context
from reportgen.report.discussion import engine_sentence, stop_sentences, trend_sentence
from reportgen.report.i18n import N_
from reportgen.report.model import Block, Figure, Paragraph, Section, Table
from reportgen.report.objectives import objective_number
from reportgen.report.text import prose

CURVES_LEAD = (
    N_("Figures %(loss)s and %(accuracy)s show the learning curves."),
    N_("The learning curves of figures %(loss)s and %(accuracy)s give the loss and the "
       "accuracy epoch by epoch."),
    N_("Figures %(loss)s and %(accuracy)s draw the loss and the accuracy per epoch."),
)
HYPOTHESIS_CITES = (
    N_("Hypothesis %(n)s, stated in the introduction, is put to the test here."),
    N_("The runs test hypothesis %(n)s of the introduction."),
    N_("It also checks hypothesis %(n)s, set out in the introduction."),
)
MATRIX_CITES = (
    N_("Figure %(n)s shows how %(run)s distributes the samples of each class."),
    N_("The errors of %(run)s are in figure %(n)s, its confusion matrix normalised by row."),
    N_("Where %(run)s goes wrong can be read in figure %(n)s."),
)
HYPOTHESIS = {
    "supported": (
        N_("The runs bear out the hypothesis: %(expected)s comes first, and its lead is "
           "established."),
        N_("The hypothesis holds: %(expected)s leads, by more than another seed could undo."),
        N_("These results support the hypothesis, with %(expected)s ahead by an established "
           "margin."),
    ),
    "leaning": (
        N_("The runs point the way of the hypothesis, with %(expected)s first, but its lead is "
           "too small to confirm it."),
        N_("%(expected)s does come first, as the hypothesis expects, yet by a margin that does "
           "not confirm it."),
        N_("The order agrees with the hypothesis (%(expected)s first), though the margin leaves "
           "it unconfirmed."),
    ),
    "not_supported": (
        N_("The runs do not support the hypothesis: %(leader)s, not %(expected)s, comes first, "
           "by an established margin."),
        N_("The hypothesis does not hold: %(leader)s leads clearly, ahead of %(expected)s."),
        N_("These results contradict the hypothesis, since %(leader)s beats %(expected)s by "
           "an established margin."),
    ),
    "tie_supported": (
        N_("The runs bear out the hypothesis: %(leader)s comes first, but by less than the "
           "noise, so no configuration leads."),
        N_("As the hypothesis expects, no configuration pulls ahead: the lead of %(leader)s "
           "stays within the noise."),
    ),
    "tie_refuted": (
        N_("The runs do not support the hypothesis: %(leader)s leads by an established "
           "margin."),
        N_("Against the hypothesis, %(leader)s pulls ahead by more than the noise."),
    ),
    "undecided": (
        N_("The runs do not settle the hypothesis: %(leader)s comes first instead of "
           "%(expected)s, but not by an established margin."),
        N_("The hypothesis is neither confirmed nor refuted: %(leader)s is ahead of "
           "%(expected)s within the noise."),
        N_("With %(leader)s ahead of %(expected)s by a margin inside the noise, the "
           "hypothesis stays open."),
    ),
}


def experiments_chapter(ctx: Context) -> Section:
    return Section("experiments", "", ctx._("Experiments"), (),
                   tuple(study_section(ctx, found) for found in ctx.findings.studies))


def study_section(ctx: Context, found: StudyFindings) -> Section:
    blocks: list[Block] = [*objective_blocks(ctx, found), *design_blocks(ctx, found)]
    shown = result_blocks(ctx, found)
    blocks += interleaved(shown, analysis_blocks(ctx, found, shown))
    return Section(f"experiment-{found.key}", "", ctx.study_title(found), tuple(blocks))


def interleaved(shown: Sequence[Block], analysis: Sequence[Block]) -> list[Block]:
    """The results and their analysis in reading order. The answer paragraph reads the
    study's first table, so it follows that table, before the pair of curve figures the next
    paragraph reads: text then fills the foot of a page that a pair of figures too tall for
    it would leave empty."""
    pair = any(isinstance(b, Figure) and b.half for b in shown)
    if pair and shown and isinstance(shown[0], Table) and analysis \
            and isinstance(analysis[0], Paragraph):
        return [shown[0], analysis[0], *shown[1:], *analysis[1:]]
    return [*shown, *analysis]


# ---------------------------------------------------------------- objective and design
def objective_blocks(ctx: Context, found: StudyFindings) -> list[Block]:
    """The objective it answers (by its number in the introduction), its question and its
    hypothesis."""
    number = objective_number(ctx, found)
    parts = [ctx._("This experiment addresses objective %(n)s.", n=number)]
    question = questions.study_question(ctx, found)
    if question:
        parts.append(ctx._("Its question is: %(question)s", question=question))
    if found.study.hypothesis is not None:
        parts.append(ctx._(ctx.phrasing("hypothesis-cite", HYPOTHESIS_CITES, found), n=number))
    return [Paragraph(" ".join(parts), lead=ctx._("Objective."), generated=True)]


def design_blocks(ctx: Context, found: StudyFindings) -> list[Block]:
    """What varies, what is fixed and what confounds it: the author's description, else a
    generated design paragraph (methods.design_paragraph, citing the protocol table), then
    the network and what the study's less common options do."""
    out: list[Block] = []
    lead: str | None = ctx._("Design.")
    if found.study.description:
        out.append(Paragraph(ctx.markdown(found.study.description.get(ctx.lang)), html=True,
                             lead=lead))
        lead = None
    elif (text := methods.design_paragraph(ctx, found)) is not None:
        out.append(Paragraph(text, lead=lead, generated=True))
        lead = None
    extra = design_sentences(ctx, found)
    if extra:
        out.append(Paragraph(prose(extra), lead=lead, generated=True))
    return out


def design_sentences(ctx: Context, found: StudyFindings) -> list[str]:
    """The generated part of the design: the network, and what the study's less common
    options do."""
    network = methods.architecture_sentence(ctx, found)
    out = [*([network] if network else []), *methods.option_sentences(ctx, found)]
    # what the design cannot separate (analysis.design): the critique, each objection once
    for issue in found.design:
        sentence = design_words.issue_sentence(ctx, found, issue)
        if sentence not in out:
            out.append(sentence)
    return out


# ---------------------------------------------------------------- results
def result_blocks(ctx: Context, found: StudyFindings) -> list[Block]:
    """The study's tables and figures, numbered in reading order: the runs (or, with repeats,
    the configurations over their seeds), the curves, the best run's normalised confusion
    matrix, sample predictions, the comparison of searches."""
    blocks: list[Block] = []
    if found.has_repeats:
        blocks.append(repeats_section.spread_table(ctx, found))
    elif found.runs:
        blocks += results.comparison_tables(ctx, found)
    show = found.study.show
    if "curves" in show and found.runs:
        width = HALF_WIDTH_IN
        curves = repeats_section.curve_figures(ctx, found, width) if found.has_repeats else \
            results.curve_figures(ctx, found, width)
        # the loss and the accuracy side by side, as a pair the text cites together
        blocks += [dataclasses.replace(b, half=True) if isinstance(b, Figure) else b
                   for b in curves]
    best = found.best
    if "dual_axis" in show and best is not None:
        blocks.append(results.dual_axis_figure(ctx, found, best))
    if found.study.search is not None:
        blocks += tuning_section.comparison_blocks(ctx, found)
    # the prediction panels and the gallery of mistakes wait in appendix B; the sentence
    # counting the mistakes is the analysis's
    if best is not None:  # last, so that it sits beside the analysis that reads it
        split, metrics = final_metrics(best)
        if metrics is not None and "confusion" in show and metrics.confusion:
            # beside the analysis, or across the page when its numbers need the width
            blocks.append(results.confusion_figure(ctx, found, best, split, metrics))
        roc = error_words.roc_figure(ctx, found)  # a binary task: its ROC curve beside it
        matrix = blocks[-1] if blocks and isinstance(blocks[-1], Figure) else None
        if roc is not None and matrix is not None and matrix.aside:
            # two small figures side by side: stacked as two asides, the second one would
            # not fit under the first and would carry the text after it to the next page
            blocks[-1] = dataclasses.replace(matrix, aside=False, half=True)
            blocks.append(dataclasses.replace(roc, half=True, aside=False))
        elif roc is not None:
            blocks.append(dataclasses.replace(roc, half=False, aside=True))
    return blocks


# ---------------------------------------------------------------- analysis
def analysis_blocks(ctx: Context, found: StudyFindings, shown: Sequence[Block]) -> list[Block]:
    numbers = {b.id: str(b.number) for b in shown if isinstance(b, Table | Figure)}
    paragraphs: list[str] = []
    if found.best is None:
        paragraphs.append(search_only.observation(ctx, found)
                          or ctx._("No run finished with results, so nothing can be compared."))
    else:
        paragraphs.append(prose(answer_paragraph(ctx, found, numbers)))
        curves = curve_paragraph(ctx, found, numbers)
        if curves:
            paragraphs.append(prose(curves))
        errors = error_paragraph(ctx, found, numbers)
        if errors:
            paragraphs.append(prose([errors]))
    # (a search study's verdict is the paragraph under its comparison table)
    rest = [engine_sentence(ctx, gap) for gap in found.engine_gaps] + stop_sentences(ctx, found)
    rest += results.posteriors_sentence(ctx, found)
    if rest:
        paragraphs.append(prose(rest))
    out: list[Block] = [Paragraph(p, lead=ctx._("Analysis.") if i == 0 else None,
                                  generated=True) for i, p in enumerate(paragraphs) if p]
    if found.study.notes:  # the authors' own reading, as a paragraph of the analysis
        out.append(Paragraph(ctx.markdown(found.study.notes.get(ctx.lang)), html=True))
    verdict = hypothesis_sentence(ctx, found, hypothesis_check(found))
    if verdict:
        out.append(Paragraph(prose([verdict]), generated=True))
    return out


def answer_paragraph(ctx: Context, found: StudyFindings, numbers: dict[str, str]) -> list[str]:
    table = numbers.get(f"study-{found.key}-seeds") or numbers.get(f"study-{found.key}-runs") \
        or numbers.get(f"study-{found.key}-scores") or ""
    out = answer_words.answer_sentences(ctx, found, table) if table else []
    # the test split, with its 95 % interval (with repeats, the t-test reconciled with it)
    checked = reconciled(ctx, found) if found.has_repeats \
        else error_words.test_sentence(ctx, found, None)
    if checked:
        out.append(checked)
    baseline = baselines_section.baseline_sentence(ctx, found)
    if baseline:
        out.append(baseline)
    if found.trend is not None:
        out.append(trend_sentence(ctx, found.trend, found))
    return out


def reconciled(ctx: Context, found: StudyFindings) -> str | None:
    """With repeats, the sentence that reconciles Welch's t-test with the test-set interval,
    when the two disagree (when they agree, the seed-spread sentence has said it)."""
    margin, check = found.seed_margin, found.test_check
    if margin is None or check is None or margin.comparison.p_value is None:
        return None
    if reconcile(margin.comparison, check) in ("both-differ", "both-tie"):
        return None
    return error_words.seed_reconcile_sentence(ctx, found)


def curve_paragraph(ctx: Context, found: StudyFindings, numbers: dict[str, str]) -> list[str]:
    if found.curves is None:
        return []
    sentences = curve_words.curve_sentences(ctx, found)
    if not sentences:
        return []
    fig = f"fig-study-{found.key}"
    if f"{fig}-loss" in numbers and f"{fig}-accuracy" in numbers:
        sentences = [ctx._(ctx.phrasing("curves-lead", CURVES_LEAD, found),
                           loss=numbers[f"{fig}-loss"],
                           accuracy=numbers[f"{fig}-accuracy"]), *sentences]
    return sentences


def error_paragraph(ctx: Context, found: StudyFindings, numbers: dict[str, str]) -> str | None:
    """Which classes the best run confuses, from its confusion matrix (error_words, where
    available), and the sample predictions."""
    fig = f"fig-study-{found.key}"
    parts = []
    matrix = numbers.get(f"{fig}-confusion-normalized")
    errors = error_words.error_paragraph(ctx, found, matrix, None, numbers.get(f"{fig}-roc"))
    if errors:
        parts.append(errors)
    elif matrix and found.best is not None:
        parts.append(ctx._(ctx.phrasing("matrix-cite", MATRIX_CITES, found), n=matrix,
                           run=found.best.label))
    samples = samples_section.study_blocks(ctx, found, frozenset({"sentence"}))
    parts += [b.text for b in samples if isinstance(b, Paragraph)]
    return " ".join(parts) or None


def hypothesis_sentence(ctx: Context, found: StudyFindings,
                        check: HypothesisCheck | None) -> str | None:
    if check is None:
        return None
    expected = configuration_label(found, check.expected_run) if check.expected_run \
        else ctx.quoted(check.expected) if check.expected else ""
    values = {"expected": expected, "leader": configuration_label(found, check.leader_run)}
    return ctx._(ctx.phrasing("hypothesis", HYPOTHESIS[check.verdict], found), **values)


def configuration_label(found: StudyFindings, run_id: str) -> str:
    """The label a reader sees for the configuration of a run: with repeats the
    configuration's (no seed), else the run's."""
    if found.seeds is not None:
        for config in found.seeds.configurations:
            if any(r.run_id == run_id for r in config.runs):
                return config.label
    return next((r.label for r in found.runs if r.run_id == run_id), run_id)
