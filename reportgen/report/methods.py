"""The methodology chapter: the protocol every study shares, stated once (the split, what
each split is used for, the selection rule each study really applies, the seeds, the
single-seed threshold, what the training curves and the tables measure), one table of the
shared set-up with what each study changes, and the concepts the studies use.

For the chapter of each experiment it also gives the study's design (`study_design_blocks`),
a sentence on its network (`architecture_sentence`) and the best run's layer-by-layer table
(`model_summary_table`, for the appendix)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from reportgen.analysis import significance
from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.runs import varied_paths
from reportgen.report import baselines_section, concepts_section, i18n
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.report.labels import LOSSES, MONITOR_NAMES
from reportgen.report.model import Block, Cell, Column, Paragraph, Section, Table
from reportgen.report.questions import factor_phrase
from reportgen.report.run_labels import Words
from reportgen.report.search_words import ALGORITHMS, OBJECTIVE_NAMES, lower_first
from reportgen.report.text import get_path, value_text
from reportgen.store.records import RunRecord

ALWAYS = object()  # a settings row shown even when it has its default value
STUDIES_PER_TABLE = 6  # study columns of one protocol table (A4 portrait, readable headers)


def methods_section(ctx: Context) -> Section:
    """The common protocol in prose, the shared set-up table(s), then the concepts."""
    tables = protocol_tables(ctx)
    blocks: list[Block] = [Paragraph(text) for text in protocol_paragraphs(ctx, tables)]
    blocks += tables
    baselines = baselines_section.baseline_table(ctx)  # numbered before the text cites it
    if baselines is not None and (text := baselines_section.baseline_paragraph(ctx)):
        blocks += [text, baselines]
    explained = concepts_section.concepts_section(ctx)
    return Section("methods", "", ctx._("Methodology"), tuple(blocks),
                   (explained,) if explained else ())


# ---------------------------------------------------------------- the common protocol


def protocol_paragraphs(ctx: Context, tables: Sequence[Table] = ()) -> list[str]:
    """The protocol as paragraphs: split and selection; seeds and the single-seed threshold;
    what the training curves and the tables measure."""
    studies = list(ctx.findings.studies)
    first = []
    if tables:
        first.append(ctx.ngettext(
            "The studies share one protocol; table %(n)s lists the set-up they have in common "
            "and, in each study's column, what that study changes.",
            "The studies share one protocol; tables %(n)s list the set-up they have in common "
            "and, in each study's column, what that study changes.", len(tables)) % {
            "n": ctx.join([str(t.number) for t in tables])})
    first.append(_split_sentence(ctx))
    first.append(ctx._("The networks learn from the training part; the validation part "
                       "chooses each study's best configuration, and the test part takes no "
                       "part in any choice: it only gives the final figure of the "
                       "configurations chosen."))
    first += selection_sentences(ctx)
    second = seed_sentences(ctx, studies)
    if (threshold := threshold_sentence(ctx)) is not None:
        second.append(threshold)
    third = [measures_sentence(ctx)]
    return [" ".join(part) for part in (first, second, third) if part]


def _split_sentence(ctx: Context) -> str:
    names = list(dict.fromkeys(found.dataset for found in ctx.findings.studies))
    refs = [n for name in names
            if (n := ctx.table_numbers.get(f"dataset-{name}-splits")) is not None]
    specs = [ctx.manifest.datasets.get(name) for name in names]
    stratified = all(getattr(getattr(s, "split", None), "stratify", False) for s in specs)
    where = (" (" + ctx.ngettext("table %(n)s", "tables %(n)s", len(refs)) % {
        "n": ctx.join([str(n) for n in refs])} + ")") if refs else ""
    if stratified:
        return ctx._("Each dataset is split once into training, validation and test parts "
                     "with the same class proportions%(where)s, and every run uses that "
                     "split.", where=where)
    return ctx._("Each dataset is split once into training, validation and test "
                 "parts%(where)s, and every run uses that split.", where=where)


# a criterion → the sentence of the studies it ranks (singular, plural)
_SELECTION = {
    "test_accuracy": (
        N_("The study %(studies)s, whose data have no validation part, chooses by the highest "
           "test accuracy, which is then no longer an independent estimate."),
        N_("The studies %(studies)s, whose data have no validation part, choose by the highest "
           "test accuracy, which is then no longer an independent estimate.")),
    "train_accuracy": (
        N_("The study %(studies)s, with neither a validation nor a test part, chooses by the "
           "highest training accuracy."),
        N_("The studies %(studies)s, with neither a validation nor a test part, choose by the "
           "highest training accuracy.")),
}
_SEARCH_SELECTION = {
    True: (N_("The study %(studies)s chooses by the lowest %(objective)s, the objective its "
              "search minimises, and accuracy breaks ties."),
           N_("The studies %(studies)s choose by the lowest %(objective)s, the objective "
              "their searches minimise, and accuracy breaks ties.")),
    False: (N_("The study %(studies)s chooses by the highest %(objective)s, the objective its "
               "search maximises."),
            N_("The studies %(studies)s choose by the highest %(objective)s, the objective "
               "their searches maximise.")),
}


def selection_rule(found: StudyFindings) -> tuple[str, str | None, bool]:
    """(criterion name, search objective or None, minimised) of the rule that picks the
    study's best run (`analysis.ranking`): its search's objective, else the documented
    accuracy."""
    criterion = found.criterion
    if criterion is None:
        split = found.score_split or "val"
        return f"{split}_accuracy", None, False
    return criterion.name, criterion.objective, criterion.minimise


def selection_sentences(ctx: Context) -> list[str]:
    """One sentence per selection rule, naming the studies it applies to, as
    `analysis.ranking` applies it; a closing one on repeats (compared by their mean)."""
    groups: dict[tuple[str, str | None, bool], list[StudyFindings]] = {}
    for found in ctx.findings.studies:
        groups.setdefault(selection_rule(found), []).append(found)
    out = []
    if len(groups) == 1 and next(iter(groups)) == ("val_accuracy", None, False):
        out.append(ctx._("Every study chooses its best configuration by the highest "
                         "validation accuracy."))
    else:
        default = ("val_accuracy", None, False)
        for (name, objective, minimise), studies in groups.items():
            if (name, objective, minimise) == default:
                continue  # the other studies, named last
            values = {"studies": ctx.titles(studies)}
            if objective is not None:
                singular, plural = _SEARCH_SELECTION[minimise]
                values["objective"] = ctx._(OBJECTIVE_NAMES.get(objective, objective))
            else:
                singular, plural = _SELECTION.get(name, _SELECTION["test_accuracy"])
            out.append(ctx._(singular if len(studies) == 1 else plural, **values))
        if default in groups:
            out.append(ctx.ngettext(
                "The other study chooses its best configuration by the highest validation "
                "accuracy.",
                "The other studies choose their best configuration by the highest validation "
                "accuracy.", len(groups[default])))
    if any(found.has_repeats for found in ctx.findings.studies):
        out.append(ctx._("Where a configuration trains with several seeds, configurations "
                         "are compared by their mean over the seeds."))
    return out


def _seeds(found: StudyFindings) -> list[int]:
    return sorted({r.seed for r in found.runs if r.seed is not None})


def seed_sentences(ctx: Context, studies: Sequence[StudyFindings]) -> list[str]:
    """Which studies repeat their configurations over seeds (which seeds), and the seed of
    the others."""
    repeated = [f for f in studies if f.has_repeats or f.study.repeats > 1]
    single = [f for f in studies if f not in repeated and f.runs]
    out = []
    by_count: dict[tuple[int, tuple[int, ...]], list[StudyFindings]] = {}
    for found in repeated:
        by_count.setdefault((found.study.repeats, tuple(_seeds(found))), []).append(found)
    for (n, seeds), group in by_count.items():
        out.append(ctx.ngettext(
            "The study %(studies)s trains each configuration with %(n)s seeds (%(seeds)s), "
            "which change the initial weights, the order of the batches and dropout but not "
            "the split.",
            "The studies %(studies)s train each configuration with %(n)s seeds (%(seeds)s), "
            "which change the initial weights, the order of the batches and dropout but not "
            "the split.", len(group)) % {
            "studies": ctx.titles(group), "n": ctx.integer(n),
            "seeds": ctx.join([str(s) for s in seeds])})
    single_seeds = sorted({s for found in single for s in _seeds(found)})
    if single and single_seeds:
        values = {"seeds": ctx.join([str(s) for s in single_seeds])}
        if repeated:
            out.append(ctx.ngettext("The other studies train each configuration once, with "
                                    "seed %(seeds)s.",
                                    "The other studies train each configuration once, with "
                                    "seeds %(seeds)s.", len(single_seeds)) % values)
        else:
            out.append(ctx.ngettext("Every study trains each configuration once, with seed "
                                    "%(seeds)s.",
                                    "Every study trains each configuration once, with seeds "
                                    "%(seeds)s.", len(single_seeds)) % values)
    return out


def single_seed_thresholds(ctx: Context) -> dict[str, float]:
    """Dataset → the accuracy margin below which a single-seed comparison on it gets the
    caveat (`analysis.significance.single_seed_margin` on its scoring split)."""
    out: dict[str, float] = {}
    for found in ctx.findings.studies:
        if found.has_repeats or not found.runs:
            continue
        summary = ctx.findings.datasets.get(found.dataset)
        n = summary.split_sizes.get(found.score_split or "val") if summary else None
        threshold = significance.SINGLE_SEED_ACCURACY_MARGIN
        if n:
            threshold = max(threshold, significance.SINGLE_SEED_SAMPLES / n)
        out[found.dataset] = threshold
    return out


def threshold_sentence(ctx: Context) -> str | None:
    """The single-seed threshold, with its value on each dataset a single-seed study uses;
    None when every study has repeats."""
    thresholds = single_seed_thresholds(ctx)
    if not thresholds:
        return None
    values = ctx.join([ctx._("%(points)s on %(dataset)s", points=points_text(ctx, t),
                               dataset=ctx.quoted(ctx.dataset_title(name)))
                         for name, t in thresholds.items()])
    return ctx._("With a single seed there is no spread to measure a margin against: an "
                 "accuracy margin smaller than the larger of 1 point and two validation "
                 "samples (%(values)s), or a loss margin smaller than %(share)s of the smaller "
                 "loss, is treated as within what another seed could change.",
                 values=values,
                 share=i18n.format_percent(significance.SINGLE_SEED_LOSS_REL_MARGIN, ctx.lang, 0))


def points_text(ctx: Context, fraction: float) -> str:
    """A margin in percentage points with its unit: "1 point", "1.8 points"."""
    points = fraction * 100
    if abs(points - round(points)) < 0.05:
        n = round(points)
        return ctx.ngettext("%(n)s point", "%(n)s points", n) % {"n": ctx.integer(n)}
    return ctx.ngettext("%(n)s point", "%(n)s points", 2) % {
        "n": i18n.format_points(fraction, ctx.lang)}


def measures_sentence(ctx: Context) -> str:
    """What the training curves measure, and what the tables' training figures are
    (`training.Trainer.train_epoch` against `metrics.split_metrics`)."""
    return ctx._("The training curves give, for each epoch, the mean loss and accuracy over its "
                 "batches, while the weights change and with dropout active; the validation "
                 "curves evaluate the whole validation split at the end of the epoch. The "
                 "tables evaluate the final weights (the restored ones, under early stopping) "
                 "on each whole split, so their training loss can be lower than the end of the "
                 "training curve.")


# ---------------------------------------------------------------- the shared set-up table
def _searched(found: StudyFindings) -> set[str]:
    """The dotted paths a study's search chooses (its space and its variants' spaces)."""
    search = found.study.search
    if search is None:
        return set()
    paths = set(search.space)
    for variant in found.study.variants:
        paths |= set(getattr(variant, "space", {}) or {})
    return paths


def _is_searched(path: str, searched: set[str]) -> bool:
    return any(path == p or path.startswith(p + ".") or p.startswith(path + ".")
               for p in searched)


def protocol_rows(ctx: Context, studies: Sequence[StudyFindings]
                  ) -> list[tuple[str, str, str | None, list[str | None]]]:
    """(key, label, common value, per study its value or None where it is the common one)
    for each setting some study sets. The common value is the single value most studies
    share (None when no two share one and there are several studies); a study that varies the
    setting always shows its values."""
    searched_word = ctx._("searched")
    rows = [("dataset", ctx._("Dataset"),
             [[ctx.dataset_title(f.dataset)] for f in studies])]
    for key, getter, _kind, default in settings():
        if key in _FOLDED:
            continue  # in the regularisation or the optimizer row
        if key in ("engine", "device"):
            values_all = [getter(r) for f in studies for r in f.runs]
            if len(_distinct(values_all)) < 2 and (key == "device" or
                                                   values_all[:1] in ([], ["torch"])):
                continue  # the same engine and device everywhere: the appendix gives them
        paths = _COMPOSITE_PATHS.get(key, (key,))
        text_of: Callable[[RunRecord], str] = (
            functools.partial(_regularisation_text, ctx) if key == "model.dropout" else
            functools.partial(_optimizer_text, ctx) if key == "training.optimizer.name" else
            functools.partial(_getter_text, ctx, key, getter))
        per_study: list[list[str]] = []
        shown = False
        for found in studies:
            values = [getter(r) for r in found.runs]
            if any(_is_searched(p, _searched(found)) for p in paths
                   if p.startswith(("model.", "training."))):
                per_study.append([searched_word])
                shown = True
                continue
            if key in _COMPOSITE_PATHS:
                texts = _distinct([text_of(r) for r in found.runs])
                per_study.append(texts)
                shown = shown or texts != [text_of_default(ctx, key)]
                continue
            if default is not ALWAYS and all(v in (None, default) for v in values):
                per_study.append([setting_text(ctx, key, default)] if default is not None
                                 else [])
                continue
            if key.startswith("model.") and all(v is None for v in values):
                per_study.append([])
                continue
            shown = True
            per_study.append(_distinct([text_of(r) for r in found.runs]))
        if shown:
            label = ctx._("Regularisation") if key == "model.dropout" else ctx.path_label(key)
            rows.append(("regularisation" if key == "model.dropout" else key, label,
                         per_study))
    out = []
    for key, label, per_study in rows:
        texts = [" · ".join(v) if v else None for v in per_study]
        counts: dict[str, int] = {}  # single values only: what a study varies is its own
        for text, values in zip(texts, per_study, strict=True):
            if text is not None and len(values) == 1:
                counts[text] = counts.get(text, 0) + 1
        common = max(counts, key=lambda t: counts[t]) if counts else None
        if common is not None and counts[common] < 2 and len(studies) > 1:
            common = None
        out.append((key, label, common,
                    [None if t == common else (t or i18n.DASH) for t in texts]))
    return out


# settings shown inside another row of the protocol table
_COMPOSITE_PATHS = {
    "model.dropout": ("model.dropout", "model.l1", "model.l2", "model.batchnorm"),
    "training.optimizer.name": ("training.optimizer.name", "training.optimizer.momentum"),
}
_FOLDED = frozenset({"model.l1", "model.l2", "model.batchnorm", "training.optimizer.momentum"})


def text_of_default(ctx: Context, key: str) -> str:
    """The composite row's text for a run that uses none of its options."""
    return ctx._("none (no regularisation)") if key == "model.dropout" else ""


def _getter_text(ctx: Context, key: str, getter: Callable[[RunRecord], Any],
                 record: RunRecord) -> str:
    return _cell_text(ctx, key, getter(record))


def _regularisation_text(ctx: Context, record: RunRecord) -> str:
    """"L2 0,001", "L1 0,0001 + L2 0,0005", "dropout 0,3", "none"."""
    parts = []
    for path, name in (("model.l1", "L1"), ("model.l2", "L2")):
        if value := get_path(record.config, path):
            parts.append(f"{name} {value_text(value, ctx.lang)}")
    dropout = get_path(record.config, "model.dropout")
    if dropout and (any(dropout) if isinstance(dropout, list) else dropout):
        parts.append(ctx._("dropout %(p)s", p=value_text(dropout, ctx.lang)))
    if get_path(record.config, "model.batchnorm"):
        parts.append(ctx._("batch normalisation"))
    return " + ".join(parts) if parts else ctx._("none (no regularisation)")


def _optimizer_text(ctx: Context, record: RunRecord) -> str:
    """The optimizer's name, with its momentum when it has one: "SGD, momentum 0,9"."""
    name = get_path(record.config, "training.optimizer.name")
    text = setting_text(ctx, "training.optimizer.name", name)
    momentum = get_path(record.config, "training.optimizer.momentum")
    if momentum:
        text = ctx._("%(optimizer)s, momentum %(momentum)s", optimizer=text,
                     momentum=value_text(momentum, ctx.lang))
    return text


def _cell_text(ctx: Context, key: str, value: Any) -> str:
    if key == "training.early_stopping" and isinstance(value, dict):
        return _stopping_short(ctx, value)
    return setting_text(ctx, key, value)


def _stopping_short(ctx: Context, value: dict[str, Any]) -> str:
    monitor = value.get("monitor", "val_loss")
    text = ctx._("%(monitor)s, patience %(patience)s",
                 monitor=ctx._(MONITOR_NAMES[monitor]) if monitor in MONITOR_NAMES else monitor,
                 patience=ctx.integer(value.get("patience")))
    if value.get("min_delta"):
        text += ", " + ctx._("minimum change %(delta)s",
                             delta=i18n.format_general(value["min_delta"], ctx.lang))
    if value.get("restore_best"):
        text += ", " + ctx._("best weights restored")
    if value.get("arm_at") is not None:
        text += ", " + ctx._("armed from %(value)s",
                             value=i18n.format_general(value["arm_at"], ctx.lang))
    return text


def protocol_table(ctx: Context, studies: Sequence[StudyFindings] | None = None,
                   part: int = 0) -> Table:
    """The shared set-up: a row per setting, the value the studies share, then a column per
    study (headed by its title) that shows a value only where the study differs from it.
    `studies`: the columns (default: every study); `part` numbers the tables of a split."""
    studies = list(ctx.findings.studies if studies is None else studies)
    every = list(ctx.findings.studies)
    rows_all = protocol_rows(ctx, every)  # the common value is the report's, in every part
    index = [every.index(found) for found in studies]
    columns = [Column("setting", ctx._("Setting")), Column("common", ctx._("Common value"))]
    columns += [Column(f"study-{found.key}", ctx.study_title(found)) for found in studies]
    rows = []
    for key, label, common, values in rows_all:
        shown = [values[i] for i in index]
        if common is None and all(v is None for v in shown):
            continue
        rows.append([Cell(key, display=label),
                     Cell(common or "", display=common or ""),
                     *(Cell(v or "", display=v or "") for v in shown)])
    caption = ctx._("Set-up shared by the studies and what each study changes.")
    if part:
        caption = ctx._("Set-up shared by the studies and what each study changes "
                        "(part %(n)s).", n=ctx.integer(part))
    return ctx.table("protocol" if not part else f"protocol-{part}", caption, columns, rows,
                     note=ctx._("An empty cell: the study uses the common value. “searched”: "
                                "the study's search chooses it."))


def protocol_tables(ctx: Context) -> list[Table]:
    """`protocol_table` over every study, split into tables of at most STUDIES_PER_TABLE
    study columns; [] without studies."""
    studies = list(ctx.findings.studies)
    if not studies:
        return []
    if len(studies) <= STUDIES_PER_TABLE:
        return [protocol_table(ctx, studies)]
    size = -(-len(studies) // -(-len(studies) // STUDIES_PER_TABLE))  # balanced parts
    return [protocol_table(ctx, studies[i:i + size], part=i // size + 1)
            for i in range(0, len(studies), size)]


# ---------------------------------------------------------------- one study's design
_DESIGN = (
    N_("The study compares %(n)s configurations that differ only in %(factors)s; the rest of "
       "the set-up is the common one of table %(table)s."),
    N_("Only %(factors)s changes between the %(n)s configurations of this study; everything "
       "else follows table %(table)s."),
    N_("The %(n)s configurations of the study share the settings of table %(table)s and differ in "
       "%(factors)s."),
)
_DESIGN_SEEDS = (
    N_("Each configuration trains with %(n)s seeds, %(total)s runs in all."),
    N_("With %(n)s seeds per configuration, the study adds up to %(total)s runs."),
    N_("Every configuration is repeated with %(n)s seeds (%(total)s runs)."),
)
_DESIGN_SEARCH = (
    N_("The study runs %(n)s searches (%(algorithms)s) that choose %(keys)s by the "
       "%(objective)s; the rest of the set-up follows table %(table)s."),
    N_("Here %(n)s searches (%(algorithms)s) choose %(keys)s by the %(objective)s, over the "
       "set-up of table %(table)s."),
    N_("Over the set-up of table %(table)s, the study lets %(n)s searches (%(algorithms)s) "
       "choose %(keys)s by the %(objective)s."),
)


def design_paragraph(ctx: Context, found: StudyFindings) -> str | None:
    """A generated design: what varies, how many configurations and seeds, what is fixed
    (the protocol table, numbered by `methods_section`, which the report builds first); None
    for a study that varies nothing and searches nothing."""
    table = ctx.table_numbers.get("protocol") or ctx.table_numbers.get("protocol-1")
    where = str(table) if table is not None else "?"
    if found.study.search is not None:
        search = found.study.search
        keys = ctx.join(list(dict.fromkeys(factor_phrase(ctx, p) for p in search.space)))
        algorithms = [ctx._(ALGORITHMS.get(a, a)) for a in search.algorithms]
        values = {"n": ctx.integer(len(algorithms)), "algorithms": ctx.join(algorithms),
                  "keys": keys or ctx._("its settings"), "table": where,
                  "objective": ctx._(OBJECTIVE_NAMES.get(search.objective, search.objective))}
        if len(algorithms) == 1:
            return ctx._("The study's search (%(algorithms)s) chooses %(keys)s by the "
                         "%(objective)s; the rest of the set-up follows table %(table)s.",
                         **values)
        return ctx._(ctx.phrasing("design-search", _DESIGN_SEARCH, found), **values)
    varied = [p for p in varied_paths(found.runs) if p != "seed"]
    if not varied:
        return None
    phrases = list(dict.fromkeys(factor_phrase(ctx, p, found) for p in varied))
    repeats = max(found.study.repeats, 1)
    configs = max(len(found.runs) // repeats, 1)
    text = ctx._(ctx.phrasing("design", _DESIGN, found), n=ctx.integer(configs),
                 factors=ctx.join(phrases), table=where)
    if repeats > 1:
        text += " " + ctx._(ctx.phrasing("design-seeds", _DESIGN_SEEDS, found),
                            n=ctx.integer(repeats), total=ctx.integer(len(found.runs)))
    return text


def study_design_blocks(ctx: Context, found: StudyFindings) -> list[Block]:
    """The design part of a study's chapter: the author's description (Markdown) when the
    manifest gives one, else a generated paragraph; then what its less common options mean.
    The shared set-up is in the methodology's protocol table, not repeated here."""
    blocks: list[Block] = []
    if found.study.description:
        blocks.append(Paragraph(ctx.markdown(found.study.description.get(ctx.lang)),
                                html=True))
    elif (text := design_paragraph(ctx, found)) is not None:
        blocks.append(Paragraph(text))
    blocks += [Paragraph(sentence) for sentence in option_sentences(ctx, found)]
    return blocks


# ---------------------------------------------------------------- the network
_COUNT_WORDS = {2: N_("two"), 3: N_("three"), 4: N_("four"), 5: N_("five"), 6: N_("six")}
_ARCHITECTURE = (
    N_("The network has %(layers)s and %(params)s parameters."),
    N_("With %(layers)s, the network has %(params)s parameters."),
    N_("The network, with %(layers)s, has %(params)s parameters."),
)
_ARCHITECTURE_RANGE = (
    N_("Depending on the configuration, the network has between %(low)s and %(high)s "
       "parameters."),
    N_("The networks compared range from %(low)s to %(high)s parameters."),
    N_("Its configurations have between %(low)s and %(high)s parameters."),
)


def _params(record: RunRecord) -> int | None:
    return sum(row.params for row in record.summary) if record.summary else None


def _layers_phrase(ctx: Context, hidden: list[int]) -> str:
    if not hidden:
        return ctx._("no hidden layer")
    units = ctx.join([ctx.integer(u) for u in dict.fromkeys(hidden)]) \
        if len(set(hidden)) == 1 else ctx.join([ctx.integer(u) for u in hidden])
    count = ctx._(_COUNT_WORDS[len(hidden)]) if len(hidden) in _COUNT_WORDS \
        else ctx.integer(len(hidden))
    if len(hidden) == 1:
        return ctx._("one dense hidden layer of %(units)s units", units=units)
    return ctx._("%(count)s dense hidden layers of %(units)s units", units=units, count=count)


def architecture_sentence(ctx: Context, found: StudyFindings) -> str | None:
    """One sentence on the study's network: its hidden layers and parameter count when every
    run has the same architecture ("The network has two dense hidden layers of 256 units and
    85,002 parameters."), the range of parameter counts when they differ; None without a
    model summary."""
    runs = [r for r in found.runs if r.summary]
    if not runs:
        return None
    counts = sorted({p for r in runs if (p := _params(r)) is not None})
    if len(counts) > 1:
        return ctx._(ctx.phrasing("architecture-range", _ARCHITECTURE_RANGE, found),
                     low=ctx.integer(counts[0]), high=ctx.integer(counts[-1]))
    model = get_path(runs[0].config, "model") or {}
    if model.get("type", "mlp") != "mlp":
        name = Words(ctx.lang).value_name("model.type", model.get("type")) or model.get("type")
        return ctx._("The %(model)s has %(params)s parameters.", model=name,
                     params=ctx.integer(counts[0]))
    return ctx._(ctx.phrasing("architecture", _ARCHITECTURE, found),
                 layers=_layers_phrase(ctx, list(model.get("hidden") or [])),
                 params=ctx.integer(counts[0]))


LAYER_TYPES = {
    "Dense": N_("Dense"), "Flatten": N_("Flatten"), "Dropout": N_("Dropout"),
    "BatchNormalization": N_("Batch normalisation"), "Conv2D": N_("2D convolution"),
    "MaxPooling2D": N_("2D max pooling"), "GlobalAveragePooling2D": N_("Global average pooling"),
    "BasicBlock ×2": N_("Two residual blocks"),
}


def layer_name(ctx: Context, layer: str, numbered: bool = False, index: int = 0) -> str:
    """A summary row's layer ("dense_1 (Dense)") as the reader's language names its type
    ("Densa 2" when the type is numbered); an unknown type stays as it is."""
    match = re.fullmatch(r"(\S+) \((.+)\)", layer)
    if match is None:
        return layer
    kind = match.group(2)
    if kind not in LAYER_TYPES:
        return layer
    name = ctx._(LAYER_TYPES[kind])
    return f"{name} {index}" if numbered else name


def shape_text(shape: str) -> str:
    """"(None, 8, 8, 32)" → "8 × 8 × 32": the batch dimension left out."""
    dims = [d.strip() for d in shape.strip("()").split(",") if d.strip()]
    dims = [d for d in dims if d != "None"]
    return " × ".join(dims) if dims else shape


def model_summary_table(ctx: Context, found: StudyFindings, best: RunRecord) -> Table:
    """The best run's architecture layer by layer (Keras' summary, in the reader's words),
    for the appendix: layer type, output shape without the batch dimension, parameters."""
    kinds = [re.sub(r".*\((.+)\)$", r"\1", row.layer) for row in best.summary]
    seen: dict[str, int] = {}
    rows = []
    for row, kind in zip(best.summary, kinds, strict=True):
        seen[kind] = seen.get(kind, 0) + 1
        name = layer_name(ctx, row.layer, kinds.count(kind) > 1, seen[kind])
        rows.append([Cell(row.layer, display=name),
                     Cell(row.output_shape, display=shape_text(row.output_shape)),
                     Cell(row.params, "int")])
    total = sum(row.params for row in best.summary)
    frozen = sum(row.non_trainable for row in best.summary)
    foot = [[Cell("total", display=ctx._("Total parameters")), Cell(None, display=""),
             Cell(total, "int")]]
    if frozen:
        foot.append([Cell("non_trainable", display=ctx._("Non-trainable parameters")),
                     Cell(None, display=""), Cell(frozen, "int")])
    columns = [Column("layer", ctx._("Layer")),
               Column("output_shape", ctx._("Output shape")),
               Column("params", ctx._("Parameters"), True)]
    caption = ctx._("Architecture of %(run)s, the best run of “%(study)s”.",
                    run=best.label, study=ctx.study_title(found))
    return ctx.table(f"study-{found.key}-model", caption, columns, rows,
                     foot=tuple(tuple(r) for r in foot))


# ---------------------------------------------------------------- what the lab's options do
def option_sentences(ctx: Context, found: StudyFindings) -> list[str]:
    """What the study's less common options mean for its runs, one sentence each: a split with
    no validation part, continued training, early stopping armed at a threshold, L1/L2 on
    chosen layers only (and losses without the penalty), values chosen by another study's
    search, variants meant to fail."""
    out = [sentence for sentence in (_no_validation(ctx, found),) if sentence]
    out += _grouped(ctx, found, _continued)
    out += _grouped(ctx, found, _armed)
    out += _grouped(ctx, found, _penalty_layers)
    out += [_penalty_note(ctx)] if any(_penalised(r) for r in found.runs) else []
    out += _chosen_by(ctx, found)
    out += _expected_errors(ctx, found)
    return out


def _grouped(ctx: Context, found: StudyFindings,
             sentence: Callable[[Context, RunRecord], str | None]) -> list[str]:
    """`sentence(run)` once per distinct sentence, naming its runs when not all share it."""
    groups: dict[str, list[str]] = {}
    for record in found.runs:
        text = sentence(ctx, record)
        if text:
            groups.setdefault(text, []).append(record.label)
    if len(groups) == 1 and len(next(iter(groups.values()))) == len(found.runs):
        return list(groups)
    return [text + " " + ctx._("This applies to %(runs)s.", runs=", ".join(labels))
            for text, labels in groups.items()]


def _no_validation(ctx: Context, found: StudyFindings) -> str | None:
    summary = ctx.findings.datasets.get(found.dataset)
    sizes = summary.split_sizes if summary is not None else {}
    if not found.runs or sizes.get("val") or any("val" in r.metrics for r in found.runs):
        return None
    return ctx._("The data have no validation split here (a final test protocol): the runs "
                 "train on %(train)s samples and are measured on the %(test)s test samples, "
                 "which therefore also rank them; early stopping, if used, can only monitor "
                 "training metrics.",
                 train=ctx.integer(sizes.get("train")), test=ctx.integer(sizes.get("test")))


def _continued(ctx: Context, record: RunRecord) -> str | None:
    previous = get_path(record.config, "training.previous_epochs")
    if not previous:
        return None
    return ctx.ngettext(
        "Continued training: the model first trains %(previous)s epoch with no early stopping "
        "or stopping threshold (its earlier training), then up to %(epochs)s more epochs in "
        "which they act; the curves number the epochs from the start.",
        "Continued training: the model first trains %(previous)s epochs with no early "
        "stopping or stopping threshold (its earlier training), then up to %(epochs)s more "
        "epochs in which they act; the curves number the epochs from the start.", previous,
    ) % {"previous": ctx.integer(previous),
         "epochs": ctx.integer(get_path(record.config, "training.epochs"))}


def _armed(ctx: Context, record: RunRecord) -> str | None:
    stopping = get_path(record.config, "training.early_stopping")
    if not isinstance(stopping, dict) or stopping.get("arm_at") is None:
        return None
    monitor = stopping.get("monitor", "val_loss")
    name = ctx._(OBJECTIVE_NAMES[monitor]) if monitor in OBJECTIVE_NAMES else monitor
    return ctx._("Early stopping is armed only once the %(monitor)s reaches %(value)s: "
                 "evaluations that have not reached it neither set the best value nor count "
                 "towards the patience, so a run cannot stop early before reaching it.",
                 monitor=name, value=i18n.format_general(stopping["arm_at"], ctx.lang))


def _penalised(record: RunRecord) -> bool:
    return any(get_path(record.config, f"model.{k}") for k in ("l1", "l2"))


def _penalty_layers(ctx: Context, record: RunRecord) -> str | None:
    layers = get_path(record.config, "model.penalty_layers")
    if not layers or not _penalised(record):
        return None
    names = [f"L{k[-1]} ({value_text(get_path(record.config, f'model.{k}'), ctx.lang)})"
             for k in ("l1", "l2") if get_path(record.config, f"model.{k}")]
    return ctx.ngettext(
        "The %(penalty)s penalty applies to weight layer %(layers)s only (layers numbered "
        "from 1 in the order data flows, the output layer last); the other layers are not "
        "penalised.",
        "The %(penalty)s penalty applies to weight layers %(layers)s only (layers numbered "
        "from 1 in the order data flows, the output layer last); the other layers are not "
        "penalised.", len(layers),
    ) % {"penalty": " + ".join(names),
         "layers": ", ".join(ctx.integer(i) for i in sorted(layers))}


def _penalty_note(ctx: Context) -> str:
    return ctx._("The losses shown are the data loss without the L1/L2 penalty term, so that "
                 "runs with different penalties compare fairly; training minimises the data "
                 "loss plus the penalty.")


def _chosen_by(ctx: Context, found: StudyFindings) -> list[str]:
    studies = {s.id: s for s in ctx.manifest.studies}
    out = []
    for variant in found.study.variants:
        if variant.chosen_by is None:
            continue
        search = studies.get(variant.chosen_by)
        searched = _searched_paths(search, variant.name) if search is not None else []
        keys = [lower_first(ctx.path_label(path)) for path in searched or variant.set] or \
            [ctx._("its settings")]
        title = search.title.get(ctx.lang) if search is not None and search.title else None
        out.append(ctx._("The values of %(keys)s in “%(variant)s” were chosen by the search "
                         "of the study “%(search)s”.", keys=", ".join(keys),
                         variant=variant.name,
                         search=title or variant.chosen_by))
    return out


def _searched_paths(search: Any, variant_name: str) -> list[str]:
    """The settings the search study searched for the variant of that name (the study's space
    with that variant's entries replacing or adding to it); [] without a search."""
    if search.search is None:
        return []
    space = dict(search.search.space)
    for variant in search.variants:
        if variant.name == variant_name:
            space.update(variant.space)
    return list(space)


def _expected_errors(ctx: Context, found: StudyFindings) -> list[str]:
    return [ctx._("“%(variant)s” is meant to fail: the lab keeps it to show the error, which "
                  "the results give as its outcome.", variant=variant.name)
            for variant in found.study.variants if variant.expect_error]


def settings() -> list[tuple[str, Callable[[RunRecord], Any], str, Any]]:
    """(dotted path, value getter, cell kind, default) per settings row. A row whose runs
    all have its default (the setting is off) is left out; ALWAYS rows are always shown."""

    def config(path: str) -> Callable[[RunRecord], Any]:
        return lambda record: get_path(record.config, path)

    rows: list[tuple[str, str, Any]] = [
        ("model.type", "text", "mlp"), ("model.filters", "text", None),
        ("model.kernel", "text", None), ("model.padding", "text", None),
        ("model.pool", "text", None),
        ("model.hidden", "text", ALWAYS), ("model.activation", "text", ALWAYS),
        ("model.init", "text", ALWAYS), ("model.dropout", "text", 0.0),
        ("model.batchnorm", "text", False), ("model.l1", "text", 0.0),
        ("model.l2", "text", 0.0), ("training.optimizer.name", "text", ALWAYS),
        ("training.optimizer.lr", "general", ALWAYS),
        ("training.optimizer.momentum", "text", 0.0),
        ("training.batch_size", "text", ALWAYS), ("training.epochs", "int", ALWAYS),
        ("training.loss", "text", ALWAYS), ("training.schedule.kind", "text", "none"),
        ("training.early_stopping", "text", ALWAYS), ("training.stop_at", "text", None),
        ("training.eval_every", "text", 1),
    ]
    out = [(path, config(path), kind, default) for path, kind, default in rows]
    out += [("engine", lambda r: r.engine, "text", ALWAYS),
            ("seed", lambda r: r.seed, "int", ALWAYS),
            ("device", lambda r: r.device, "text", ALWAYS)]
    return out


def setting_text(ctx: Context, key: str, value: Any) -> str:
    """A setting's value as the reader should see it, translated where it is a word."""
    _ = ctx._
    if value is None:
        return _("no") if key in ("training.early_stopping", "training.stop_at") \
            else i18n.DASH
    if key == "training.batch_size" and value == "full":
        return _("full batch")
    if key == "training.loss":
        return _(LOSSES[value]) if value in LOSSES else str(value)
    if key == "training.early_stopping" and isinstance(value, dict):
        return ctx._(
            "monitor %(monitor)s, patience %(patience)s, minimum change %(delta)s, "
            "restore best weights: %(restore)s",
            monitor=_(MONITOR_NAMES[value["monitor"]]) if value.get("monitor") in MONITOR_NAMES
            else value.get("monitor", "?"),
            patience=i18n.format_int(value.get("patience"), ctx.lang),
            delta=i18n.format_general(value.get("min_delta"), ctx.lang),
            restore=_("yes") if value.get("restore_best") else _("no")) + (
            "" if value.get("arm_at") is None else ", " + ctx._(
                "armed from %(value)s", value=i18n.format_general(value["arm_at"], ctx.lang)))
    if key == "training.stop_at" and isinstance(value, dict):
        return f"{value.get('monitor')} ≥ " + i18n.format_general(value.get("threshold"),
                                                                   ctx.lang)
    if key == "training.schedule.kind" and value == "none":
        return _("constant")
    return Words(ctx.lang).value_name(key, value) or value_text(value, ctx.lang)


def _distinct(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out
