"""`reportgen diff --format html`: a comparison as one self-contained bilingual page."""

from __future__ import annotations

from reportgen.grading import tolerance as tolerances
from reportgen.grading.diff import Comparison
from reportgen.report import pages

HTML_TEMPLATE = "diff.html.j2"
HTML_STYLESHEET = "diff.css"


def format_html(comparison: Comparison, key_name: str = "", other_name: str = "") -> str:
    """One self-contained page (inline CSS, no script) with the findings in Spanish and English.

    `key_name` and `other_name` (e.g. the paths given on the command line) are shown as given.
    """
    return pages.render_page(HTML_TEMPLATE, HTML_STYLESHEET, c=comparison, key_name=key_name,
                             other_name=other_name, rate_tolerance=tolerances.RATE_TOLERANCE,
                             loss_rtol=tolerances.LOSS_RTOL)
