"""What the report shows of the data themselves: class descriptions, class balance, images.

`class_blocks()` adds to a dataset's section the manifest's `class_descriptions` as a table
(seed 000's severity scale); `dataset_blocks()` the training samples per class sorted by count
(seed 004's balance check, with the "distribution" figures) and a grid of training images with
their classes.

`study_blocks()` adds to a study's results, with `show = [..., "samples"]`: test images next to
the probability vector the best run gives them (seed 000's sample predictions) and a gallery of
the images it misclassifies, the most confident mistakes first.

Images come from `datasets/<name>.npz` (written by the executor, see `reportgen.data.samples`),
probabilities from the run's predictions.npz: the dataset is never loaded at report time. A
dataset that is not images has no such file, so nothing here appears for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from reportgen import figures
from reportgen.errors import StoreError
from reportgen.records import DatasetSummary
from reportgen.report import i18n
from reportgen.report.i18n import N_
from reportgen.report.labels import SPLIT_NAMES
from reportgen.report.model import Block, Cell, Column, Paragraph
from reportgen.store import Store

if TYPE_CHECKING:
    from reportgen.report.build import StudyView, _Builder

CORRECT_SHOWN = 4  # sample predictions: the first correctly classified images …
WRONG_SHOWN = 4  # … and the first misclassified ones
GALLERY_MAX = 24  # misclassified images in the gallery
GRID_COLUMNS = 10


def _samples(builder: _Builder, dataset: str) -> dict[str, np.ndarray] | None:
    return Store(builder.results.root).load_dataset_samples(dataset)


# ---------------------------------------------------------------- dataset section
def class_blocks(builder: _Builder, summary: DatasetSummary, key: str) -> list[Block]:
    """The manifest's `class_descriptions` as a table, after the dataset's characteristics."""
    spec = builder.manifest.datasets.get(summary.name)
    if spec is not None and spec.class_descriptions \
            and len(spec.class_descriptions) == len(summary.classes):
        return [descriptions_table(builder, summary, key, spec.class_descriptions)]
    return []


def dataset_blocks(builder: _Builder, summary: DatasetSummary, key: str) -> list[Block]:
    """Class balance (with the "distribution" figures) and the grid of training images."""
    blocks: list[Block] = []
    shows = any("distribution" in v.study.show for v in builder.views
                if v.dataset == summary.name)
    counts = summary.class_counts.get("train")
    if shows and counts and len(counts) == len(summary.classes):
        blocks.append(Paragraph(balance_sentence(builder, summary.classes, counts)))
        blocks.append(sorted_counts_figure(builder, summary, key, counts))
    samples = _samples(builder, summary.name)
    if samples is not None and len(samples.get("grid_x", ())):
        blocks.append(sample_grid(builder, summary, key, samples))
    return blocks


def descriptions_table(builder: _Builder, summary: DatasetSummary, key: str,
                       descriptions: Any) -> Any:
    _ = builder._
    # class names that are just their labels ("0" … "4") would repeat the first column
    named = any(name != str(i) for i, name in enumerate(summary.classes))
    rows = [[Cell(i, "int"), *([Cell(name)] if named else []), Cell(text.get(builder.lang))]
            for i, (name, text) in enumerate(zip(summary.classes, descriptions, strict=True))]
    columns = [Column("label", _("Label"), True),
               *([Column("class", _("Class"))] if named else []),
               Column("description", _("Description"))]
    caption = _("The classes of %(dataset)s and what they mean.",
                dataset=builder.dataset_title(summary.name))
    return builder.table(f"dataset-{key}-classes", caption, columns, rows)


def balance_sentence(builder: _Builder, classes: list[str], counts: list[int]) -> str:
    lang = builder.lang
    small = min(range(len(counts)), key=lambda i: (counts[i], i))
    large = max(range(len(counts)), key=lambda i: (counts[i], -i))
    if counts[small] == counts[large]:
        return builder._("Every class has %(n)s samples in the training split.",
                         n=i18n.format_int(counts[small], lang))
    values = {"small": classes[small], "n_small": i18n.format_int(counts[small], lang),
              "large": classes[large], "n_large": i18n.format_int(counts[large], lang)}
    if counts[small] == 0:
        return builder._("In the training split the class %(small)s has no samples, and the "
                         "largest, %(large)s, has %(n_large)s.", **values)
    return builder._(
        "In the training split the smallest class, %(small)s, has %(n_small)s samples and the "
        "largest, %(large)s, has %(n_large)s: %(ratio)s times as many.",
        ratio=i18n.format_number(counts[large] / counts[small], lang, 2), **values)


def sorted_counts_figure(builder: _Builder, summary: DatasetSummary, key: str,
                         counts: list[int]) -> Any:
    _ = builder._
    texts = figures.CountTexts(xlabel=_("Class"), ylabel=_("Training samples"),
                               mean=_("mean"), decimal=i18n.decimal_separator(builder.lang))
    caption = _("Training samples per class of %(dataset)s, from the fewest to the most; the "
                "dashed line is the mean.", dataset=builder.dataset_title(summary.name))
    return builder.figure(f"fig-dataset-{key}-counts", caption,
                          lambda prefix: figures.sorted_class_counts(
                              counts, summary.classes, texts, prefix=prefix))


def sample_grid(builder: _Builder, summary: DatasetSummary, key: str,
                samples: dict[str, np.ndarray]) -> Any:
    images = list(samples["grid_x"])
    labels = [int(y) for y in samples["grid_y"]]
    caption = builder._("The first training images of every class of %(dataset)s, with their "
                        "class.", dataset=builder.dataset_title(summary.name))
    return builder.figure(f"fig-dataset-{key}-samples", caption,
                          lambda prefix: figures.image_grid(
                              images, summary.classes, labels, columns=GRID_COLUMNS,
                              prefix=prefix))


# ---------------------------------------------------------------- study results
def study_blocks(builder: _Builder, view: StudyView) -> list[Block]:
    """Sample predictions and misclassified images of the study's best run."""
    best = view.best
    if "samples" not in view.study.show or best is None:
        return []
    summary = builder.results.datasets.get(view.dataset)
    samples = _samples(builder, view.dataset)
    if summary is None or samples is None or "pred_x" not in samples:
        return []  # not images (or a store written before samples were kept)
    split = str(samples["pred_split"])
    split_name = builder._(SPLIT_NAMES.get(split, split))
    try:
        predictions = Store(builder.results.root).load_predictions(best.run_id)
    except (OSError, StoreError):
        predictions = {}
    proba = predictions.get(f"proba_{split}")
    truth = predictions.get(f"y_{split}")
    index = samples["pred_index"]
    if proba is None or truth is None or len(index) == 0 or int(index.max()) >= len(proba):
        return [Paragraph(builder._(
            "There are no sample predictions: %(run)s has no stored predictions on the "
            "%(split)s split.", run=best.label, split=split_name))]
    proba, truth = proba[index], truth[index]  # (n, k), (n,)
    guess = proba.argmax(axis=1)
    wrong = np.flatnonzero(guess != truth)
    right = np.flatnonzero(guess == truth)
    images = samples["pred_x"]
    classes = summary.classes
    n, lang = len(index), builder.lang
    blocks: list[Block] = []
    values = {"run": best.label, "split": split_name, "n": i18n.format_int(n, lang),
              "wrong": i18n.format_int(len(wrong), lang),
              "share": i18n.format_percent(len(wrong) / n, lang)}
    if n == summary.split_sizes.get(split):
        message = N_("%(run)s misclassifies %(wrong)s of the %(n)s images of the %(split)s "
                     "split (%(share)s).")
    else:
        message = N_("%(run)s misclassifies %(wrong)s of the first %(n)s images of the "
                     "%(split)s split (%(share)s).")
    blocks.append(Paragraph(builder._(message, **values)))

    shown = np.concatenate([right[:CORRECT_SHOWN], wrong[:WRONG_SHOWN]]).astype(int)
    _ = builder._
    texts = figures.PredictionTexts(
        true=_("True"), predicted=_("Predicted"), probability=_("Probability"),
        true_bar=_("true class"), wrong_bar=_("wrong prediction"),
        decimal=i18n.decimal_separator(lang))
    caption = _("Sample predictions of %(run)s on the %(split)s split: each image with the "
                "probability the network gives every class, the true class in green and a "
                "wrong prediction in vermillion. The first correctly classified images come "
                "first, then the first misclassified ones.", run=best.label, split=split_name)
    blocks.append(builder.figure(
        f"fig-study-{view.key}-predictions", caption,
        lambda prefix: figures.prediction_panels(
            [images[i] for i in shown], [proba[i] for i in shown],
            [int(truth[i]) for i in shown], classes, texts, prefix=prefix)))

    if len(wrong):
        confidence = proba[wrong, guess[wrong]]
        order = wrong[np.argsort(-confidence, kind="stable")][:GALLERY_MAX]
        caption = _("Misclassified images of %(run)s on the %(split)s split, the most "
                    "confident mistakes first: true class → predicted class, and the "
                    "probability given to the prediction.", run=best.label, split=split_name)
        blocks.append(builder.figure(
            f"fig-study-{view.key}-misclassified", caption,
            lambda prefix: figures.image_grid(
                [images[i] for i in order], classes, [int(truth[i]) for i in order],
                predicted=[int(guess[i]) for i in order],
                confidence=[float(proba[i, guess[i]]) for i in order],
                columns=8, decimal=i18n.decimal_separator(lang), prefix=prefix)))
    return blocks
