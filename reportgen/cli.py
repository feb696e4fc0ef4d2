"""The `reportgen` command: parse arguments, call the library, map errors to exit codes."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from reportgen import __version__
from reportgen.errors import ReportgenError
from reportgen.manifest.base import FORMATS
from reportgen.manifest.credentials import mask
from reportgen.store.store import Store, write_atomic

app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode=None,
    help="Turn an experiment manifest into a finished, bilingual (es/en) ML lab report.",
)
console = Console(highlight=False, soft_wrap=True)  # soft wrap: long paths stay on one line
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_BAD_INPUT = 2
ALLOW_LARGE_HELP = ("Accept a manifest that plans more than the limits (1,000 runs, 10,000 "
                    "epochs per run, 1,000 trials per search, 200,000 epochs in all).")


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Bad input → one line on stderr and exit code 2, never a traceback."""
    try:
        yield
    except ReportgenError as exc:
        err_console.print(f"error: {mask(str(exc))}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _csv(value: str | None, allowed: tuple[str, ...], option: str) -> list[str] | None:
    if value is None:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    if bad := [v for v in items if v not in allowed]:
        raise ReportgenError(f"{option}: unknown value {', '.join(bad)} "
                             f"(choose from {', '.join(allowed)})")
    return items


def _version(value: bool) -> None:
    if value:
        console.print(f"reportgen {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Turn an experiment manifest into a finished, bilingual (es/en) ML lab report."""


@app.command()
def run(
    manifest_path: Annotated[Path, typer.Argument(metavar="MANIFEST",
                                                  help="The experiment manifest (TOML).")],
    out: Annotated[Path | None, typer.Option(
        metavar="FOLDER", show_default=False,
        help="Output folder (default: report.out, or out/<manifest stem>).")] = None,
    lang: Annotated[str | None, typer.Option(
        metavar="LANGS", show_default=False,
        help="Languages to render, e.g. es,en (default: report.languages).")] = None,
    format: Annotated[str | None, typer.Option(
        "--format", metavar="FORMATS", show_default=False,
        help="Formats to render: html,pdf,docx (default: report.formats).")] = None,
    device: Annotated[str | None, typer.Option(
        metavar="DEVICE", show_default=False,
        help="auto, cpu, cuda or cuda:N (default: the manifest's).")] = None,
    only: Annotated[list[str] | None, typer.Option(
        metavar="STUDY", show_default=False,
        help="Run only this study id; repeatable (default: every study).")] = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="Retrain runs already in the "
                                        "output folder.")] = False,
    worker: Annotated[bool, typer.Option("--worker", help="Only run trials of the manifest's "
                                         "searches, sharing their storage with a `reportgen "
                                         "run` elsewhere: no other runs, no rendering.")] = False,
    fuse: Annotated[bool | None, typer.Option(
        "--fuse/--no-fuse", show_default=False,
        help="Train runs of a study that differ only in hyperparameters, seeds, activations… "
             "as one batched model: --fuse wherever possible, --no-fuse never (default: where "
             "it is faster: on a GPU, and on a CPU for small networks).")] = None,
    max_fused_memory: Annotated[str | None, typer.Option(
        metavar="SIZE", show_default=False,
        help="Memory a fused group may use, e.g. 512MiB or 4GiB; larger groups are split "
             "(default: half the GPU's free memory; on a CPU 2 GiB).")] = None,
    jobs: Annotated[str | None, typer.Option(
        "--jobs", "-j", metavar="N|auto", show_default=False,
        help="Train up to N runs, fused groups or searches' trials at once in worker "
             "processes; auto: one per core, or per GPU as many as its memory holds "
             "(default: [defaults] jobs, else 1).")] = None,
    cluster: Annotated[str | None, typer.Option(
        metavar="auto|ray://HOST:PORT", show_default=False,
        help="Train on a Ray cluster (pip install 'reportgen[ray]'): auto joins the one "
             "`ray start` runs here, else starts a local one.")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Retrain a sample of the stored runs, in memory, and report those "
             "whose metrics do not reproduce; changes nothing in the output folder. "
             "Exit 1 when one differs.")] = False,
    sample: Annotated[int | None, typer.Option(
        min=0, metavar="N", show_default=False,
        help="With --check: how many stored runs to rerun, spread "
             "over the studies, chosen from the manifest's hash (default 3; 0: all).")] = None,
    tol: Annotated[float | None, typer.Option(
        min=0.0, metavar="DIFF", show_default=False,
        help="With --check: largest accepted absolute difference "
             "of a metric (default: exact on the CPU, the fused or CUDA tolerance where "
             "those apply).")] = None,
    allow_large: Annotated[bool, typer.Option("--allow-large", help=ALLOW_LARGE_HELP)] = False,
) -> None:
    """Run every study of MANIFEST, store the results and render the reports."""
    many = jobs == "auto" or (jobs is not None and jobs.isdigit() and int(jobs) > 1)
    if many and not (worker or cluster or check):
        from reportgen.execution.parallel.server import warm_up

        warm_up()  # the workers' imports overlap this process's own (execute checks --jobs)
    from reportgen import api

    with user_errors():
        try:  # the same code path as reportgen.run() in Python (reportgen/api.py)
            result = api.run_manifest(
                manifest_path, out, lang=lang, format=format, device=device, only=only,
                fresh=fresh, worker=worker, fuse=fuse, max_fused_memory=max_fused_memory,
                check=check, sample=sample, tol=tol, jobs=jobs, cluster=cluster,
                allow_large=allow_large, console=console)
        except api.Interrupted as exc:
            err_console.print(str(exc), markup=False)
            raise typer.Exit(130) from None
    if (result.checked is not None and not result.checked.ok) or (
            result.outcome is not None and result.outcome.failed and not worker):
        raise typer.Exit(1)


@app.command()
def validate(
    manifest_path: Annotated[Path, typer.Argument(metavar="MANIFEST",
                                                  help="The experiment manifest (TOML).")],
    allow_large: Annotated[bool, typer.Option("--allow-large", help=ALLOW_LARGE_HELP)] = False,
) -> None:
    """Check MANIFEST without training: schema, references, every run's configuration and the
    planned work (runs, trials, epochs) against the limits."""
    from reportgen import manifest
    from reportgen.data import preflight
    from reportgen.plan import expand

    with user_errors():
        spec = manifest.load(manifest_path)
        the_plan = expand.expand(spec, allow_large=allow_large)
        preflight.check(spec)
    searches = f", {len(the_plan.searches)} search(es)" if the_plan.searches else ""
    console.print(f"{manifest_path}: valid — {len(spec.studies)} "
                  f"stud{'y' if len(spec.studies) == 1 else 'ies'}, {len(the_plan.runs)} "
                  f"run(s){searches}")
    console.print(f"planned work: {the_plan.work.describe()}")


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE", show_default=False,
        help="Write the schema to this file (default: the standard output).")] = None,
) -> None:
    """Write the manifest's JSON Schema, for editors: start a manifest with
    `#:schema path/to/manifest.schema.json` and Taplo / Even Better TOML complete its keys."""
    from reportgen.manifest.schema import dumps

    text = dumps()
    if output is None:
        typer.echo(text, nl=False)
        return
    with user_errors():
        write_atomic(output, text)
    console.print(f"wrote {output}", markup=False)


@app.command()
def report(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR",
                                            help="An output folder written by `run`.")],
    lang: Annotated[str | None, typer.Option(
        metavar="LANGS", show_default=False,
        help="Languages to render, e.g. es,en (default: report.languages).")] = None,
    format: Annotated[str | None, typer.Option(
        "--format", metavar="FORMATS", show_default=False,
        help="Formats to render: html,pdf,docx (default: report.formats).")] = None,
) -> None:
    """Render the reports again from stored results, without training."""

    with user_errors():
        _render(Store(out_dir), _csv(lang, ("es", "en"), "--lang"),
                _csv(format, FORMATS, "--format"))


@app.command()
def diff(
    key: Annotated[Path, typer.Argument(
        metavar="KEY", help="The answer key: an output folder or its results.json.")],
    other: Annotated[Path, typer.Argument(metavar="STUDENT",
                                          help="The result set to check, likewise.")],
    tol: Annotated[float | None, typer.Option(
        min=0.0, metavar="DIFF", show_default=False,
        help="Largest accepted absolute difference of every metric (default: the key's "
             "per-metric tolerance (measured over repeated seeds) where it has one, else "
             "±0.02 on rates and ±10% of the key's value on losses.")] = None,
    format: Annotated[str, typer.Option(
        "--format", metavar="FORMAT",
        help="table, json or html (a bilingual es/en page).")] = "table",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE", show_default=False,
        help="Write to this file (default: the standard output).")] = None,
) -> None:
    """Compare two result sets study by study and run by run.

    Exit code 0 when everything matches within the tolerance, 1 when something differs.
    """
    import json

    from reportgen.grading import diff as diff_mod
    from reportgen.report import diff_page

    with user_errors():
        if format not in ("table", "json", "html"):
            raise ReportgenError(f"--format: unknown value {format} "
                                 "(choose from table, json, html)")
        comparison = diff_mod.compare(diff_mod.load(key), diff_mod.load(other), tol)
        if format == "json":
            text = json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False)
        elif format == "html":
            text = diff_page.format_html(comparison, str(key), str(other))
        else:
            text = diff_mod.format_table(comparison)
        if output is not None:
            try:
                write_atomic(output, text + "\n")
            except OSError as exc:
                raise ReportgenError(f"{output}: cannot write ({exc.strerror})") from None
    if output is not None:
        console.print(f"wrote {output}", markup=False)
    elif format == "json":
        console.print_json(text)
    else:
        typer.echo(text)  # as is: no Rich markup or emoji codes in run labels or the HTML
    if not comparison.within_tolerance:
        raise typer.Exit(1)


@app.command()
def grade(
    key: Annotated[Path, typer.Argument(
        metavar="KEY", show_default=False,
        help="The answer key: an output folder (its manifest is compared too) or its "
             "results.json.")],
    submissions: Annotated[list[Path], typer.Argument(
        metavar="SUBMISSIONS...", show_default=False,
        help="Each an output folder, a results.json or a .zip of an output folder.")],
    rubric: Annotated[Path | None, typer.Option(
        metavar="FILE", show_default=False,
        help="Points per study and metric, partial credit, penalties (TOML; "
             "docs/grading.md) (default: the documented default rubric).")] = None,
    verify: Annotated[int, typer.Option(
        min=0, metavar="N",
        help="Retrain this many sampled runs of each submission and report whether they "
             "reproduce (as `run --check`).")] = 0,
    lang: Annotated[str, typer.Option(
        metavar="LANG", help="Language of the feedback pages: es or en.")] = "es",
    out: Annotated[Path, typer.Option(
        "--out", "-o", metavar="FOLDER",
        help="Folder for class.html, gradebook.csv and feedback/.")] = Path("grades"),
    identifier: Annotated[str, typer.Option(
        metavar="folder|authors",
        help="The gradebook's identifier: folder (the submission's folder, zip or file "
             "name) or authors (the manifest's).")] = "folder",
    device: Annotated[str | None, typer.Option(
        metavar="DEVICE", show_default=False,
        help="With --verify: auto, cpu, cuda or cuda:N for the reruns (default: the "
             "manifest's).")] = None,
    jobs: Annotated[str, typer.Option(
        "--jobs", "-j", metavar="N|auto",
        help="With --verify: retrain up to N of the class's sampled runs at once in worker "
             "processes, as `run --jobs`; auto: one per core, or per GPU as many as its "
             "memory holds.")] = "1",
) -> None:
    """Grade a class: every submission against the answer key, with a rubric.

    Exit code 0 when every submission was graded, 1 when some were unreadable (each a row of
    the table with its reason), 2 for bad arguments.
    """
    from reportgen.grading import gradebook, grader
    from reportgen.grading import rubric as rubric_mod
    from reportgen.report import grade_outputs

    with user_errors():
        if lang not in ("es", "en"):
            raise ReportgenError(f"--lang: choose one of es, en (not {lang})")
        if identifier not in ("folder", "authors"):
            raise ReportgenError(f"--identifier: unknown value {identifier} "
                                 "(choose from folder, authors)")
        if device is not None:
            from reportgen import manifest

            try:
                manifest.check_device(device)
            except ValueError as exc:
                raise ReportgenError(f"--device: {exc}") from None
        from reportgen.api import jobs_option

        workers = jobs_option(jobs)
        if verify and workers != 1:
            from reportgen.execution.parallel.server import warm_up

            warm_up()  # the workers' imports overlap the submissions' reading
        the_rubric = rubric_mod.DEFAULT if rubric is None else rubric_mod.load(rubric)
        the_key = grader.load_key(key)
        grader.check_rubric(the_key, the_rubric)
        if out.exists() and not out.is_dir():
            raise ReportgenError(f"--out {out}: not a folder")
        grades = grader.grade_class(
            the_key, submissions, the_rubric, verify=verify, device=device,
            identifier=identifier,  # type: ignore[arg-type]
            jobs=workers or 1,
            echo=lambda line: err_console.print(line, markup=False))
        try:
            written = grade_outputs.write(grades, out, lang, str(rubric) if rubric else "")
        except OSError as exc:
            raise ReportgenError(f"{out}: cannot write ({exc.strerror})") from None
    typer.echo(gradebook.table(grades))
    console.print(f"wrote {written[0]}, {written[1]} and {len(written) - 2} feedback page(s) "
                  f"in {out / grade_outputs.FEEDBACK}", markup=False)
    if grades.unreadable:
        raise typer.Exit(1)


def _render(store: Store, languages: list[str] | None, formats: list[str] | None) -> None:
    from reportgen.api import render_store

    render_store(store, languages, formats, console)


if __name__ == "__main__":
    sys.exit(app())
