"""Errors that teach (issue 19.5): the likely fix, with file and line, through the CLI."""

import re

import pytest
from typer.testing import CliRunner

from reportgen.cli import app
from tests.helpers import TINY, write_manifest

runner = CliRunner()


def error_line(tmp_path, text: str) -> str:
    result = runner.invoke(app, ["validate", str(write_manifest(tmp_path, text))])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


TYPOS = {
    "key in a table": ("epochs = 3", "epocs = 3", "epocs", r"trainings\.quick\.epocs: unknown key \(did you mean `epochs`\?\)"),
    "key in a model": ("hidden = [16]", "hiden = [16]", "hiden", r"models\.mlp\.hiden: unknown key \(did you mean `hidden`\?\)"),
    "key in a split": ("test = 0.2 }", "tset = 0.2 }", "tset", r"split\.tset: unknown key \(did you mean `test`\?\)"),
    "table name": ("[trainings.quick]", "[trainigs.quick]", "trainigs", r"trainigs: unknown key \(did you mean `trainings`\?\)"),
    "study key": ("vary =", "vray =", "vray", r"studies\[0\]\.vray: unknown key \(did you mean `vary`\?\)"),
    "dotted path": ('"model.hidden"', '"model.hiden"', "model.hiden", r'vary\."model\.hiden": unknown key \(did you mean `hidden`\?\)'),
    "dotted root": ('"model.hidden"', '"modle.hidden"', "modle.hidden", r"unknown key 'modle' \(did you mean `model`\?\)"),
    "swapped letters": ('"model.hidden" = [[8], [16]]', '"training.optimizer.rl" = [0.1, 0.01]', "optimizer.rl", r"did you mean `lr`\?"),
}


@pytest.mark.parametrize("case", list(TYPOS))
def test_typos_get_a_suggestion_with_file_and_line(tmp_path, case):
    old, new, needle, pattern = TYPOS[case]
    text = TINY.replace(old, new)
    line = error_line(tmp_path, text)
    assert f"tiny.toml:{line_of(text, needle)}: " in line, line
    assert re.search(pattern, line), line


def test_a_variant_set_path_gets_a_suggestion(tmp_path):
    text = TINY + '\n[[studies.variants]]\nname = "a"\nset = { "training.epcohs" = 5 }\n'
    line = error_line(tmp_path, text)
    assert "did you mean `epochs`?" in line and "variants[0].set" in line, line


def test_a_search_space_path_gets_a_suggestion(tmp_path):
    text = TINY.replace('vary = { "model.hidden" = [[8], [16]] }', """
[studies.search]
algorithms = ["random"]
max_trials = 2
[studies.search.space]
"training.optimizer.lr" = { float = [1e-3, 1e-1] }
"training.batch_sise" = { choice = [16, 32] }
""")
    line = error_line(tmp_path, text)
    assert f"tiny.toml:{line_of(text, 'batch_sise')}: " in line, line
    assert "did you mean `batch_size`?" in line, line


SYNTAX = {
    "unclosed string": ('course = "Deep Learning"', 'course = "Deep Learning', "course =",
                        "a string is not closed"),
    "missing ]": ("[models.mlp]", "[models.mlp", "[models.mlp", 'missing its closing "]"'),
    "missing ]]": ("[[studies]]", "[[studies]", "[[studies]", 'missing its closing "]]"'),
    "unclosed list": ("hidden = [16]", "hidden = [16", "hidden = [16", "a list is not closed"),
    "unquoted text": ('name = "digits"', "name = digits", "name = digits",
                      'text must be quoted: "digits"'),
    "missing value": ("epochs = 3", "epochs = ", "epochs = ", "a value is missing after ="),
    "key twice": ("epochs = 3", "epochs = 3\nepochs = 4", "epochs = 4", "defined twice"),
    "trailing comma": ("test = 0.2 }", "test = 0.2, }", "test = 0.2, }", "a comma before }"),
}


@pytest.mark.parametrize("case", list(SYNTAX))
def test_toml_syntax_errors_say_what_probably_went_wrong(tmp_path, case):
    old, new, needle, hint = SYNTAX[case]
    text = TINY.replace(old, new)
    line = error_line(tmp_path, text)
    assert f"tiny.toml:{line_of(text, needle)}: invalid TOML: " in line and hint in line, line


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + TINY.encode())
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
