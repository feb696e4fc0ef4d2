"""Write a graded class into a folder: class.html (es and en), feedback/<student>.html (in the
chosen language), gradebook.csv. Each file is written atomically; nothing else is touched."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from reportgen.figures import grading as plot
from reportgen.grading import gradebook
from reportgen.grading.bands import StudyBands, study_bands
from reportgen.grading.grader import ClassGrades
from reportgen.report import grade_pages as page
from reportgen.report import i18n
from reportgen.report.labels import SPLIT_NAMES
from reportgen.store.store import safe_file_name, write_atomic

CLASS_PAGE = "class.html"
GRADEBOOK = "gradebook.csv"
FEEDBACK = "feedback"


def write(grades: ClassGrades, out_dir: Path, lang: str, rubric_name: str = "") -> list[Path]:
    """Every output of `grades` under `out_dir`; returns the paths written."""
    names = feedback_names(grades)
    rows = [page.Row(s, f"{FEEDBACK}/{names[i]}" if i in names else "", page.flags(s))
            for i, s in enumerate(grades.students)]
    bands = study_bands(grades)
    plots: dict[str, list[page.PlotSection]] = {
        language: [page.PlotSection(b.study, b.split, b.metric,
                                    Markup(plot.band_plot(b, _texts(b, language),
                                                          f"{language}-{safe_file_name(b.study)}")))
                   for b in bands]
        for language in i18n.LANGUAGES}
    written = [out_dir / CLASS_PAGE, out_dir / GRADEBOOK]
    write_atomic(written[0], page.class_page(grades, rows, plots, rubric_name))
    write_atomic(written[1], gradebook.to_csv(grades))
    for i, name in names.items():
        path = out_dir / FEEDBACK / name
        write_atomic(path, page.feedback_page(grades.students[i], lang))
        written.append(path)
    return written


def feedback_names(grades: ClassGrades) -> dict[int, str]:
    """Student index → a file name of their own (graded students only)."""
    names: dict[int, str] = {}
    taken: set[str] = set()
    for i, student in enumerate(grades.students):
        if student.unreadable:
            continue
        base = safe_file_name(student.identifier)
        name, n = f"{base}.html", 1
        while name.lower() in taken:  # case-insensitive file systems
            n += 1
            name = f"{base}-{n}.html"
        taken.add(name.lower())
        names[i] = name
    return names


def _texts(bands: StudyBands, lang: str) -> plot.BandTexts:
    _ = i18n.gettext(lang)
    metric = f"{_(page.METRIC_NAMES[bands.metric])} ({_(SPLIT_NAMES[bands.split])})"
    return plot.BandTexts(ylabel=metric[:1].upper() + metric[1:],
                          band=_("Answer key: mean ± tolerance"),
                          within=_("Within the band"), outside=_("Outside the band"),
                          decimal=i18n.decimal_separator(lang))
