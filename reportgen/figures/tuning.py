"""Figures of searches: optimisation history, parameter importance, parallel coordinates, and
the best objective so far against the training epochs spent (`budget_curves`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from reportgen.figures.style import (
    MAX_WIDTH_IN,
    PALETTE,
    decimal_formatter,
    new_figure,
    plain,
    short,
    styled,
)
from reportgen.figures.svg import to_svg


# ---- tuning
@dataclass(frozen=True)
class HistoryTexts:
    xlabel: str  # "Trial"
    ylabel: str  # the objective: "Validation accuracy"
    complete: str  # legend: complete trials
    pruned: str  # legend: pruned trials, at the value they were stopped with
    best: str  # legend: the best-so-far line
    decimal: str = "."


@styled
def optimisation_history(
    complete: Sequence[tuple[int, float]],
    pruned: Sequence[tuple[int, float]],
    best_so_far: Sequence[tuple[int, float]],
    texts: HistoryTexts,
    prefix: str = "fig",
    width_in: float = MAX_WIDTH_IN,
) -> str:
    """The objective per trial number: complete trials as dots, pruned ones as hollow grey
    markers, and the best complete value so far as a step line; `width_in` the printed width
    (half of it: the legend in one column)."""
    wide = width_in > 0.6 * MAX_WIDTH_IN
    fig = new_figure(width_in, 3.0 if wide else 2.4)
    ax = fig.add_subplot()
    handles: list[Artist] = []
    if complete:
        handles.append(ax.scatter([n for n, _ in complete], [v for _, v in complete], s=22,
                                  color=PALETTE[0], label=plain(texts.complete), zorder=3))
    if pruned:
        handles.append(ax.scatter([n for n, _ in pruned], [v for _, v in pruned], s=18,
                                  facecolors="none", edgecolors="#888888", linewidths=0.9,
                                  marker="s", label=plain(texts.pruned), zorder=2))
    if best_so_far:
        xs = [n for n, _ in best_so_far]
        ys = [v for _, v in best_so_far]
        last = max([n for n, _ in (*complete, *pruned)], default=xs[-1])
        (line,) = ax.step([*xs, last], [*ys, ys[-1]], where="post", color=PALETTE[5],
                          linewidth=1.4, label=plain(texts.best), zorder=4)
        handles.append(line)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(decimal_formatter(texts.decimal))
    ax.set_xlabel(plain(texts.xlabel))
    ax.set_ylabel(plain(texts.ylabel))
    if handles:
        fig.legend(handles=handles, loc="outside lower center",
                   ncols=len(handles) if wide else 1, frameon=False)
    return to_svg(fig, prefix)


@dataclass(frozen=True)
class ImportanceTexts:
    xlabel: str  # "Importance (fANOVA)"
    decimal: str = "."


@styled
def importance_bars(labels: Sequence[str], values: Sequence[float], texts: ImportanceTexts,
                    prefix: str = "fig", width_in: float = MAX_WIDTH_IN) -> str:
    """Horizontal bars, most important parameter on top, each with its value."""
    n = len(labels)
    fig = new_figure(width_in, max(1.6, 0.6 + 0.32 * n))
    ax = fig.add_subplot()
    ax.grid(axis="y", visible=False)
    positions = list(range(n))[::-1]  # first label on top
    ax.barh(positions, values, color=PALETTE[0], height=0.6)
    ax.set_yticks(positions, [plain(short(label, 34 if width_in > 0.6 * MAX_WIDTH_IN else 22))
                              for label in labels])
    top = max(values, default=0.0) or 1.0
    for y, value in zip(positions, values, strict=True):
        ax.text(value + 0.01 * top, y, f"{value:.2f}".replace(".", texts.decimal),
                va="center", fontsize=8)
    ax.set_xlim(0, top * 1.12)
    ax.xaxis.set_major_formatter(decimal_formatter(texts.decimal))
    ax.set_xlabel(plain(texts.xlabel))
    return to_svg(fig, prefix)


@dataclass(frozen=True)
class ParallelAxis:
    """One vertical axis. Numeric: values between `low` and `high` (log scale if `log`);
    categorical: `categories` are the tick labels and values are their indices."""

    label: str
    low: float = 0.0
    high: float = 1.0
    log: bool = False
    integer: bool = False
    categories: tuple[str, ...] = ()

    def position(self, value: float) -> float:
        """Where `value` sits on the axis, 0 (bottom) … 1 (top)."""
        if self.categories:
            count = len(self.categories)
            return 0.5 if count == 1 else value / (count - 1)
        low, high = self.low, self.high
        if self.log and low > 0 and value > 0:
            low, high, value = math.log10(low), math.log10(high), math.log10(value)
        return 0.5 if high == low else (value - low) / (high - low)

    def ticks(self) -> list[tuple[float, float]]:
        """(value, position) of the tick marks."""
        if self.categories:
            return [(i, self.position(i)) for i in range(len(self.categories))]
        if self.high == self.low:
            return [(self.low, 0.5)]
        if self.log and self.low > 0:
            from matplotlib.ticker import LogLocator

            values = LogLocator(base=10).tick_values(self.low, self.high)
        else:
            values = MaxNLocator(nbins=4, integer=self.integer).tick_values(self.low,
                                                                         self.high)
        span = self.high - self.low
        kept = [v for v in values if self.low - 1e-9 * span <= v <= self.high + 1e-9 * span]
        return [(v, self.position(v)) for v in (kept or [self.low, self.high])]


@dataclass(frozen=True)
class ParallelTexts:
    colour: str  # colour bar label: the objective
    decimal: str = "."


@styled
def parallel_coordinates(
    axes: Sequence[ParallelAxis],
    rows: Sequence[Sequence[float | None]],
    colour_values: Sequence[float],
    texts: ParallelTexts,
    highlight: int | None = None,
    minimise: bool = False,
    prefix: str = "fig",
) -> str:
    """One line per trial across the axes, in pale blues by `colour_values` (the objective):
    the better, the deeper the blue (`minimise`: lower values are better).

    `highlight` (a row index, the best trial) is drawn thick in a dark red above every other
    line, so it reads at a glance. Tick labels sit on opaque white boxes above the lines. A
    None value (a parameter the trial did not sample, e.g. the width of a layer it does not
    have) breaks the line there.
    """
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    n = len(axes)
    fig = new_figure(MAX_WIDTH_IN, 3.0)  # low: it shares a page with the pair above
    ax = fig.add_subplot()
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([])
    ax.set_xticks([])
    low = min(colour_values, default=0.0)
    high = max(colour_values, default=1.0)
    norm = Normalize(vmin=low, vmax=high if high > low else low + 1e-9)
    cmap = _pale_blues(reverse=minimise)
    # worst first, so the better lines end on top; the highlighted one last of all
    order = sorted(range(len(rows)), key=lambda i: colour_values[i], reverse=minimise)
    if highlight is not None and highlight in order:
        order.remove(highlight)
        order.append(highlight)
    for i in order:
        ys = [math.nan if v is None else axis.position(v) for axis, v in zip(axes, rows[i],
                                                                            strict=True)]
        if i == highlight:
            ax.plot(range(n), ys, color="white", linewidth=4.6, zorder=4)  # a halo
            ax.plot(range(n), ys, color=BEST_COLOUR, linewidth=2.6, marker="o",
                    markersize=4, zorder=5)
        else:
            ax.plot(range(n), ys, color=cmap(norm(colour_values[i])), linewidth=0.9,
                    marker="o", markersize=2, zorder=2)
    for x, axis in enumerate(axes):
        ax.axvline(x, color="#444444", linewidth=0.8, zorder=3)
        for value, position in axis.ticks():
            text = (short(axis.categories[int(value)], 16) if axis.categories
                    else f"{value:g}".replace(".", texts.decimal))
            ax.plot([x - 0.03, x], [position, position], color="#444444", linewidth=0.8,
                    zorder=3)
            ax.text(x - 0.05, position, plain(text), ha="right", va="center", fontsize=6.5,
                    color="#222222", zorder=6,
                    bbox={"facecolor": "white", "edgecolor": "#d0d0d0", "linewidth": 0.4,
                          "alpha": 1.0, "boxstyle": "round,pad=0.2"})
        ax.text(x, 1.06, plain(_wrap(axis.label, 11)), ha="center", va="bottom", fontsize=7)
    ax.set_xlim(-0.45, n - 0.7)
    ax.set_ylim(-0.04, 1.04)
    colorbar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.85,
                            aspect=30, pad=0.02)
    colorbar.ax.yaxis.set_major_formatter(decimal_formatter(texts.decimal))
    colorbar.ax.tick_params(labelsize=7)
    colorbar.set_label(plain(texts.colour), fontsize=8)
    return to_svg(fig, prefix)


BEST_COLOUR = "#a50f15"  # dark red: the best trial, above the pale blue lines


def _pale_blues(reverse: bool) -> Any:
    """Blues from pale to medium: every trial stays lighter than the best trial's line."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap

    colours = colormaps["Blues"](np.linspace(0.22, 0.72, 128))
    return ListedColormap(colours[::-1] if reverse else colours)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text



# ---- budget: best objective so far against the training spent
@dataclass(frozen=True)
class BudgetTexts:
    xlabel: str  # "Training epochs spent (cumulative)"
    ylabel: str  # the objective: "Validation accuracy"
    spent: str  # legend entry of the mark where a search's budget ends ("budget spent")
    decimal: str = "."


@dataclass(frozen=True)
class BudgetLine:
    label: str  # the search, as the report names it
    points: Sequence[tuple[float, float]]  # (epochs spent so far, best complete value so far)
    spent: float  # the epochs the whole search spent


@styled
def budget_curves(lines: Sequence[BudgetLine], texts: BudgetTexts, accuracy: bool,
                  prefix: str = "fig") -> str:
    """The anytime curve of each search: its best complete objective so far (a step line) against
    the training epochs it had spent, one line per search, a filled mark where its budget ends.
    Fewer than five searches are labelled at their line's end instead of in a legend. The y axis
    is fitted to the values after each line's first improvements (`runs.curve_range`)."""
    from reportgen.figures.runs import RUN_MARKERS, curve_range

    fig = new_figure(MAX_WIDTH_IN, 3.0)
    ax = fig.add_subplot()
    direct = len(lines) < 5
    handles = []
    for index, line in enumerate(lines):
        if not line.points:
            continue
        colour = PALETTE[index % len(PALETTE)]
        style = ("-", "--", "-.", ":")[index % 4]
        xs = [x for x, _ in line.points]
        ys = [y for _, y in line.points]
        end = max(line.spent, xs[-1])
        (drawn,) = ax.step([*xs, end], [*ys, ys[-1]], where="post", color=colour,
                           linestyle=style, linewidth=1.6, label=plain(line.label))
        ax.plot(xs, ys, linestyle="none", marker=RUN_MARKERS[index % len(RUN_MARKERS)],
                markersize=3.5, color=colour)
        ax.plot([end], [ys[-1]], linestyle="none", marker="o", markersize=7, color=colour,
                markeredgecolor="#1d1f23", markeredgewidth=0.8, label="_budget-spent")
        if direct:
            ax.annotate(plain(short(line.label, 40)), (end, ys[-1]), xytext=(6, 0),
                        textcoords="offset points", va="center", fontsize=8, color=colour)
        handles.append(drawn)
    limits, _log = curve_range([[y for _, y in line.points] for line in lines if line.points],
                               accuracy=accuracy)
    if limits is not None and limits[1] > limits[0]:
        ax.set_ylim(*limits)
    ax.yaxis.set_major_formatter(decimal_formatter(texts.decimal))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(plain(texts.xlabel))
    ax.set_ylabel(plain(texts.ylabel))
    spent = Line2D([], [], linestyle="none", marker="o", markersize=6, color="#888888",
                   markeredgecolor="#1d1f23", markeredgewidth=0.8, label=plain(texts.spent))
    if direct:
        # room on the right for the labels at the lines' ends
        ax.margins(x=0.02)
        right = max((max(line.spent, line.points[-1][0]) for line in lines if line.points),
                    default=1.0)
        ax.set_xlim(left=0, right=right * 1.4)
        fig.legend(handles=[spent], loc="outside lower center", frameon=False)
    else:
        fig.legend(handles=[*handles, spent], loc="outside right upper", frameon=False)
    return to_svg(fig, prefix)
