"""Grading speed: 40 submissions of the digits answer key, without --verify.

Trains examples/digits-answer-key.toml once (30 runs; about a minute on a laptop CPU; reused
with --key), then builds a class of 40 submissions from it: 30 output folders and 10 zips, each
with the key's 30 run records (a lab handed in with `repeats`, the heaviest case to check), a
few with an edited number or a changed seed. Times `reportgen grade` as the command runs it
(read and unpack, recompute every results.json from its records, compare the manifests, score,
draw the band plots, write the class page, 40 feedback pages and the CSV). Target: seconds,
not minutes.

    python benchmarks/grading.py [--key out/digits-answer-key] [--students 40]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

# the repository's sources, whichever copy of reportgen is installed (as the other benchmarks)
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reportgen import manifest  # noqa: E402
from reportgen.analysis import results_json  # noqa: E402
from reportgen.execution import executor  # noqa: E402
from reportgen.grading import grader, rubric  # noqa: E402
from reportgen.plan import expand  # noqa: E402
from reportgen.report import grade_outputs  # noqa: E402
from reportgen.store.store import Store  # noqa: E402


def train_key(folder: Path) -> Path:
    spec = manifest.load(ROOT / "examples" / "digits-answer-key.toml")
    store = Store(folder)
    executor.execute(spec, expand.expand(spec), store)
    results_json.write(store.load())
    return folder


def make_class(key: Path, folder: Path, count: int) -> list[Path]:
    submissions = []
    for i in range(count):
        student = folder / f"student{i:02d}"
        shutil.copytree(key, student, ignore=shutil.ignore_patterns("*.pdf"))
        if i % 7 == 3:  # a hand-edited number
            data = json.loads((student / "results.json").read_text())
            data["studies"][0]["runs"][0]["metrics"]["val"]["accuracy"] = 0.999
            (student / "results.json").write_text(json.dumps(data))
        if i % 5 == 4:  # zipped, the folder inside
            archive = folder / f"student{i:02d}.zip"
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
                for path in sorted(student.rglob("*")):
                    handle.write(path, Path(student.name) / path.relative_to(student))
            shutil.rmtree(student)
            student = archive
        submissions.append(student)
    return submissions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--key", type=Path, help="a trained digits-answer-key output folder")
    parser.add_argument("--students", type=int, default=40)
    args = parser.parse_args()
    if args.key is not None and not (args.key / "results.json").is_file():
        parser.error(f"--key {args.key}: not an output folder with a results.json")
    with tempfile.TemporaryDirectory(prefix="reportgen-bench-grading-") as tmp:
        work = Path(tmp)
        if args.key is None:
            start = time.perf_counter()
            args.key = train_key(work / "key")
            print(f"trained the answer key in {time.perf_counter() - start:.1f} s")
        submissions = make_class(args.key, work / "class", args.students)
        start = time.perf_counter()
        key = grader.load_key(args.key)
        grades = grader.grade_class(key, submissions, rubric.DEFAULT)
        graded = time.perf_counter() - start
        written = grade_outputs.write(grades, work / "grades", "es")
        total = time.perf_counter() - start
    runs = sum(len(s["runs"]) for s in key.results["studies"])
    edited = sum(bool(s.integrity.edited) for s in grades.students)
    print(f"graded {len(grades.students)} submissions ({runs} runs each; "
          f"{len(grades.unreadable)} unreadable, {edited} flagged edited) in {graded:.2f} s; "
          f"with the class page, {len(written) - 2} feedback pages and the CSV: {total:.2f} s "
          f"({total / len(grades.students) * 1000:.0f} ms per submission)")


if __name__ == "__main__":
    main()
