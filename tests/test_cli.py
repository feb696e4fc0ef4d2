"""The command line, through Typer's CliRunner."""

import re

import pytest
from typer.testing import CliRunner

from reportgen import __version__
from reportgen.cli import app
from tests.helpers import TINY, write_manifest

runner = CliRunner()

BAD_MANIFESTS = {
    "toml syntax": (TINY + "\n[broken\n", r"invalid TOML"),
    "unknown key": (TINY.replace("hidden = [16]", "hidden = [16]\nwidth = 3"),
                    r":\d+: models\.mlp\.width: unknown key"),
    "wrong type": (TINY.replace("epochs = 3", 'epochs = "3x"'),
                   r":\d+: trainings\.quick\.epochs: .*'3x'"),
    "dangling name": (TINY.replace('training = "quick"', 'training = "slow"'),
                      r":\d+: studies\[0\]\.training: unknown training 'slow'"),
    "bad override": (TINY.replace("[[8], [16]]", '[[8], ["x"]]'),
                     r':\d+: studies\[0\]\.vary\."model\.hidden": '),
}


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", list(BAD_MANIFESTS))
def test_bad_manifest_exits_2_with_one_line(tmp_path, command, case):
    text, pattern = BAD_MANIFESTS[case]
    path = write_manifest(tmp_path, text)
    result = runner.invoke(app, [command, str(path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in result.output


def test_validate_counts_studies_and_runs(tmp_path):
    result = runner.invoke(app, ["validate", str(write_manifest(tmp_path))])
    assert result.exit_code == 0
    assert "valid — 1 study, 2 run(s)" in result.stdout


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.stdout


def test_bad_options_exit_2(tmp_path):
    path = str(write_manifest(tmp_path))
    for args in (["--lang", "fr"], ["--format", "odt"], ["--device", "tpu"],
                 ["--only", "nope"]):
        result = runner.invoke(app, ["run", path, "--out", str(tmp_path / "o"), *args])
        assert result.exit_code == 2, args
        assert len(result.stderr.strip().splitlines()) == 1


def test_report_on_a_folder_without_results(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a reportgen output folder" in result.stderr


def test_missing_data_file_is_one_line(tmp_path):
    text = TINY.replace('source = "sklearn"\nname = "digits"',
                        'source = "files"\nx = "x.npy"\ny = "y.npy"')
    result = runner.invoke(app, ["run", str(write_manifest(tmp_path, text)),
                                 "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    line = text.splitlines().index('x = "x.npy"') + 1
    assert result.stderr.strip() == (f"error: {tmp_path / 'tiny.toml'}:{line}: datasets.digits.x: "
                                     f"file not found: {tmp_path / 'x.npy'}")


def test_the_cli_parses_its_options_without_the_report_libraries():
    """`reportgen --help` and option errors must not pay for Jinja2 and Babel (the renderer)."""
    import subprocess
    import sys

    code = ("import sys, reportgen.cli; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'jinja2', 'babel', 'torch'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
