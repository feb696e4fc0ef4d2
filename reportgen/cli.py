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
from reportgen.report.render import FORMATS
from reportgen.store import Store, write_atomic

app = typer.Typer(
    add_completion=False, no_args_is_help=True,
    help="Turn an experiment manifest into a finished, bilingual (es/en) ML lab report.",
)
console = Console(highlight=False, soft_wrap=True)  # soft wrap: long paths stay on one line
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_BAD_INPUT = 2


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Bad input → one line on stderr and exit code 2, never a traceback."""
    try:
        yield
    except ReportgenError as exc:
        err_console.print(f"error: {exc}", markup=False)
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
    out: Annotated[Path | None, typer.Option(help="Output folder [default: report.out, "
                                             "or out/<manifest stem>].")] = None,
    lang: Annotated[str | None, typer.Option(help="Languages to render, e.g. es,en "
                                             "[default: report.languages].")] = None,
    format: Annotated[str | None, typer.Option("--format", help="Formats to render: "
                                               "html,pdf,docx [default: report.formats].")] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu, cuda or cuda:N; overrides "
                                               "the manifest.")] = None,
    only: Annotated[list[str] | None, typer.Option(help="Run only this study id "
                                                   "(repeatable).")] = None,
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
        help="Memory a fused group may use, e.g. 512MiB or 4GiB; larger groups are split "
             "(default: half the GPU's free memory; on a CPU 2 GiB).")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Retrain a sample of the stored runs, in memory, and report those "
             "whose metrics do not reproduce; changes nothing in the output folder. "
             "Exit 1 when one differs.")] = False,
    sample: Annotated[int | None, typer.Option(
        min=0, show_default=False, help="With --check: how many stored runs to rerun, spread "
             "over the studies, chosen from the manifest's hash (default 3; 0: all).")] = None,
    tol: Annotated[float | None, typer.Option(
        min=0.0, show_default=False, help="With --check: largest accepted absolute difference "
             "of a metric (default: exact on the CPU, the fused or CUDA tolerance where "
             "those apply).")] = None,
) -> None:
    """Run every study of MANIFEST, store the results and render the reports."""
    from reportgen import api

    with user_errors():
        try:  # the same code path as reportgen.run() in Python (reportgen/api.py)
            result = api.run_manifest(
                manifest_path, out, lang=lang, format=format, device=device, only=only,
                fresh=fresh, worker=worker, fuse=fuse, max_fused_memory=max_fused_memory,
                check=check, sample=sample, tol=tol, console=console)
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
) -> None:
    """Check MANIFEST without training: schema, references and every run's configuration."""
    from reportgen import manifest, plan

    with user_errors():
        spec = manifest.load(manifest_path)
        the_plan = plan.expand(spec)
    searches = f", {len(the_plan.searches)} search(es)" if the_plan.searches else ""
    console.print(f"{manifest_path}: valid — {len(spec.studies)} "
                  f"stud{'y' if len(spec.studies) == 1 else 'ies'}, {len(the_plan.runs)} "
                  f"run(s){searches}")


@app.command()
def report(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR",
                                            help="An output folder written by `run`.")],
    lang: Annotated[str | None, typer.Option(help="Languages to render, e.g. es,en.")] = None,
    format: Annotated[str | None, typer.Option("--format",
                                               help="Formats to render: html,pdf,docx.")] = None,
) -> None:
    """Render the reports again from stored results, without training."""

    with user_errors():
        _render(Store(out_dir), _csv(lang, ("es", "en"), "--lang"),
                _csv(format, FORMATS, "--format"))


@app.command()
def diff(
    key: Annotated[Path, typer.Argument(help="The answer key: an output folder or its "
                                        "results.json.")],
    other: Annotated[Path, typer.Argument(metavar="STUDENT",
                                          help="The result set to check, likewise.")],
    tol: Annotated[float | None, typer.Option(
        min=0.0, help="Largest accepted absolute difference of every metric. Default: the key's "
             "per-metric tolerance (measured over repeated seeds) where it has one, else "
             "0.02.")] = None,
    format: Annotated[str, typer.Option("--format", help="table, json or html (a bilingual "
                                        "es/en page).")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file "
                                                "instead of the standard output.")] = None,
) -> None:
    """Compare two result sets study by study and run by run.

    Exit code 0 when everything matches within the tolerance, 1 when something differs.
    """
    import json

    from reportgen import diff as diff_mod

    with user_errors():
        if format not in ("table", "json", "html"):
            raise ReportgenError(f"--format: unknown value {format} "
                                 "(choose from table, json, html)")
        comparison = diff_mod.compare(diff_mod.load(key), diff_mod.load(other), tol)
        if format == "json":
            text = json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False)
        elif format == "html":
            text = diff_mod.format_html(comparison, str(key), str(other))
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


def _render(store: Store, languages: list[str] | None, formats: list[str] | None) -> None:
    from reportgen.api import render_store

    render_store(store, languages, formats, console)


if __name__ == "__main__":
    sys.exit(app())
