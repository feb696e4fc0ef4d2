"""The report's orchestrator: ResultSet → findings (once) → the figures without text (once) →
per language, sections → ReportModel → HTML, PDF and CSV files.

Each language is built and rendered in its own process when there are several and more than one
CPU: building the figures and WeasyPrint's layout are single-threaded Python.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from reportgen.analysis.findings import Findings, analyse, id_key
from reportgen.execution import lifeline
from reportgen.report import i18n, render, samples_section
from reportgen.report.build import build
from reportgen.report.i18n import N_
from reportgen.report.model import ReportModel
from reportgen.store.store import MANIFEST_COPY, RESULTS_JSON, ResultSet, write_atomic

# what a reader's attachments pane says of each file a PDF carries
EVIDENCE_DESCRIPTIONS = {
    MANIFEST_COPY: N_("The manifest this report comes from: reportgen run manifest.toml runs "
                      "its experiments again."),
    RESULTS_JSON: N_("The results of this report, as reportgen grade and reportgen diff read "
                     "them."),
}


def artwork(findings: Findings) -> dict[str, str]:
    """Figures that carry no translated text, drawn once for every language, by figure id:
    the grids of training images (class names are the dataset's own, in every language)."""
    out = {}
    for name, samples in findings.samples.items():
        summary = findings.datasets.get(name)
        if summary is not None and samples.grid_images:
            key = id_key(summary.name)
            out[samples_section.sample_grid_id(key)] = samples_section.sample_grid_svg(
                summary, key, samples)
    return out


def write_reports(results: ResultSet, out_dir: str | Path,
                  languages: Sequence[str] | None = None,
                  formats: Iterable[str] | None = None, *, parallel: bool = True,
                  on_written: Callable[[Path], None] | None = None) -> list[Path]:
    """Write report.<lang>.html / report.<lang>.pdf and tables/<table-id>.csv into `out_dir`.

    Languages and formats default to the manifest's. Tables are language-neutral (raw values,
    keyed columns), so their CSVs are written once. `parallel=False`: every language in this
    one process. `on_written(path)` hears of each document as it is written (of a worker
    process's, when that process ends).

    Every PDF carries the store's manifest copy and results.json as attachments, so results.json
    must be written first (`reportgen.api` does); StoreError names a missing one.
    """
    out = Path(out_dir)
    report = results.manifest.report
    languages = list(languages or report.languages)
    formats = list(formats or report.formats)
    evidence = results.evidence() if "pdf" in formats else {}  # read before any work
    findings = analyse(results)
    drawn = artwork(findings)
    jobs = [(findings, drawn, out, lang, formats, position == 0, results.images, evidence)
            for position, lang in enumerate(languages)]
    workers = min(len(jobs), cpu_count()) if parallel else 1
    parts = in_processes(jobs, workers, on_written) if workers > 1 else None
    if parts is None:
        parts = [write_language(*job, on_written=on_written) for job in jobs]
    return [path for part in parts for path in part]


def write_language(findings: Findings, drawn: dict[str, str], out: Path, lang: str,
                   formats: list[str], tables: bool, images: Mapping[str, Any] | None = None,
                   evidence: Mapping[str, bytes] | None = None,
                   on_written: Callable[[Path], None] | None = None) -> list[Path]:
    """One language: its ReportModel, then the files rendered from it; a PDF carries the
    `evidence` files (name -> bytes) as attachments."""
    model = build(findings, lang, drawn, images)
    page = render.html(model) if {"html", "pdf"} & set(formats) else ""
    written: list[Path] = []
    if "html" in formats:
        path = out / f"report.{lang}.html"
        write_atomic(path, page, within=out)
        written.append(path)
        if on_written:
            on_written(path)
    if "pdf" in formats:
        written.append(render.pdf(page, out / f"report.{lang}.pdf", out,
                                  attachments(model, evidence or {})))
        if on_written:
            on_written(written[-1])
    if "docx" in formats:
        from reportgen.report.docx import write_docx

        written.append(write_docx(model, out / f"report.{lang}.docx"))
        if on_written:
            on_written(written[-1])
    if tables:
        written += render.write_tables(model, out)
    return written


def attachments(model: ReportModel, evidence: Mapping[str, bytes]) -> list[render.Attachment]:
    """The files a PDF carries, described in the model's language and dated as the report."""
    _ = i18n.gettext(model.lang)
    date = dt.datetime.combine(model.meta.date, dt.time(), dt.UTC)
    return [render.Attachment(name, data, _(EVIDENCE_DESCRIPTIONS[name]), date)
            for name, data in evidence.items()]


def cpu_count() -> int:
    """CPUs this process may run on (a container or `taskset` may allow fewer than exist)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


Job = tuple[Findings, dict[str, str], Path, str, list[str], bool, dict[str, Any],
            dict[str, bytes]]


def in_processes(jobs: list[Job], workers: int,
                 on_written: Callable[[Path], None] | None = None) -> list[list[Path]] | None:
    """`write_language` of each job in worker processes; None where none can be started
    (the caller then writes them one by one, in this process).

    "spawn", not "fork": the caller may have trained with torch, whose OpenMP threads do not
    survive a fork, and a fresh interpreter imports only what rendering needs. A worker's
    exception is raised here, as the same type, by `future.result()`.
    """
    try:
        # workers die with this process, even SIGKILLed (they would block for good)
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=lifeline.die_with_parent, initargs=(os.getpid(),))
    except (OSError, NotImplementedError):  # no working semaphores here (some sandboxes)
        return None
    with pool:
        try:
            futures = [pool.submit(write_language, *job) for job in jobs]
        except OSError:  # processes cannot be started (process limit, no exec)
            return None
        try:
            if on_written is not None:
                for future in as_completed(futures):
                    for path in future.result():
                        if path.suffix != ".csv":
                            on_written(path)
            return [future.result() for future in futures]
        except BrokenProcessPool:  # a worker died or could not start (unimportable __main__)
            return None
