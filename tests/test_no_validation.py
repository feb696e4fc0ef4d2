"""`split = { val = 0 }`: a final test protocol trains on train + val, with no validation split."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from reportgen import manifest
from reportgen.cli import app
from reportgen.data import load_dataset
from reportgen.errors import ManifestError
from reportgen.execution import executor
from reportgen.execution.options import RunOptions
from reportgen.plan import expand
from reportgen.store.store import Store
from tests.helpers import TINY, write_manifest

NO_VAL = TINY.replace("split = { train = 0.6, val = 0.2, test = 0.2 }",
                      "split = { val = 0, test = 0.2 }")


def test_val_zero_leaves_train_and_test_only(tmp_path):
    spec = manifest.load(write_manifest(tmp_path, NO_VAL))
    ds = load_dataset("digits", spec.datasets["digits"], tmp_path)
    assert list(ds.splits) == ["train", "test"]
    assert len(ds.splits["train"]) + len(ds.splits["test"]) == 1797


def test_runs_without_validation_train_and_report_train_and_test(tmp_path):
    spec = manifest.load(write_manifest(tmp_path, NO_VAL))
    store = Store(tmp_path / "out")
    outcome = executor.execute(spec, expand.expand(spec), store, RunOptions(fuse=False))
    assert len(outcome.trained) == 2
    run = store.load().studies["width"][0]
    assert set(run.record.metrics) == {"train", "test"} and run.record.monitor == "loss"
    assert all(row["val_loss"] is None for row in run.history)


def test_val_monitor_without_validation_is_an_error_naming_the_option(tmp_path):
    text = NO_VAL.replace("batch_size = 64", "batch_size = 64\nearly_stopping = { patience = 2 }")
    spec = manifest.load(write_manifest(tmp_path, text))
    with pytest.raises(ManifestError, match=r"training\.early_stopping\.monitor = 'val_loss' "
                                            r"needs a validation split"):
        executor.execute(spec, expand.expand(spec), Store(tmp_path / "out"))
    result = CliRunner().invoke(app, ["run", str(tmp_path / "tiny.toml"), "--out",
                                      str(tmp_path / "o2")])
    assert result.exit_code == 2 and "needs a validation split" in result.output


def test_negative_val_is_still_refused(tmp_path):
    with pytest.raises(ManifestError):
        manifest.load(write_manifest(tmp_path, NO_VAL.replace("val = 0,", "val = -1,")))
