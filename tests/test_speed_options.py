"""`training.channels_last` and `training.precision`: validated per run, and invisible (run ids,
arithmetic) when left at their defaults."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from reportgen import manifest
from reportgen.cli import app
from reportgen.errors import ManifestError
from reportgen.plan import expand
from tests.helpers import TINY, write_manifest

CNN = TINY.replace("[models.mlp]\nhidden = [16]",
                   '[models.mlp]\ntype = "cnn"\nfilters = [4]\nhidden = [8]')


def runs(text: str) -> list[expand.RunSpec]:
    return expand.expand(manifest.loads(text, source="m.toml")).runs


def error_of(text: str) -> str:
    with pytest.raises(ManifestError) as info:
        runs(text)
    return str(info.value)


def with_training(text: str, line: str) -> str:
    return text.replace("batch_size = 64", f"batch_size = 64\n{line}")


def test_an_mlp_refuses_them_naming_the_key_and_where() -> None:
    message = error_of(with_training(TINY, "channels_last = true"))
    assert message.startswith("m.toml:")
    assert "training.channels_last: applies to cnn and resnet18 models only" in message
    assert "'mlp'" in message
    message = error_of(TINY.replace('"model.hidden" = [[8], [16]]',
                                    '"training.precision" = ["fp32", "bf16"]'))
    assert 'vary."training.precision"' in message and "training.precision: applies" in message


def test_the_numpy_engine_refuses_them() -> None:
    text = with_training(TINY, 'precision = "bf16"').replace(
        'device = "cpu"', 'device = "cpu"\nengine = "numpy"')
    assert "training.precision: only the torch engine has it" in error_of(text)


def test_unknown_precision_is_a_schema_error() -> None:
    message = error_of(with_training(CNN, 'precision = "fp16"'))
    assert "precision" in message and "'fp32'" in message and "'bf16'" in message


def test_cnn_takes_them_and_they_change_the_run_id() -> None:
    plain = runs(CNN)[0]
    fast = runs(with_training(CNN, 'channels_last = true\nprecision = "bf16"'))[0]
    assert (fast.config.training.channels_last, fast.config.training.precision) == (True, "bf16")
    assert fast.run_id("data") != plain.run_id("data")
    assert fast.config.model_dump()["training"]["precision"] == "bf16"


def test_defaults_leave_run_ids_as_they_were() -> None:
    """Spelled out or left out, the defaults hash as before the options existed: stored runs
    are reused, not retrained."""
    plain = runs(CNN)[0]
    spelled = runs(with_training(CNN, 'channels_last = false\nprecision = "fp32"'))[0]
    assert spelled.run_id("data") == plain.run_id("data")
    dumped = plain.config.model_dump(mode="json")["training"]
    assert "channels_last" not in dumped and "precision" not in dumped
    assert manifest.RunConfig.model_validate(plain.config.model_dump()) == plain.config


def test_validate_command_reports_one_line_and_exit_2(tmp_path) -> None:
    path = write_manifest(tmp_path, with_training(TINY, "channels_last = true"))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "training.channels_last" in result.output and "Traceback" not in result.output
