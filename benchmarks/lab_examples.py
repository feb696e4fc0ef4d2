"""Run every reference lab's example end to end, offline, on data in each loader's exact on-disk
format (benchmarks/lab_data.py), with a scaled copy of each manifest: a few epochs and trials,
so that the whole chain — loaders, engines, searches, report in both languages — runs in
minutes on a CPU. The numbers are chance-level (random pixels); what is checked is that every
study, table and figure of the lab is produced.

    python benchmarks/lab_examples.py /tmp/lab-runs                  # all labs, html + pdf
    python benchmarks/lab_examples.py /tmp/lab-runs --only mnist-lab --format html --epochs 2

Written under OUT: `data/` (lab_data.py's files), `manifests/<name>.toml` (the scaled copies:
epochs capped at --epochs, `previous_epochs` 1, --trials trials per search, data paths pointed
at `data/`, MNIST's 10,000-image test count scaled to 200), and `<name>/` (each output folder).
Prints one line per example: exit code, seconds, studies and runs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.lab_data import write_all  # noqa: E402


def lab_examples() -> list[Path]:
    """The examples that reproduce a reference lab (a header line "# Seed NNN", after the
    `#:schema` line)."""
    return sorted(p for p in (ROOT / "examples").glob("*.toml")
                  if re.search(r"^# Seed \d{3}", p.read_text(encoding="utf-8"), re.M))


def scaled(text: str, data: Path, epochs: int, trials: int) -> str:
    """The manifest with its data under `data` and its training cut to `epochs`/`trials`."""
    def cap(match: re.Match[str]) -> str:
        return f"{match.group(1)}{min(int(match.group(2)), epochs)}"

    text = re.sub(r"((?<![\w.])epochs = )(\d+)", cap, text)
    text = re.sub(r"(max_epochs = )(\d+)", cap, text)
    text = re.sub(r'("training\.epochs" = )(\d+)', cap, text)
    text = re.sub(r'"training\.epochs" = \[[^\]]*\]',
                  '"training.epochs" = ' + str(list(range(1, epochs + 2))), text)
    text = re.sub(r"previous_epochs = \d+", "previous_epochs = 1", text)
    text = re.sub(r"max_trials = \d+", f"max_trials = {trials}", text)
    text = re.sub(r"eval_every = \d+", "eval_every = 1", text)
    text = re.sub(r"test = 10000", "test = 200", text)
    text = re.sub(r"val = 6000", "val = 200", text)
    text = re.sub(r'^(source = "openml")', rf'\1\ndata_home = "{data}"\ndownload = false',
                  text, flags=re.M)
    text = re.sub(r'^(source = "medmnist")', rf'\1\nroot = "{data / "medmnist"}"', text,
                  flags=re.M)
    text = re.sub(r'^(x|y|predict) = "data/', rf'\1 = "{data / "k49" / "data"}/', text,
                  flags=re.M)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--only", action="append", help="example stem (repeatable)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--trials", type=int, default=2)
    parser.add_argument("--n", type=int, default=700, help="images per generated dataset")
    parser.add_argument("--format", default="html,pdf")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    data = out / "data"
    if not (data / "openml").is_dir():
        write_all(data, args.n)
    failed = 0
    for example in lab_examples():
        if args.only and example.stem not in args.only:
            continue
        copy = out / "manifests" / example.name
        copy.parent.mkdir(parents=True, exist_ok=True)
        if (example.parent / "figs").is_dir():  # the images the manifests' Markdown shows
            shutil.copytree(example.parent / "figs", copy.parent / "figs", dirs_exist_ok=True)
        copy.write_text(scaled(example.read_text(encoding="utf-8"), data, args.epochs,
                               args.trials), encoding="utf-8")
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "reportgen", "run", str(copy), "--out",
             str(out / example.stem), "--format", args.format, "--device", "cpu"],
            capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - started
        lines = (result.stdout + result.stderr).strip().splitlines()
        summary = next((line for line in reversed(lines) if line.startswith("trained")), "")
        print(f"{example.stem}: exit {result.returncode}, {seconds:.0f} s, {summary}"
              + ("" if result.returncode == 0 else f" — {lines[-1] if lines else ''}"),
              flush=True)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
