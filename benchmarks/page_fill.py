"""How full each page of a report's PDF layout is, where the holes are, and how tables split
across pages.

A page's hole is the largest empty vertical stretch of its content area (between the top and the
bottom margin) that no laid-out box covers, as a share of the content area's height: a page
with a gap in the middle is as empty as one whose content stops early. Pages with a hole over
`HOLE_THRESHOLD` are listed (except the page before a chapter and the last page).

A page's fill is how far down its content area the lowest piece of content reaches (0 = empty,
1 = down to the bottom margin), measured on WeasyPrint's laid-out boxes, so running headers and
footers in the page margins do not count. A page may be short when the next page starts a
chapter (a numbered top-level section, the appendix) or when it is the last page; any other page
under `THRESHOLD` is a hole a grader notices (a figure that did not fit jumped to the next page).

    python benchmarks/page_fill.py out/experiments          # both languages, from stored results
    python benchmarks/page_fill.py out/experiments --lang es
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

THRESHOLD = 0.6  # a page below this, not before a chapter, is a hole
HOLE_THRESHOLD = 0.2  # an empty stretch over this share of the content area is a hole


@dataclass(frozen=True)
class PageFill:
    number: int  # 1-based
    fill: float  # share of the content area's height that content reaches
    starts_chapter: bool  # a top-level section's heading is on this page


def _leaves(box: Any) -> Any:
    children = getattr(box, "children", None)
    if not children:
        yield box
        return
    for child in children:
        yield from _leaves(child)


def _tags(box: Any) -> Any:
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _tags(child)


def page_fills(document: Any) -> list[PageFill]:
    """Per page of a rendered WeasyPrint `document`: its fill and whether a chapter starts on
    it. A chapter is an `h2` (a top-level heading of the report)."""
    out = []
    for number, page in enumerate(document.pages, 1):
        page_box = page._page_box
        top = page_box.content_box_y()
        height = page_box.height
        # the page's flow is its first child (html); the rest are margin boxes
        flow = [c for c in page_box.children if type(c).__name__ != "MarginBox"]
        bottom = top
        for root in flow:
            for leaf in _leaves(root):
                if getattr(leaf, "height", None) is None:
                    continue
                bottom = max(bottom, leaf.border_box_y() + leaf.border_height())
        chapter = any(getattr(b, "element_tag", None) == "h2" for root in flow
                      for b in _tags(root))
        out.append(PageFill(number, min(1.0, max(0.0, (bottom - top) / height)), chapter))
    return out


@dataclass(frozen=True)
class PageHole:
    number: int  # 1-based
    hole: float  # share of the content area's height of its largest empty vertical stretch
    top: float  # where that stretch starts, as a share of the content area from its top
    starts_chapter: bool  # a top-level section's heading is on this page


def page_holes(document: Any) -> list[PageHole]:
    """Per page of a rendered WeasyPrint `document`: the largest vertical stretch of the content
    area that no laid-out leaf box (a line of text, an image, a table cell's content, a rule)
    covers, the stretch after the last box included."""
    out = []
    for number, page in enumerate(document.pages, 1):
        page_box = page._page_box
        top = page_box.content_box_y()
        height = page_box.height
        bottom = top + height
        flow = [c for c in page_box.children if type(c).__name__ != "MarginBox"]
        spans = []
        for root in flow:
            for leaf in _leaves(root):
                if getattr(leaf, "height", None) is None or not _visible(leaf):
                    continue
                start = max(top, leaf.border_box_y())
                end = min(bottom, leaf.border_box_y() + leaf.border_height())
                if end > start:
                    spans.append((start, end))
        gap, gap_top, reached = 0.0, top, top
        for start, end in sorted(spans):
            if start - reached > gap:
                gap, gap_top = start - reached, reached
            reached = max(reached, end)
        if bottom - reached > gap:
            gap, gap_top = bottom - reached, reached
        chapter = any(getattr(b, "element_tag", None) == "h2" for root in flow
                      for b in _tags(root))
        out.append(PageHole(number, min(1.0, gap / height) if height else 0.0,
                            (gap_top - top) / height if height else 0.0, chapter))
    return out


def _visible(box: Any) -> bool:
    """Whether a leaf box puts ink on the page: text, an image or SVG, or a box with a
    background or border (an empty spacer box does not)."""
    kind = type(box).__name__
    if "Text" in kind or "Replaced" in kind:
        return True
    style = getattr(box, "style", None)
    if style is None:
        return False
    colour = style["background_color"]
    if getattr(colour, "alpha", 0) > 0:
        return True
    return any(getattr(box, f"border_{side}_width", 0) for side in ("top", "bottom"))


def large_holes(found: list[PageHole], threshold: float = HOLE_THRESHOLD) -> list[PageHole]:
    """Pages whose hole exceeds `threshold`, neither the last page nor one before a chapter."""
    return [h for h, after in itertools.pairwise(found)
            if h.hole > threshold and not after.starts_chapter]


def holes(fills: list[PageFill], threshold: float = THRESHOLD) -> list[PageFill]:
    """Pages under `threshold` that are neither the last page nor followed by a chapter."""
    return [f for f, after in itertools.pairwise(fills)
            if f.fill < threshold and not after.starts_chapter]


def table_parts(document: Any) -> dict[str, list[tuple[int, int, int]]]:
    """Per table (by its figure's id): (page number, body and foot rows, header rows) of each
    page it is on. A table split across pages has several parts."""
    out: dict[str, list[tuple[int, int, int]]] = {}
    for number, page in enumerate(document.pages, 1):
        figure_id = None
        for box in _tags(page._page_box):
            if getattr(box, "element_tag", None) == "figure":
                figure_id = box.element.get("id")
            if type(box).__name__ != "TableBox":
                continue
            groups = [(g.element_tag, len(g.children)) for g in box.children
                      if type(g).__name__ == "TableRowGroupBox"]
            body = sum(n for tag, n in groups if tag in ("tbody", "tfoot"))
            head = sum(n for tag, n in groups if tag == "thead")
            if body:
                out.setdefault(figure_id or f"table-{len(out)}", []).append((number, body, head))
    return out


def short_splits(document: Any, least: int = 3) -> dict[str, list[tuple[int, int, int]]]:
    """Tables split with fewer than `least` rows on some page, or a part without header."""
    return {key: parts for key, parts in table_parts(document).items() if len(parts) > 1
            and any(rows < least or head == 0 for _, rows, head in parts)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="an output folder with stored results")
    parser.add_argument("--lang", default="es,en")
    args = parser.parse_args()

    from reportgen.report import render
    from reportgen.report.build import build
    from reportgen.store.store import Store

    results = Store(args.out_dir).load()
    for lang in args.lang.split(","):
        document = render.document(render.html(build(results, lang)), args.out_dir)
        fills = page_fills(document)
        low = holes(fills)
        print(f"{lang}: {len(fills)} pages; fill per page: "
              + " ".join(f"{f.number}:{f.fill:.0%}{'*' if f.starts_chapter else ''}"
                         for f in fills))
        print(f"{lang}: {len(low)} pages under {THRESHOLD:.0%} not before a chapter: "
              + (", ".join(f"p.{f.number} ({f.fill:.0%})" for f in low) or "none"))
        gaps = page_holes(document)
        big = large_holes(gaps)
        print(f"{lang}: largest empty stretch per page: "
              + " ".join(f"{h.number}:{h.hole:.0%}{'*' if h.starts_chapter else ''}"
                         for h in gaps))
        print(f"{lang}: {len(big)} pages with a hole over {HOLE_THRESHOLD:.0%} not before a "
              "chapter: " + (", ".join(f"p.{h.number} ({h.hole:.0%} from {h.top:.0%} down)"
                                      for h in big) or "none"))
        split = {k: v for k, v in table_parts(document).items() if len(v) > 1}
        print(f"{lang}: {len(split)} tables split across pages, rows per page: "
              + "; ".join(f"{k} {'+'.join(str(r) for _, r, _ in v)}" for k, v in split.items()))
        bad = short_splits(document)
        print(f"{lang}: {len(bad)} split with fewer than 3 rows on a page or no header: "
              + (", ".join(bad) or "none"))


if __name__ == "__main__":
    main()
