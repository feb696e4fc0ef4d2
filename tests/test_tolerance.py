"""One tolerance rule for `diff` and `grade`: rates absolute, losses relative, the key's measured
spread first, --tol over everything."""

import copy

import pytest
from typer.testing import CliRunner

from reportgen.cli import app
from reportgen.grading import diff, tolerance
from tests.test_diff_html import results, write

runner = CliRunner()


def test_rates_are_absolute_and_losses_relative():
    assert tolerance.allowed("accuracy", 0.95) == tolerance.allowed("accuracy", 0.10) == 0.02
    assert tolerance.allowed("loss", 1.5) == pytest.approx(0.15)
    assert tolerance.allowed("loss", 0.05) == pytest.approx(0.005)
    assert tolerance.allowed("loss", 1.5, measured=0.3) == 0.3  # the key's spread wins
    assert tolerance.allowed("loss", 1.5, measured=0.3, override=0.01) == 0.01  # --tol


def test_diff_accepts_a_seed_sized_change_of_a_large_loss():
    key = results(expected=False)
    for run in key["studies"][0]["runs"]:
        run["metrics"]["val"]["loss"] = 1.5
    student = copy.deepcopy(key)
    student["studies"][0]["runs"][0]["metrics"]["val"]["loss"] = 1.6  # old rule: beyond ±0.02
    assert diff.compare(key, student, None).within_tolerance
    student["studies"][0]["runs"][0]["metrics"]["val"]["loss"] = 1.66
    [change] = diff.compare(key, student, None).metric_changes
    assert change.metric == "loss" and change.tolerance == pytest.approx(0.15)


def test_diff_names_a_changed_setting_with_both_values(tmp_path):
    key = results(expected=False)
    student = copy.deepcopy(key)
    student["studies"][0]["runs"][0]["config"]["training"]["epochs"] = 9
    result = runner.invoke(app, ["diff", write(tmp_path, "k.json", key),
                                 write(tmp_path, "s.json", student)])
    assert result.exit_code == 1
    assert "config differs: width / hidden=16 · seed=13: training.epochs 5 → 9" in result.stdout
    assert "tolerance ±0.02 on rates, ±10% on losses" in result.stdout
