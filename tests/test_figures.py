"""Figures: valid inline SVG, unique ids, deterministic, robust to missing values."""

from __future__ import annotations

import re

from reportgen import figures

CURVE_TEXTS = figures.CurveTexts(xlabel="Época", ylabel="Pérdida", train="entrenamiento",
                                 val="validación", diverged="divergió", decimal=",")
MATRIX_TEXTS = figures.MatrixTexts(xlabel="Predicted", ylabel="True")


def history(n: int, scale: float = 1.0) -> list[dict]:
    return [{"epoch": e, "loss": scale / e, "val_loss": 1.2 * scale / e,
             "accuracy": 1 - 0.5 / e, "val_accuracy": 1 - 0.6 / e} for e in range(1, n + 1)]


def ids_and_refs(svg: str) -> tuple[list[str], set[str]]:
    ids = re.findall(r'\bid="([^"]+)"', svg)
    refs = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))
    return ids, refs


def assert_inline_svg(svg: str, prefix: str) -> None:
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    for forbidden in ("<?xml", "<!DOCTYPE", "http://", "https://", "<!--", "xlink:"):
        assert forbidden not in svg
    ids, refs = ids_and_refs(svg)
    assert len(ids) == len(set(ids))
    assert all(i.startswith(f"{prefix}-") for i in ids)
    assert refs <= set(ids), refs - set(ids)  # every reference points into this figure


def test_learning_curves_is_clean_inline_svg() -> None:
    svg = figures.learning_curves([history(10), history(8, 2.0)], ["a", "b"], "loss",
                                  CURVE_TEXTS, prefix="fig-x")
    assert_inline_svg(svg, "fig-x")


def test_missing_and_diverged_values_still_draw() -> None:
    diverging = [{"epoch": 1, "loss": 2.0}, {"epoch": 2, "loss": 90.0},
                 {"epoch": 3, "loss": None, "val_loss": None},
                 {"epoch": 4, "loss": float("nan"), "accuracy": float("inf")}]
    empty = [{"epoch": 1, "loss": None, "accuracy": None}]
    for metric in ("loss", "accuracy"):
        svg = figures.learning_curves([history(6), diverging, empty], ["ok", "boom", "none"],
                                      metric, CURVE_TEXTS, diverged=[False, True, False],
                                      prefix="f")
        assert_inline_svg(svg, "f")


def test_output_is_deterministic() -> None:
    """Two draws of the same figures in one process give the same bytes, though other figures
    were drawn between them (matplotlib's state, its SVG ids)."""
    def draw() -> bytes:
        curves = figures.learning_curves([history(5), history(4, 2.0)], ["a", "b"], "accuracy",
                                         CURVE_TEXTS, prefix="p")
        matrix = figures.confusion_matrix([[5, 1], [2, 7]], ["a", "b"], MATRIX_TEXTS,
                                          prefix="q")
        return (curves + matrix).encode("utf-8")

    first = draw()
    figures.learning_curves([history(9, 3.0)], ["c"], "loss", CURVE_TEXTS, prefix="other")
    second = draw()
    assert b"<path" in first and b'id="p-' in first and b'id="q-' in first
    assert first == second


def test_two_figures_share_no_ids() -> None:
    one = figures.confusion_matrix([[5, 1], [2, 7]], ["a", "b"], MATRIX_TEXTS, prefix="fig-1")
    two = figures.confusion_grid([[[5, 1], [2, 7]]], ["run"], ["a", "b"], MATRIX_TEXTS,
                                 prefix="fig-2")
    assert not set(ids_and_refs(one)[0]) & set(ids_and_refs(two)[0])


def test_confusion_matrix_handles_many_classes_and_empty_rows() -> None:
    n = 49
    matrix = [[(7 if i == j else 1) if i != 5 else 0 for j in range(n)] for i in range(n)]
    names = [f"class {i}" for i in range(n)]
    for width in (figures.matrix_width(matrix, names), 3.0):
        svg = figures.confusion_matrix(matrix, names, MATRIX_TEXTS, prefix="cm", width_in=width)
        assert_inline_svg(svg, "cm")
    svg = figures.confusion_grid([matrix] * 3, ["a", "b", "c"], names, MATRIX_TEXTS, prefix="g")
    assert_inline_svg(svg, "g")


def test_class_distribution() -> None:
    texts = figures.DistributionTexts(xlabel="Class", ylabel="%", splits={
        "train": "training", "val": "validation", "test": "test"})
    counts = {"train": [10, 20, 30], "val": [3, 7, 0], "test": [0, 0, 0]}
    svg = figures.class_distribution(counts, ["a", "b", "c"], texts, prefix="dist")
    assert_inline_svg(svg, "dist")


def test_dollar_signs_in_user_text_are_literal() -> None:
    # "$" would make matplotlib parse math text and fail on an unbalanced one
    svg = figures.learning_curves([history(3)], ["cost $5"], "loss", CURVE_TEXTS, prefix="d")
    assert_inline_svg(svg, "d")


def test_prefix_ids_rewrites_references() -> None:
    svg = '<svg><defs><path id="g1"/></defs><use href="#g1"/><g clip-path="url(#c)"/></svg>'
    out = figures.prefix_ids(svg, "p")
    assert 'id="p-g1"' in out and 'href="#p-g1"' in out
    assert "url(#c)" in out  # not an id of this SVG: left alone


def test_hashed_clip_ids_are_numbered_in_document_order() -> None:
    """matplotlib's clip-path hash can change between processes: two drawings that differ only
    in it come out the same, and every reference follows its renamed clip."""
    def drawing(first: str, second: str) -> str:
        return (f'<svg><g clip-path="url(#{first})"/><g clip-path="url(#{second})"/>'
                f'<defs><clipPath id="{first}"/><clipPath id="{second}"/>'
                '<path id="DejaVuSans-30"/></defs><use href="#DejaVuSans-30"/></svg>')

    one = figures.prefix_ids(drawing("p0123456789", "pabcdefabcd"), "fig-a")
    other = figures.prefix_ids(drawing("p9999999999", "p1111111111"), "fig-a")
    assert one == other
    assert 'url(#fig-a-clip0)' in one and 'id="fig-a-clip1"' in one
    assert 'href="#fig-a-DejaVuSans-30"' in one
