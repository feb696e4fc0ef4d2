"""The data chapter: per dataset its splits, characteristics, classes, balance and images."""

from __future__ import annotations

import dataclasses

from reportgen import figures
from reportgen.analysis.findings import id_key
from reportgen.figures.style import ASIDE_WIDTH_IN, MAX_WIDTH_IN
from reportgen.report import i18n, samples_section
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.report.labels import PREPROCESS, SPLIT_HEADERS, SPLIT_NAMES
from reportgen.report.model import Block, Cell, Column, Figure, Paragraph, Section, Table
from reportgen.store.records import SPLITS, DatasetSummary


def data_section(ctx: Context) -> Section:
    subsections = [dataset_section(ctx, s) for s in ctx.findings.datasets.values()]
    intro = ctx.ngettext("The studies use %(n)s dataset.", "The studies use %(n)s datasets.",
                          len(subsections)) % {"n": ctx.count(len(subsections))}
    return Section("data", "", ctx._("Data"), (Paragraph(intro),), tuple(subsections))


FEW_CLASSES = 4  # up to this many classes, the class-balance figure takes half the width


def dataset_section(ctx: Context, summary: DatasetSummary) -> Section:
    key = id_key(summary.name)
    spec = ctx.manifest.datasets.get(summary.name)
    blocks: list[Block] = []
    if spec is not None and spec.description:
        blocks.append(Paragraph(ctx.markdown(spec.description.get(ctx.lang)), html=True))
    blocks.append(split_table(ctx, summary, key))
    blocks.append(dataset_info_table(ctx, summary, key))
    blocks += samples_section.class_blocks(ctx, summary, key)  # class_descriptions
    shows = any("distribution" in v.study.show for v in ctx.findings.studies
                if v.dataset == summary.name)
    if shows and summary.class_counts:
        # a few classes need no page width: set beside the sentence on the class balance
        few = len(summary.classes) <= FEW_CLASSES
        figure = distribution_figure(ctx, summary, key,
                                     ASIDE_WIDTH_IN if few else MAX_WIDTH_IN)
        blocks.append(dataclasses.replace(figure, aside=True) if few else figure)
    blocks += samples_section.dataset_blocks(ctx, summary, key)  # balance, images
    numbers = {b.id: str(b.number) for b in blocks if isinstance(b, Figure | Table)}
    guide = [ctx._("Table %(splits)s gives the size of each split and table %(info)s the "
                    "characteristics of the data.", splits=numbers[f"dataset-{key}-splits"],
                    info=numbers[f"dataset-{key}-info"])]
    for figure_id, message in (
        (f"dataset-{key}-classes", N_("Table %(n)s describes each class.")),
        (f"fig-dataset-{key}-distribution",
         N_("Figure %(n)s shows how many samples of each class every split holds.")),
        (f"fig-dataset-{key}-samples", N_("Figure %(n)s shows training images of every "
                                          "class.")),
    ):
        if figure_id in numbers:
            guide.append(ctx._(message, n=numbers[figure_id]))
    at = 1 if spec is not None and spec.description else 0
    blocks.insert(at, Paragraph(" ".join(guide)))
    return Section(f"data-{key}", "", ctx.dataset_title(summary.name), tuple(blocks))


def split_table(ctx: Context, summary: DatasetSummary, key: str) -> Table:
    total = sum(summary.split_sizes.values())
    splits = [s for s in SPLITS if s in summary.split_sizes]
    splits += [s for s in summary.split_sizes if s not in splits]
    rows = [[Cell(s, display=ctx._(SPLIT_HEADERS.get(s, s))),
             Cell(summary.split_sizes[s], "int"),
             Cell(summary.split_sizes[s] / total if total else None, "pct")]
            for s in splits]
    foot = [[Cell("total", display=ctx._("Total")), Cell(total, "int"),
             Cell(1.0 if total else None, "pct")]]
    columns = [Column("split", ctx._("Split")), Column("samples", ctx._("Samples"), True),
               Column("share", ctx._("Share"), True)]
    caption = ctx._("Samples per split of %(dataset)s.",
                       dataset=ctx.dataset_title(summary.name))
    return ctx.table(f"dataset-{key}-splits", caption, columns, rows,
                      foot=tuple(tuple(r) for r in foot))


def dataset_info_table(ctx: Context, summary: DatasetSummary, key: str) -> Table:
    lang = ctx.lang
    shape = " × ".join(i18n.format_int(d, lang) for d in summary.input_shape)
    low, high = summary.value_range
    classes = ", ".join(summary.classes[:20]) + (" …" if len(summary.classes) > 20 else "")
    preprocess = ctx._(PREPROCESS[summary.preprocess]) if summary.preprocess in PREPROCESS \
        else summary.preprocess
    rows = [
        ("source", ctx._("Source"), Cell(summary.source, "code")),
        ("input_shape", ctx._("Input shape (per sample)"),
         Cell(list(summary.input_shape), "code", display=shape)),
        ("n_classes", ctx._("Number of classes"), Cell(len(summary.classes), "int")),
        ("classes", ctx._("Classes"), Cell(summary.classes, display=classes)),
        ("value_range", ctx._("Value range after preprocessing"),
         Cell(list(summary.value_range), "code",
              display=f"[{i18n.format_general(low, lang)}, "
                      f"{i18n.format_general(high, lang)}]")),
        ("preprocess", ctx._("Preprocessing"), Cell(summary.preprocess, display=preprocess)),
        ("fingerprint", ctx._("Fingerprint (SHA-256 of the arrays)"),
         Cell(summary.fingerprint, "code", display=summary.fingerprint[:16] + "…")),
    ]
    columns = [Column("property", ctx._("Property")), Column("value", ctx._("Value"))]
    caption = ctx._("Characteristics of %(dataset)s.",
                       dataset=ctx.dataset_title(summary.name))
    return ctx.table(f"dataset-{key}-info", caption, columns,
                      [[Cell(k, display=label), v] for k, label, v in rows])


def distribution_figure(ctx: Context, summary: DatasetSummary, key: str,
                        width_in: float = MAX_WIDTH_IN) -> Figure:
    """The dataset's one class-balance figure: the samples of every class in each split as
    grouped bars (the balance of the classes and the stratification of the splits at once),
    drawn at `width_in`, the width it is printed at."""
    splits = {s: ctx._(SPLIT_NAMES.get(s, s)) for s in SPLITS if s in summary.class_counts}
    texts = figures.DistributionTexts(
        xlabel=ctx._("Class"), ylabel=ctx._("Samples"),
        splits=splits, decimal=i18n.decimal_separator(ctx.lang),
    )
    caption = ctx._("Samples of every class in each split of %(dataset)s.",
                    dataset=ctx.dataset_title(summary.name))
    return ctx.figure(f"fig-dataset-{key}-distribution", caption,
                      lambda prefix: figures.class_distribution(
                          summary.class_counts, summary.classes, texts, normalize=False,
                          prefix=prefix, width_in=width_in))
