"""Findings in one language: every run labelled as a reader writes it, every class named in the
report's language.

The analysis is decided once for every language with the stored identities (`hidden=256 ·
seed=13`, `malignant`); here, per language, each `RunRecord`, each configuration over seeds and
each dataset summary reachable from the findings is replaced by a copy whose labels and class
names are `run_labels.Label`s: the text of the document's language that still knows the identity
(kept by the CSV tables and the appendix's run listing). Sections then word `record.label` as
they always did, and new facts that hold records are covered without being listed here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from reportgen.analysis import repeats
from reportgen.analysis import runs as run_facts
from reportgen.analysis.findings import Findings, StudyFindings
from reportgen.manifest import Manifest, Study
from reportgen.report import class_names
from reportgen.report.run_labels import Label, Words
from reportgen.store.records import DatasetSummary, RunRecord, SplitMetrics
from reportgen.store.tuning_records import TuningRecord


def dataset_classes(manifest: Manifest, summary: DatasetSummary, lang: str) -> list[str]:
    """The class names of `summary` in `lang`: the manifest's `class_names` for that language,
    else its `classes` as given, else the built-in translation, else the source's names."""
    spec = manifest.datasets.get(summary.name)
    given = getattr(spec, "class_names", None)
    names = getattr(given, lang, None) if given is not None else None
    if names and len(names) == len(summary.classes):
        return list(names)
    if spec is None or getattr(spec, "classes", None):
        return list(summary.classes)
    return class_names.for_dataset(spec, summary.classes, lang) or list(summary.classes)


class _Localiser:
    def __init__(self, findings: Findings, lang: str) -> None:
        manifest = findings.manifest
        self.manifest = manifest
        self.lang = lang
        self.words = Words(lang, self._dataset_title)
        self.studies: dict[str, Study] = {s.id: s for s in manifest.studies}
        self.classes: dict[str, dict[str, Label]] = {}  # dataset -> source name -> shown
        for name, summary in findings.datasets.items():
            shown = dataset_classes(manifest, summary, lang)
            self.classes[name] = {source: Label(text, source)
                                  for source, text in zip(summary.classes, shown, strict=True)}
        self.memo: dict[int, Any] = {}

    def _dataset_title(self, name: str) -> str:
        spec = self.manifest.datasets.get(name)
        return spec.title.get(self.lang) if spec is not None and spec.title else name

    def walk(self, obj: Any) -> Any:
        key = id(obj)
        if key in self.memo:
            return self.memo[key]
        out = self._walk(obj)
        self.memo[key] = out
        return out

    def _walk(self, obj: Any) -> Any:
        if isinstance(obj, str | int | float | bool | type(None) | Manifest):
            return obj
        if isinstance(obj, RunRecord):
            return self.record(obj)
        if isinstance(obj, DatasetSummary):
            names = self.classes.get(obj.name, {})
            return dataclasses.replace(obj, classes=[names.get(c, c) for c in obj.classes])
        if isinstance(obj, repeats.Configuration):
            runs = tuple(self.walk(r) for r in obj.runs)
            study = self.studies.get(obj.runs[0].study_id) if obj.runs else None
            text = self.words.run_label(obj.runs[0], study, with_seed=False) if obj.runs \
                else obj.label
            return dataclasses.replace(obj, label=Label(text, obj.label), runs=runs)
        if isinstance(obj, TuningRecord):
            return self.tuning(obj)
        if isinstance(obj, StudyFindings):
            return self.study(obj)
        if isinstance(obj, tuple):
            items = tuple(self.walk(x) for x in obj)
            return obj if all(a is b for a, b in zip(items, obj, strict=True)) else items
        if isinstance(obj, list):
            walked = [self.walk(x) for x in obj]
            return obj if all(a is b for a, b in zip(walked, obj, strict=True)) else walked
        if isinstance(obj, dict):
            values = {k: self.walk(v) for k, v in obj.items()}
            return obj if all(values[k] is v for k, v in obj.items()) else values
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return self._walk_fields(obj)
        return obj  # arrays, pydantic models: nothing of ours inside

    def record(self, record: RunRecord) -> RunRecord:
        study = self.studies.get(record.study_id)
        label = Label(self.words.run_label(record, study), record.label)
        config_label = None if record.config_label is None else Label(
            self.words.run_label(record, study, with_seed=False), record.config_label)
        names = self.classes.get(record.dataset, {})
        metrics = {split: self.split_metrics(m, names) for split, m in record.metrics.items()}
        return dataclasses.replace(record, label=label, config_label=config_label,
                                   metrics=metrics)

    @staticmethod
    def split_metrics(metrics: SplitMetrics, names: dict[str, Label]) -> SplitMetrics:
        if not names:
            return metrics
        rows = [dataclasses.replace(c, name=names[c.name]) if c.name in names else c
                for c in metrics.per_class]
        return dataclasses.replace(metrics, per_class=rows)

    def study(self, found: StudyFindings) -> StudyFindings:
        """Records and configurations as everywhere; the curve reading and the seed margin
        name configurations by their identity labels, so those strings are mapped too."""
        out = self._walk_fields(found)
        shown: dict[str, Label] = {}
        for record in out.runs:
            for label in (record.label, record.config_label):
                if isinstance(label, Label):
                    shown.setdefault(label.identity, label)
        for config in out.seeds.configurations if out.seeds is not None else ():
            if isinstance(config.label, Label):
                shown[config.label.identity] = config.label
        if not shown:
            return out
        return dataclasses.replace(out, curves=_relabel(out.curves, shown),
                                   seed_margin=_relabel(out.seed_margin, shown))

    def _walk_fields(self, obj: Any) -> Any:
        changed = {f.name: new for f in dataclasses.fields(obj) if f.init
                   and (new := self.walk(getattr(obj, f.name))) is not getattr(obj, f.name)}
        return dataclasses.replace(obj, **changed) if changed else obj

    def tuning(self, record: TuningRecord) -> TuningRecord:
        retrained = record.retrained
        if not retrained or "label" not in retrained:
            return record
        for memo in self.memo.values():  # the retrained run, already labelled with its study
            if isinstance(memo, RunRecord) and memo.run_id == retrained.get("run_id") \
                    and memo.study_id == record.study_id:
                return dataclasses.replace(record, retrained={**retrained, "label": memo.label})
        return record


def _relabel(obj: Any, shown: dict[str, Label]) -> Any:
    """`obj` with every string that is a configuration's identity label replaced by its shown
    `Label` (a mechanism is a key, not a label: left alone)."""
    if isinstance(obj, Label):
        return obj
    if isinstance(obj, str):
        return shown.get(obj, obj)
    if isinstance(obj, tuple):
        return tuple(_relabel(x, shown) for x in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.replace(obj, **{
            f.name: _relabel(getattr(obj, f.name), shown) for f in dataclasses.fields(obj)
            if f.init and f.name != "mechanism"})
    return obj


def localise(findings: Findings, lang: str) -> Findings:
    """`findings` with run labels and class names in `lang` (identities kept, see module)."""
    localiser = _Localiser(findings, lang)
    for study in findings.studies:  # records first: tuning records name their retrained run
        for record in study.runs:
            localiser.walk(record)
    out: Findings = localiser.walk(findings)
    records = [r for s in out.studies for r in s.runs]
    fused = run_facts.fused_groups(records)
    return dataclasses.replace(out, provenance=dataclasses.replace(out.provenance, fused=fused))
