"""Report figures drawn with matplotlib and returned as inline SVG strings.

The only package that imports matplotlib. It knows nothing about languages: every title, axis
label, legend entry and the decimal separator come from the caller, already translated.
Output is deterministic (fixed `svg.hashsalt`, no date) so reports can be diffed.
One module per subject: `runs` (curves), `matrices` (confusion matrices, alone and as small
multiples), `data` (distributions, samples, predictions), `roc` (a binary classifier's ROC
curve), `tuning` (searches), `svg` (inline-SVG tooling), `style` (palette, fonts).
"""

from reportgen.figures.data import (
    DistributionTexts,
    PredictionTexts,
    class_distribution,
    image_grid,
    prediction_panels,
)
from reportgen.figures.matrices import (
    MatrixLayout,
    MatrixTexts,
    confusion_grid,
    confusion_matrix,
    matrix_layout,
    matrix_width,
)
from reportgen.figures.roc import RocTexts, roc_curve
from reportgen.figures.runs import (
    CurveTexts,
    DualAxisTexts,
    accuracy_as_error,
    dual_axis,
    learning_curves,
)
from reportgen.figures.style import covered_codepoints, tick_names
from reportgen.figures.svg import clean_svg, lighten_svg, prefix_ids, to_svg
from reportgen.figures.tuning import (
    BudgetLine,
    BudgetTexts,
    HistoryTexts,
    ImportanceTexts,
    ParallelAxis,
    ParallelTexts,
    budget_curves,
    importance_bars,
    optimisation_history,
    parallel_coordinates,
)

__all__ = [
    "BudgetLine", "BudgetTexts", "CurveTexts", "DistributionTexts", "DualAxisTexts",
    "HistoryTexts", "ImportanceTexts", "MatrixLayout", "MatrixTexts", "ParallelAxis",
    "ParallelTexts", "PredictionTexts", "RocTexts", "accuracy_as_error",
    "budget_curves", "class_distribution", "clean_svg", "confusion_grid", "confusion_matrix",
    "covered_codepoints", "dual_axis", "image_grid", "importance_bars", "learning_curves",
    "lighten_svg", "matrix_layout", "matrix_width",
    "optimisation_history", "parallel_coordinates",
    "prediction_panels", "prefix_ids", "roc_curve", "tick_names", "to_svg",
]
