"""What the report shows of the data themselves: class descriptions, class balance, images.

`class_blocks()` adds to a dataset's section the manifest's `class_descriptions` as a table
(seed 000's severity scale); `dataset_blocks()` the training samples per class sorted by count
(seed 004's balance check, with the "distribution" figures) and a grid of training images with
their classes.

`study_blocks()` adds to a study's results, with `show = [..., "samples"]`: test images next to
the probability vector the best run gives them (seed 000's sample predictions) and a gallery of
the images it misclassifies, the most confident mistakes first.

Which images are right and wrong is decided in `reportgen.analysis.samples`, from the store's
sample images and the run's predictions: the dataset is never loaded at report time. A dataset
that is not images has no sample file, so nothing here appears for it. The grid of training
images carries no translated text: `sample_grid_svg` draws it once for every language.
"""

from __future__ import annotations

from typing import Any

from reportgen import figures
from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.samples import DatasetSamples
from reportgen.report import i18n
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.report.labels import SPLIT_NAMES
from reportgen.report.model import Block, Cell, Column, Paragraph
from reportgen.store.records import DatasetSummary

GRID_COLUMNS = 10


# ---------------------------------------------------------------- dataset section
def class_blocks(ctx: Context, summary: DatasetSummary, key: str) -> list[Block]:
    """The manifest's `class_descriptions` as a table, after the dataset's characteristics."""
    spec = ctx.manifest.datasets.get(summary.name)
    if spec is not None and spec.class_descriptions \
            and len(spec.class_descriptions) == len(summary.classes):
        return [descriptions_table(ctx, summary, key, spec.class_descriptions)]
    return []


def dataset_blocks(ctx: Context, summary: DatasetSummary, key: str) -> list[Block]:
    """Class balance (with the "distribution" figures) and the grid of training images."""
    blocks: list[Block] = []
    shows = any("distribution" in v.study.show for v in ctx.findings.studies
                if v.dataset == summary.name)
    counts = summary.class_counts.get("train")
    if shows and counts and len(counts) == len(summary.classes):
        # the counts per class are drawn in the data chapter's class-balance figure
        blocks.append(Paragraph(balance_sentence(ctx, summary.classes, counts)))
    samples = ctx.findings.samples.get(summary.name)
    if samples is not None and samples.grid_images:
        blocks.append(sample_grid(ctx, summary, key, samples))
    return blocks


def descriptions_table(ctx: Context, summary: DatasetSummary, key: str,
                       descriptions: Any) -> Any:
    _ = ctx._
    # class names that are just their labels ("0" … "4") would repeat the first column
    named = any(name != str(i) for i, name in enumerate(summary.classes))
    rows = [[Cell(i, "int"), *([Cell(name)] if named else []), Cell(text.get(ctx.lang))]
            for i, (name, text) in enumerate(zip(summary.classes, descriptions, strict=True))]
    columns = [Column("label", _("Label"), True),
               *([Column("class", _("Class"))] if named else []),
               Column("description", _("Description"))]
    caption = _("The classes of %(dataset)s and what they mean.",
                dataset=ctx.dataset_title(summary.name))
    return ctx.table(f"dataset-{key}-classes", caption, columns, rows)


def balance_sentence(ctx: Context, classes: list[str], counts: list[int]) -> str:
    lang = ctx.lang
    small = min(range(len(counts)), key=lambda i: (counts[i], i))
    large = max(range(len(counts)), key=lambda i: (counts[i], -i))
    if counts[small] == counts[large]:
        return ctx._("Every class has %(n)s samples in the training split.",
                         n=i18n.format_int(counts[small], lang))
    values = {"small": classes[small], "n_small": i18n.format_int(counts[small], lang),
              "large": classes[large], "n_large": i18n.format_int(counts[large], lang)}
    if counts[small] == 0:
        return ctx._("In the training split the class %(small)s has no samples, and the "
                         "largest, %(large)s, has %(n_large)s.", **values)
    return ctx._(
        "In the training split the smallest class, %(small)s, has %(n_small)s samples and the "
        "largest, %(large)s, has %(n_large)s: %(ratio)s times as many.",
        ratio=i18n.format_number(counts[large] / counts[small], lang, 2), **values)



def sample_grid_id(key: str) -> str:
    return f"fig-dataset-{key}-samples"


def sample_grid_svg(summary: DatasetSummary, key: str, samples: DatasetSamples) -> str:
    """The grid of training images with their class names: no translated text, so it is drawn
    once for every language."""
    return figures.image_grid(list(samples.grid_images), summary.classes,
                              list(samples.grid_labels), columns=GRID_COLUMNS,
                              prefix=sample_grid_id(key))


def sample_grid(ctx: Context, summary: DatasetSummary, key: str,
                samples: DatasetSamples) -> Any:
    caption = ctx._("The first training images of every class of %(dataset)s, with their "
                    "class.", dataset=ctx.dataset_title(summary.name))
    return ctx.figure(sample_grid_id(key), caption,
                      lambda prefix: sample_grid_svg(summary, key, samples))


# ---------------------------------------------------------------- study results
SAMPLE_PARTS = frozenset({"sentence", "predictions", "misclassified"})


def study_blocks(ctx: Context, found: StudyFindings,
                 parts: frozenset[str] = SAMPLE_PARTS) -> list[Block]:
    """Sample predictions and misclassified images of the study's best run: the sentence
    counting its mistakes, the prediction panels, the gallery of mistakes (`parts` picks
    which; a figure is numbered when it is built, so build each part once)."""
    facts = found.samples
    summary = ctx.findings.datasets.get(found.dataset)
    if facts is None or summary is None:
        return []  # not images, no best run, or a store written before samples were kept
    best, split = facts.run, facts.split
    split_name = ctx._(SPLIT_NAMES.get(split, split))
    if not facts.available:
        return [Paragraph(ctx._(
            "There are no sample predictions: %(run)s has no stored predictions on the "
            "%(split)s split.", run=best.label, split=split_name))]
    assert facts.images is not None and facts.proba is not None
    assert facts.truth is not None and facts.guess is not None
    images, proba, truth, guess = facts.images, facts.proba, facts.truth, facts.guess
    classes = summary.classes
    n, lang = facts.n, ctx.lang
    blocks: list[Block] = []
    if not parts & SAMPLE_PARTS:
        return blocks
    values = {"run": best.label, "split": split_name, "n": i18n.format_int(n, lang),
              "wrong": i18n.format_int(len(facts.wrong), lang),
              "share": i18n.format_percent(len(facts.wrong) / n, lang)}
    if facts.whole_split:
        message = N_("%(run)s misclassifies %(wrong)s of the %(n)s images of the %(split)s "
                     "split (%(share)s).")
    else:
        message = N_("%(run)s misclassifies %(wrong)s of the first %(n)s images of the "
                     "%(split)s split (%(share)s).")
    if "sentence" in parts:
        blocks.append(Paragraph(ctx._(message, **values)))

    shown = facts.shown
    _ = ctx._
    texts = figures.PredictionTexts(
        true=_("True"), predicted=_("Predicted"), probability=_("Probability"),
        true_bar=_("true class"), wrong_bar=_("wrong prediction"),
        decimal=i18n.decimal_separator(lang))
    caption = _("Sample predictions of %(run)s on the %(split)s split: each image with the "
                "probability the network gives every class, the true class in green and a "
                "wrong prediction in vermillion. The first correctly classified images come "
                "first, then the first misclassified ones.", run=best.label, split=split_name)
    if "predictions" in parts:
        blocks.append(ctx.figure(
        f"fig-study-{found.key}-predictions", caption,
        lambda prefix: figures.prediction_panels(
            [images[i] for i in shown], [proba[i] for i in shown],
            [int(truth[i]) for i in shown], classes, texts, prefix=prefix)))

    if facts.wrong and "misclassified" in parts:
        order = facts.gallery
        caption = _("Misclassified images of %(run)s on the %(split)s split, the most "
                    "confident mistakes first: true class → predicted class, and the "
                    "probability given to the prediction.", run=best.label, split=split_name)
        blocks.append(ctx.figure(
            f"fig-study-{found.key}-misclassified", caption,
            lambda prefix: figures.image_grid(
                [images[i] for i in order], classes, [int(truth[i]) for i in order],
                predicted=[int(guess[i]) for i in order],
                confidence=[float(proba[i, guess[i]]) for i in order],
                columns=8, decimal=i18n.decimal_separator(lang), prefix=prefix)))
    return blocks
