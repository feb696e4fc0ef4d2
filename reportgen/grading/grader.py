"""Grade a class: the key, every submission (each read, checked and scored on its own), in order.

A submission that cannot be read becomes a row with the reason and never stops the others.
Where its run records could be read, a submission is graded on the numbers they give (an edited
results.json earns nothing and is flagged); a bare results.json is graded as it stands.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from reportgen.errors import ReportgenError
from reportgen.grading import diff, submissions
from reportgen.grading import integrity as integrity_mod
from reportgen.grading.integrity import Integrity
from reportgen.grading.rubric import Rubric
from reportgen.grading.score import StudyGrade, grade_study
from reportgen.store.store import MANIFEST_COPY

Identifier = Literal["folder", "authors"]


@dataclass(frozen=True)
class Key:
    name: str
    results: dict[str, Any]
    manifest_text: str | None  # None: a results.json alone (no manifest comparison)

    @property
    def study_ids(self) -> list[str]:
        return [s["id"] for s in self.results["studies"]]


@dataclass
class StudentGrade:
    identifier: str
    source: str  # as given on the command line
    authors: list[str] = field(default_factory=list)
    unreadable: str | None = None  # the reason
    studies: list[StudyGrade] = field(default_factory=list)
    integrity: Integrity = field(default_factory=Integrity)
    results: dict[str, Any] | None = field(default=None, repr=False)  # the numbers graded

    @property
    def points(self) -> float | None:
        return None if self.unreadable else round(sum(s.points for s in self.studies), 2)

    @property
    def max_points(self) -> float:
        return round(sum(s.max_points for s in self.studies), 2)

    def study(self, study_id: str) -> StudyGrade | None:
        return next((s for s in self.studies if s.study == study_id), None)


@dataclass
class ClassGrades:
    key: Key
    rubric: Rubric
    students: list[StudentGrade]
    verify: int = 0

    @property
    def unreadable(self) -> list[StudentGrade]:
        return [s for s in self.students if s.unreadable]

    @property
    def max_points(self) -> float:
        """What the rubric gives for the key's studies (the same for every submission)."""
        return round(sum(grade_study(study, None, self.rubric).max_points
                         for study in self.key.results["studies"]), 2)


def load_key(path: Path) -> Key:
    """The answer key: an output folder (with its manifest copy) or a results.json."""
    data = diff.load(path)
    try:
        submissions.read_results(path / "results.json" if path.is_dir() else path)
    except submissions.SubmissionError as exc:
        raise ReportgenError(f"{path}: answer key: {exc}") from None
    for study in data["studies"]:
        diff.key_tolerances(study)  # a bad expected block is bad input, named once
    folder = path if path.is_dir() else path.parent
    copy = folder / MANIFEST_COPY
    text = copy.read_text(encoding="utf-8") if copy.is_file() else None
    return Key(str(path), data, text)


def check_rubric(key: Key, rubric: Rubric) -> None:
    """Bad input: a rubric naming a study the key lacks, or a metric the key does not report."""
    if unknown := [s for s in rubric.studies if s not in key.study_ids]:
        raise ReportgenError(f"rubric: the answer key has no study {', '.join(unknown)} "
                             f"(it has {', '.join(key.study_ids)})")
    for study in key.results["studies"]:
        grade_study(study, None, rubric)  # raises on a metric the key does not report


def grade_class(key: Key, paths: Sequence[Path], rubric: Rubric, *, verify: int = 0,
                device: str | None = None, identifier: Identifier = "folder",
                jobs: int | str = 1,
                echo: Callable[[str], None] = lambda line: None) -> ClassGrades:
    """Grade every submission at `paths` against `key`; `verify` runs of each are retrained,
    one after another, or with `jobs` > 1 (or "auto") all the class's at once on that many
    worker processes (`grading.reruns`): the same verdicts either way."""
    check_rubric(key, rubric)
    students: list[StudentGrade] = []
    pooled = verify > 0 and jobs != 1
    planned: list[tuple[StudentGrade, list[Any]]] = []
    with tempfile.TemporaryDirectory(prefix="reportgen-grade-") as workdir:
        for path in paths:
            student = grade_one(key, path, Path(workdir), rubric, verify, device, identifier,
                                planned if pooled else None)
            students.append(student)
            echo(_progress_line(student))
        if planned:
            from reportgen.grading import reruns

            def done(student: StudentGrade, verdicts: list[integrity_mod.Rerun]) -> None:
                student.integrity.reruns = verdicts

            reruns.run_all(planned, jobs, device, done, echo)
    _disambiguate(students)
    return ClassGrades(key, rubric, students, verify)


def grade_one(key: Key, path: Path, workdir: Path, rubric: Rubric, verify: int,
              device: str | None, identifier: Identifier,
              planned: list[tuple[StudentGrade, list[Any]]] | None = None) -> StudentGrade:
    """One submission's row. With `planned`, its reruns are not trained here: their jobs are
    appended to it, for `grading.reruns` to train with the whole class's."""
    try:
        submission = submissions.load(path, workdir)
    except submissions.SubmissionError as exc:
        return StudentGrade(_fallback_name(path), str(path), unreadable=str(exc))
    except Exception as exc:  # anything a hostile file may raise: a row, never a stop
        return StudentGrade(_fallback_name(path), str(path),
                            unreadable=f"{type(exc).__name__}: {exc}")
    name = submission.name
    if identifier == "authors" and submission.authors:
        name = "; ".join(submission.authors)
    student = StudentGrade(name, str(path), submission.authors)
    try:
        student.integrity = integrity_mod.check_submission(
            submission, key.manifest_text, 0 if planned is not None else verify, device)
        sample = []
        if planned is not None and verify and submission.has_records \
                and submission.manifest_text is not None:
            sample = integrity_mod.rerun_jobs(submission, verify, device)
        graded = student.integrity.recomputed or submission.results
        student.results = graded
        edited = _edited_runs(student.integrity)
        theirs = {s["id"]: s for s in graded["studies"]}
        student.studies = [grade_study(study, theirs.get(study["id"]), rubric,
                                       edited.get(study["id"], 0))
                           for study in key.results["studies"]]
    except Exception as exc:  # a record of an unexpected shape: this row only
        return StudentGrade(name, str(path), submission.authors,
                            unreadable=f"{type(exc).__name__}: {exc}")
    if planned is not None and sample:
        planned.append((student, sample))
    return student


def _edited_runs(integrity: Integrity) -> dict[str, int]:
    runs: dict[str, set[str]] = {}
    for value in integrity.edited:
        runs.setdefault(value.study, set()).add(value.run)
    return {study: len(labels) for study, labels in runs.items()}


def _fallback_name(path: Path) -> str:
    if path.name == "results.json":
        return path.resolve().parent.name or path.stem
    return path.stem if path.suffix else path.resolve().name or str(path)


def _disambiguate(students: list[StudentGrade]) -> None:
    """Two submissions with one identifier (two 'results.json' files…): number the later ones."""
    seen: dict[str, int] = {}
    for student in students:
        count = seen.get(student.identifier, 0) + 1
        seen[student.identifier] = count
        if count > 1:
            student.identifier = f"{student.identifier} ({count})"


def _progress_line(student: StudentGrade) -> str:
    if student.unreadable:
        return f"{student.identifier}: unreadable: {student.unreadable}"
    return f"{student.identifier}: {student.points:g} / {student.max_points:g}"
