"""The report's figure style: palette, fonts (with a CJK fallback chain), and the helpers every
drawing module shares. Part of `reportgen.figures`, the only package that imports matplotlib."""

from __future__ import annotations

import contextlib
import functools
import math
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, ParamSpec, TypeVar

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FuncFormatter

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
# a figure set beside the paragraphs that discuss it (report.css: figure.figure.aside, 46 %)
ASIDE_WIDTH_IN = 0.46 * MAX_WIDTH_IN
# one of a side-by-side pair of figures (report.css: figure.figure.half, 48 %)
HALF_WIDTH_IN = 0.48 * MAX_WIDTH_IN
MIN_TEXT_PT = 7.0  # the smallest type a figure prints in, where it has a choice
ANNOTATE_MAX_CLASSES = 15  # beyond this, per-cell numbers are unreadable
LEGEND_SIDE_MAX_CHARS = 16  # longer run labels go in a legend under the plot
P = ParamSpec("P")
R = TypeVar("R")

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
def installed_fonts() -> tuple[str, ...]:
    _register_system_cjk_fonts()
    names = {font.name for font in font_manager.fontManager.ttflist}
    return tuple(name for name in _FONT_PREFERENCE if name in names) or ("sans-serif",)


@functools.cache
def covered_codepoints() -> frozenset[int]:
    """Every character some font of the chain can draw."""
    from matplotlib.ft2font import FT2Font

    covered: set[int] = set()
    for name in installed_fonts():
        path = font_manager.findfont(font_manager.FontProperties(family=name),
                                     fallback_to_default=False)
        covered.update(FT2Font(path).get_charmap())
    return frozenset(covered)


def tick_names(class_names: Sequence[str], limit: int) -> list[str]:
    """Class names for tick labels, or their indices when no installed font has their glyphs
    (e.g. Kuzushiji-49 without a CJK font): numbers beat a row of empty boxes."""
    covered = covered_codepoints()
    if all(ord(ch) in covered for name in class_names for ch in name if not ch.isspace()):
        return [plain(short(name, limit)) for name in class_names]
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


@contextlib.contextmanager
def report_style() -> Iterator[None]:
    """The report's rcParams (and fonts) for what runs inside: drawing, or measuring text."""
    style: Any = {**_STYLE, "font.family": list(installed_fonts())}  # keys rcParams knows
    with matplotlib.rc_context(style), warnings.catch_warnings():
        # tick_names() already avoids unrenderable labels; do not flood the console
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        yield


def styled(draw: Callable[P, R]) -> Callable[P, R]:
    """Run a drawing function under the report style. rcParams are read both when artists are
    created and when the SVG is written, so the whole function runs inside the context."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with report_style():
            return draw(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float,
               layout: Literal["constrained", "compressed", "tight"] | None = "constrained",
               ) -> Figure:
    # A bare Figure (no pyplot): no global figure registry to leak or close.
    return Figure(figsize=(width, height), layout=layout)


def text_width_pt(text: str, size: float, weight: str = "normal") -> float:
    """The width of `text` (its widest line) set at `size` points in the current style's font,
    in points. Measure inside `report_style()`: outside it another font may be the default."""
    widths = [TextToPath().get_text_width_height_descent(
        line, FontProperties(size=size, weight=weight), ismath=False)[0]
        for line in text.split("\n")]
    return max(widths, default=0.0)


def short(name: str, limit: int = 14) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def plain(text: str) -> str:
    """User text (run labels, class names) shown literally: `$` would start math mode."""
    return text.replace("$", r"\$")


def decimal_formatter(decimal: str) -> FuncFormatter:
    return FuncFormatter(lambda value, _pos: f"{value:g}".replace(".", decimal))


def finite(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def run_style(index: int) -> tuple[str, str | None]:
    colour = PALETTE[index % len(PALETTE)]
    marker = MARKERS[(index // len(PALETTE)) % len(MARKERS)]
    return colour, marker

