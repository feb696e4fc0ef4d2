"""The methodology chapter: how runs are ranked, and per study what varies, the training
settings and the best run's architecture."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.runs import varied_paths
from reportgen.records import RunRecord
from reportgen.report import concepts_section, i18n, repeats_section
from reportgen.report.context import Context
from reportgen.report.labels import LOSSES, MONITOR_NAMES
from reportgen.report.model import Block, Cell, Column, Paragraph, Section, Table
from reportgen.report.questions import factor_phrase
from reportgen.report.run_labels import Words
from reportgen.report.search_words import OBJECTIVE_NAMES, lower_first
from reportgen.report.text import get_path, value_text

ALWAYS = object()  # a settings row shown even when it has its default value


def methods_section(ctx: Context) -> Section:
    text = ctx._(
        "Each study trains one run per configuration. The best run of a study is the one with "
        "the highest validation accuracy (test accuracy when there is no validation split, "
        "training accuracy when there is neither). Every table is also saved as a CSV file "
        "in the tables folder next to this report.")
    if any(v.has_repeats for v in ctx.findings.studies):
        text += " " + ctx._("A study with repeats trains each configuration once per seed "
                             "and ranks configurations by their mean.")
    intro = Paragraph(text)
    explained = concepts_section.concepts_section(ctx)
    subsections = (*([explained] if explained else []),
                   *(study_methods(ctx, v) for v in ctx.findings.studies))
    return Section("methods", "", ctx._("Methodology"), (intro,), subsections)


def study_methods(ctx: Context, found: StudyFindings) -> Section:
    blocks: list[Block] = []
    if found.study.description:
        blocks.append(Paragraph(ctx.markdown(found.study.description.get(ctx.lang)), html=True))
    varied = varied_paths(found.runs)
    if varied:
        # with their articles: "differ in the learning rate and momentum"
        phrases = list(dict.fromkeys(factor_phrase(ctx, p) for p in varied))
        labels = phrases[0] if len(phrases) == 1 else ctx._(
            "%(items)s and %(last)s", items=", ".join(phrases[:-1]), last=phrases[-1])
        blocks.append(Paragraph(ctx.ngettext(
            "The study compares %(n)s run that differ in: %(keys)s.",
            "The study compares %(n)s runs that differ in: %(keys)s.", len(found.runs),
        ) % {"n": i18n.format_int(len(found.runs), ctx.lang), "keys": labels}))
    if found.has_repeats:
        blocks.append(Paragraph(repeats_section.methods_sentence(ctx, found)))
    blocks += [Paragraph(sentence) for sentence in option_sentences(ctx, found)]
    if found.runs:
        settings = settings_table(ctx, found)
        blocks += [Paragraph(ctx._("Table %(n)s gives the training settings.",
                                    n=str(settings.number))), settings]
    best = found.best
    if best is not None and best.summary and "model_summary" in found.study.show:
        model = model_summary_table(ctx, found, best)
        blocks += [Paragraph(ctx._("Table %(n)s gives the architecture of %(run)s, layer "
                                    "by layer.", n=str(model.number), run=best.label)),
                   model]
    return Section(f"methods-{found.key}", "", ctx.study_title(found), tuple(blocks))


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


def settings_table(ctx: Context, found: StudyFindings) -> Table:
    rows = []
    for key, getter, kind, default in settings():
        values = [getter(r) for r in found.runs]
        if default is not ALWAYS and all(v in (None, default) for v in values):
            continue
        if key.startswith("model.") and all(v is None for v in values):
            continue  # a key of other model types (ResNet-18 has no hidden layers)
        distinct = _distinct(values)
        if len(distinct) == 1:
            value = distinct[0]
            cell = Cell(value, kind, display=None if kind != "text" else
                        setting_text(ctx, key, value))
        else:
            shown_values = " · ".join(setting_text(ctx, key, v) for v in distinct)
            cell = Cell(distinct, display=ctx._("varies: %(values)s",
                                                   values=shown_values))
        rows.append([Cell(key, display=ctx.path_label(key)), cell])
    columns = [Column("setting", ctx._("Setting")), Column("value", ctx._("Value"))]
    caption = ctx._("Training settings of “%(study)s”.", study=ctx.study_title(found))
    return ctx.table(f"study-{found.key}-settings", caption, columns, rows)


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


def model_summary_table(ctx: Context, found: StudyFindings, best: RunRecord) -> Table:
    rows = [[Cell(row.layer, "code"), Cell(row.output_shape, "code"),
             Cell(row.params, "int")] for row in best.summary]
    total = sum(row.params for row in best.summary)
    frozen = sum(row.non_trainable for row in best.summary)
    foot = [[Cell("total", display=ctx._("Total parameters")), Cell(None, display=""),
             Cell(total, "int")]]
    if frozen:
        foot.append([Cell("non_trainable", display=ctx._("Non-trainable parameters")),
                     Cell(None, display=""), Cell(frozen, "int")])
    columns = [Column("layer", ctx._("Layer (type)")),
               Column("output_shape", ctx._("Output shape")),
               Column("params", ctx._("Parameters"), True)]
    caption = ctx._("Architecture of %(run)s, the best run of “%(study)s”.",
                       run=best.label, study=ctx.study_title(found))
    return ctx.table(f"study-{found.key}-model", caption, columns, rows,
                      foot=tuple(tuple(r) for r in foot))


def _distinct(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out
