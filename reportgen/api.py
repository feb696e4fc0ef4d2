"""The Python API, for notebooks and scripts: `reportgen.run()`, `reportgen.load()`, `.render()`.

`run_manifest` is the one code path behind both `reportgen run` and `reportgen.run()`: the same
option checks, messages, progress display and errors (`ReportgenError`, one line). The CLI maps
its result to exit codes; the API returns a `Report`: the documents, a DataFrame of every run, the
studies, shown in Jupyter as the report's summary table with links to the documents.
"""

from __future__ import annotations

import contextlib
import html
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from reportgen import __version__
from reportgen.errors import ReportgenError
from reportgen.execution.options import RunOptions
from reportgen.manifest import author_images
from reportgen.manifest.base import FORMATS, LANGUAGES
from reportgen.store.lock import folder_lock
from reportgen.store.store import Store
from reportgen.training.hooks import Progress

if TYPE_CHECKING:
    import pandas as pd

    from reportgen.execution.executor import Outcome
    from reportgen.execution.reproduce import CheckResult
    from reportgen.manifest import Manifest, Study

__all__ = ["Interrupted", "Report", "ReportgenError", "load", "render", "run"]

SUMMARY_TABLE = "tables/key-results.csv"  # the report's own summary table, as raw values


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or a notebook's interrupt) during training: finished runs are kept."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [str(self)]


# ---------------------------------------------------------------- the shared code path
@dataclass
class RunResult:
    """What one `run_manifest` did; `outcome` is None for --check, `checked` None otherwise."""

    out: Path
    manifest: Manifest
    outcome: Outcome | None = None
    checked: CheckResult | None = None
    written: list[Path] = field(default_factory=list)
    worker: bool = False


def choices(value: str | Sequence[str] | None, allowed: Sequence[str],
            option: str) -> list[str] | None:
    """"es,en" or ["es", "en"] → ["es", "en"]; unknown values are a ReportgenError."""
    if value is None:
        return None
    raw = value.split(",") if isinstance(value, str) else list(value)
    items = [str(v).strip() for v in raw if str(v).strip()]
    if bad := [v for v in items if v not in allowed]:
        raise ReportgenError(f"{option}: unknown value {', '.join(bad)} "
                             f"(choose from {', '.join(allowed)})")
    return items


def run_manifest(manifest_path: str | Path, out: str | Path | None = None, *,
                 lang: str | Sequence[str] | None = None,
                 format: str | Sequence[str] | None = None, device: str | None = None,
                 only: Sequence[str] | None = None, fresh: bool = False, worker: bool = False,
                 fuse: bool | None = None, max_fused_memory: str | None = None,
                 check: bool = False, sample: int | None = None, tol: float | None = None,
                 jobs: str | int | None = None, cluster: str | None = None,
                 allow_large: bool = False, console: Console) -> RunResult:
    """Run every study of a manifest, store the results and render the reports.

    Raises ReportgenError on bad input (before any training), Interrupted on Ctrl-C."""
    from reportgen import manifest
    from reportgen.data import preflight
    from reportgen.plan import expand

    if check and (worker or fresh):
        raise ReportgenError("--check cannot be combined with --worker or --fresh")
    if (jobs is not None or cluster is not None) and (check or worker):
        raise ReportgenError("--jobs and --cluster cannot be combined with --check or "
                             "--worker (start several workers instead)")
    jobs = jobs_option(jobs)
    if not check and (sample is not None or tol is not None):
        raise ReportgenError("--sample and --tol only apply with --check")
    languages = choices(lang, LANGUAGES, "--lang")
    formats = choices(format, FORMATS, "--format")
    if device is not None:
        try:
            manifest.check_device(device)
        except ValueError as exc:
            raise ReportgenError(f"--device: {exc}") from None
    budget = None
    if max_fused_memory is not None:
        from reportgen.training.engines.grouping import parse_size

        try:
            budget = parse_size(max_fused_memory)
        except ValueError as exc:
            raise ReportgenError(f"--max-fused-memory: {exc}") from None
    spec = manifest.load(manifest_path)
    only = list(only) if only else None
    the_plan = expand.expand(spec, only=only, allow_large=allow_large)
    preflight.check(spec, only)
    out_dir = Path(out) if out is not None else Path(spec.report.out or f"out/{spec.stem}")
    store = Store(out_dir)
    result = RunResult(out_dir, spec, worker=worker)
    if check:  # reruns into memory: no training of missing runs, no rendering
        from reportgen.execution import reproduce as check_mod

        console.print(f"reportgen {__version__}: checking stored runs in {out_dir}")
        result.checked = check_mod.check(
            spec, store, sample=check_mod.DEFAULT_SAMPLE if sample is None else sample,
            device=device, tol=tol, only=only,
            echo=lambda line: console.print(line, markup=False))
        console.print(result.checked.summary(), markup=False)
        return result
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportgenError(f"{out_dir}: cannot create the output folder "
                             f"({exc.strerror or exc})") from None
    # workers share the folder with the run that started the searches: only `run` locks it
    options = RunOptions(device=device, fresh=fresh, worker=worker, fuse=fuse,
                         max_fused_memory=budget, cluster=cluster,
                         jobs=spec.defaults.jobs if jobs is None else jobs)
    with contextlib.nullcontext() if worker else folder_lock(out_dir):
        return _train_and_render(spec, the_plan, store, result, languages, formats, options,
                                 console)


def _train_and_render(spec: Manifest, the_plan: Any, store: Store, result: RunResult,
                      languages: Sequence[str] | None, formats: Sequence[str] | None,
                      options: RunOptions, console: Console) -> RunResult:
    from reportgen.execution import executor

    worker = options.worker

    out_dir = store.root
    searches = f", {len(the_plan.searches)} search(es)" if the_plan.searches else ""
    if worker:
        console.print(f"reportgen {__version__}: worker on {len(the_plan.searches)} "
                      f"search(es) → {out_dir}")
    else:
        console.print(f"reportgen {__version__}: {len(the_plan.runs)} run(s){searches} "
                      f"→ {out_dir}")
    store.save_logo(spec)  # beside the manifest copy: `reportgen report OUT` needs it
    store.save_images(spec)
    if not worker:  # damaged runs are set aside (kept) and trained again; one line each
        for line in store.set_aside_damaged():
            console.print(line, markup=False)
    try:
        with progress_display(console) as progress:
            result.outcome = executor.execute(spec, the_plan, store, options, progress)
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted: finished runs are kept in {out_dir}; "
                          "run again to continue") from None
    outcome = result.outcome
    if worker:
        console.print(f"worker: ran {outcome.trials} trial(s)")
        return result
    trials = f", {outcome.trials} tuning trial(s)" if the_plan.searches else ""
    console.print(f"trained {len(outcome.trained)}, reused {len(outcome.skipped)}, "
                  f"failed {len(outcome.failed)}{trials}")
    result.written = render_store(store, languages, formats, console)
    return result


def jobs_option(value: str | int | None) -> str | int | None:
    """`--jobs`: a whole number ≥ 1 or "auto" (None: the manifest's `[defaults] jobs`)."""
    if value is None or value == "auto":
        return value
    text = str(value)
    if not (text.isdigit() and int(text) >= 1):
        raise ReportgenError(f"--jobs: expected a whole number ≥ 1 or auto, got {value!r}")
    return int(text)


def render_store(store: Store, languages: Sequence[str] | None, formats: Sequence[str] | None,
                 console: Console) -> list[Path]:
    """Render the reports of a store again (`reportgen report`), and write results.json."""

    # a missing folder is not created by locking it: store.load names it
    with folder_lock(store.root) if store.root.is_dir() else contextlib.nullcontext():
        return _render(store, languages, formats, console)


def _render(store: Store, languages: Sequence[str] | None, formats: Sequence[str] | None,
            console: Console) -> list[Path]:
    from reportgen.analysis import results_json as results_mod
    from reportgen.report.write import write_reports
    from reportgen.tuning.importance import with_importance  # older records: Optuna computes it

    results = with_importance(store.load())
    results_mod.write(results)
    for line in author_images.warnings(results.images):
        console.print(line, markup=False)
    report_spec = results.manifest.report
    languages = list(languages or report_spec.languages)
    formats = list(formats or report_spec.formats)
    with render_progress(console, len(languages) * len(formats),
                         f"rendering {', '.join(languages)} as {', '.join(formats)}") as shown:
        written = write_reports(results, results.root, languages, formats, on_written=shown)
    tables = [p for p in written if p.suffix == ".csv"]
    if tables:
        console.print(f"wrote {len(tables)} table(s) as CSV in {tables[0].parent}",
                      markup=False)
    return written


@contextlib.contextmanager
def progress_display(console: Console) -> Iterator[Progress]:
    """rich bars on a terminal and in Jupyter (they need ipywidgets there, as on Colab);
    one plain line per run otherwise (CI logs, redirected output, a notebook without widgets)."""
    from reportgen.execution.display import BarProgress, LogProgress

    if use_bars(console):
        with BarProgress(console) as bars:
            yield bars
    else:
        yield LogProgress(console)


@contextlib.contextmanager
def render_progress(console: Console, total: int, title: str) -> Iterator[Callable[[Path], None]]:
    """A bar over the report files where bars show; otherwise a line when rendering starts
    and one per file as it is written, with the time since the start."""
    import time

    started = time.perf_counter()

    def line(path: Path) -> str:
        return f"wrote {path} ({time.perf_counter() - started:.1f} s)"

    if not use_bars(console):
        console.print(f"{title}…", markup=False)
        yield lambda path: console.print(line(path), markup=False)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bars:
        task = bars.add_task(title, total=total)

        def written(path: Path) -> None:
            bars.console.print(line(path), markup=False, highlight=False)
            bars.advance(task)

        yield written


def use_bars(console: Console) -> bool:
    return console.is_terminal or (console.is_jupyter and _has_widgets())


def _has_widgets() -> bool:
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------- the notebook-facing API
def _console(quiet: bool) -> Console:
    # Console() detects Jupyter (and Colab) by itself and then prints as notebook output.
    return Console(highlight=False, soft_wrap=True, quiet=quiet)


def run(manifest: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *,
        lang: str | Sequence[str] | None = None, format: str | Sequence[str] | None = None,
        device: str | None = None, only: str | Sequence[str] | None = None,
        fresh: bool = False, worker: bool = False, fuse: bool | None = None,
        max_fused_memory: str | None = None, check: bool = False, sample: int | None = None,
        tol: float | None = None, jobs: int | str | None = None, cluster: str | None = None,
        allow_large: bool = False, quiet: bool = False) -> Report:
    """`reportgen run MANIFEST`, from Python: train what is missing, render, return the Report.

    Options are those of the command (`lang="es,en"` or `["es", "en"]`, `format="html,docx"`,
    `only="width"` or a list, …). Bad input raises ReportgenError with the command's one-line
    message, before anything is trained. With `check=True` nothing is written: the Report's
    `checked` holds the comparison. `quiet=True` prints nothing (no progress either).
    """
    result = run_manifest(Path(manifest), None if out is None else Path(out), lang=lang,
                          format=format, device=device,
                          only=[only] if isinstance(only, str) else only, fresh=fresh,
                          worker=worker, fuse=fuse, max_fused_memory=max_fused_memory,
                          check=check, sample=sample, tol=tol, jobs=jobs, cluster=cluster,
                          allow_large=allow_large, console=_console(quiet))
    if worker:  # a worker writes no index: there is no result set to read back
        return Report(result.out, result.manifest, trials=result.outcome.trials
                      if result.outcome else 0)
    report = load(result.out)
    report.checked = result.checked
    if result.outcome is not None:
        report.trials = result.outcome.trials
    return report


def render(out: str | os.PathLike[str], *, lang: str | Sequence[str] | None = None,
           format: str | Sequence[str] | None = None, quiet: bool = False) -> Report:
    """`reportgen report OUT`: render the documents again from stored results, no training."""
    render_store(Store(Path(out)), choices(lang, LANGUAGES, "--lang"),
                 choices(format, FORMATS, "--format"), _console(quiet))
    return load(out)


def load(out: str | os.PathLike[str]) -> Report:
    """The Report of an output folder written by `run` (raises ReportgenError if it is not)."""
    store = Store(Path(out))
    results = store.load()
    failed = dict(results.index.failed)
    return Report(results.root, results.manifest, runs=_runs_frame(results, failed),
                  failed=failed)


def _runs_frame(results: Any, failed: dict[str, str]) -> pd.DataFrame:
    """One row per (study, run): identity, flattened configuration (dotted keys, as in the
    manifest's overrides), stop reason, every metric (`val.accuracy`) and timings."""
    from reportgen.analysis.results_json import run_summary
    rows: list[dict[str, Any]] = []
    for study_id, stored in results.studies.items():
        for run in stored:
            summary = run_summary(run.record)
            row: dict[str, Any] = {"study": study_id}
            for key in ("run_id", "label", "config_label", "dataset", "seed", "engine",
                        "device", "stop_reason", "epochs_run", "best_epoch", "error"):
                row[key] = summary[key]
            row.update(_flatten(summary["config"]))
            for split, metrics in summary["metrics"].items():
                row.update({f"{split}.{name}": value for name, value in metrics.items()})
            row.update(summary["timings"])
            rows.append(row)
        stored_ids = {run.record.run_id for run in stored}
        for entry in results.index.studies.get(study_id, []):
            run_id = entry.run_id
            if run_id in failed and run_id not in stored_ids:
                rows.append({"study": study_id, "run_id": run_id, "label": entry.label,
                             "stop_reason": "failed", "error": failed[run_id]})
    return _frame(rows)


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd  # on first use: the CLI never needs it

    return pd.DataFrame(rows)


def _flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


@dataclass
class Report:
    """A rendered (or at least stored) report: what `reportgen.run` and `reportgen.load` return.

    `runs`: one row per run of every study; `studies`: the manifest's studies by id;
    `documents`: the report files in the output folder (report.<lang>.<format>);
    `summary`: the report's summary table (best run of every study), raw values.
    """

    out: Path
    manifest: Manifest
    runs: pd.DataFrame = field(default_factory=lambda: _frame([]))
    failed: dict[str, str] = field(default_factory=dict)  # run id → error
    checked: CheckResult | None = None
    trials: int = 0

    @property
    def studies(self) -> dict[str, Study]:
        return {study.id: study for study in self.manifest.studies}

    @property
    def documents(self) -> list[Path]:
        return sorted(p for p in self.out.glob("report.*.*")
                      if p.suffix.lstrip(".") in FORMATS and p.stem.split(".")[-1] in LANGUAGES)

    def document(self, lang: str = "en", format: str = "pdf") -> Path:
        """The path of one document, e.g. `report.document("es", "docx")`."""
        path = self.out / f"report.{lang}.{format}"
        if not path.is_file():
            raise ReportgenError(f"{path}: not rendered (render it with "
                                 f"reportgen.render({str(self.out)!r}, lang={lang!r}, "
                                 f"format={format!r}))")
        return path

    def study(self, study_id: str) -> pd.DataFrame:
        """The rows of `runs` of one study."""
        if study_id not in self.studies:
            raise ReportgenError(f"unknown study {study_id!r} "
                                 f"(studies: {', '.join(self.studies)})")
        return self.runs[self.runs["study"] == study_id].reset_index(drop=True)

    @property
    def summary(self) -> pd.DataFrame:
        import pandas as pd

        path = self.out / SUMMARY_TABLE
        return pd.read_csv(path) if path.is_file() else pd.DataFrame()

    @property
    def ok(self) -> bool:
        """No failed run, and (after `check=True`) every checked run reproduced."""
        return not self.failed and (self.checked is None or self.checked.ok)

    def __repr__(self) -> str:
        docs = ", ".join(p.name for p in self.documents) or "no documents"
        return (f"<Report {self.out}: {len(self.studies)} studies, {len(self.runs)} runs, "
                f"{len(self.failed)} failed; {docs}>")

    def _repr_html_(self) -> str:
        """Jupyter: the title, the summary table and links to the documents."""
        title = self.manifest.report.title.get(self.manifest.report.languages[0])
        parts = [f"<h4>{html.escape(title)}</h4>",
                 f"<p><code>{html.escape(str(self.out))}</code>: {len(self.studies)} "
                 f"studies, {len(self.runs)} runs, {len(self.failed)} failed</p>"]
        summary = self.summary
        if not summary.empty:
            parts.append(summary.to_html(index=False, na_rep="—", float_format="{:.3f}".format,
                                         border=0))
        links = [f'<a href="{html.escape(_href(p))}" target="_blank">{html.escape(p.name)}</a>'
                 for p in self.documents]
        if links:
            parts.append("<p>" + " · ".join(links) + "</p>")
        return "\n".join(parts)


def _href(path: Path) -> str:
    """A link Jupyter serves: relative to the notebook's folder when the file is below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_uri()
