"""Figures of the data: class distributions, sample images and predictions.

`image_grid` of samples carries no translated text (class names only): the orchestrator draws it
once per report and both languages embed the same SVG."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.ticker import MaxNLocator

from reportgen.figures.style import (
    MAX_WIDTH_IN,
    PALETTE,
    SPLIT_COLOURS,
    decimal_formatter,
    new_figure,
    plain,
    styled,
    tick_names,
)
from reportgen.figures.svg import to_svg


@dataclass(frozen=True)
class DistributionTexts:
    xlabel: str  # "Class"
    ylabel: str  # "Share of the split (%)"
    splits: Mapping[str, str]  # split key -> translated name, in legend order
    title: str | None = None
    decimal: str = "."


# ---------------------------------------------------------------- class distribution
@styled
def class_distribution(
    counts: Mapping[str, Sequence[int]],
    class_names: Sequence[str],
    texts: DistributionTexts,
    normalize: bool = True,
    prefix: str = "fig",
    width_in: float = MAX_WIDTH_IN,
) -> str:
    """Grouped bars: per class, its share (or count) in each split, one colour per split.

    Shares make splits of different sizes comparable, which is what a stratification check needs.
    `width_in` is the width the figure is printed at (its text keeps its size on paper); a
    narrow one has its legend above the bars instead of beside them.
    """
    splits = [s for s in texts.splits if s in counts]
    n = len(class_names)
    narrow = width_in < 0.7 * MAX_WIDTH_IN
    fig = new_figure(width_in, 2.6 if narrow else 3.0)
    ax = fig.add_subplot()
    ax.grid(axis="x", visible=False)
    width = 0.8 / max(len(splits), 1)
    for k, split in enumerate(splits):
        row = [float(c) for c in counts[split]]
        total = sum(row)
        heights = [100 * c / total if total else 0.0 for c in row] if normalize else row
        offsets = [i - 0.4 + width * (k + 0.5) for i in range(n)]
        colour = SPLIT_COLOURS.get(split, PALETTE[k % len(PALETTE)])
        ax.bar(offsets, heights, width=width, color=colour, label=plain(texts.splits[split]))
    tick_size = 8 if n <= 15 else 6 if n <= 30 else 5
    ax.set_xticks(range(n), tick_names(class_names, 10), fontsize=tick_size,
                  rotation=90 if n > 15 else 0)
    ax.set_xlim(-0.6, n - 0.4)
    ax.yaxis.set_major_formatter(decimal_formatter(texts.decimal))
    ax.set_xlabel(plain(texts.xlabel))
    ax.set_ylabel(plain(texts.ylabel))
    if texts.title:
        ax.set_title(plain(texts.title))
    if narrow:
        # short keys and gaps: three splits fit across half the text width
        fig.legend(loc="outside upper center", ncols=len(splits), frameon=False,
                   handlelength=1.2, handletextpad=0.4, columnspacing=1.0)
    else:
        fig.legend(loc="outside right upper", frameon=False)
    return to_svg(fig, prefix)


# ---- samples and predictions
def _show_image(ax: Any, image: Any) -> None:
    """A uint8 image, (H, W) grey or (H, W, 3) colour, pixels kept sharp, no axes."""
    if getattr(image, "ndim", 2) == 2:
        ax.imshow(image, cmap="gray", vmin=0, vmax=255, interpolation="none")
    else:
        ax.imshow(image, interpolation="none")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)


@styled
def image_grid(
    images: Sequence[Any],
    class_names: Sequence[str],
    true: Sequence[int],
    predicted: Sequence[int] | None = None,
    confidence: Sequence[float] | None = None,
    columns: int = 10,
    decimal: str = ".",
    prefix: str = "fig",
) -> str:
    """Images in rows of `columns`, each titled with its class, or with "true → predicted" and
    the probability given to the prediction (a gallery of mistakes). Class names nobody's font
    can draw become their indices, as in the other figures."""
    n = len(images)
    columns = max(1, min(columns, n))
    rows = max(1, math.ceil(n / columns))
    names = tick_names(class_names, 9) if class_names else []

    def name(label: int) -> str:
        return names[label] if label < len(names) else str(label)

    tile = MAX_WIDTH_IN / max(columns, 6)
    label_lines = 1 if predicted is None else 2
    fig = new_figure(tile * columns, rows * (tile + 0.16 * label_lines), layout="compressed")
    for index in range(n):
        ax = fig.add_subplot(rows, columns, index + 1)
        _show_image(ax, images[index])
        title = name(int(true[index]))
        if predicted is not None:
            title = f"{title} → {name(int(predicted[index]))}"
            if confidence is not None:
                title += "\n" + f"{confidence[index]:.2f}".replace(".", decimal)
        ax.set_title(plain(title), fontsize=7 if predicted is None else 6.5, pad=2)
    return to_svg(fig, prefix)


@dataclass(frozen=True)
class PredictionTexts:
    true: str  # "True"
    predicted: str  # "Predicted"
    probability: str  # axis label of the bars
    true_bar: str  # legend: the true class's bar
    wrong_bar: str  # legend: the predicted class's bar when it is wrong
    decimal: str = "."


@styled
def prediction_panels(
    images: Sequence[Any],
    probabilities: Sequence[Sequence[float]],
    true: Sequence[int],
    class_names: Sequence[str],
    texts: PredictionTexts,
    prefix: str = "fig",
) -> str:
    """Seed 000's sample predictions: each image next to its probability vector as bars, the
    true class in green, a wrong prediction in vermillion; two examples per row."""
    n = len(images)
    k = len(probabilities[0]) if n else 0
    names = tick_names(class_names, 12) if class_names else [str(i) for i in range(k)]
    whole = tick_names(class_names, 28) if class_names else names  # titles have the room
    # names wider than a bar's slot are set upright, so neighbours never run into each other
    slanted = k > 2 and max((len(n) for n in names), default=0) * k > 24
    per_row = 2 if n > 1 else 1
    rows = max(1, math.ceil(n / per_row))
    fig = new_figure(MAX_WIDTH_IN, 0.5 + (2.15 if slanted else 1.7) * rows,
                     layout="constrained")
    grid = fig.add_gridspec(rows, 2 * per_row, width_ratios=[1, 2.2] * per_row)
    true_colour, wrong_colour, other = PALETTE[2], PALETTE[5], "#b8bec8"
    for index in range(n):
        row, column = divmod(index, per_row)
        probs = [float(p) for p in probabilities[index]]
        label = int(true[index])
        guess = max(range(k), key=lambda c: probs[c])
        image_ax = fig.add_subplot(grid[row, 2 * column])
        _show_image(image_ax, images[index])
        bars = fig.add_subplot(grid[row, 2 * column + 1])
        bars.set_axisbelow(True)
        colours = [true_colour if c == label else wrong_colour if c == guess else other
                   for c in range(k)]
        bars.bar(range(k), probs, color=colours, width=0.8)
        if k <= 6:  # few classes: the vector itself, as seed 000 prints it
            for c, p in enumerate(probs):
                bars.text(c, p + 0.03, f"{p:.2f}".replace(".", texts.decimal), ha="center",
                          va="bottom", fontsize=5.5, color="#333333")
        bars.set_ylim(0, 1.12 if k <= 6 else 1)
        bars.yaxis.set_major_locator(MaxNLocator(3))
        bars.yaxis.set_major_formatter(decimal_formatter(texts.decimal))
        bars.tick_params(labelsize=6)
        bars.grid(axis="x", visible=False)
        if k <= 12 and slanted:
            bars.set_xticks(range(k), names, fontsize=5, rotation=90)
        elif k <= 12:
            bars.set_xticks(range(k), names, fontsize=6 if k <= 8 else 5)
        else:  # too many classes to name: every fifth index
            bars.set_xticks(range(0, k, 5))
        # one line each: whole names fit where "true · predicted" on one line was cut
        title = (f"{texts.true}: {whole[label] if label < len(whole) else label}\n"
                 f"{texts.predicted}: {whole[guess]}")
        bars.set_title(plain(title), fontsize=6.5, pad=3, linespacing=1.1,
                       color="#222222" if guess == label else wrong_colour)
        if column == 0:
            bars.set_ylabel(plain(texts.probability), fontsize=7)
    from matplotlib.patches import Patch

    handles = [Patch(color=true_colour, label=plain(texts.true_bar)),
               Patch(color=wrong_colour, label=plain(texts.wrong_bar))]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return to_svg(fig, prefix)
