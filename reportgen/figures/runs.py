"""Figures of runs: learning curves, and loss and accuracy on two axes (confusion matrices are
`matrices`).

Every text comes from the caller, already translated (the `*Texts` records)."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from reportgen.figures.style import (
    LEGEND_SIDE_MAX_CHARS,
    MAX_WIDTH_IN,
    PALETTE,
    decimal_formatter,
    finite,
    new_figure,
    plain,
    run_style,
    styled,
    text_width_pt,
)
from reportgen.figures.svg import to_svg


@dataclass(frozen=True)
class CurveTexts:
    xlabel: str  # "Epoch"
    ylabel: str  # "Loss"
    train: str  # legend entry of the solid lines
    val: str  # legend entry of the dashed lines
    diverged: str  # legend entry of the × marker
    title: str | None = None
    decimal: str = "."
    best: str = ""  # legend entry of the star at a run's best epoch ("best epoch")
    restored: str = ""  # … of the open ring where early stopping restored the weights
    stopped: str = ""  # … of the tick where early stopping ended a run


# run markers when several runs share the axes: overlapping curves differ by shape as well
RUN_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "h")
WARMUP_EPOCHS = 3  # the first epochs, left out of the fitted range (at most a quarter)
BEST_MARKER = "*"
RESTORED_MARKER = "o"  # drawn open
STOPPED_MARKER = "|"


def curve_range(series: Sequence[Sequence[float]], accuracy: bool
                ) -> tuple[tuple[float, float] | None, bool]:
    """The y range a reader must compare, and whether a log scale shows it better.

    From each curve the first epochs are left out (at most WARMUP_EPOCHS, at most a quarter of
    it): what the runs reach, not where they start, is what differs. The range spans a little
    below the lowest to a little above the highest remaining value; accuracies stay within
    [0, 1]. Losses that span more than a factor of 30 get a log axis (None: matplotlib's own
    limits). A range that reaches near the natural bottom (0) starts at it."""
    tail: list[float] = []
    for ys in series:
        skip = min(WARMUP_EPOCHS, len(ys) // 4)
        tail.extend(ys[skip:])
    if not tail:
        return None, False
    low, high = min(tail), max(tail)
    if not accuracy and low > 0 and high / low > 30:
        return None, True
    span = high - low
    pad = max(0.1 * span, 0.005 if accuracy else 0.02 * max(abs(high), 1e-6))
    bottom, top = low - pad, high + pad
    if bottom < 0.15 * top:  # almost down to zero: show zero
        bottom = 0.0
    if accuracy and high <= 1.0:
        top = min(top, 1.0 + pad / 4)
    return (bottom, top), False


VALIDATION_ONLY_FROM = 5  # from this many runs, training curves would bury the validation ones
ERROR_FLOOR = 1e-3  # a perfect epoch (no error) is drawn at 0.1 % on the log axis
ERROR_AXIS_MIN_SPAN = 0.3  # a linear accuracy axis wider than this squeezes the top
ERROR_AXIS_MAX_FINAL = 0.1  # the best final error under which the top is what matters


def accuracy_as_error(histories: Sequence[Sequence[Mapping[str, Any]]],
                      bands: Sequence[tuple[Sequence[Mapping[str, Any]],
                                            Sequence[Mapping[str, Any]]]] | None = None,
                      ) -> bool:
    """Whether accuracy curves read better as the error rate (1 − accuracy) on a log axis.

    That is the case when a slow run drags the fitted linear range wider than
    ERROR_AXIS_MIN_SPAN while the best runs end within ERROR_AXIS_MAX_FINAL of perfect: on
    a linear axis from 0.2 to 1 a difference of one or two points at the top is a hairline,
    on a log axis of the error it is the distance from 2 % to 4 %."""
    series = [_series(h, key)[1] for h in histories for key in ("accuracy", "val_accuracy")]
    if bands is not None:
        series += [_series(h, key)[1] for pair in bands for h in pair
                   for key in ("accuracy", "val_accuracy")]
    series = [ys for ys in series if ys]
    limits, _ = curve_range(series, accuracy=True)
    if limits is None or limits[1] - limits[0] <= ERROR_AXIS_MIN_SPAN:
        return False
    best_final = max(ys[-1] for ys in series)
    return 1.0 - best_final <= ERROR_AXIS_MAX_FINAL


def _as_error(curve: tuple[list[float], list[float]]) -> tuple[list[float], list[float]]:
    return curve[0], [max(1.0 - y, ERROR_FLOOR) for y in curve[1]]


def _percent_ticks(decimal: str) -> Any:
    from matplotlib.ticker import FuncFormatter

    def label(value: float, _position: int) -> str:
        return f"{value * 100:g}".replace(".", decimal)

    return FuncFormatter(label)


# ---------------------------------------------------------------- learning curves
@styled
def learning_curves(
    histories: Sequence[Sequence[Mapping[str, Any]]],
    labels: Sequence[str],
    metric: str,
    texts: CurveTexts,
    diverged: Sequence[bool] | None = None,
    prefix: str = "fig",
    bands: Sequence[tuple[Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]]]
    | None = None,
    best_epochs: Sequence[int | None] | None = None,
    restored_epochs: Sequence[int | None] | None = None,
    stopped_epochs: Sequence[int | None] | None = None,
    width_in: float = MAX_WIDTH_IN,
    error_rate: bool = False,
    validation_only: bool = False,
) -> str:
    """Train (solid) and validation (dashed) `metric` per epoch, one colour per run; with
    `validation_only` (many runs, see VALIDATION_ONLY_FROM) the validation curves alone, solid.

    `metric` is a history column ("loss", "accuracy"); its validation twin is `val_<metric>`.
    Missing values (None, NaN) are skipped; a diverged run gets an × on its last finite point.
    `bands` gives each line a (lower, upper) pair of histories drawn as a shaded band: with
    repeats, a line is the mean over seeds and its band the min–max.
    Per run (None where unknown): `best_epochs` puts a star on the validation curve (the
    training curve without one) at that epoch, `restored_epochs` an open ring where early
    stopping restored the weights, `stopped_epochs` a tick where early stopping ended the run.
    The y axis is fitted to the curves after their first epochs (`curve_range`); with
    `error_rate` (an accuracy metric, see `accuracy_as_error`) it shows 1 − accuracy, in per
    cent, on a log axis, and `texts.ylabel` should say so.
    `width_in` is the width the figure is printed at (half the text width for two side by
    side): its text then keeps its size on paper, and a narrow figure has its legend below.
    """
    n = len(histories)
    diverged = diverged or [False] * n
    best_epochs = best_epochs or [None] * n
    restored_epochs = restored_epochs or [None] * n
    stopped_epochs = stopped_epochs or [None] * n
    narrow = width_in < 0.7 * MAX_WIDTH_IN
    axes_height = 2.0 if narrow else 3.2  # a pair shares a page with its table and text
    fig = new_figure(width_in, axes_height)
    ax = fig.add_subplot()
    drawn: list[list[float]] = []
    run_handles = []
    marks = {"best": False, "restored": False, "stopped": False}
    several = n >= 3
    for index, (history, label) in enumerate(zip(histories, labels, strict=True)):
        colour, marker = run_style(index)
        if several:
            marker = RUN_MARKERS[index % len(RUN_MARKERS)]
        train = _series(history, metric)
        val = _series(history, f"val_{metric}")
        if error_rate:
            train, val = _as_error(train), _as_error(val)
        if validation_only and val[0]:
            train = ([], [])
        for (xs, ys), style, key in ((train, "-", metric),
                                     (val, "-" if validation_only else "--", f"val_{metric}")):
            if not xs:
                continue
            if bands is not None:
                low, high = (_series(h, key) for h in bands[index])
                if error_rate:  # the lowest accuracy is the highest error
                    low, high = _as_error(high), _as_error(low)
                if low[0] and len(low[0]) == len(high[0]):
                    ax.fill_between(low[0], low[1], high[1], color=colour, alpha=0.15,
                                    linewidth=0)
                    drawn.extend([low[1], high[1]])
            # A lone point (or sparse validation) needs a marker to be visible at all.
            point = marker or ("o" if len(xs) < 3 else None)
            step = max(1, len(xs) // 6)
            ax.plot(xs, ys, linestyle=style, color=colour, marker=point, markersize=3.2,
                    linewidth=1.3 if several else 1.6,
                    markevery=(index % step, step) if several and len(xs) > 6 else None)
            drawn.append(ys)
        curve = val if val[0] else train
        for kind, epoch in (("best", best_epochs[index]), ("restored", restored_epochs[index]),
                            ("stopped", stopped_epochs[index])):
            if epoch is None or (y := _value_at(curve, epoch)) is None:
                continue
            marks[kind] = True
            ax.plot([epoch], [y], linestyle="none", label=f"_{kind}-epoch", zorder=5,
                    **_mark_style(kind, colour))
        if diverged[index]:
            last = train if train[0] else val
            if last[0]:
                ax.plot(last[0][-1], last[1][-1], marker="x", color=colour, markersize=9,
                        markeredgewidth=2.2, linestyle="none")
        run_handles.append(Line2D([], [], color=colour, marker=marker, markersize=3.2,
                                  label=plain(label)))

    limits, log = curve_range(drawn, accuracy="acc" in metric)
    if error_rate:
        from matplotlib.ticker import LogLocator, NullFormatter

        ax.set_yscale("log")  # 1, 2, 5, 10, 20, 50 %: a tick per step a reader can name
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(_percent_ticks(texts.decimal))
        ax.yaxis.set_minor_formatter(NullFormatter())
    elif log:
        ax.set_yscale("log")  # a diverging run would otherwise flatten every other curve
    else:
        ax.yaxis.set_major_formatter(decimal_formatter(texts.decimal))
        if limits is not None and limits[1] > limits[0]:
            ax.set_ylim(*limits)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(plain(texts.xlabel))
    ax.set_ylabel(plain(texts.ylabel))
    if texts.title:
        ax.set_title(plain(texts.title))

    style_handles = [] if validation_only else [
        Line2D([], [], color="#444444", linestyle="-", label=plain(texts.train)),
        Line2D([], [], color="#444444", linestyle="--", label=plain(texts.val)),
    ]
    for kind, text in (("best", texts.best), ("restored", texts.restored),
                       ("stopped", texts.stopped)):
        if marks[kind] and text:
            legend_key = _mark_style(kind, "#444444")
            legend_key["markersize"] *= 0.7  # a legend key, not a mark on the curve
            style_handles.append(Line2D([], [], linestyle="none", label=plain(text),
                                        **legend_key))
    if any(diverged):
        style_handles.append(Line2D([], [], color="#444444", marker="x", linestyle="none",
                                    markersize=7, markeredgewidth=2,
                                    label=plain(texts.diverged)))
    handles = run_handles + style_handles
    if narrow or max(map(len, labels), default=0) > LEGEND_SIDE_MAX_CHARS or len(labels) > 8:
        # long run names, or many runs, would squeeze the axes from the side: underneath
        _legend_below(fig, handles, axes_height, width_in)
    else:
        fig.legend(handles=handles, loc="outside right upper", frameon=False)
    return to_svg(fig, prefix)


def _mark_style(kind: str, colour: str) -> dict[str, Any]:
    if kind == "best":
        return {"marker": BEST_MARKER, "markersize": 11, "color": colour,
                "markeredgecolor": "#1d1f23", "markeredgewidth": 0.7}
    if kind == "restored":
        return {"marker": RESTORED_MARKER, "markersize": 13, "markerfacecolor": "none",
                "markeredgecolor": "#1d1f23", "markeredgewidth": 1.1}
    return {"marker": STOPPED_MARKER, "markersize": 14, "markeredgecolor": "#1d1f23",
            "markeredgewidth": 1.6, "color": "#1d1f23"}


def _value_at(curve: tuple[list[float], list[float]], epoch: int | None) -> float | None:
    """The curve's value at `epoch`, or None when it has none there."""
    if epoch is None:
        return None
    for x, y in zip(*curve, strict=True):
        if x == epoch:
            return y
    return None


def _legend_below(fig: Any, handles: list[Line2D], axes_height: float,
                  width_in: float = MAX_WIDTH_IN) -> None:
    """A legend under the axes, in as many columns as the page width holds (long labels are
    wrapped to fit one column), with the figure made taller by what the legend needs: it is
    never clipped, and never drawn over the curves."""
    size = float(matplotlib.rcParams["legend.fontsize"])
    usable = width_in * 72 - 12  # points
    chrome = 4.8 * size  # handle (2 em), its gap (0.8 em), column spacing (2 em)
    widths = [text_width_pt(str(h.get_label()), size) for h in handles]
    columns = max(1, min(4, len(handles), int(usable // (max(widths, default=0) + chrome))))
    if columns == 1:  # a label wider than the page: wrap it at spaces, then anywhere
        room = usable - chrome
        for handle, width in zip(handles, widths, strict=True):
            if width > room:
                label = str(handle.get_label())
                chars = max(8, int(len(label) * room / width) - 1)
                handle.set_label("\n".join(textwrap.wrap(label, chars)))
    lines = [str(h.get_label()).count("\n") + 1 for h in handles]
    rows = math.ceil(len(handles) / columns)
    # column-major, as matplotlib fills a legend: row r holds entries r, r + rows, …
    row_lines = [max(lines[r::rows]) for r in range(rows)]
    height = sum(row_lines) * 1.25 * size + rows * 0.5 * size + 2 * size  # points
    fig.set_figheight(axes_height + height / 72)
    fig.legend(handles=handles, loc="outside lower center", ncols=columns, frameon=False)


@dataclass(frozen=True)
class DualAxisTexts:
    xlabel: str  # "Epoch"
    loss: str  # left axis: "Loss"
    accuracy: str  # right axis: "Accuracy"
    train: str
    val: str
    decimal: str = "."


@styled
def dual_axis(history: Sequence[Mapping[str, Any]], texts: DualAxisTexts,
              prefix: str = "fig") -> str:
    """One run's loss (left axis) and accuracy (right axis) per epoch, as in seed 004 §7.3."""
    fig = new_figure(MAX_WIDTH_IN, 3.2)
    loss_ax = fig.add_subplot()
    acc_ax = loss_ax.twinx()
    loss_colour, acc_colour = PALETTE[0], PALETTE[1]
    handles = []
    for ax, metric, colour, name in ((loss_ax, "loss", loss_colour, texts.loss),
                                     (acc_ax, "accuracy", acc_colour, texts.accuracy)):
        for key, style, split in ((metric, "-", texts.train), (f"val_{metric}", "--", texts.val)):
            xs, ys = _series(history, key)
            if xs:
                point = "o" if len(xs) < 3 else None
                (line,) = ax.plot(xs, ys, linestyle=style, color=colour, marker=point,
                                  markersize=3.5, label=plain(f"{name} · {split}"))
                handles.append(line)
        ax.set_ylabel(plain(name), color=colour)
        ax.tick_params(axis="y", colors=colour)
        ax.yaxis.set_major_formatter(decimal_formatter(texts.decimal))
    loss_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    loss_ax.set_xlabel(plain(texts.xlabel))
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return to_svg(fig, prefix)


def _series(history: Sequence[Mapping[str, Any]], key: str) -> tuple[list[float], list[float]]:
    xs: list[float] = []
    ys: list[float] = []
    for position, row in enumerate(history, start=1):
        value = finite(row.get(key))
        if value is not None:
            xs.append(row.get("epoch") or position)
            ys.append(value)
    return xs, ys
