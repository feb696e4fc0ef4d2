"""Rendering speed: the four documents (es/en × HTML/PDF) of a five-study report.

Trains a five-study manifest on scikit-learn's digits once (a few seconds, stored in a temporary
folder), then times each rendering stage from the stored results in this one process, and then
`write_reports` as `reportgen report` runs it: one worker process per language where there is
more than one CPU. Target: all four documents in under 15 s on a laptop CPU. The baseline printed
beside it is the same report's HTML alone, so the cost of WeasyPrint's layout is visible.

    python benchmarks/render.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

# the repository's sources, whichever copy of reportgen is installed (as the other benchmarks)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reportgen import manifest
from reportgen.report import render, write
from reportgen.report.build import build
from reportgen.store.store import Store

STUDY = """
[[studies]]
id = "{id}"
title = "{title}"
dataset = "digits"
training = "quick"
vary = {vary}
"""

HEADER = """
[report]
title = {{ es = "Banco de pruebas de renderizado", en = "Rendering benchmark" }}
authors = ["reportgen"]
[defaults]
device = "cpu"
[datasets.digits]
source = "sklearn"
name = "digits"
split = {{ train = 0.6, val = 0.2, test = 0.2 }}
preprocess = "minmax"
[trainings.quick]
epochs = {epochs}
"""
STUDIES = "".join(STUDY.format(id=i, title=t, vary=v) for i, t, v in [
    ("width", "Width", '{ "model.hidden" = [[16], [64], [256]] }'),
    ("optimizer", "Optimizer", '{ "training.optimizer.name" = ["sgd", "adam", "rmsprop"] }'),
    ("depth", "Depth", '{ "model.hidden" = [[64], [64, 64], [64, 64, 64]] }'),
    ("activation", "Activation", '{ "model.activation" = ["relu", "tanh", "sigmoid"] }'),
    ("batch", "Batch size", '{ "training.batch_size" = [16, 64, 256] }'),
])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    args = parser.parse_args()
    # not at the top: write_reports' worker processes import this module again, and need no torch
    from reportgen.execution import executor
    from reportgen.plan import expand

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.toml"
        path.write_text(HEADER.format(epochs=args.epochs) + STUDIES)
        spec = manifest.load(path)
        store = Store(Path(folder) / "out")
        started = time.perf_counter()
        executor.execute(spec, expand.expand(spec), store)
        print(f"training 15 runs (not part of the figure): {time.perf_counter() - started:.1f} s")

        timings: dict[str, float] = {}
        total_started = time.perf_counter()
        results = store.load()
        timings["load store"] = time.perf_counter() - total_started
        for lang in ("es", "en"):
            t = time.perf_counter()
            model = build(results, lang)
            timings[f"build {lang} (figures)"] = time.perf_counter() - t
            t = time.perf_counter()
            html_text = render.html(model)
            timings[f"html {lang}"] = time.perf_counter() - t
            t = time.perf_counter()
            render.pdf(html_text, Path(folder) / f"report.{lang}.pdf", Path(folder))
            timings[f"pdf {lang}"] = time.perf_counter() - t
        total = time.perf_counter() - total_started
        started = time.perf_counter()
        write.write_reports(results, Path(folder) / "reports", ("es", "en"), ("html", "pdf"))
        parallel = time.perf_counter() - started
    width = max(map(len, timings))
    for name, seconds in timings.items():
        print(f"  {name:<{width}}  {seconds:6.2f} s")
    html_only = sum(v for k, v in timings.items() if not k.startswith("pdf"))
    cpus = write.cpu_count()
    print(f"four documents, five studies, one process: {total:.2f} s")
    print(f"four documents, write_reports ({cpus} CPUs, a process per language): "
          f"{parallel:.2f} s (target < 15 s)")
    print(f"baseline, the two HTML documents alone: {html_only:.2f} s")


if __name__ == "__main__":
    main()
