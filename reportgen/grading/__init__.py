"""Grading a class: an answer key, a folder of submissions, a rubric → a class table, pages, a CSV.

Modules, one job each: `tolerance` (how far a metric may move: shared with `reportgen diff`),
`submissions` (read an output folder, a results.json or a zip, safely), `integrity` (recomputed
numbers, manifest changes, reruns), `rubric` (the rubric file and its default), `score` (statuses
and points), `gradebook` (the class table and the CSV), `grader` (the whole class), `outputs`
(writes the files). Rendering lives with the rest: `report/grade_pages.py` (Jinja) and
`figures/grading.py` (the band plot).
"""
