"""`previous_epochs`: continuing a trained model is training on from where it stood — the same
weights, optimizer state and batch stream — so its first epochs are those of a plain run."""

from __future__ import annotations

from reportgen.execution.options import RunOptions
from reportgen.training.engines.numpy_engine import NumpyTrainer
from reportgen.training.engines.torch_engine import TorchTrainer
from reportgen.training.loop import fit
from tests.test_fused import DATA, alone, assert_same, config, together


def test_continuing_equals_training_longer_in_both_engines():
    for engine in (TorchTrainer, NumpyTrainer):
        plain = config({"name": "adam", "lr": 0.01}, epochs=5)
        continued = config({"name": "adam", "lr": 0.01}, epochs=3, previous_epochs=2)
        a = fit(engine(plain, DATA, "cpu"), plain.training, has_val=True)
        b = fit(engine(continued, DATA, "cpu"), continued.training, has_val=True)
        strip = [{k: v for k, v in row.items() if k != "seconds"} for row in a.history]
        assert strip == [{k: v for k, v in row.items() if k != "seconds"} for row in b.history]
        assert b.extra == {"previous_epochs": 2}


def test_fused_members_continue_as_when_alone():
    stopping = {"monitor": "val_loss", "patience": 1, "restore_best": True}
    configs = [config({"name": "sgd", "lr": 0.05}, epochs=4, previous_epochs=3,
                      early_stopping=stopping),
               config({"name": "sgd", "lr": 0.1}, seed=2, epochs=6)]
    for index, (want, got) in enumerate(zip(alone(configs), together(configs), strict=True)):
        assert_same(want, got, f"member {index}")


def test_a_continued_run_is_stored_with_its_previous_epochs(tmp_path):
    """The executor hands the fit's extra to the record: `previous_epochs` is a known origin
    key (it once failed every continued run with "unknown run origin keys")."""
    from reportgen import manifest
    from reportgen.execution import executor
    from reportgen.plan import expand
    from reportgen.store.store import Store
    from tests.helpers import TINY, write_manifest

    text = TINY.replace("batch_size = 64", "batch_size = 64\nprevious_epochs = 1")
    spec = manifest.load(write_manifest(tmp_path, text))
    store = Store(tmp_path / "out")
    outcome = executor.execute(spec, expand.expand(spec), store, RunOptions(fuse=False))
    assert not outcome.failed, outcome.failed
    records = [run.record for run in store.load().studies["width"]]
    assert [r.previous_epochs for r in records] == [1, 1]
    assert all(r.epochs_run == 4 for r in records)
