"""SVG tooling: matplotlib's SVG made fit to inline in HTML, with unique ids and fewer elements
(what WeasyPrint's layout time goes on)."""

from __future__ import annotations

import functools
import io
import re
import xml.etree.ElementTree as ET

from matplotlib.figure import Figure


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
_CLIP_ID = re.compile(r"p[0-9a-f]{10}")


def prefix_ids(svg: str, prefix: str) -> str:
    """Prefix every element id and the references to it, so several inline SVGs (which all use
    glyph ids such as `DejaVuSans-30` and hashed clip paths) can share one HTML page."""
    found = _ID.findall(svg)
    # matplotlib names clip paths by a hash that can include an object's address, so the same
    # figure may get other ids in another process: number them in document order instead
    clips = iter(range(len(found)))
    renamed = {old: f"clip{next(clips)}" if _CLIP_ID.fullmatch(old) else old for old in found}
    svg = _ID.sub(lambda m: f'id="{prefix}-{renamed[m[1]]}"', svg)
    return _REF.sub(lambda m: m[1] + (f"{prefix}-{renamed[m[2]]}" if m[2] in renamed else m[2]),
                    svg)


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
    command, out = "", []
    numbers: list[int] = []
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

