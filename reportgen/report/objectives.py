"""The introduction: the context (the author's text, else one generated from the datasets and
models), then the report's numbered objectives, one per experiment, each with its hypothesis.

The objectives are numbered here once; the experiments and the conclusions refer to them by
number, so no objective is stated twice.
"""

from __future__ import annotations

from html import escape

from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.runs import varied_paths
from reportgen.report import questions
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.report.labels import ACCURACY_NAMES
from reportgen.report.model import Block, BulletList, Paragraph, Section
from reportgen.report.search_words import OBJECTIVE_NAMES
from reportgen.report.text import inline_markdown

MODEL_KINDS = {  # a model type in a sentence, plural
    "mlp": N_("multilayer perceptrons"), "cnn": N_("convolutional networks"),
    "resnet18": N_("ResNet-18 networks"),
}


def objective_number(ctx: Context, found: StudyFindings) -> str:
    keys = [s.key for s in ctx.findings.studies]
    return ctx.integer(keys.index(found.key) + 1)


def objective_html(ctx: Context, found: StudyFindings) -> str:
    """The study's objective as inline HTML: the manifest's, else one generated from what the
    study varies."""
    if found.study.objective is not None:
        return inline_markdown(found.study.objective.get(ctx.lang))
    return escape(generated_objective(ctx, found), quote=False)


def generated_objective(ctx: Context, found: StudyFindings) -> str:
    metric = ctx._(ACCURACY_NAMES[found.score_split or "val"])
    algorithms = list(dict.fromkeys(r.algorithm for r in found.searches))
    if len(algorithms) > 1:
        objective = found.searches[0].objective
        return ctx._("Compare the searches by the %(objective)s they reach and the epochs of "
                     "training they spend.",
                     objective=ctx._(OBJECTIVE_NAMES.get(objective, objective)))
    paths = [p for p in varied_paths(found.runs) if p not in questions.IGNORED]
    phrases = list(dict.fromkeys(questions.factor_phrase(ctx, p, found) for p in paths))
    if phrases:
        factors = ctx.join(phrases)
        return ctx._("Measure how %(factors)s affects the %(metric)s.", factors=factors,
                     metric=metric)
    if found.study.search is not None:
        return ctx._("Find the settings of the search space that give the best %(metric)s.",
                     metric=metric)
    if found.has_repeats:
        return ctx._("Measure how much the %(metric)s varies from one seed to another.",
                     metric=metric)
    return ctx._("Train and evaluate the study's network on %(dataset)s.",
                 dataset=ctx.dataset_title(found.dataset))


def introduction_section(ctx: Context) -> Section:
    blocks: list[Block] = []
    text = ctx.manifest.report.introduction
    if text:
        blocks.append(Paragraph(ctx.markdown(text.get(ctx.lang)), html=True))
    else:
        blocks.append(Paragraph(context_sentence(ctx), generated=True))
    studies = ctx.findings.studies
    if studies:
        blocks.append(Paragraph(ctx.ngettext(
            "The report pursues %(n)s objective, answered by the experiment of chapter "
            "%(chapter)s:",
            "The report pursues %(n)s objectives, one per experiment of chapter %(chapter)s:",
            len(studies))
            % {"n": ctx.count(len(studies)), "chapter": EXPERIMENTS_CHAPTER},
            generated=True))
        blocks.append(BulletList(tuple(objective_item(ctx, f) for f in studies), ordered=True,
                                 html=True, leads=tuple(ctx.study_title(f) + "." for f in studies)))
    return Section("introduction", "", ctx._("Introduction"), tuple(blocks))


EXPERIMENTS_CHAPTER = "4"  # build.py: introduction, data, methodology, experiments


def objective_item(ctx: Context, found: StudyFindings) -> str:
    item = objective_html(ctx, found)
    if found.study.hypothesis is not None:
        # a lead, as a sentence of its own: the author's hypothesis starts with a capital
        item += " <em>" + escape(ctx._("Hypothesis."), quote=False) + "</em> " + \
            inline_markdown(found.study.hypothesis.get(ctx.lang))
    return item


def context_sentence(ctx: Context) -> str:
    """The context when the author wrote no introduction: what networks, on what data."""
    kinds = []
    for found in ctx.findings.studies:
        for record in found.runs:
            kind = record.config.get("model", {}).get("type", "mlp")
            if kind in MODEL_KINDS and kind not in kinds:
                kinds.append(kind)
    models = [ctx._(MODEL_KINDS[k]) for k in kinds] or [ctx._("neural networks")]
    names = list(dict.fromkeys(f.dataset for f in ctx.findings.studies))
    datasets = [ctx.dataset_title(n) for n in names]
    return ctx._("This report studies %(models)s trained on the datasets %(datasets)s: how "
                 "the settings each experiment varies change what the networks learn, and "
                 "whether the differences stand out of the noise of a single training run.",
                 models=ctx.join(models), datasets=ctx.join([ctx.quoted(d) for d in datasets]))


