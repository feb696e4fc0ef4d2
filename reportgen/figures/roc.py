"""The ROC curve of a binary classifier: the true-positive rate against the false-positive rate
as the decision threshold falls, with the diagonal of a classifier that guesses.

The points come from `analysis.errors.roc_curve`; every text from the caller, translated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportgen.figures.style import PALETTE, decimal_formatter, new_figure, plain, styled
from reportgen.figures.svg import to_svg


@dataclass(frozen=True)
class RocTexts:
    xlabel: str  # "False-positive rate"
    ylabel: str  # "True-positive rate"
    curve: str  # legend entry of the curve, e.g. "AUC = 0.994"
    chance: str  # legend entry of the diagonal
    title: str | None = None
    decimal: str = "."


@styled
def roc_curve(points: Sequence[tuple[float, float]], texts: RocTexts,
              prefix: str = "fig") -> str:
    """`points`: (false-positive rate, true-positive rate) from (0, 0) to (1, 1), drawn as the
    staircase they form; the square axes span [0, 1] on both sides."""
    fig = new_figure(3.6, 3.4)
    ax = fig.add_subplot()
    xs = [float(x) for x, _ in points]
    ys = [float(y) for _, y in points]
    ax.plot([0, 1], [0, 1], linestyle="--", color="#888888", linewidth=1,
            label=plain(texts.chance))
    ax.plot(xs, ys, color=PALETTE[0], linewidth=1.8, label=plain(texts.curve))
    ax.fill_between(xs, ys, color=PALETTE[0], alpha=0.08, linewidth=0)
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(decimal_formatter(texts.decimal))
    ax.set_xlabel(plain(texts.xlabel))
    ax.set_ylabel(plain(texts.ylabel))
    if texts.title:
        ax.set_title(plain(texts.title))
    ax.legend(loc="lower right", frameon=False)
    return to_svg(fig, prefix)
