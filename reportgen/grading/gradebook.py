"""The class as text: the table printed on the terminal and the CSV a gradebook imports.

The CSV is for machines: points with a decimal point whatever the language, one row per
submission in the order given, the identifier first and the points second (what gradebook
imports map), then the maximum, the status, each study's status and points, and the integrity.
"""

from __future__ import annotations

import csv
import io

from reportgen.grading.grader import ClassGrades, StudentGrade

GRADED = "graded"


def integrity_summary(student: StudentGrade) -> str:
    """One English line: edited numbers, manifest changes, reruns; "" when there is nothing."""
    integrity = student.integrity
    parts = []
    if integrity.edited:
        parts.append(f"edited ({len(integrity.edited)} value(s))")
    elif not integrity.records_checked and integrity.note:
        parts.append(f"records not checked: {integrity.note}")
    if integrity.manifest_changes:
        parts.append(f"manifest: {len(integrity.manifest_changes)} change(s)")
    if integrity.reruns:
        counts: dict[str, int] = {}
        for rerun in integrity.reruns:
            counts[rerun.status] = counts.get(rerun.status, 0) + 1
        parts.append("reruns: " + ", ".join(f"{n} {status}" for status, n in counts.items()))
    return "; ".join(parts)


def cell(student: StudentGrade, study_id: str) -> str:
    grade = student.study(study_id)
    if grade is None:
        return ""
    edited = " (edited)" if study_id in student.integrity.edited_studies else ""
    return f"{grade.status}{edited}"


def status(student: StudentGrade) -> str:
    return f"unreadable: {student.unreadable}" if student.unreadable else GRADED


def table(grades: ClassGrades) -> str:
    """The class table, aligned plain text, one row per submission."""
    studies = grades.key.study_ids
    rows = [["student", *studies, "points", "integrity"]]
    for student in grades.students:
        if student.unreadable:
            rows.append([student.identifier, status(student)])
            continue
        rows.append([student.identifier, *(cell(student, s) for s in studies),
                     f"{student.points:g} / {student.max_points:g}",
                     integrity_summary(student)])
    widths = [max(len(row[i]) for row in rows if len(row) > i and len(row) > 2)
              for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        if len(row) == 2:  # unreadable: the reason runs across the columns
            lines.append(f"{row[0].ljust(widths[0])}  {row[1]}")
        else:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def to_csv(grades: ClassGrades) -> str:
    studies = grades.key.study_ids
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["identifier", "points", "max_points", "status",
                     *(f"{s} status" for s in studies), *(f"{s} points" for s in studies),
                     "integrity", "authors", "source"])
    for student in grades.students:
        if student.unreadable:
            writer.writerow([student.identifier, "", f"{grades.max_points:g}", status(student),
                             *[""] * (2 * len(studies)), "", "", student.source])
            continue
        points = [student.study(s).points for s in studies]  # type: ignore[union-attr]
        writer.writerow([student.identifier, f"{student.points:g}", f"{student.max_points:g}",
                         GRADED, *(cell(student, s) for s in studies),
                         *(f"{p:g}" for p in points), integrity_summary(student),
                         "; ".join(student.authors), student.source])
    return buffer.getvalue()
