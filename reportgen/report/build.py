"""ResultSet → ReportModel: what the report says, computed from the stored runs.

Every sentence is a catalog message with locale-formatted numbers interpolated; tables keep raw
values (the renderer formats them). Conclusions only state what the numbers show.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from reportgen import figures
from reportgen.manifest import Study
from reportgen.records import SPLITS, DatasetSummary, RunRecord, SplitMetrics
from reportgen.report import (
    i18n,
    key_section,
    repeats_section,
    samples_section,
    tuning_section,
)
from reportgen.report.cover import cover_fields
from reportgen.report.i18n import N_, finite
from reportgen.report.labels import ACCURACY_NAMES, SPLIT_NAMES, STOP_REASONS
from reportgen.report.model import (
    Block,
    BulletList,
    Cell,
    Column,
    Figure,
    Meta,
    Paragraph,
    Preformatted,
    ReportModel,
    Section,
    Table,
)
from reportgen.report.text import get_path, markdown, slug, value_text
from reportgen.store import ResultSet, StoredRun, run_id_of

OVERFIT_GAP = 0.05  # train − val accuracy above this is called a sign of overfitting
SMALL_MARGIN = 0.005  # below half a point, a single-seed ranking is fragile
SCORE_SPLITS = ("val", "test", "train")  # which accuracy picks the best run, in order
MAX_COLUMNS = 12  # widest runs table that fits A4 portrait (checked by tests/test_render.py)
ALWAYS = object()  # a settings row shown even when it has its default value

SPLIT_HEADERS = {"train": N_("Training"), "val": N_("Validation"), "test": N_("Test")}
# under a shared "Accuracy"/"Loss" header: short, so six metric columns fit an A4 page
SPLIT_SHORT = {"train": N_("Train"), "val": N_("Val."), "test": N_("Test")}
# Column headers for the dotted paths studies usually vary; others show the path itself.
PATH_LABELS = {
    "model.type": N_("Model type"),
    "model.filters": N_("Convolution filters"),
    "model.kernel": N_("Kernel size"),
    "model.padding": N_("Padding"),
    "model.pool": N_("Pooling"),
    "model.hidden": N_("Hidden units"),
    "model.activation": N_("Activation"),
    "model.init": N_("Initialiser"),
    "model.dropout": N_("Dropout"),
    "model.batchnorm": N_("Batch normalisation"),
    "model.l1": N_("L1 penalty"),
    "model.l2": N_("L2 penalty"),
    "training.optimizer": N_("Optimizer"),
    "training.optimizer.name": N_("Optimizer"),
    "training.optimizer.lr": N_("Learning rate"),
    "training.optimizer.momentum": N_("Momentum"),
    "training.batch_size": N_("Batch size"),
    "training.epochs": N_("Maximum epochs"),
    "training.loss": N_("Loss function"),
    "training.schedule": N_("Learning-rate schedule"),
    "training.schedule.kind": N_("Learning-rate schedule"),
    "training.early_stopping": N_("Early stopping"),
    "training.stop_at": N_("Stop at threshold"),
    "training.eval_every": N_("Epochs between evaluations"),
    "engine": N_("Engine"),
    "seed": N_("Seed"),
    "device": N_("Device"),
    "dataset": N_("Dataset"),
}
PREPROCESS = {
    "none": N_("none"),
    "divide255": N_("divided by 255"),
    "minmax": N_("min–max scaled to [0, 1], fitted on the training split"),
    "standard": N_("standardised (zero mean, unit variance), fitted on the training split"),
}
LOSSES = {"cross_entropy": N_("cross-entropy"), "mse": N_("mean squared error")}
AVERAGE_ROWS = {"macro avg": N_("macro average"), "weighted avg": N_("weighted average")}


# ---------------------------------------------------------------- what a study contributes
@dataclass(frozen=True)
class StudyView:
    """One study on one dataset (a study listing several datasets gives several views)."""

    key: str  # language-neutral id part
    study: Study
    dataset: str
    runs: tuple[RunRecord, ...]
    histories: tuple[list[dict[str, Any]], ...]
    failed: tuple[tuple[str, str], ...]  # (run id, error) of runs with no record
    score_split: str | None  # the split whose accuracy ranks the runs
    ranking: tuple[int, ...]  # indices into runs, best first; runs without a score left out

    @property
    def best(self) -> RunRecord | None:
        return self.runs[self.ranking[0]] if self.ranking else None


def accuracy(record: RunRecord, split: str) -> float | None:
    metrics = record.metrics.get(split)
    return finite(metrics.accuracy) if metrics else None


def rank_runs(records: Sequence[RunRecord]) -> tuple[str | None, tuple[int, ...]]:
    """The split that ranks runs (validation, else test, else train) and the ranking, best first.

    Failed runs and runs with no finite accuracy on that split are not ranked.
    """
    usable = [i for i, r in enumerate(records) if r.stop_reason != "failed"]
    for split in SCORE_SPLITS:
        scored = [i for i in usable if accuracy(records[i], split) is not None]
        if scored:
            # stable sort: on a tie the run listed first in the manifest wins
            order = sorted(scored, key=lambda i: -(accuracy(records[i], split) or 0.0))
            return split, tuple(order)
    return None, ()


def study_views(results: ResultSet) -> list[StudyView]:
    failed = results.index.get("failed", {}) or {}
    views = []
    for study in results.manifest.studies:
        stored: list[StoredRun] = results.studies.get(study.id, [])
        run_ids = [run_id_of(e) for e in results.index.get("studies", {}).get(study.id, [])]
        lost = tuple((rid, str(failed[rid])) for rid in run_ids if rid in failed)
        names = study.datasets()
        for name in names:
            group = [s for s in stored if s.record.dataset == name]
            lost_here = lost if name == names[0] else ()  # failed runs have no dataset to sort by
            tuned = any(r.dataset == name for r in results.tuning.get(study.id, []))
            if not group and not lost_here and not tuned:  # retrain_best = false: no runs
                continue
            records = tuple(s.record for s in group)
            split, ranking = rank_runs(records)
            key = slug(study.id) if len(names) == 1 else f"{slug(study.id)}-{slug(name)}"
            views.append(StudyView(
                key=key, study=study, dataset=name, runs=records,
                histories=tuple(s.history for s in group),
                failed=lost_here, score_split=split, ranking=ranking,
            ))
    return views


# ---------------------------------------------------------------- the builder
def build(results: ResultSet, lang: str) -> ReportModel:
    """The report of `results` in `lang` ("es" or "en")."""
    return _Builder(results, lang).build()


class _Builder:
    def __init__(self, results: ResultSet, lang: str) -> None:
        self.results = results
        self.manifest = results.manifest
        self.lang = lang
        self.translate = i18n.gettext(lang)
        self.ngettext = i18n.ngettext(lang)
        self.views = study_views(results)
        self.n_tables = 0
        self.n_figures = 0
        self.table_numbers: dict[str, int] = {}

    # -- numbering and small helpers
    def table(self, id: str, caption: str, columns: Sequence[Column],
              rows: Sequence[Sequence[Cell]], **extra: Any) -> Table:
        self.n_tables += 1
        self.table_numbers[id] = self.n_tables
        return Table(id=id, number=self.n_tables, caption=caption, columns=tuple(columns),
                     rows=tuple(tuple(r) for r in rows), **extra)

    def figure(self, id: str, caption: str, draw: Callable[[str], str]) -> Figure:
        """`draw(prefix)` returns the SVG with its element ids prefixed by the figure id."""
        self.n_figures += 1
        return Figure(id=id, number=self.n_figures, caption=caption, svg=draw(id))

    def _(self, message: str, **values: Any) -> str:
        """Translate, then interpolate `values` (already formatted for the locale).

        Named `_` so that Babel's default keywords extract every message passed to it.
        """
        text = self.translate(message)
        return text % values if values else text

    def pct(self, value: float | None) -> str:
        return i18n.format_percent(value, self.lang)

    def study_title(self, view: StudyView) -> str:
        title = view.study.title.get(self.lang) if view.study.title else view.study.id
        if len(view.study.datasets()) > 1:
            title = f"{title} — {self.dataset_title(view.dataset)}"
        return title

    def dataset_title(self, name: str) -> str:
        spec = self.manifest.datasets.get(name)
        return spec.title.get(self.lang) if spec is not None and spec.title else name

    def stop_reason(self, reason: str) -> str:
        return self._(STOP_REASONS.get(reason, reason))

    # -- the document
    def build(self) -> ReportModel:
        report = self.manifest.report
        meta = Meta(
            title=report.title.get(self.lang),
            subtitle=report.subtitle.get(self.lang) if report.subtitle else None,
            authors=tuple(report.authors), course=report.course,
            institution=report.institution, date=report.date or dt.date.today(),
            kind=report.kind, **cover_fields(self.manifest, self.lang),
        )
        abstract = self.abstract()
        sections: list[Section] = []
        if report.introduction:
            sections.append(Section("introduction", "", self._("Introduction"),
                                    (Paragraph(markdown(report.introduction.get(self.lang)),
                                               html=True),)))
        sections += [self.data_section(), self.methods_section(), self.results_section(),
                     self.discussion_section(), self.conclusions_section(), self.appendix()]
        if report.kind == "answer-key":
            sections.append(key_section.expected_section(self, self.views))
        return ReportModel(lang=self.lang, meta=meta, abstract=tuple(abstract),
                           sections=_numbered(sections))

    # -- abstract: the user's text, then the key result of every study
    def abstract(self) -> list[Block]:
        blocks: list[Block] = []
        if self.manifest.report.abstract:
            blocks.append(Paragraph(markdown(self.manifest.report.abstract.get(self.lang)),
                                    html=True))
        rows = []
        for view in self.views:
            blocks.append(Paragraph(self.key_result_sentence(view)))
            best = view.best
            cells = repeats_section.key_result_cells(self, view) \
                if repeats_section.has_repeats(view) else None
            rows.append([
                Cell(view.study.id, display=self.study_title(view)),
                Cell(len(view.runs) + len(view.failed), "int"),
                *(cells or [Cell(best.label if best else None),
                            Cell(accuracy(best, "val") if best else None, "num"),
                            Cell(accuracy(best, "test") if best else None, "num")]),
            ])
        columns = [
            Column("study", self._("Study")), Column("runs", self._("Runs"), True),
            Column("best_run", self._("Best run")),
            Column("val_accuracy", self._("Validation accuracy"), True),
            Column("test_accuracy", self._("Test accuracy"), True),
        ]
        table = self.table("key-results", self._("Best run of every study."), columns, rows)
        blocks += [Paragraph(self._("Table %(n)s sums them up.", n=str(table.number))), table]
        return blocks

    def key_result_sentence(self, view: StudyView) -> str:
        best = view.best
        title = self.study_title(view)
        if repeats_section.has_repeats(view) and \
                (sentence := repeats_section.key_result(self, view, title)):
            return sentence
        if best is None:
            return self._("“%(study)s”: no run finished with results.", study=title)
        shown = [s for s in ("val", "test") if accuracy(best, s) is not None] or ["train"]
        scores = ", ".join(
            self._("%(metric)s of %(value)s", metric=self._(ACCURACY_NAMES[s]),
                   value=self.pct(accuracy(best, s))) for s in shown)
        n = len(view.runs) + len(view.failed)
        if n == 1:
            return self._("“%(study)s”: one run, %(run)s, with %(scores)s.", study=title,
                            run=best.label, scores=scores)
        return self.ngettext(
            "“%(study)s”: the best of %(n)s run is %(run)s, with %(scores)s.",
            "“%(study)s”: the best of %(n)s runs is %(run)s, with %(scores)s.", n,
        ) % {"study": title, "n": i18n.format_int(n, self.lang), "run": best.label,
             "scores": scores}

    # -- data
    def data_section(self) -> Section:
        subsections = [self.dataset_section(s) for s in self.results.datasets.values()]
        intro = self.ngettext("The studies use %(n)s dataset.", "The studies use %(n)s datasets.",
                              len(subsections)) % {"n": i18n.format_int(len(subsections),
                                                                        self.lang)}
        return Section("data", "", self._("Data"), (Paragraph(intro),), tuple(subsections))

    def dataset_section(self, summary: DatasetSummary) -> Section:
        key = slug(summary.name)
        spec = self.manifest.datasets.get(summary.name)
        blocks: list[Block] = []
        if spec is not None and spec.description:
            blocks.append(Paragraph(markdown(spec.description.get(self.lang)), html=True))
        blocks.append(self.split_table(summary, key))
        blocks.append(self.dataset_info_table(summary, key))
        blocks += samples_section.class_blocks(self, summary, key)  # class_descriptions
        shows = any("distribution" in v.study.show for v in self.views
                    if v.dataset == summary.name)
        if shows and summary.class_counts:
            blocks.append(self.distribution_figure(summary, key))
        blocks += samples_section.dataset_blocks(self, summary, key)  # balance, images
        numbers = {b.id: str(b.number) for b in blocks if isinstance(b, Figure | Table)}
        guide = [self._("Table %(splits)s gives the size of each split and table %(info)s the "
                        "characteristics of the data.", splits=numbers[f"dataset-{key}-splits"],
                        info=numbers[f"dataset-{key}-info"])]
        for figure_id, message in (
            (f"dataset-{key}-classes", N_("Table %(n)s describes each class.")),
            (f"fig-dataset-{key}-distribution",
             N_("Figure %(n)s shows the share of each class in every split.")),
            (f"fig-dataset-{key}-counts",
             N_("Figure %(n)s shows how many training samples each class has.")),
            (f"fig-dataset-{key}-samples", N_("Figure %(n)s shows training images of every "
                                              "class.")),
        ):
            if figure_id in numbers:
                guide.append(self._(message, n=numbers[figure_id]))
        at = 1 if spec is not None and spec.description else 0
        blocks.insert(at, Paragraph(" ".join(guide)))
        return Section(f"data-{key}", "", self.dataset_title(summary.name), tuple(blocks))

    def split_table(self, summary: DatasetSummary, key: str) -> Table:
        total = sum(summary.split_sizes.values())
        splits = [s for s in SPLITS if s in summary.split_sizes]
        splits += [s for s in summary.split_sizes if s not in splits]
        rows = [[Cell(s, display=self._(SPLIT_HEADERS.get(s, s))),
                 Cell(summary.split_sizes[s], "int"),
                 Cell(summary.split_sizes[s] / total if total else None, "pct")]
                for s in splits]
        foot = [[Cell("total", display=self._("Total")), Cell(total, "int"),
                 Cell(1.0 if total else None, "pct")]]
        columns = [Column("split", self._("Split")), Column("samples", self._("Samples"), True),
                   Column("share", self._("Share"), True)]
        caption = self._("Samples per split of %(dataset)s.",
                           dataset=self.dataset_title(summary.name))
        return self.table(f"dataset-{key}-splits", caption, columns, rows,
                          foot=tuple(tuple(r) for r in foot))

    def dataset_info_table(self, summary: DatasetSummary, key: str) -> Table:
        lang = self.lang
        shape = " × ".join(i18n.format_int(d, lang) for d in summary.input_shape)
        low, high = summary.value_range
        classes = ", ".join(summary.classes[:20]) + (" …" if len(summary.classes) > 20 else "")
        preprocess = self._(PREPROCESS[summary.preprocess]) if summary.preprocess in PREPROCESS \
            else summary.preprocess
        rows = [
            ("source", self._("Source"), Cell(summary.source, "code")),
            ("input_shape", self._("Input shape (per sample)"),
             Cell(list(summary.input_shape), "code", display=shape)),
            ("n_classes", self._("Number of classes"), Cell(len(summary.classes), "int")),
            ("classes", self._("Classes"), Cell(summary.classes, display=classes)),
            ("value_range", self._("Value range after preprocessing"),
             Cell(list(summary.value_range), "code",
                  display=f"[{i18n.format_general(low, lang)}, "
                          f"{i18n.format_general(high, lang)}]")),
            ("preprocess", self._("Preprocessing"), Cell(summary.preprocess, display=preprocess)),
            ("fingerprint", self._("Fingerprint (SHA-256 of the arrays)"),
             Cell(summary.fingerprint, "code", display=summary.fingerprint[:16] + "…")),
        ]
        columns = [Column("property", self._("Property")), Column("value", self._("Value"))]
        caption = self._("Characteristics of %(dataset)s.",
                           dataset=self.dataset_title(summary.name))
        return self.table(f"dataset-{key}-info", caption, columns,
                          [[Cell(k, display=label), v] for k, label, v in rows])

    def distribution_figure(self, summary: DatasetSummary, key: str) -> Figure:
        splits = {s: self._(SPLIT_NAMES.get(s, s)) for s in SPLITS if s in summary.class_counts}
        texts = figures.DistributionTexts(
            xlabel=self._("Class"), ylabel=self._("Share of the split (%)"),
            splits=splits, decimal=i18n.decimal_separator(self.lang),
        )
        caption = self._("Share of every class in each split of %(dataset)s.",
                           dataset=self.dataset_title(summary.name))
        return self.figure(f"fig-dataset-{key}-distribution", caption,
                           lambda prefix: figures.class_distribution(
                               summary.class_counts, summary.classes, texts, prefix=prefix))

    # -- methodology
    def methods_section(self) -> Section:
        text = self._(
            "Each study trains one run per configuration. The best run of a study is the one with "
            "the highest validation accuracy (test accuracy when there is no validation split, "
            "training accuracy when there is neither). Every table is also saved as a CSV file "
            "in the tables folder next to this report.")
        if any(repeats_section.has_repeats(v) for v in self.views):
            text += " " + self._("A study with repeats trains each configuration once per seed "
                                 "and ranks configurations by their mean.")
        intro = Paragraph(text)
        subsections = tuple(self.study_methods(v) for v in self.views)
        return Section("methods", "", self._("Methodology"), (intro,), subsections)

    def study_methods(self, view: StudyView) -> Section:
        blocks: list[Block] = []
        if view.study.description:
            blocks.append(Paragraph(markdown(view.study.description.get(self.lang)), html=True))
        varied = varied_paths(view.runs)
        if varied:
            labels = ", ".join(self.path_label(p) for p in varied)
            blocks.append(Paragraph(self.ngettext(
                "The study compares %(n)s run that differ in: %(keys)s.",
                "The study compares %(n)s runs that differ in: %(keys)s.", len(view.runs),
            ) % {"n": i18n.format_int(len(view.runs), self.lang), "keys": labels}))
        if repeats_section.has_repeats(view):
            blocks.append(Paragraph(repeats_section.methods_sentence(self, view)))
        if view.runs:
            settings = self.settings_table(view)
            blocks += [Paragraph(self._("Table %(n)s gives the training settings.",
                                        n=str(settings.number))), settings]
        best = view.best
        if best is not None and best.summary and "model_summary" in view.study.show:
            model = self.model_summary_table(view, best)
            blocks += [Paragraph(self._("Table %(n)s gives the architecture of %(run)s, layer "
                                        "by layer.", n=str(model.number), run=best.label)),
                       model]
        return Section(f"methods-{view.key}", "", self.study_title(view), tuple(blocks))

    def path_label(self, path: str) -> str:
        return self._(PATH_LABELS[path]) if path in PATH_LABELS else path

    def settings_table(self, view: StudyView) -> Table:
        rows = []
        for key, getter, kind, default in self.settings():
            values = [getter(r) for r in view.runs]
            if default is not ALWAYS and all(v in (None, default) for v in values):
                continue
            if key.startswith("model.") and all(v is None for v in values):
                continue  # a key of other model types (ResNet-18 has no hidden layers)
            distinct = _distinct(values)
            if len(distinct) == 1:
                value = distinct[0]
                cell = Cell(value, kind, display=None if kind != "text" else
                            self.setting_text(key, value))
            else:
                shown_values = " · ".join(self.setting_text(key, v) for v in distinct)
                cell = Cell(distinct, display=self._("varies: %(values)s",
                                                       values=shown_values))
            rows.append([Cell(key, display=self.path_label(key)), cell])
        columns = [Column("setting", self._("Setting")), Column("value", self._("Value"))]
        caption = self._("Training settings of “%(study)s”.", study=self.study_title(view))
        return self.table(f"study-{view.key}-settings", caption, columns, rows)

    def settings(self) -> list[tuple[str, Callable[[RunRecord], Any], str, Any]]:
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

    def setting_text(self, key: str, value: Any) -> str:
        """A setting's value as the reader should see it, translated where it is a word."""
        _ = self._
        if value is None:
            return _("no") if key in ("training.early_stopping", "training.stop_at") \
                else i18n.DASH
        if key == "training.batch_size" and value == "full":
            return _("full batch")
        if key == "training.loss":
            return _(LOSSES[value]) if value in LOSSES else str(value)
        if key == "training.early_stopping" and isinstance(value, dict):
            return self._(
                "monitor %(monitor)s, patience %(patience)s, minimum change %(delta)s, "
                "restore best weights: %(restore)s",
                monitor=value.get("monitor", "?"),
                patience=i18n.format_int(value.get("patience"), self.lang),
                delta=i18n.format_general(value.get("min_delta"), self.lang),
                restore=_("yes") if value.get("restore_best") else _("no"))
        if key == "training.stop_at" and isinstance(value, dict):
            return f"{value.get('monitor')} ≥ " + i18n.format_general(value.get("threshold"),
                                                                       self.lang)
        if key == "training.schedule.kind" and value == "none":
            return _("constant")
        return value_text(value, self.lang)

    def model_summary_table(self, view: StudyView, best: RunRecord) -> Table:
        rows = [[Cell(row.layer, "code"), Cell(row.output_shape, "code"),
                 Cell(row.params, "int")] for row in best.summary]
        total = sum(row.params for row in best.summary)
        frozen = sum(row.non_trainable for row in best.summary)
        foot = [[Cell("total", display=self._("Total parameters")), Cell(None, display=""),
                 Cell(total, "int")]]
        if frozen:
            foot.append([Cell("non_trainable", display=self._("Non-trainable parameters")),
                         Cell(None, display=""), Cell(frozen, "int")])
        columns = [Column("layer", self._("Layer (type)")),
                   Column("output_shape", self._("Output shape")),
                   Column("params", self._("Parameters"), True)]
        caption = self._("Architecture of %(run)s, the best run of “%(study)s”.",
                           run=best.label, study=self.study_title(view))
        return self.table(f"study-{view.key}-model", caption, columns, rows,
                          foot=tuple(tuple(r) for r in foot))

    # -- results
    def results_section(self) -> Section:
        return Section("results", "", self._("Results"), (),
                       tuple(self.study_results(v) for v in self.views))

    def study_results(self, view: StudyView) -> Section:
        blocks: list[Block] = []
        seeds = repeats_section.has_repeats(view)
        if seeds:
            blocks.append(repeats_section.spread_table(self, view))
        if view.runs:
            blocks += self.comparison_tables(view)
        best = view.best
        sentence = repeats_section.best_sentence(self, view) if seeds else \
            best and self.best_run_sentence(view, best)
        if sentence:
            blocks.append(Paragraph(sentence))
        show = view.study.show
        if "curves" in show and view.runs:
            blocks += repeats_section.curve_figures(self, view) if seeds else \
                self.curve_figures(view)
        if "dual_axis" in show and best is not None:
            blocks.append(self.dual_axis_figure(view, best))
        if best is not None:
            split, metrics = final_metrics(best)
            if metrics is not None and "confusion" in show and metrics.confusion:
                blocks += self.confusion_figures(view, best, split, metrics)
            if metrics is not None and "per_class" in show and metrics.per_class:
                blocks.append(self.per_class_table(view, best, split, metrics))
        blocks += samples_section.study_blocks(self, view)  # show = ["samples"]
        guide = self.figure_guide(view, best, blocks)
        if guide:  # right after the best-run sentence, before the figures it points to
            at = next((i + 1 for i, b in enumerate(blocks) if isinstance(b, Paragraph)), 0)
            blocks.insert(at, Paragraph(guide))
        subsections: tuple[Section, ...] = ()
        if view.study.search is not None:  # searches, trials, importance, brackets
            subsections = tuning_section.sections(self, view)
        return Section(f"results-{view.key}", "", self.study_title(view), tuple(blocks),
                       subsections)

    def figure_guide(self, view: StudyView, best: RunRecord | None,
                     blocks: Sequence[Block]) -> str:
        """Sentences that point the reader to the study's figures and per-class table by
        number, so every figure is referenced from the text."""
        numbers = {b.id: str(b.number) for b in blocks if isinstance(b, Figure | Table)}
        fig = f"fig-study-{view.key}"
        run = best.label if best is not None else ""
        parts = []
        # the best-run sentence cites the scores table (or the spread table, with repeats)
        runs, scores = f"study-{view.key}-runs", f"study-{view.key}-scores"
        uncited = [t for t in (runs, scores) if t in numbers]
        if not repeats_section.has_repeats(view):
            uncited = uncited[:-1]
        if uncited:
            parts.append(self.ngettext(
                "Table %(tables)s lists every run.", "Tables %(tables)s list every run.",
                len(uncited)) % {"tables": self._("%(items)s and %(last)s",
                                                  items=numbers[uncited[0]],
                                                  last=numbers[uncited[1]])
                                 if len(uncited) == 2 else numbers[uncited[0]]})
        if f"{fig}-loss" in numbers and f"{fig}-accuracy" in numbers:
            parts.append(self._("Figures %(loss)s and %(accuracy)s show the loss and the "
                                "accuracy per epoch.", loss=numbers[f"{fig}-loss"],
                                accuracy=numbers[f"{fig}-accuracy"]))
        if f"{fig}-dual" in numbers:
            parts.append(self._("Figure %(n)s puts the loss and the accuracy of %(run)s on two "
                                "axes.", n=numbers[f"{fig}-dual"], run=run))
        if f"{fig}-confusion" in numbers and f"{fig}-confusion-normalized" in numbers:
            parts.append(self._("Figures %(counts)s and %(shares)s give the confusion matrix of "
                                "%(run)s, in counts and normalised by row.",
                                counts=numbers[f"{fig}-confusion"],
                                shares=numbers[f"{fig}-confusion-normalized"], run=run))
        if f"study-{view.key}-per-class" in numbers:
            parts.append(self._("Table %(n)s lists its precision, recall and F1 per class.",
                                n=numbers[f"study-{view.key}-per-class"]))
        if f"{fig}-predictions" in numbers:
            parts.append(self._("Figure %(n)s shows sample predictions of %(run)s with the "
                                "probability of every class.",
                                n=numbers[f"{fig}-predictions"], run=run))
        if f"{fig}-misclassified" in numbers:
            parts.append(self._("Figure %(n)s gathers its most confident mistakes.",
                                n=numbers[f"{fig}-misclassified"]))
        return " ".join(parts)

    def comparison_tables(self, view: StudyView) -> list[Table]:
        """One row per run: what differs, how training ended, the scores and the time.

        Past MAX_COLUMNS an A4 page cannot hold it; the scores then get a table of their own,
        each table starting with the run's name.
        """
        varied = varied_paths(view.runs)
        splits = [s for s in SPLITS if any(s in r.metrics for r in view.runs)]
        # the engine is in the settings table; a column only when runs differ in it
        engines = len({r.engine for r in view.runs}) > 1 and "engine" not in varied
        setup_rows, score_rows = [], []
        for record in view.runs:
            values = flat_varied(record)
            row = [self.value_cell(values.get(p, get_path(record.config, p))) for p in varied]
            row += [Cell(record.engine, "code")] if engines else []
            row += [Cell(record.best_epoch, "int"), Cell(record.epochs_run, "int"),
                    Cell(record.stop_reason, display=self.stop_reason(record.stop_reason))]
            setup_rows.append(row)
            score_rows.append([
                Cell(finite(getattr(record.metrics[split], metric))
                     if split in record.metrics else None, "num")
                for metric in ("accuracy", "loss") for split in splits])
        numeric = [all(row[i].numeric for row in setup_rows) for i in range(len(varied))]
        setup = [Column(p, self.path_label(p), numeric[i]) for i, p in enumerate(varied)]
        setup += [Column("engine", self._("Engine"))] if engines else []
        setup += [Column("best_epoch", self._("Best epoch"), True),
                  Column("epochs_run", self._("Epochs"), True),
                  Column("stop_reason", self._("Stop reason"))]
        scores = [Column(f"{split}_{metric}", self._(SPLIT_SHORT[split]), True, group)
                  for metric, group in (("accuracy", self._("Accuracy")), ("loss", self._("Loss")))
                  for split in splits]
        time = [Column("wall_seconds", self._("Time"), True)]
        names = [[Cell(record.label)] for record in view.runs]
        times = [[Cell(finite(record.wall_seconds), "secs")] for record in view.runs]

        run = [Column("run", self._("Run"))]
        highlight = view.ranking[0] if view.ranking and len(view.runs) > 1 else None
        note = self._("The best run is in bold. “—”: not measured (the run diverged, failed or "
                      "was not evaluated on that split).")
        title = self.study_title(view)
        if 1 + len(setup) + len(scores) + 1 <= MAX_COLUMNS:
            rows = [n + a + b + t for n, a, b, t in zip(names, setup_rows, score_rows, times,
                                                       strict=True)]
            return [self.table(f"study-{view.key}-runs", self._("Runs of “%(study)s”.",
                                                                 study=title),
                               run + setup + scores + time, rows, highlight=highlight,
                               note=note)]
        return [
            self.table(f"study-{view.key}-runs", self._("Runs of “%(study)s”.", study=title),
                       run + setup + time,
                       [n + a + t for n, a, t in zip(names, setup_rows, times, strict=True)],
                       highlight=highlight),
            self.table(f"study-{view.key}-scores",
                       self._("Accuracy and loss of the runs of “%(study)s”.", study=title),
                       run + scores, [n + b for n, b in zip(names, score_rows, strict=True)],
                       highlight=highlight, note=note),
        ]

    def value_cell(self, value: Any) -> Cell:
        if isinstance(value, bool) or value is None:
            return Cell(value, display=value_text(value, self.lang))
        if isinstance(value, int | float):
            return Cell(value, "general")
        if isinstance(value, str):
            return Cell(value, "code")
        return Cell(value, "code", display=value_text(value, self.lang))

    def best_run_sentence(self, view: StudyView, best: RunRecord) -> str:
        split = view.score_split or "val"
        sentence = self._(
            "Best run: %(run)s, with %(metric)s %(value)s (table %(table)s).", run=best.label,
            metric=self._(ACCURACY_NAMES[split]), value=self.pct(accuracy(best, split)),
            table=self.table_numbers.get(f"study-{view.key}-scores")
            or self.table_numbers.get(f"study-{view.key}-runs", "?"))
        return sentence

    def curve_figures(self, view: StudyView) -> list[Block]:
        keep = [i for i, h in enumerate(view.histories) if _has_values(h)]
        if not keep:
            return [Paragraph(self._("No run recorded a finite loss or accuracy, so there are "
                                     "no learning curves."))]
        histories = [view.histories[i] for i in keep]
        labels = [view.runs[i].label for i in keep]
        diverged = [view.runs[i].stop_reason == "diverged" for i in keep]
        title = self.study_title(view)
        out: list[Block] = []
        for metric, ylabel, message in (
            ("loss", self._("Loss"),
             N_("Loss per epoch of the runs of “%(study)s”: training (solid) and validation "
                "(dashed).")),
            ("accuracy", self._("Accuracy"),
             N_("Accuracy per epoch of the runs of “%(study)s”: training (solid) and validation "
                "(dashed).")),
        ):
            texts = figures.CurveTexts(
                xlabel=self._("Epoch"), ylabel=ylabel, train=self._("training"),
                val=self._("validation"), diverged=self._("diverged"),
                decimal=i18n.decimal_separator(self.lang))
            caption = self._(message, study=title)
            if any(diverged):
                caption += " " + self._("× marks the last finite value of a run that diverged.")
            out.append(self.figure(
                f"fig-study-{view.key}-{metric}", caption,
                lambda prefix, m=metric, t=texts: figures.learning_curves(
                    histories, labels, m, t, diverged=diverged, prefix=prefix)))
        return out

    def dual_axis_figure(self, view: StudyView, best: RunRecord) -> Figure:
        history = view.histories[view.runs.index(best)]
        texts = figures.DualAxisTexts(
            xlabel=self._("Epoch"), loss=self._("Loss"), accuracy=self._("Accuracy"),
            train=self._("training"), val=self._("validation"),
            decimal=i18n.decimal_separator(self.lang))
        caption = self._("Loss (left axis) and accuracy (right axis) per epoch of %(run)s, the "
                         "best run of “%(study)s”.", run=best.label, study=self.study_title(view))
        return self.figure(f"fig-study-{view.key}-dual", caption,
                           lambda prefix: figures.dual_axis(history, texts, prefix=prefix))

    def confusion_figures(self, view: StudyView, best: RunRecord, split: str,
                          metrics: SplitMetrics) -> list[Block]:
        classes = self.class_names(best, metrics)
        texts = figures.MatrixTexts(xlabel=self._("Predicted class"),
                                    ylabel=self._("True class"),
                                    decimal=i18n.decimal_separator(self.lang))
        split_name = self._(SPLIT_NAMES.get(split, split))
        counts = self.figure(
            f"fig-study-{view.key}-confusion",
            self._("Confusion matrix of %(run)s on the %(split)s split (counts).",
                     run=best.label, split=split_name),
            lambda prefix: figures.confusion_matrix(metrics.confusion, classes, False, texts,
                                                    prefix=prefix))
        shares = self.figure(
            f"fig-study-{view.key}-confusion-normalized",
            self._("Confusion matrix of %(run)s on the %(split)s split, normalised by row: "
                     "each row shows how the samples of one true class were classified.",
                     run=best.label, split=split_name),
            lambda prefix: figures.confusion_matrix(metrics.confusion, classes, True, texts,
                                                    prefix=prefix))
        return [counts, shares]

    def class_names(self, record: RunRecord, metrics: SplitMetrics) -> list[str]:
        summary = self.results.datasets.get(record.dataset)
        if summary is not None and len(summary.classes) == len(metrics.confusion):
            return list(summary.classes)
        names = [c.name for c in metrics.per_class if c.name not in AVERAGE_ROWS]
        return names if len(names) == len(metrics.confusion) else \
            [str(i) for i in range(len(metrics.confusion))]

    def per_class_table(self, view: StudyView, best: RunRecord, split: str,
                        metrics: SplitMetrics) -> Table:
        def row(c: Any, name: Cell) -> list[Cell]:
            return [name, Cell(finite(c.precision), "num"), Cell(finite(c.recall), "num"),
                    Cell(finite(c.f1), "num"), Cell(c.support, "int")]

        rows = [row(c, Cell(c.name)) for c in metrics.per_class if c.name not in AVERAGE_ROWS]
        foot = [row(c, Cell(c.name, display=self._(AVERAGE_ROWS[c.name])))
                for c in metrics.per_class if c.name in AVERAGE_ROWS]
        columns = [Column("class", self._("Class")),
                   Column("precision", self._("Precision"), True),
                   Column("recall", self._("Recall"), True), Column("f1", self._("F1"), True),
                   Column("support", self._("Support"), True)]
        caption = self._("Precision, recall and F1 per class of %(run)s on the %(split)s "
                           "split.", run=best.label,
                           split=self._(SPLIT_NAMES.get(split, split)))
        return self.table(f"study-{view.key}-per-class", caption, columns, rows,
                          foot=tuple(tuple(r) for r in foot))

    # -- discussion: per study, what the numbers show, then the author's own notes
    def discussion_section(self) -> Section:
        intro = Paragraph(self._(
            "For each study, the observations below are computed from the results; the "
            "author's own notes, where given, follow them."))
        return Section("discussion", "", self._("Discussion"), (intro,),
                       tuple(self.study_discussion(v) for v in self.views))

    def study_discussion(self, view: StudyView) -> Section:
        notes: tuple[Section, ...] = ()
        if view.study.notes:
            text = Paragraph(markdown(view.study.notes.get(self.lang)), html=True)
            notes = (Section(f"notes-{view.key}", "", self._("Author's notes"), (text,)),)
        return Section(f"discussion-{view.key}", "", self.study_title(view),
                       (BulletList(tuple(self.study_conclusions(view))),), notes)

    # -- conclusions: the author's text, then the key result of every study
    def conclusions_section(self) -> Section:
        blocks: list[Block] = []
        if self.manifest.report.conclusions:
            blocks.append(Paragraph(markdown(self.manifest.report.conclusions.get(self.lang)),
                                    html=True))
        blocks.append(BulletList(tuple(self.key_result_sentence(v) for v in self.views)))
        return Section("conclusions", "", self._("Conclusions"), tuple(blocks))

    def study_conclusions(self, view: StudyView) -> list[str]:
        items: list[str] = []
        best = view.best
        if best is None:
            items.append(self._("No run finished with results, so nothing can be compared."))
        elif repeats_section.has_repeats(view):
            items += repeats_section.ranking_conclusions(self, view)
            items += self.factor_conclusion(view)
            items += self.gap_conclusion(best)
        else:
            items += self.ranking_conclusions(view, best)
            items += self.factor_conclusion(view)
            items += self.gap_conclusion(best)
        items += self.engine_conclusions(view)
        if view.study.search is not None:
            items += tuning_section.conclusions(self, view)
        items += self.stop_conclusions(view)
        return items

    def factor_conclusion(self, view: StudyView) -> list[str]:
        """The direction of a single numeric factor's effect, only when the data show one."""
        split = view.score_split
        paths = varied_paths(view.runs)
        if split is None or len(paths) != 1:
            return []
        seeds = repeats_section.has_repeats(view)
        if seeds:  # one point per configuration: its mean over the seeds
            points = repeats_section.factor_points(
                view, split, lambda r: _as_number(flat_varied(r).get(paths[0])))
        else:
            points = sorted((numeric, score) for r in view.runs
                            if (numeric := _as_number(flat_varied(r).get(paths[0]))) is not None
                            and (score := accuracy(r, split)) is not None)
        if len(points) < 3 or len({x for x, _ in points}) < len(points):
            return []
        steps = [b[1] - a[1] for a, b in itertools.pairwise(points)]
        label = self.path_label(paths[0])
        values = {"factor": label[:1].lower() + label[1:],
                  "metric": self._(ACCURACY_NAMES[split])}
        if seeds:
            values["metric"] = self._("mean %(metric)s", metric=values["metric"])
        if all(step > 0 for step in steps):
            message = N_("The %(metric)s rises at every step as %(factor)s increases.")
        elif all(step < 0 for step in steps):
            message = N_("The %(metric)s falls at every step as %(factor)s increases.")
        else:
            message = N_("The %(metric)s does not move in one direction as %(factor)s "
                         "increases.")
        return [self._(message, **values)]

    def engine_conclusions(self, view: StudyView) -> list[str]:
        """Runs that differ only in their engine: the gap between the engines."""
        items = []
        split = view.score_split
        for a, b in itertools.combinations(view.runs, 2):
            if a.engine == b.engine or _without_engine(a.config) != _without_engine(b.config):
                continue
            score_a = accuracy(a, split) if split else None
            score_b = accuracy(b, split) if split else None
            if score_a is None or score_b is None:
                continue
            items.append(self._(
                "%(a)s (%(engine_a)s) and %(b)s (%(engine_b)s) train the same network with "
                "different engines: %(metric)s %(value_a)s and %(value_b)s, a gap of %(gap)s "
                "percentage points; %(time_a)s and %(time_b)s per epoch.",
                a=a.label, engine_a=a.engine, b=b.label, engine_b=b.engine,
                metric=self._(ACCURACY_NAMES[split]), value_a=self.pct(score_a),
                value_b=self.pct(score_b),
                gap=i18n.format_points(abs(score_a - score_b), self.lang),
                time_a=f"{i18n.format_number(a.seconds_per_epoch, self.lang, 3)} s",
                time_b=f"{i18n.format_number(b.seconds_per_epoch, self.lang, 3)} s"))
        return items

    def ranking_conclusions(self, view: StudyView, best: RunRecord) -> list[str]:
        split = view.score_split or "val"
        metric = self._(ACCURACY_NAMES[split])
        value = accuracy(best, split)
        items = []
        if len(view.ranking) < 2:
            items.append(self._("%(run)s reaches %(metric)s %(value)s.", run=best.label,
                                  metric=metric, value=self.pct(value)))
        else:
            runner = view.runs[view.ranking[1]]
            margin = (value or 0.0) - (accuracy(runner, split) or 0.0)
            if margin <= 0:
                items.append(self._(
                    "%(run)s and %(runner)s tie on %(metric)s (%(value)s).", run=best.label,
                    runner=runner.label, metric=metric, value=self.pct(value)))
            else:
                items.append(self._(
                    "%(run)s has the highest %(metric)s (%(value)s), %(margin)s percentage "
                    "points above the runner-up, %(runner)s (%(runner_value)s).",
                    run=best.label, metric=metric, value=self.pct(value),
                    margin=i18n.format_points(margin, self.lang), runner=runner.label,
                    runner_value=self.pct(accuracy(runner, split))))
            if 0 < margin < SMALL_MARGIN:
                items.append(self._(
                    "The difference is under half a percentage point and each configuration was "
                    "trained with a single seed, so another seed could change the order."))
        test = accuracy(best, "test")
        if test is not None and split != "test":
            items.append(self._("On the test split, %(run)s reaches an accuracy of %(value)s.",
                                  run=best.label, value=self.pct(test)))
        return items

    def gap_conclusion(self, best: RunRecord) -> list[str]:
        train, val = accuracy(best, "train"), accuracy(best, "val")
        if train is None or val is None:
            return []
        gap = train - val
        values = {"run": best.label, "train": self.pct(train), "val": self.pct(val),
                  "gap": i18n.format_points(abs(gap), self.lang)}
        if gap > OVERFIT_GAP:
            message = N_("The training accuracy of %(run)s (%(train)s) exceeds its validation "
                         "accuracy (%(val)s) by %(gap)s percentage points, which suggests "
                         "overfitting.")
        elif gap >= 0:
            message = N_("The training accuracy of %(run)s (%(train)s) exceeds its validation "
                         "accuracy (%(val)s) by %(gap)s percentage points, a gap too small to "
                         "suggest overfitting.")
        else:
            message = N_("The validation accuracy of %(run)s (%(val)s) is %(gap)s percentage "
                         "points above its training accuracy (%(train)s): no sign of "
                         "overfitting.")
        return [self._(message, **values)]

    def stop_conclusions(self, view: StudyView) -> list[str]:
        items = []
        lang = self.lang
        diverged = [r for r in view.runs if r.stop_reason == "diverged"]
        if diverged:
            runs = ", ".join(self._("%(run)s (epoch %(epoch)s)", run=r.label,
                                      epoch=i18n.format_int(r.diverged_epoch or r.epochs_run,
                                                            lang)) for r in diverged)
            items.append(self.ngettext(
                "%(n)s run diverged (its loss stopped being finite) and has no final metrics: "
                "%(runs)s.",
                "%(n)s runs diverged (their loss stopped being finite) and have no final "
                "metrics: %(runs)s.", len(diverged)) % {"n": i18n.format_int(len(diverged), lang),
                                                        "runs": runs})
        early = [r for r in view.runs if r.stop_reason == "early_stopped"]
        if early:
            runs = ", ".join(self._(
                "%(run)s (epoch %(epoch)s of %(max)s, best epoch %(best)s)", run=r.label,
                epoch=i18n.format_int(r.epochs_run, lang),
                max=i18n.format_int(get_path(r.config, "training.epochs"), lang),
                best=i18n.format_int(r.best_epoch, lang)) for r in early)
            items.append(self.ngettext(
                "%(n)s run stopped early because %(monitor)s stopped improving: %(runs)s.",
                "%(n)s runs stopped early because %(monitor)s stopped improving: %(runs)s.",
                len(early)) % {"n": i18n.format_int(len(early), lang),
                               "monitor": early[0].monitor, "runs": runs})
        reached = [r for r in view.runs if r.stop_reason == "threshold"]
        if reached:
            runs = ", ".join(self._("%(run)s (epoch %(epoch)s)", run=r.label,
                                      epoch=i18n.format_int(r.epochs_run, lang))
                             for r in reached)
            items.append(self.ngettext(
                "%(n)s run reached its stop threshold: %(runs)s.",
                "%(n)s runs reached their stop threshold: %(runs)s.", len(reached),
            ) % {"n": i18n.format_int(len(reached), lang), "runs": runs})
        failed = [f"{r.label} ({r.error or '?'})" for r in view.runs if r.stop_reason == "failed"]
        failed += [f"{rid[:12]} ({error})" for rid, error in view.failed]
        if failed:
            items.append(self.ngettext(
                "%(n)s run failed and has no results: %(runs)s.",
                "%(n)s runs failed and have no results: %(runs)s.", len(failed),
            ) % {"n": i18n.format_int(len(failed), lang), "runs": "; ".join(failed)})
        return items

    # -- appendix: provenance
    def appendix(self) -> Section:
        records = [r for v in self.views for r in v.runs]
        index = self.results.index
        seeds = sorted({r.seed for r in records})
        devices = sorted({r.device for r in records})
        engines = sorted({r.engine for r in records})
        rows = [
            ("manifest_sha256", self._("Manifest SHA-256"), Cell(self.manifest.sha256, "code")),
            ("created_at", self._("Results created"), Cell(index.get("created_at"), "code")),
            ("seeds", self._("Seeds"), Cell(seeds, "code",
                                            display=", ".join(str(s) for s in seeds))),
            ("devices", self._("Devices"), Cell(devices, display="; ".join(devices))),
            ("engines", self._("Engines"), Cell(engines, "code", display=", ".join(engines))),
        ]
        provenance = self.table(
            "provenance", self._("Provenance of the results."),
            [Column("property", self._("Property")), Column("value", self._("Value"))],
            [[Cell(k, display=label), v] for k, label, v in rows])
        versions = dict(index.get("versions") or {})
        for record in records:
            for lib, version in record.versions.items():
                versions.setdefault(lib, version)
        versions_table = self.table(
            "versions", self._("Library versions."),
            [Column("library", self._("Library")), Column("version", self._("Version"))],
            [[Cell(lib, "code"), Cell(ver, "code")] for lib, ver in sorted(versions.items())])
        fused = fused_groups(records)  # group id -> (number, labels of its runs)
        fused_column = [Column("fused_group", self._("Fused group"), True)] if fused else []
        runs_table = self.table(
            "runs", self._("Every run: identifier, device, seed and time."),
            [Column("run_id", self._("Run id")), Column("study", self._("Study")),
             Column("run", self._("Run")), Column("device", self._("Device")),
             Column("seed", self._("Seed"), True), Column("epochs_run", self._("Epochs"), True),
             Column("wall_seconds", self._("Time"), True),
             Column("seconds_per_epoch", self._("Time per epoch"), True),
             Column("started_at", self._("Started (UTC)")), *fused_column],
            [[Cell(r.run_id, "code", display=r.run_id[:12]), Cell(r.study_id, "code"),
              Cell(r.label), Cell(r.device), Cell(r.seed, "int"), Cell(r.epochs_run, "int"),
              Cell(finite(r.wall_seconds), "secs"), Cell(finite(r.seconds_per_epoch), "secs"),
              Cell(r.started_at, "code", display=r.started_at.replace("T", " ")[:19]),
              *([Cell(fused[g][0] if (g := fused_group_id(r)) in fused else None, "int")]
                if fused else [])]
             for r in records])
        fused_note = [Paragraph(self._(
            "Runs with a fused group number were trained together as one batched model, each "
            "with its own seed, initial weights, batch order, hyperparameters and callbacks: "
            "the same results as training them one by one, up to floating-point rounding, in "
            "less time (a run's time is its share of the group's). %(groups)s.",
            groups="; ".join(self._("Group %(number)s: %(runs)s", number=str(number),
                                    runs=", ".join(labels if len(labels) <= 4
                                                   else [labels[0], "…", labels[-1]]))
                             for number, labels in fused.values())))] if fused else []
        intro = Paragraph(self._(
            "Everything needed to reproduce and trace these results: the manifest they come "
            "from (its SHA-256 identifies the exact text), seeds, devices, library versions and "
            "every run.") + " " + self._(
            "Table %(provenance)s identifies the results, table %(versions)s gives the library "
            "versions and table %(runs)s every run with its identifier, seed and time.",
            provenance=str(provenance.number), versions=str(versions_table.number),
            runs=str(runs_table.number)))
        listing = Section("manifest", "", self._("Manifest"),
                          (Preformatted(self.manifest.source_text),))
        cuda = key_section.cuda_note(self, records)
        return Section("appendix", "A", self._("Appendix: provenance"),
                       (intro, provenance, *([cuda] if cuda else []), versions_table, runs_table,
                        *fused_note), (listing,))


# ---------------------------------------------------------------- helpers
def fused_group_id(record: RunRecord) -> str | None:
    """The fused group a run was trained in (engines/fused.py), or None if it trained alone."""
    group = record.extra.get("fused_group")
    return group.get("id") if isinstance(group, dict) else None


def fused_groups(records: Sequence[RunRecord]) -> dict[str, tuple[int, list[str]]]:
    """Fused group id -> (number 1, 2, … in order of first appearance, labels of its runs)."""
    groups: dict[str, tuple[int, list[str]]] = {}
    for record in records:
        if (group := fused_group_id(record)) is not None:
            groups.setdefault(group, (len(groups) + 1, []))[1].append(record.label)
    return groups


def final_metrics(record: RunRecord) -> tuple[str, SplitMetrics | None]:
    """The split shown in the confusion matrix and per-class table: test, else val, else train."""
    for split in ("test", "val", "train"):
        if split in record.metrics:
            return split, record.metrics[split]
    return "test", None


def flat_varied(record: RunRecord) -> dict[str, Any]:
    """The run's varied values with tables flattened to their leaves:
    {"training.optimizer": {"name": "sgd", "lr": 5}} → training.optimizer.name, ….lr."""
    out: dict[str, Any] = {}

    def visit(path: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for key, inner in value.items():
                visit(f"{path}.{key}", inner)
        else:
            out[path] = value

    for path, value in record.varied.items():
        visit(path, value)
    return out


def varied_paths(records: Sequence[RunRecord]) -> list[str]:
    """The dotted paths (leaves) varied in a study, in order of first appearance."""
    paths: dict[str, None] = {}
    for record in records:
        paths.update(dict.fromkeys(flat_varied(record)))
    return list(paths)


def _as_number(value: Any) -> float | None:
    """A varied value as a number: 0.01, 256, or a one-layer [256]."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _without_engine(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k not in ("engine", "device")}


def _distinct(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def _has_values(history: list[dict[str, Any]]) -> bool:
    keys = ("loss", "val_loss", "accuracy", "val_accuracy")
    return any(finite(row.get(k)) is not None for row in history for k in keys)


def _numbered(sections: list[Section], prefix: str = "") -> tuple[Section, ...]:
    """Number sections 1, 2, … and subsections 1.1, 1.2, …; a preset number ("A") is kept."""
    out = []
    counter = 0
    for section in sections:
        if section.number and not prefix:
            number = section.number
        else:
            counter += 1
            number = f"{prefix}{counter}"
        subs = _numbered(list(section.subsections), f"{number}.")
        out.append(dataclasses.replace(section, number=number, subsections=subs))
    return tuple(out)
