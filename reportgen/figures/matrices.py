"""Confusion matrices: one run's as a heat map of row shares with the counts under them
(`confusion_matrix`), several runs' as small multiples (`confusion_grid`).

`matrix_layout` works out how a matrix prints at the width it is placed at (whether its cells
carry numbers, at what size, where the axes go) without drawing it: the report words the
caption after it and chooses where the figure goes; `confusion_matrix` draws that layout, at
that width, so every size below is a printed size. Every text comes from the caller, already
translated (`MatrixTexts`)."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib.axes import Axes
from matplotlib.colors import Normalize, PowerNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

from reportgen.analysis.errors import most_confused
from reportgen.figures.style import (
    ANNOTATE_MAX_CLASSES,
    ASIDE_WIDTH_IN,
    MAX_WIDTH_IN,
    MIN_TEXT_PT,
    new_figure,
    plain,
    report_style,
    short,
    styled,
    text_width_pt,
    tick_names,
)
from reportgen.figures.svg import to_svg


@dataclass(frozen=True)
class MatrixTexts:
    xlabel: str  # "Predicted class"
    ylabel: str  # "True class"
    title: str | None = None
    decimal: str = "."
    confused: str = ""  # heading of the most-confused pairs beside a large matrix


MAX_CELL_PT = 30.0  # a cell is never larger (0.42 in): three classes do not fill the width
PERCENT_PT = 9.0  # the largest a cell's percentage is set
COUNT_SMALLER_PT = 1.5  # the count under it is this much smaller (never below MIN_TEXT_PT)
CELL_FILL = 0.84  # the share of a cell's width its widest number may take
DIGIT_HEIGHT = 0.73  # a digit's height in em (DejaVu Sans): what two stacked numbers need
LINE_GAP = 0.3  # between the percentage and the count, in em of the count
TOP_PAIRS = 10  # most-confused pairs listed beside a matrix without numbers
PAIR_PT = 7.5
PAIR_NAME_CHARS = 12
BAR_PT = 42.0  # a colour bar with its tick labels and "%"
LIGHT_TEXT_ABOVE = 0.55  # cells darker than this rate get white text
MIN_SIDE_PT = 96.0  # a matrix of two or three classes is not drawn smaller than this
# Without numbers in the cells, the shade is on a square-root scale: a 3 % confusion would be
# invisible next to a 97 % diagonal on a linear one.
SHADE_GAMMA = 0.5


def shade_norm(numbers: bool) -> Normalize:
    """Rates 0..1 to the colour map: linear under numbers, a square root without them."""
    return Normalize(0.0, 1.0) if numbers else PowerNorm(SHADE_GAMMA, 0.0, 1.0)


@dataclass(frozen=True)
class MatrixLayout:
    """How a confusion matrix prints: all sizes in points on paper (the figure is drawn at
    `width_in`, which is never wider than the width it was laid out for)."""

    n: int
    names: tuple[str, ...]  # tick labels
    tick_pt: float
    rotation: int  # of the x tick labels: 0 level, 90 upright
    cell_pt: float  # a cell's side
    percent_pt: float | None  # None: no numbers, the colour alone with a colour bar
    count_pt: float | None  # None: no count under the percentage
    left_pt: float  # from the figure's left edge to the matrix
    bottom_pt: float  # from the figure's bottom edge to the matrix
    top_pt: float
    pairs: tuple[tuple[str, str, int], ...]  # (true, predicted, count), most frequent first
    pairs_pt: float  # the width of the list of pairs beside the colour bar (0: none)
    width_in: float
    height_in: float

    @property
    def annotated(self) -> bool:
        """The cells carry their percentage (and empty cells nothing)."""
        return self.percent_pt is not None

    @property
    def counts(self) -> bool:
        """… and their count under it."""
        return self.count_pt is not None

    @property
    def rotation_crowded(self) -> bool:
        """Tick labels of several lines are taller than a row (or, upright, than a column)."""
        lines = max((name.count("\n") + 1 for name in self.names), default=1)
        return lines > 1 and lines * 1.25 * self.tick_pt > 0.95 * self.cell_pt

    @property
    def side_pt(self) -> float:
        return self.n * self.cell_pt


def row_shares(matrix: Sequence[Sequence[int]]) -> list[list[float]]:
    """Each cell as a share of its row (the true class): the recall on the diagonal."""
    out = []
    for row in matrix:
        total = sum(row)
        out.append([v / total if total else 0.0 for v in row])
    return out


def percent_text(count: int, total: int) -> str:
    """A cell's share of its row as a whole percentage: nothing when no sample fell in it,
    "<1" for a share that rounds to 0 and ">99" for one that rounds to 100 without being all
    of the row (a reader reads "100" as "every sample")."""
    if count == 0 or total == 0:
        return ""
    percent = round(100 * count / total)
    if percent == 0:
        return "<1"
    if percent == 100 and count < total:
        return ">99"
    return str(percent)


def cell_texts(matrix: Sequence[Sequence[int]]) -> list[list[tuple[str, str]]]:
    """Per cell, (percentage of its row, count): both empty where no sample fell."""
    return [[(percent_text(v, sum(row)), str(v) if v else "") for v in row] for row in matrix]


def class_labels(class_names: Sequence[str], n: int) -> list[str]:
    """Class names as tick labels: whole, or on two lines when long ("0 — No diabetic" /
    "retinopathy"); with many classes one short line each; indices when no font draws them."""
    if len(class_names) != n:
        return [str(i) for i in range(n)]
    names = tick_names(class_names, 60)
    if n > 20:
        return [short(name, 14) for name in names]
    out = []
    for name in names:
        lines = textwrap.wrap(name, 14, break_long_words=False) or [name]
        if len(lines) > 2:
            lines = [lines[0], short(" ".join(lines[1:]), 14)]
        out.append("\n".join(lines))
    return out


def matrix_layout(matrix: Sequence[Sequence[int]], class_names: Sequence[str],
                  width_in: float = ASIDE_WIDTH_IN, titled: bool = False) -> MatrixLayout:
    """How `matrix` prints at `width_in` (inches on paper).

    Up to ANNOTATE_MAX_CLASSES classes each cell carries its share of the row as a whole
    percentage and, under it in smaller type, its count, both at least MIN_TEXT_PT points;
    where the cells are too small for the count it is left out, and where they are too small
    for the percentage too, the colour has to do alone: a colour bar, and the most frequent
    confusions (true → predicted, count) listed beside it."""
    with report_style():
        return _layout(matrix, class_names, width_in, titled)


def _layout(matrix: Sequence[Sequence[int]], class_names: Sequence[str],
            width_in: float, titled: bool) -> MatrixLayout:
    layout = _layout_with(matrix, class_labels(class_names, len(matrix)), width_in, titled)
    if layout.rotation_crowded:  # names on two lines do not fit a row: one short line each
        names = [short(name.replace("\n", " "), 14) for name in layout.names]
        layout = _layout_with(matrix, names, width_in, titled)
    return layout


def _layout_with(matrix: Sequence[Sequence[int]], names: Sequence[str], width_in: float,
                 titled: bool) -> MatrixLayout:
    n = len(matrix)
    label_pt = float(matplotlib.rcParams["axes.labelsize"])
    tick = 8.0 if n <= 10 else 7.0 if n <= 20 else 5.0
    widest = max((text_width_pt(name, tick) for name in names), default=0.0)
    lines = max((name.count("\n") + 1 for name in names), default=1)
    axis_title = 1.25 * label_pt + 4.0  # an axis label and matplotlib's labelpad
    left = axis_title + widest + 3.5 + 3.0  # tick labels sit 3.5 pt from the axes
    right = 4.0
    room = width_in * 72 - left - right
    texts = cell_texts(matrix)
    # per point of type: the widest percentage and count (bold: the diagonal's percentage)
    percent_em = max((text_width_pt(p, 1.0, "bold") for row in texts for p, _ in row),
                     default=0.0) or text_width_pt("100", 1.0, "bold")
    count_em = max((text_width_pt(c, 1.0) for row in texts for _, c in row), default=0.0)
    percent = count = None
    pairs: tuple[tuple[str, str, int], ...] = ()
    pairs_w = 0.0
    largest = max(MAX_CELL_PT, MIN_SIDE_PT / max(n, 1))
    cell = min(largest, room / max(n, 1))
    if n <= ANNOTATE_MAX_CLASSES:
        fits = min(PERCENT_PT, CELL_FILL * cell / percent_em)
        if fits >= MIN_TEXT_PT:
            percent = fits
            count = max(MIN_TEXT_PT, percent - COUNT_SMALLER_PT)
            # two stacked numbers: lower the percentage (never under the count) until they fit
            height = 0.8 * cell - LINE_GAP * count
            percent = min(percent, height / DIGIT_HEIGHT - count)
            if percent < count or count * count_em > CELL_FILL * cell:
                percent, count = fits, None
    if percent is None:  # the colour alone: a colour bar and the most confused pairs
        plain_names = [name.replace("\n", " ") for name in names]
        pairs = tuple((short(plain_names[c.true], PAIR_NAME_CHARS),
                       short(plain_names[c.predicted], PAIR_NAME_CHARS), c.count)
                      for c in most_confused(matrix, TOP_PAIRS))
        if pairs:
            pairs_w = 10.0 + max(text_width_pt(f"{t} → {p}", PAIR_PT) for t, p, _ in pairs) \
                + 6.0 + max(text_width_pt(str(k), PAIR_PT) for *_, k in pairs)
            pairs_w = max(pairs_w, 1.1 * 72)  # room for the heading on two or three lines
        cell = min(largest, (room - BAR_PT - pairs_w) / max(n, 1))
    rotation = 0 if widest <= 0.9 * cell else 90
    drop = widest if rotation else lines * 1.25 * tick
    bottom = drop + 3.5 + axis_title
    top = 4.0 + (1.25 * float(matplotlib.rcParams["axes.titlesize"]) + 6.0 if titled else 0.0)
    side = n * cell
    height = top + side + bottom
    if pairs:  # the list may be longer than a small matrix is tall
        height = max(height, top + 3.2 * PAIR_PT * 1.3 + len(pairs) * PAIR_PT * 1.35 + 4.0)
    width = left + side + right + (BAR_PT + pairs_w if percent is None else 0.0)
    return MatrixLayout(n=n, names=tuple(names), tick_pt=tick, rotation=rotation,
                        cell_pt=cell, percent_pt=percent, count_pt=count, left_pt=left,
                        bottom_pt=bottom, top_pt=top, pairs=pairs, pairs_pt=pairs_w,
                        width_in=min(width_in, width / 72), height_in=height / 72)


def matrix_width(matrix: Sequence[Sequence[int]], class_names: Sequence[str]) -> float:
    """The width a matrix is printed at, in inches: beside the text (ASIDE_WIDTH_IN) when its
    percentages and counts fit there, else across the text width."""
    beside = matrix_layout(matrix, class_names, ASIDE_WIDTH_IN)
    return ASIDE_WIDTH_IN if beside.counts else MAX_WIDTH_IN


@styled
def confusion_matrix(
    matrix: Sequence[Sequence[int]],
    class_names: Sequence[str],
    texts: MatrixTexts,
    prefix: str = "fig",
    width_in: float = ASIDE_WIDTH_IN,
) -> str:
    """The matrix normalised by row (each true class sums to 100 %), shaded by that rate,
    laid out by `matrix_layout` for `width_in`: the percentage in each cell with the count
    under it (the diagonal's in bold, framed), empty cells blank; a large matrix has no
    numbers but a colour bar and its most frequent confusions listed beside it."""
    layout = _layout(matrix, class_names, width_in, texts.title is not None)
    n = layout.n
    fig_w, fig_h = layout.width_in * 72, layout.height_in * 72  # points
    fig = new_figure(layout.width_in, layout.height_in, layout=None)
    side = layout.side_pt
    low = fig_h - layout.top_pt - side  # the matrix hangs from the top (a list may be taller)
    ax = fig.add_axes((layout.left_pt / fig_w, low / fig_h, side / fig_w, side / fig_h))
    _bare(ax)
    shares = row_shares(matrix)
    image = ax.imshow(shares, cmap="Blues", norm=shade_norm(layout.annotated),
                      interpolation="nearest", aspect="auto")
    ax.set_xticks(range(n), layout.names, fontsize=layout.tick_pt, rotation=layout.rotation)
    ax.set_yticks(range(n), layout.names, fontsize=layout.tick_pt)
    ax.tick_params(length=0)
    ax.set_xlabel(plain(texts.xlabel))
    ax.set_ylabel(plain(texts.ylabel))
    if texts.title:
        ax.set_title(plain(texts.title))
    if layout.annotated:
        _cell_numbers(ax, matrix, shares, layout)
        for k in range(n):  # the diagonal: a frame round each cell of correct predictions
            ax.add_patch(Rectangle((k - 0.5, k - 0.5), 1, 1, fill=False, edgecolor="#1d1f23",
                                   linewidth=0.9))
    else:
        x = (layout.left_pt + side + 6.0) / fig_w
        cax = fig.add_axes((x, low / fig_h, 8.0 / fig_w, side / fig_h))
        bar = fig.colorbar(image, cax=cax)
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{round(100 * v)}"))
        bar.ax.tick_params(labelsize=MIN_TEXT_PT)
        bar.ax.set_ylabel("%", fontsize=MIN_TEXT_PT + 1, labelpad=2)
        if layout.pairs:
            _pairs_list(fig, layout, texts, (layout.left_pt + side + BAR_PT + 10.0,
                                             fig_h - layout.top_pt))
    return to_svg(fig, prefix)


def _bare(ax: Axes) -> None:
    """No grid and no frame: the cells' edges are the matrix's."""
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _cell_numbers(ax: Axes, matrix: Sequence[Sequence[int]], shares: list[list[float]],
                  layout: MatrixLayout) -> None:
    """Each non-empty cell's percentage, and its count under it, centred in the cell (data
    units: a cell is 1 wide, and y grows downwards)."""
    percent = layout.percent_pt or 0.0
    count = layout.count_pt or 0.0
    block = DIGIT_HEIGHT * (percent + count) + LINE_GAP * count if layout.counts \
        else DIGIT_HEIGHT * percent
    first = (-block / 2 + DIGIT_HEIGHT * percent) / layout.cell_pt  # the percentage's baseline
    second = (block / 2) / layout.cell_pt  # the count's
    for i, row in enumerate(cell_texts(matrix)):
        for j, (share, number) in enumerate(row):
            if not share:
                continue
            colour = "white" if shares[i][j] > LIGHT_TEXT_ABOVE else "#1d1f23"
            ax.text(j, i + first, share, ha="center", va="baseline",
                    fontsize=percent, color=colour,
                    fontweight="bold" if i == j else "normal")
            if layout.counts:
                ax.text(j, i + second, number, ha="center",
                        va="baseline", fontsize=count, color=colour)


def _pairs_list(fig: Figure, layout: MatrixLayout, texts: MatrixTexts,
                top_left: tuple[float, float]) -> None:
    """The most frequent confusions, one a line (true → predicted, then the count right-
    aligned), under a heading wrapped to the list's width."""
    fig_w, fig_h = layout.width_in * 72, layout.height_in * 72
    x, y = top_left
    right = x + layout.pairs_pt - 10.0
    if texts.confused:
        chars = max(12, int(len(texts.confused) * (layout.pairs_pt - 10.0)
                            / max(text_width_pt(texts.confused, PAIR_PT + 0.5, "bold"), 1.0)))
        heading = "\n".join(textwrap.wrap(plain(texts.confused), chars))
        fig.text(x / fig_w, y / fig_h, heading, ha="left", va="top",
                 fontsize=PAIR_PT + 0.5, fontweight="bold", linespacing=1.2)
        y -= (heading.count("\n") + 1) * (PAIR_PT + 0.5) * 1.25 + 5.0
    for true, predicted, count in layout.pairs:
        fig.text(x / fig_w, y / fig_h, plain(f"{true} → {predicted}"),
                 ha="left", va="top", fontsize=PAIR_PT)
        fig.text(right / fig_w, y / fig_h, str(count), ha="right", va="top",
                 fontsize=PAIR_PT)
        y -= PAIR_PT * 1.35


# ---------------------------------------------------------------- small multiples
GRID_COLUMNS = 4
GRID_PANEL_MAX_IN = 1.7
GRID_TICKS_MAX_CLASSES = 12  # past this, the panels carry no class names (too small to read)
GRID_TITLE_PT = 8.0


@styled
def confusion_grid(
    matrices: Sequence[Sequence[Sequence[int]]],
    titles: Sequence[str],
    class_names: Sequence[str],
    texts: MatrixTexts,
    prefix: str = "fig",
    width_in: float = MAX_WIDTH_IN,
) -> str:
    """Several runs' matrices, each normalised by row, as small multiples titled by `titles`
    (the run labels): no numbers in the cells, one shared colour scale with its colour bar, the
    class names on the outer panels only. Every matrix has the classes of `class_names`."""
    k = len(matrices)
    n = len(matrices[0]) if k else 0
    columns = max(1, min(k, GRID_COLUMNS))
    rows = math.ceil(k / columns)
    # a panel's cells at most about 0.17 in: two classes need no 1.7 in square
    panel = min(GRID_PANEL_MAX_IN, max(1.0, 0.17 * n), (width_in - 1.2) / columns - 0.12)
    names = class_labels(class_names, n) if n <= GRID_TICKS_MAX_CLASSES else []
    tick = MIN_TEXT_PT
    widest = max((text_width_pt(name, tick) for name in names), default=0.0)
    cell = panel * 72 / max(n, 1)
    rotation = 0 if widest <= 0.9 * cell else 90
    drop = (widest if rotation else 1.25 * tick * max(
        (name.count("\n") + 1 for name in names), default=1)) / 72 if names else 0.0
    chars = max(10, int(panel * 72 / (0.56 * GRID_TITLE_PT)))
    wrapped = ["\n".join(textwrap.wrap(plain(t), chars)) or " " for t in titles]
    title_lines = max((t.count("\n") + 1 for t in wrapped), default=1)
    row_in = panel + title_lines * GRID_TITLE_PT * 1.25 / 72 + 0.08
    height = rows * row_in + drop + 0.45
    width = min(width_in, columns * (panel + 0.12) + widest / 72 + 1.1)
    fig = new_figure(width, height, layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    image = None
    for index in range(rows * columns):
        ax = axes[index // columns][index % columns]
        if index >= k:
            ax.set_axis_off()
            continue
        _bare(ax)
        image = ax.imshow(row_shares(matrices[index]), cmap="Blues", norm=shade_norm(False),
                          interpolation="nearest")
        ax.set_title(wrapped[index], fontsize=GRID_TITLE_PT, linespacing=1.15)
        ax.tick_params(length=0)
        below = index + columns < k  # another panel under this one
        if names:
            ax.set_xticks(range(n), names if not below else [""] * n, fontsize=tick,
                          rotation=rotation)
            ax.set_yticks(range(n), names if index % columns == 0 else [""] * n,
                          fontsize=tick)
        else:
            ax.set_xticks([])
            ax.set_yticks([])
    fig.supxlabel(plain(texts.xlabel), fontsize=float(matplotlib.rcParams["axes.labelsize"]))
    fig.supylabel(plain(texts.ylabel), fontsize=float(matplotlib.rcParams["axes.labelsize"]))
    if image is not None:
        used = [axes[i // columns][i % columns] for i in range(k)]
        bar = fig.colorbar(image, ax=used, shrink=min(1.0, 0.9 if rows > 1 else 0.8),
                           aspect=25 * rows, pad=0.02)
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{round(100 * v)}"))
        bar.ax.tick_params(labelsize=MIN_TEXT_PT)
        bar.ax.set_ylabel("%", fontsize=MIN_TEXT_PT + 1, labelpad=2)
    return to_svg(fig, prefix)
