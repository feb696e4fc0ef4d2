"""Report figures drawn with matplotlib and returned as inline SVG strings.

The only module that imports matplotlib. It knows nothing about languages: every title, axis
label, legend entry and the decimal separator come from the caller, already translated.
Output is deterministic (fixed `svg.hashsalt`, no date) so reports can be diffed.
"""

from __future__ import annotations

import functools
import io
import math
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ParamSpec

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

matplotlib.use("Agg")  # never a GUI backend, even if pyplot gets imported elsewhere

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies. Ordered so
# that the first four are far apart (orange and vermillion not both among them); yellow and
# black last: yellow is faint on white, black reads as an axis.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")
SPLIT_COLOURS = {"train": PALETTE[0], "val": PALETTE[1], "test": PALETTE[2]}
# After the palette runs out, runs are told apart by marker as well as colour.
MARKERS = (None, "o", "s", "^", "D", "v")
MAX_WIDTH_IN = 6.8  # usable width of an A4 page with 18 mm margins, in inches
ANNOTATE_MAX_CLASSES = 15  # beyond this, per-cell numbers are unreadable
LEGEND_SIDE_MAX_CHARS = 16  # longer run labels go in a legend under the plot
P = ParamSpec("P")

# First installed family wins for each glyph (matplotlib >= 3.6 falls back per glyph), so class
# names in Japanese (Kuzushiji-49) render when a CJK font is present instead of empty boxes.
_FONT_PREFERENCE = ("DejaVu Sans", "Noto Sans", "Noto Sans CJK JP", "IPAexGothic", "IPAGothic",
                    "TakaoGothic", "Droid Sans Fallback", "Arial Unicode MS")


# matplotlib caches its font list the first time it runs: a CJK font installed after that
# (apt-get install fonts-noto-cjk) stays invisible to it until the cache is rebuilt. Such font
# files are registered from the system's list when no CJK family of the chain is known.
_CJK_FAMILIES = _FONT_PREFERENCE[2:]
_CJK_FILES = re.compile(r"cjk|ipa|takao|droidsansfallback", re.IGNORECASE)


def _register_system_cjk_fonts() -> None:
    known = {font.fname for font in font_manager.fontManager.ttflist}
    if {font.name for font in font_manager.fontManager.ttflist} & set(_CJK_FAMILIES):
        return
    try:
        paths = font_manager.findSystemFonts()
    except (OSError, RuntimeError):  # no fc-list, unreadable folders: keep what matplotlib has
        return
    for path in sorted(paths):
        name = path.rsplit("/", 1)[-1]
        if path not in known and _CJK_FILES.search(name) and "serif" not in name.lower():
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue


@functools.cache
def _installed_fonts() -> tuple[str, ...]:
    _register_system_cjk_fonts()
    names = {font.name for font in font_manager.fontManager.ttflist}
    return tuple(name for name in _FONT_PREFERENCE if name in names) or ("sans-serif",)


@functools.cache
def _covered_codepoints() -> frozenset[int]:
    """Every character some font of the chain can draw."""
    from matplotlib.ft2font import FT2Font

    covered: set[int] = set()
    for name in _installed_fonts():
        path = font_manager.findfont(font_manager.FontProperties(family=name),
                                     fallback_to_default=False)
        covered.update(FT2Font(path).get_charmap())
    return frozenset(covered)


def tick_names(class_names: Sequence[str], limit: int) -> list[str]:
    """Class names for tick labels, or their indices when no installed font has their glyphs
    (e.g. Kuzushiji-49 without a CJK font): numbers beat a row of empty boxes."""
    covered = _covered_codepoints()
    if all(ord(ch) in covered for name in class_names for ch in name if not ch.isspace()):
        return [_plain(_short(name, limit)) for name in class_names]
    return [str(i) for i in range(len(class_names))]


_STYLE: dict[str, Any] = {
    "svg.hashsalt": "reportgen",  # stable clip-path ids between runs
    "svg.fonttype": "path",  # glyphs as paths: identical rendering in browsers and WeasyPrint
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.6,
}


def _styled(draw: Callable[P, str]) -> Callable[P, str]:
    """Run a drawing function under the report style. rcParams are read both when artists are
    created and when the SVG is written, so the whole function runs inside the context."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> str:
        with matplotlib.rc_context({**_STYLE, "font.family": list(_installed_fonts())}), \
                warnings.catch_warnings():
            # tick_names() already avoids unrenderable labels; do not flood the console
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
            return draw(*args, **kwargs)

    return wrapper


# ---------------------------------------------------------------- texts supplied by the caller
@dataclass(frozen=True)
class CurveTexts:
    xlabel: str  # "Epoch"
    ylabel: str  # "Loss"
    train: str  # legend entry of the solid lines
    val: str  # legend entry of the dashed lines
    diverged: str  # legend entry of the × marker
    title: str | None = None
    decimal: str = "."


@dataclass(frozen=True)
class MatrixTexts:
    xlabel: str  # "Predicted class"
    ylabel: str  # "True class"
    title: str | None = None
    decimal: str = "."


@dataclass(frozen=True)
class DistributionTexts:
    xlabel: str  # "Class"
    ylabel: str  # "Share of the split (%)"
    splits: Mapping[str, str]  # split key -> translated name, in legend order
    title: str | None = None
    decimal: str = "."


# ---------------------------------------------------------------- learning curves
@_styled
def learning_curves(
    histories: Sequence[Sequence[Mapping[str, Any]]],
    labels: Sequence[str],
    metric: str,
    texts: CurveTexts,
    diverged: Sequence[bool] | None = None,
    prefix: str = "fig",
    bands: Sequence[tuple[Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]]]
    | None = None,
) -> str:
    """Train (solid) and validation (dashed) `metric` per epoch, one colour per run.

    `metric` is a history column ("loss", "accuracy"); its validation twin is `val_<metric>`.
    Missing values (None, NaN) are skipped; a diverged run gets an × on its last finite point.
    `bands` gives each line a (lower, upper) pair of histories drawn as a shaded band: with
    repeats, a line is the mean over seeds and its band the min–max.
    """
    diverged = diverged or [False] * len(histories)
    fig = _figure(MAX_WIDTH_IN, 3.2)
    ax = fig.add_subplot()
    plotted: list[float] = []
    run_handles = []
    for index, (history, label) in enumerate(zip(histories, labels, strict=True)):
        colour, marker = _run_style(index)
        train = _series(history, metric)
        val = _series(history, f"val_{metric}")
        for (xs, ys), style in ((train, "-"), (val, "--")):
            if not xs:
                continue
            if bands is not None:
                key = metric if style == "-" else f"val_{metric}"
                low, high = (_series(h, key) for h in bands[index])
                if low[0] and len(low[0]) == len(high[0]):
                    ax.fill_between(low[0], low[1], high[1], color=colour, alpha=0.15,
                                    linewidth=0)
                    plotted.extend(low[1] + high[1])
            # A lone point (or sparse validation) needs a marker to be visible at all.
            point = marker or ("o" if len(xs) < 3 else None)
            ax.plot(xs, ys, linestyle=style, color=colour, marker=point, markersize=3.5)
            plotted.extend(ys)
        if diverged[index]:
            last = train if train[0] else val
            if last[0]:
                ax.plot(last[0][-1], last[1][-1], marker="x", color=colour, markersize=9,
                        markeredgewidth=2.2, linestyle="none")
        run_handles.append(Line2D([], [], color=colour, marker=marker, label=_plain(label)))

    if plotted and metric.endswith("loss") and min(plotted) > 0 and \
            max(plotted) / min(plotted) > 100:
        ax.set_yscale("log")  # a diverging run would otherwise flatten every other curve
    else:
        ax.yaxis.set_major_formatter(_decimal_formatter(texts.decimal))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(_plain(texts.xlabel))
    ax.set_ylabel(_plain(texts.ylabel))
    if texts.title:
        ax.set_title(_plain(texts.title))

    style_handles = [
        Line2D([], [], color="#444444", linestyle="-", label=_plain(texts.train)),
        Line2D([], [], color="#444444", linestyle="--", label=_plain(texts.val)),
    ]
    if any(diverged):
        style_handles.append(Line2D([], [], color="#444444", marker="x", linestyle="none",
                                    markersize=7, markeredgewidth=2,
                                    label=_plain(texts.diverged)))
    handles = run_handles + style_handles
    if max(map(len, labels), default=0) > LEGEND_SIDE_MAX_CHARS or len(labels) > 8:
        # long run names would squeeze the axes from the side: put the legend underneath
        fig.set_figheight(3.2 + 0.2 * math.ceil(len(handles) / 2))
        fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    else:
        fig.legend(handles=handles, loc="outside right upper", frameon=False)
    return to_svg(fig, prefix)


@dataclass(frozen=True)
class DualAxisTexts:
    xlabel: str  # "Epoch"
    loss: str  # left axis: "Loss"
    accuracy: str  # right axis: "Accuracy"
    train: str
    val: str
    decimal: str = "."


@_styled
def dual_axis(history: Sequence[Mapping[str, Any]], texts: DualAxisTexts,
              prefix: str = "fig") -> str:
    """One run's loss (left axis) and accuracy (right axis) per epoch, as in seed 004 §7.3."""
    fig = _figure(MAX_WIDTH_IN, 3.2)
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
                                  markersize=3.5, label=_plain(f"{name} · {split}"))
                handles.append(line)
        ax.set_ylabel(_plain(name), color=colour)
        ax.tick_params(axis="y", colors=colour)
        ax.yaxis.set_major_formatter(_decimal_formatter(texts.decimal))
    loss_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    loss_ax.set_xlabel(_plain(texts.xlabel))
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return to_svg(fig, prefix)


def _series(history: Sequence[Mapping[str, Any]], key: str) -> tuple[list[float], list[float]]:
    xs: list[float] = []
    ys: list[float] = []
    for position, row in enumerate(history, start=1):
        value = _finite(row.get(key))
        if value is not None:
            xs.append(row.get("epoch") or position)
            ys.append(value)
    return xs, ys


def _run_style(index: int) -> tuple[str, str | None]:
    colour = PALETTE[index % len(PALETTE)]
    marker = MARKERS[(index // len(PALETTE)) % len(MARKERS)]
    return colour, marker


# ---------------------------------------------------------------- confusion matrix
@_styled
def confusion_matrix(
    matrix: Sequence[Sequence[int]],
    class_names: Sequence[str],
    normalize: bool,
    texts: MatrixTexts,
    prefix: str = "fig",
) -> str:
    """Counts (or row-normalised shares: each true class sums to 1) as a heat map.

    Cells carry their numbers up to ANNOTATE_MAX_CLASSES classes; beyond that the colour alone
    has to do, with smaller tick labels (49 classes still fit the page width).
    """
    n = len(matrix)
    values = [[float(v) for v in row] for row in matrix]
    if normalize:
        values = [[v / sum(row) if sum(row) else 0.0 for v in row] for row in values]
    side = min(MAX_WIDTH_IN - 0.8, max(3.6, 1.8 + 0.3 * n))
    # "compressed" layout: made for square (fixed-aspect) axes with a colour bar
    fig = _figure(side + 0.8, side, layout="compressed")
    ax = fig.add_subplot()
    ax.grid(False)
    vmax = 1.0 if normalize else max((max(row) for row in values), default=1.0) or 1.0
    image = ax.imshow(values, cmap="Blues", vmin=0.0, vmax=vmax, interpolation="nearest")
    colorbar = fig.colorbar(image, ax=ax, shrink=0.85, aspect=30)
    colorbar.ax.yaxis.set_major_formatter(_decimal_formatter(texts.decimal))
    colorbar.ax.tick_params(labelsize=7)

    tick_size = 8 if n <= 10 else 7 if n <= 20 else 5
    names = tick_names(class_names, 14) if class_names else [str(i) for i in range(n)]
    ax.set_xticks(range(n), names, fontsize=tick_size, rotation=90 if n > 10 else 0)
    ax.set_yticks(range(n), names, fontsize=tick_size)
    ax.set_xlabel(_plain(texts.xlabel))
    ax.set_ylabel(_plain(texts.ylabel))
    if texts.title:
        ax.set_title(_plain(texts.title))
    if n <= ANNOTATE_MAX_CLASSES:
        size = 8 if n <= 10 else 6
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                text = (f"{value:.2f}".replace(".", texts.decimal) if normalize
                        else str(int(value)))
                colour = "white" if value > 0.55 * vmax else "#222222"
                ax.text(j, i, text, ha="center", va="center", fontsize=size, color=colour)
    return to_svg(fig, prefix)


def _short(name: str, limit: int = 14) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


# ---------------------------------------------------------------- class distribution
@_styled
def class_distribution(
    counts: Mapping[str, Sequence[int]],
    class_names: Sequence[str],
    texts: DistributionTexts,
    normalize: bool = True,
    prefix: str = "fig",
) -> str:
    """Grouped bars: per class, its share (or count) in each split, one colour per split.

    Shares make splits of different sizes comparable, which is what a stratification check needs.
    """
    splits = [s for s in texts.splits if s in counts]
    n = len(class_names)
    fig = _figure(MAX_WIDTH_IN, 3.0)
    ax = fig.add_subplot()
    ax.grid(axis="x", visible=False)
    width = 0.8 / max(len(splits), 1)
    for k, split in enumerate(splits):
        row = [float(c) for c in counts[split]]
        total = sum(row)
        heights = [100 * c / total if total else 0.0 for c in row] if normalize else row
        offsets = [i - 0.4 + width * (k + 0.5) for i in range(n)]
        colour = SPLIT_COLOURS.get(split, PALETTE[k % len(PALETTE)])
        ax.bar(offsets, heights, width=width, color=colour, label=_plain(texts.splits[split]))
    tick_size = 8 if n <= 15 else 6 if n <= 30 else 5
    ax.set_xticks(range(n), tick_names(class_names, 10), fontsize=tick_size,
                  rotation=90 if n > 15 else 0)
    ax.set_xlim(-0.6, n - 0.4)
    ax.yaxis.set_major_formatter(_decimal_formatter(texts.decimal))
    ax.set_xlabel(_plain(texts.xlabel))
    ax.set_ylabel(_plain(texts.ylabel))
    if texts.title:
        ax.set_title(_plain(texts.title))
    fig.legend(loc="outside right upper", frameon=False)
    return to_svg(fig, prefix)


# ---------------------------------------------------------------- SVG plumbing
def _figure(width: float, height: float, layout: str = "constrained") -> Figure:
    # A bare Figure (no pyplot): no global figure registry to leak or close.
    return Figure(figsize=(width, height), layout=layout)


def to_svg(fig: Figure, prefix: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return prefix_ids(lighten_svg(clean_svg(buffer.getvalue())), prefix)


def clean_svg(svg: str) -> str:
    """Make matplotlib's standalone SVG fit inline in HTML.

    Drops the XML prolog, DOCTYPE, metadata and namespace declarations (an HTML parser puts <svg>
    in the SVG namespace by itself; none of them may leave an http:// URL in the page), uses
    SVG 2 `href` instead of `xlink:href`, and drops the document-wide `*{...}` style rule, which
    would apply to every other SVG on the page.
    """
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)  # copies of every label, in a comment
    svg = re.sub(r"\s+xmlns(:\w+)?=\"[^\"]*\"", "", svg)
    svg = svg.replace("xlink:href=", "href=")
    svg = re.sub(r"<defs>\s*<style[^>]*>.*?</style>\s*</defs>\s*", "", svg, flags=re.S)
    return svg.strip()


_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^)"]+)')


def prefix_ids(svg: str, prefix: str) -> str:
    """Prefix every element id and the references to it, so several inline SVGs (which all use
    glyph ids such as `DejaVuSans-30` and hashed clip paths) can share one HTML page."""
    ids = set(_ID.findall(svg))
    svg = _ID.sub(lambda m: f'id="{prefix}-{m[1]}"', svg)
    return _REF.sub(lambda m: m[1] + (f"{prefix}-{m[2]}" if m[2] in ids else m[2]), svg)


# matplotlib stores glyph outlines in 1/64 units (FreeType's 26.6) and scales them back by this
_GLYPH_SCALE = "scale(0.015625)"
_PATH_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ARITY = {"M": 2, "L": 2, "Q": 4, "C": 6}  # numbers per segment of each absolute command
_TRANSFORM = re.compile(r"(\w+)\(([^)]*)\)")


def lighten_svg(svg: str) -> str:
    """The same drawing in a quarter of the elements, which is what WeasyPrint's time goes on.

    With `svg.fonttype = "path"` every character is a <use> of a glyph outline, which WeasyPrint
    copies, styles and parses again each time: each label becomes one <path> holding all its
    glyphs instead. Groups that only carry matplotlib's artist ids are unwrapped. An SVG this
    does not understand is returned unchanged.
    """
    try:
        root = ET.fromstring(svg)
    except ET.ParseError:
        return svg
    referenced = {m[2] for m in _REF.finditer(svg)}
    glyphs = {path.get("id", ""): path.get("d", "") for path in root.iter("path")
              if path.get("transform") == _GLYPH_SCALE and path.get("id")}
    for parent in list(root.iter()):
        for defs in parent.findall("defs"):
            for path in defs.findall("path"):
                if path.get("id") in glyphs:
                    defs.remove(path)
            if len(defs) == 0:
                parent.remove(defs)
    for group in list(root.iter()):  # matplotlib puts each label's <use>s in a <g> of its own
        uses = [c for c in group if c.tag == "use" and c.get("href", "")[1:] in glyphs]
        if not uses:
            continue
        parts = [_placed_glyph(glyphs[use.get("href", "")[1:]], use.get("transform", ""))
                 for use in uses]
        if None in parts:
            return svg
        d = " ".join(part for part in parts if part)
        if group.tag == "g" and len(uses) == len(group):  # the group itself becomes the path
            group[:], group.text = [], None
            transform = f"{group.get('transform', '')} {_GLYPH_SCALE}".strip()
            group.tag = "path"
            group.attrib.update(d=d, transform=transform)
        else:  # math text also has rectangles (fraction bars) in the group
            for use in uses[1:]:
                group.remove(use)
            uses[0].tag, uses[0].attrib = "path", {"d": d, "transform": _GLYPH_SCALE}
    _unwrap_groups(root, referenced)
    ET.indent(root, space="")  # one element a line: still diffable, no indentation to parse
    for image in root.iter("image"):  # XML parsing turned the base64 line breaks into spaces
        image.set("href", "".join(image.get("href", "").split()))
    return ET.tostring(root, encoding="unicode")


def _placed_glyph(d: str, transform: str) -> str | None:
    """A glyph outline as path data in 1/64 units, at the place and size a <use> puts it."""
    x = y = 0.0
    scale = 1.0
    for name, args in _TRANSFORM.findall(transform):
        values = [float(v) for v in args.replace(",", " ").split()]
        if name == "translate" and len(values) == 2:
            x, y = values
        elif name == "scale" and len(values) == 1:
            scale = values[0]
        else:
            return None
    outline = _relative_outline(d, scale)
    if outline is None:
        return None
    fx, fy, rest = outline
    if not rest:  # a blank glyph (space)
        return ""
    return f"M {round(x * 64) + fx} {round(y * 64) + fy} {rest}"


@functools.cache
def _relative_outline(d: str, scale: float) -> tuple[int, int, str] | None:
    """An absolute M/L/Q/C/z outline, scaled and rounded: its first point, and the rest relative
    to it (so it can be placed anywhere); None for any other command."""
    first: tuple[int, int] | None = None
    current = start = (0, 0)
    command, numbers, out = "", [], []
    for token in _PATH_TOKEN.findall(d):
        if token.isalpha():
            if token not in "MLQCz" or numbers:
                return None
            command = token
            if token == "z":
                out.append("z")
                current = start
            continue
        if command not in _ARITY:
            return None
        numbers.append(round(float(token) * scale))
        if len(numbers) < _ARITY[command]:
            continue
        points = list(zip(numbers[::2], numbers[1::2], strict=True))
        numbers = []
        if first is None:
            if command != "M":
                return None
            first = current = start = points[0]
        else:
            x0, y0 = current
            out.append(command.lower() + " "
                       + " ".join(f"{x - x0} {y - y0}" for x, y in points))
            current = points[-1]
            if command == "M":
                start = current
        if command == "M":
            command = "L"  # numbers after a moveto's pair are line segments
    if numbers:
        return None
    return (*first, " ".join(out)) if first else (0, 0, "")


def _unwrap_groups(parent: ET.Element, referenced: set[str]) -> None:
    """Replace every <g> that has no attribute but an unreferenced id by its children."""
    children: list[ET.Element] = []
    for child in parent:
        _unwrap_groups(child, referenced)
        if child.tag == "g" and set(child.attrib) <= {"id"} and child.get("id") not in referenced:
            children.extend(child)
        else:
            children.append(child)
    parent[:] = children


def _plain(text: str) -> str:
    """User text (run labels, class names) shown literally: `$` would start math mode."""
    return text.replace("$", r"\$")


def _decimal_formatter(decimal: str) -> FuncFormatter:
    return FuncFormatter(lambda value, _pos: f"{value:g}".replace(".", decimal))


def _finite(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# ---- tuning
@dataclass(frozen=True)
class HistoryTexts:
    xlabel: str  # "Trial"
    ylabel: str  # the objective: "Validation accuracy"
    complete: str  # legend: complete trials
    pruned: str  # legend: pruned trials, at the value they were stopped with
    best: str  # legend: the best-so-far line
    decimal: str = "."


@_styled
def optimisation_history(
    complete: Sequence[tuple[int, float]],
    pruned: Sequence[tuple[int, float]],
    best_so_far: Sequence[tuple[int, float]],
    texts: HistoryTexts,
    prefix: str = "fig",
) -> str:
    """The objective per trial number: complete trials as dots, pruned ones as hollow grey
    markers, and the best complete value so far as a step line."""
    fig = _figure(MAX_WIDTH_IN, 3.0)
    ax = fig.add_subplot()
    handles = []
    if complete:
        handles.append(ax.scatter([n for n, _ in complete], [v for _, v in complete], s=22,
                                  color=PALETTE[0], label=_plain(texts.complete), zorder=3))
    if pruned:
        handles.append(ax.scatter([n for n, _ in pruned], [v for _, v in pruned], s=18,
                                  facecolors="none", edgecolors="#888888", linewidths=0.9,
                                  marker="s", label=_plain(texts.pruned), zorder=2))
    if best_so_far:
        xs = [n for n, _ in best_so_far]
        ys = [v for _, v in best_so_far]
        last = max([n for n, _ in (*complete, *pruned)], default=xs[-1])
        (line,) = ax.step([*xs, last], [*ys, ys[-1]], where="post", color=PALETTE[5],
                          linewidth=1.4, label=_plain(texts.best), zorder=4)
        handles.append(line)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(_decimal_formatter(texts.decimal))
    ax.set_xlabel(_plain(texts.xlabel))
    ax.set_ylabel(_plain(texts.ylabel))
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles),
                   frameon=False)
    return to_svg(fig, prefix)


@dataclass(frozen=True)
class ImportanceTexts:
    xlabel: str  # "Importance (fANOVA)"
    decimal: str = "."


@_styled
def importance_bars(labels: Sequence[str], values: Sequence[float], texts: ImportanceTexts,
                    prefix: str = "fig") -> str:
    """Horizontal bars, most important parameter on top, each with its value."""
    n = len(labels)
    fig = _figure(MAX_WIDTH_IN, max(1.6, 0.6 + 0.32 * n))
    ax = fig.add_subplot()
    ax.grid(axis="y", visible=False)
    positions = list(range(n))[::-1]  # first label on top
    ax.barh(positions, values, color=PALETTE[0], height=0.6)
    ax.set_yticks(positions, [_plain(_short(label, 34)) for label in labels])
    top = max(values, default=0.0) or 1.0
    for y, value in zip(positions, values, strict=True):
        ax.text(value + 0.01 * top, y, f"{value:.2f}".replace(".", texts.decimal),
                va="center", fontsize=8)
    ax.set_xlim(0, top * 1.12)
    ax.xaxis.set_major_formatter(_decimal_formatter(texts.decimal))
    ax.set_xlabel(_plain(texts.xlabel))
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


@_styled
def parallel_coordinates(
    axes: Sequence[ParallelAxis],
    rows: Sequence[Sequence[float | None]],
    colour_values: Sequence[float],
    texts: ParallelTexts,
    highlight: int | None = None,
    minimise: bool = False,
    prefix: str = "fig",
) -> str:
    """One line per trial across the axes, coloured by `colour_values` (the objective): the
    better, the yellower (`minimise`: lower values are better).

    A None value (a parameter the trial did not sample, e.g. the width of a layer it does not
    have) breaks the line there. `highlight` (a row index) is drawn thicker, on top.
    """
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    n = len(axes)
    fig = _figure(MAX_WIDTH_IN, 3.4)
    ax = fig.add_subplot()
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([])
    ax.set_xticks([])
    low = min(colour_values, default=0.0)
    high = max(colour_values, default=1.0)
    norm = Normalize(vmin=low, vmax=high if high > low else low + 1e-9)
    cmap = colormaps["viridis_r" if minimise else "viridis"]
    # worst first, so the best lines end on top
    order = sorted(range(len(rows)), key=lambda i: colour_values[i], reverse=minimise)
    if highlight is not None and highlight in order:
        order.remove(highlight)
        order.append(highlight)
    for i in order:
        ys = [math.nan if v is None else axis.position(v) for axis, v in zip(axes, rows[i],
                                                                            strict=True)]
        width = 2.4 if i == highlight else 0.9
        ax.plot(range(n), ys, color=cmap(norm(colour_values[i])), linewidth=width,
                alpha=1.0 if i == highlight else 0.75, marker="o", markersize=2 if
                i != highlight else 3.5, zorder=3 if i == highlight else 2)
    for x, axis in enumerate(axes):
        ax.axvline(x, color="#444444", linewidth=0.8, zorder=1)
        for value, position in axis.ticks():
            text = (_short(axis.categories[int(value)], 16) if axis.categories
                    else f"{value:g}".replace(".", texts.decimal))
            ax.plot([x - 0.03, x], [position, position], color="#444444", linewidth=0.8)
            ax.text(x - 0.05, position, _plain(text), ha="right", va="center", fontsize=6.5,
                    color="#333333", zorder=4,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.3})
        ax.text(x, 1.06, _plain(_wrap(axis.label, 11)), ha="center", va="bottom", fontsize=7)
    ax.set_xlim(-0.45, n - 0.7)
    ax.set_ylim(-0.04, 1.04)
    colorbar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.85,
                            aspect=30, pad=0.02)
    colorbar.ax.yaxis.set_major_formatter(_decimal_formatter(texts.decimal))
    colorbar.ax.tick_params(labelsize=7)
    colorbar.set_label(_plain(texts.colour), fontsize=8)
    return to_svg(fig, prefix)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


# ---- samples and predictions
@dataclass(frozen=True)
class CountTexts:
    xlabel: str  # "Class"
    ylabel: str  # "Training samples"
    mean: str  # legend entry of the dashed mean line
    decimal: str = "."


@_styled
def sorted_class_counts(counts: Sequence[int], class_names: Sequence[str], texts: CountTexts,
                        prefix: str = "fig") -> str:
    """Samples per class, fewest first (seed 004's balance check), with the mean as a dashed
    line: the shortest and tallest bars show at a glance how far from balanced the data are."""
    order = sorted(range(len(counts)), key=lambda i: (counts[i], i))
    n = len(order)
    names = tick_names(class_names, 10) if class_names else [str(i) for i in range(n)]
    fig = _figure(MAX_WIDTH_IN, 2.8)
    ax = fig.add_subplot()
    ax.grid(axis="x", visible=False)
    ax.set_axisbelow(True)
    ax.bar(range(n), [counts[i] for i in order], width=0.75, color=PALETTE[0])
    mean = sum(counts) / n if n else 0.0
    ax.axhline(mean, color=PALETTE[5], linestyle="--", linewidth=1.2, label=_plain(texts.mean))
    tick_size = 8 if n <= 15 else 6 if n <= 30 else 5
    ax.set_xticks(range(n), [names[i] for i in order], fontsize=tick_size,
                  rotation=90 if n > 15 else 0)
    ax.set_xlim(-0.6, n - 0.4)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(_decimal_formatter(texts.decimal))
    ax.set_xlabel(_plain(texts.xlabel))
    ax.set_ylabel(_plain(texts.ylabel))
    fig.legend(loc="outside right upper", frameon=False)
    return to_svg(fig, prefix)


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


@_styled
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
    fig = _figure(tile * columns, rows * (tile + 0.16 * label_lines), layout="compressed")
    for index in range(n):
        ax = fig.add_subplot(rows, columns, index + 1)
        _show_image(ax, images[index])
        title = name(int(true[index]))
        if predicted is not None:
            title = f"{title} → {name(int(predicted[index]))}"
            if confidence is not None:
                title += "\n" + f"{confidence[index]:.2f}".replace(".", decimal)
        ax.set_title(_plain(title), fontsize=7 if predicted is None else 6.5, pad=2)
    return to_svg(fig, prefix)


@dataclass(frozen=True)
class PredictionTexts:
    true: str  # "True"
    predicted: str  # "Predicted"
    probability: str  # axis label of the bars
    true_bar: str  # legend: the true class's bar
    wrong_bar: str  # legend: the predicted class's bar when it is wrong
    decimal: str = "."


@_styled
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
    names = tick_names(class_names, 8) if class_names else [str(i) for i in range(k)]
    per_row = 2 if n > 1 else 1
    rows = max(1, math.ceil(n / per_row))
    fig = _figure(MAX_WIDTH_IN, 0.5 + 1.55 * rows, layout="constrained")
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
        bars.yaxis.set_major_formatter(_decimal_formatter(texts.decimal))
        bars.tick_params(labelsize=6)
        bars.grid(axis="x", visible=False)
        if k <= 12:
            bars.set_xticks(range(k), names, fontsize=6 if k <= 8 else 5)
        else:  # too many classes to name: every fifth index
            bars.set_xticks(range(0, k, 5))
        title = (f"{texts.true}: {names[label] if label < len(names) else label} · "
                 f"{texts.predicted}: {names[guess]}")
        bars.set_title(_plain(title), fontsize=7, pad=3,
                       color="#222222" if guess == label else wrong_colour)
        if column == 0:
            bars.set_ylabel(_plain(texts.probability), fontsize=7)
    from matplotlib.patches import Patch

    handles = [Patch(color=true_colour, label=_plain(texts.true_bar)),
               Patch(color=wrong_colour, label=_plain(texts.wrong_bar))]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return to_svg(fig, prefix)
