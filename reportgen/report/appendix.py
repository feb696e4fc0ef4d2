"""The appendix: provenance (manifest hash, seeds, devices, library versions, every run), the
errors of failed runs as they were raised, and the manifest itself; and which runs' confusion
matrices and per-class scores appendix B holds (report/runs_appendix.py writes it)."""

from __future__ import annotations

from markupsafe import escape

from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.runs import final_metrics
from reportgen.report import key_section
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.report.model import Block, Cell, Column, Paragraph, Preformatted, Section, Table
from reportgen.report.run_labels import identity
from reportgen.store.records import RunRecord, SplitMetrics, finite
from reportgen.store.store import MANIFEST_COPY, RESULTS_JSON


def appendix(ctx: Context) -> Section:
    findings = ctx.findings
    records = findings.records
    provenance_facts = findings.provenance
    seeds = sorted({r.seed for r in records})
    devices = sorted({_where(r) for r in records})  # with the worker that trained them
    engines = sorted({r.engine for r in records})
    rows = [
        ("manifest_sha256", ctx._("Manifest SHA-256"), Cell(ctx.manifest.sha256, "code")),
        ("created_at", ctx._("Results created"), Cell(provenance_facts.created_at, "code")),
        ("seeds", ctx._("Seeds"), Cell(seeds, "code", display=", ".join(str(s) for s in seeds))),
        ("devices", ctx._("Devices"), Cell(devices, display="; ".join(devices))),
        ("engines", ctx._("Engines"), Cell(engines, "code", display=", ".join(engines))),
    ]
    provenance = ctx.table(
        "provenance", ctx._("Provenance of the results."),
        [Column("property", ctx._("Property")), Column("value", ctx._("Value"))],
        [[Cell(k, display=label), v] for k, label, v in rows])
    versions_table = ctx.table(
        "versions", ctx._("Library versions."),
        [Column("library", ctx._("Library")), Column("version", ctx._("Version"))],
        [[Cell(lib, "code"), Cell(ver, "code")]
         for lib, ver in sorted(provenance_facts.versions.items())])
    fused = provenance_facts.fused  # group id -> (number, labels of its runs)
    fused_column = [Column("fused_group", ctx._("Fused group"), True)] if fused else []
    # one device for every run is said once, in the provenance table; the start times and
    # the rest of each record are in results.json, which the PDF carries
    device_column = [Column("device", ctx._("Device"))] if len(devices) > 1 else []
    runs_table = ctx.table(
        "runs", ctx._("Every run: identifier, seed, epochs and time."),
        [Column("run_id", ctx._("Run id")), Column("study", ctx._("Study")),
         Column("run", ctx._("Run")), *device_column,
         Column("seed", ctx._("Seed"), True), Column("epochs_run", ctx._("Epochs"), True),
         Column("wall_seconds", ctx._("Time"), True), *fused_column],
        [[Cell(r.run_id, "code", display=r.run_id[:12]), Cell(r.study_id, "code"),
          Cell(identity(r.label), "code"), *([Cell(_where(r))] if device_column else []),
          Cell(r.seed, "int"), Cell(r.epochs_run, "int"), Cell(finite(r.wall_seconds), "secs"),
          *([Cell(fused[g][0] if (g := r.fused_group_id) in fused else None, "int")]
            if fused else [])]
         for r in records], compact=True)  # a listing to look a run up in: small type
    fused_note = [Paragraph(ctx._(
        "Runs with a fused group number were trained together as one batched model, each "
        "with its own seed, initial weights, batch order, hyperparameters and callbacks: "
        "the same results as training them one by one, up to floating-point rounding, in "
        "less time (a run's time is its share of the group's). %(groups)s.",
        groups="; ".join(ctx._("Group %(number)s: %(runs)s", number=str(number),
                               runs=", ".join(labels if len(labels) <= 4
                                              else [labels[0], "…", labels[-1]]))
                         for number, labels in fused.values())))] if fused else []
    intro = Paragraph(ctx._(
        "Everything needed to reproduce and trace these results: the manifest they come "
        "from (its SHA-256 identifies the exact text), seeds, devices, library versions and "
        "every run.") + " " + ctx._(
        "Table %(provenance)s identifies the results, table %(versions)s gives the library "
        "versions and table %(runs)s every run with its identifier, seed and time.",
        provenance=str(provenance.number), versions=str(versions_table.number),
        runs=str(runs_table.number)))
    authorship = Paragraph(authorship_text(ctx))
    attached = [Paragraph(text, html=True)] if (text := attachments_text(ctx)) else []
    listing = Section("manifest", "", ctx._("Manifest"),
                      (Preformatted(ctx.manifest.source_text),))
    cuda = key_section.cuda_note(ctx, records)
    return Section("appendix", "A", ctx._("Appendix: provenance"),
                   (intro, *attached, authorship, provenance, *([cuda] if cuda else []),
                    versions_table, runs_table, *fused_note, *errors(ctx)), (listing,))


def _where(record: RunRecord) -> str:
    """The device a run trained on, and the worker process when it was not the driver."""
    return f"{record.device} · {record.worker}" if record.worker else record.device


def attachments_text(ctx: Context) -> str | None:
    """Safe HTML: the files the PDF carries inside it (report/write.py attaches them), how to
    take them out, and what they are good for; None when the manifest makes no PDF."""
    if "pdf" not in ctx.manifest.report.formats:
        return None

    def code(text: str) -> str:
        return f"<code>{escape(text)}</code>"

    key = ctx._("KEY")  # the answer key's folder, as the command's help names it
    message = ctx._(
        "The PDF of this report carries two attachments, byte for byte the files of its output "
        "folder: the manifest, %(manifest)s, and the summary of its results, %(results)s. "
        "%(extract)s extracts them, and so does the attachments pane of any PDF reader: the "
        "PDF alone is enough to run the experiments again (%(rerun)s) and to grade them "
        "against an answer key (%(grade)s).")
    return str(escape(message)) % {
        "manifest": code(MANIFEST_COPY), "results": code(RESULTS_JSON),
        "extract": code(f"pdfdetach -saveall report.{ctx.lang}.pdf"),
        "rerun": code(f"reportgen run {MANIFEST_COPY}"),
        "grade": code(f"reportgen grade {key} {RESULTS_JSON}")}


AUTHOR_TEXTS = {  # the manifest's texts a report quotes as its authors wrote them
    "abstract": N_("the abstract"), "introduction": N_("the introduction"),
    "conclusions": N_("the opening of the conclusions"),
    "objective": N_("the objectives"), "hypothesis": N_("the hypotheses"),
    "question": N_("the questions"), "description": N_("the designs of the experiments"),
    "notes": N_("the authors' paragraph of each analysis"),
}


def authorship_text(ctx: Context) -> str:
    """Which paragraphs come from the manifest's texts and which were written from the
    results (what `[report] mark_generated` marks in the body)."""
    report = ctx.manifest.report
    given = [key for key in ("abstract", "introduction", "conclusions") if getattr(report, key)]
    given += [key for key in ("objective", "hypothesis", "question", "description", "notes")
              if any(getattr(s, key) for s in ctx.manifest.studies)]
    names = [ctx._(AUTHOR_TEXTS[key]) for key in given]
    generated = ctx._(
        "Every other paragraph of the body (the analysis of each experiment, the general "
        "discussion, the numbered conclusions, the recommendation and the future work) was "
        "written from the stored results, and every number in it is one of theirs.")
    if not names:
        return generated
    joined = ctx.join(names)
    return ctx._("The authors wrote %(texts)s in the manifest; the report quotes them as "
                 "written.", texts=joined) + " " + generated


def errors(ctx: Context) -> list[Block]:
    """Failed runs with their error as it was raised: a program's message, in English, shown
    verbatim (and labelled so) because that is what a reader searches for."""
    failed: list[tuple[StudyFindings, str, str | None, str]] = [
        (s, r.run_id, r.label, r.error or "?") for s in ctx.findings.studies
              for r in s.stops.failed]
    failed += [(s, rid, None, error) for s in ctx.findings.studies for rid, error in s.stops.lost]
    if not failed:
        return []
    table: Table = ctx.table(
        "run-errors", ctx._("Errors of the failed runs, as raised (untranslated)."),
        [Column("run_id", ctx._("Run id")), Column("study", ctx._("Study")),
         Column("run", ctx._("Run")), Column("error", ctx._("Error message (untranslated)"))],
        [[Cell(rid, "code", display=rid[:12]), Cell(s.study.id, "code"), Cell(label),
          Cell(error, "code")] for s, rid, label, error in failed])
    return [Paragraph(ctx._("Table %(n)s gives the error of every failed run exactly as the "
                            "program raised it.", n=str(table.number))), table]


# ---------------------------------------------------------------- appendix B: the other runs
OTHER_RUNS = "B"  # the appendix after the provenance one


def other_runs(found: StudyFindings) -> list[tuple[RunRecord, str, SplitMetrics]]:
    """(run, split, its final metrics) of the runs whose confusion matrix and per-class scores
    go to appendix B: every run of the study but its best (analysis's single choice); with
    repeats, the first seed of every configuration but the best run's. Only what the study
    shows (`confusion`, `per_class`) and the run measured."""
    best = found.best
    show = found.study.show
    if best is None or not ({"confusion", "per_class"} & set(show)):
        return []
    if found.seeds is not None:
        candidates = [c.runs[0] for c in found.seeds.configurations
                      if best.run_id not in {r.run_id for r in c.runs}]
    else:
        candidates = [r for r in found.runs if r.run_id != best.run_id]
    out = []
    for record in candidates:
        split, metrics = final_metrics(record)
        if metrics is not None and (("confusion" in show and metrics.confusion)
                                    or ("per_class" in show and metrics.per_class)):
            out.append((record, split, metrics))
    return out


def other_runs_number(ctx: Context, found: StudyFindings) -> str | None:
    """The number of the study's part of appendix B ("B.3"), None when it has none."""
    studies = [s for s in ctx.findings.studies if other_runs(s)]
    keys = [s.key for s in studies]
    return f"{OTHER_RUNS}.{keys.index(found.key) + 1}" if found.key in keys else None
