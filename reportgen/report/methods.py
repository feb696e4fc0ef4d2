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
from reportgen.report.text import get_path, markdown, value_text

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
        blocks.append(Paragraph(markdown(found.study.description.get(ctx.lang)), html=True))
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
            restore=_("yes") if value.get("restore_best") else _("no"))
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
