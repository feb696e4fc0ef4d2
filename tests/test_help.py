"""Clean `--help` for every command (issue 19.7): no rendering artifacts, every option's default."""

import re

import click
import pytest
import typer
from typer.testing import CliRunner

from reportgen.cli import app

runner = CliRunner()
GROUP = typer.main.get_command(app)
COMMANDS = sorted(GROUP.commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["", *COMMANDS])
def test_help_has_no_artifacts(name):
    result = runner.invoke(app, [name, "--help"] if name else ["--help"])
    assert result.exit_code == 0, result.output
    text = result.output
    # Python types as metavars, Rich markup that ate "[default: …]" ("Output folder ."), boxes
    assert not re.search(r"<(list|bool|str|int|float|path)\b.*?>", text.split("Arguments")[-1]
                         .split("Options", 1)[-1]), text
    assert not re.search(r"\w \.(\s|$)", text), text
    # (Typer always labels an argument with its type, e.g. SUBMISSIONS... <list[Path]>; options
    # are ours to name)
    assert "╭" not in text and "list[" not in text.split("Options", 1)[-1], text


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_that_takes_a_value_states_its_default(name):
    command = GROUP.commands[name]  # type: ignore[attr-defined]
    ctx = click.Context(command, info_name=name)
    for param in command.params:
        if not isinstance(param, click.Option) or param.is_flag or param.name == "help":
            continue
        record = param.get_help_record(ctx)
        assert record is not None
        assert "default" in record[1], f"{name} {record[0]}: {record[1]}"
        assert record[0].split()[-1].isupper(), f"{name} {record[0]}: give it a metavar"
