"""The author's Markdown: $…$ and $$…$$ typeset as inline SVG, code kept as written."""

from __future__ import annotations

import re

from reportgen.report.text import markdown


def _svgs(html: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", html, re.S)


def test_inline_and_display_math_become_svg() -> None:
    html = markdown(r"Loss $\frac{1}{n}\sum_i x_i$ and" "\n\n" r"$$a^2 + b^2$$")
    assert len(_svgs(html)) == 2
    assert '<span class="math" role="img" aria-label="\\frac{1}{n}\\sum_i x_i">' in html
    assert '<span class="math display"' in html
    assert "$" not in re.sub(r"<svg.*?</svg>", "", html, flags=re.S)


def test_each_formula_has_its_own_ids() -> None:
    ids = re.findall(r'id="([^"]+)"', markdown("$x$ and $x$"))
    assert ids and len(ids) == len(set(ids))


def test_dollar_amounts_code_and_bad_formulas_stay_text() -> None:
    html = markdown("It costs 5 $ or 6 $, `$x$` is code, $\\frac$ is broken, <b>x</b>.\n\n"
                    "```\nfor i in x:\n    y = '$a$'\n```")
    assert not _svgs(html)
    assert "5 $ or 6 $" in html
    assert "<code>$x$</code>" in html and "<code>$\\frac$</code>" in html
    assert "&lt;b&gt;" in html
    assert "<pre><code>for i in x:\n    y = '$a$'\n</code></pre>" in html


def test_word_gets_the_formula_source_not_the_svg() -> None:
    import docx

    from reportgen.report.docx_prose import write_prose

    document = docx.Document()
    write_prose(document, markdown("Loss $x^2$ here."), "Courier New", "Table Grid")
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Loss $x^2$ here." in text
    assert "stroke" not in text


def test_an_element_of_a_list_setting_is_labelled_by_its_list(tmp_path) -> None:
    from report_fixtures import make_results

    from reportgen.analysis.findings import analyse
    from reportgen.report.context import Context

    ctx = Context(analyse(make_results(tmp_path)), "es", None)
    assert ctx.path_label("model.hidden.0") == f"{ctx.path_label('model.hidden')} (1)"
    assert ctx.path_label("model.hidden") != "model.hidden"
    assert ctx.path_label("not.a.setting.2") == "not.a.setting.2"
