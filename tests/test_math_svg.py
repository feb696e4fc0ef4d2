"""Formulas typeset as SVG with matplotlib's mathtext."""

import xml.etree.ElementTree as ET

import pytest

from reportgen.figures.math import math_to_svg

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("formula", [
    r"\theta_{t+1} = \theta_t - \eta \nabla_\theta L",
    r"$\hat{m}_t = \frac{m_t}{1 - \beta_1^t}$",
    r"\sigma(z) = \frac{1}{1 + e^{-z}}",
])
def test_formula_becomes_a_standalone_svg_with_text_as_paths(formula):
    svg = math_to_svg(formula)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert float(root.get("width").removesuffix("pt")) > 0
    assert root.iter(f"{SVG}path") and not list(root.iter(f"{SVG}text"))
    assert svg.startswith("<svg")  # inlinable: no XML prolog or DOCTYPE


def test_size_follows_the_formula():
    short = ET.fromstring(math_to_svg("x"))
    long = ET.fromstring(math_to_svg(r"x + y + z + w + v + u"))
    width = lambda root: float(root.get("width").removesuffix("pt"))  # noqa: E731
    assert width(long) > 3 * width(short)


def test_output_is_deterministic():
    assert math_to_svg(r"\eta") == math_to_svg(r"\eta")
    assert "<metadata>" not in math_to_svg(r"\eta")


@pytest.mark.parametrize("bad, reason", [(r"\frac{a", "found '{'"),
                                         (r"\foo x", r"Unknown symbol: \\foo")])
def test_bad_formula_raises_a_value_error_naming_it(bad, reason):
    with pytest.raises(ValueError, match=reason) as info:
        math_to_svg(bad)
    assert repr(bad) in str(info.value)
    assert "\n" not in str(info.value)


def test_inline_svg_is_lowered_by_the_formula_depth():
    flat = ET.fromstring(math_to_svg("x"))
    deep = ET.fromstring(math_to_svg(r"\frac{1}{1 + e^{-z}}"))
    depth = lambda root: -float(root.get("style").split(":")[1].strip().removesuffix("pt"))  # noqa: E731
    assert depth(deep) > depth(flat) >= 0
