"""Draw a study's band plot (bands.StudyBands) as inline SVG: per configuration the key's
expected band, shaded, and each student's value as a dot (inside) or a cross (outside).
Drawing only: the data and every text come from the caller."""

from __future__ import annotations

from dataclasses import dataclass

from reportgen.figures.style import decimal_formatter, new_figure, styled, tick_names
from reportgen.figures.svg import to_svg
from reportgen.grading.bands import StudyBands


@dataclass(frozen=True)
class BandTexts:
    ylabel: str  # "Validation accuracy"
    band: str  # legend: "Answer key: mean ± tolerance"
    within: str  # legend: "Within the band"
    outside: str  # legend: "Outside the band"
    decimal: str = "."


@styled
def band_plot(data: StudyBands, texts: BandTexts, prefix: str) -> str:
    count = max(len(data.bands), 1)
    fig = new_figure(max(5.5, 1.1 * count + 3.5), 3.0)
    ax = fig.add_subplot()
    for i, band in enumerate(data.bands):
        ax.fill_between([i - 0.4, i + 0.4], band.low, band.high, color="#0b4f8a", alpha=0.15,
                        linewidth=0, label=texts.band if i == 0 else None)
        ax.plot([i - 0.4, i + 0.4], [band.center] * 2, color="#0b4f8a", linewidth=1.2)
        n = len(band.points)
        xs = [i - 0.3 + 0.6 * (j + 0.5) / n for j in range(n)]  # students spread evenly
        for within, marker, color in ((True, "o", "#1b6e3a"), (False, "x", "#a33")):
            chosen = [(x, p.value) for x, p in zip(xs, band.points, strict=True)
                      if p.within is within]
            if chosen:  # one artist per kind of mark: a small SVG for a large class
                ax.plot(*zip(*chosen, strict=True), linestyle="none", marker=marker,
                        color=color, markersize=4)
    ax.plot([], [], "o", color="#1b6e3a", markersize=4, label=texts.within)
    ax.plot([], [], "x", color="#a33", markersize=4, label=texts.outside)
    ax.set_xticks(range(len(data.bands)),
                  tick_names([b.configuration for b in data.bands], 18))
    ax.set_xlim(-0.6, count - 0.4)
    ax.set_ylabel(texts.ylabel)
    ax.yaxis.set_major_formatter(decimal_formatter(texts.decimal))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)  # never over a band
    return to_svg(fig, prefix)
