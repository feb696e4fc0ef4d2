import json

import numpy as np
import pytest

from reportgen.errors import StoreError
from reportgen.records import ClassMetrics, LayerRow, RunRecord, SplitMetrics
from reportgen.store import Store, history_csv, read_history


def record(run_id="abc"):
    metrics = SplitMetrics(accuracy=0.9, loss=0.3,
                           per_class=[ClassMetrics("a", 1.0, 0.8, 0.9, 5)],
                           confusion=[[4, 1], [0, 5]], roc_auc=None)
    return RunRecord(
        run_id=run_id, study_id="s", label="hidden=8", varied={"model.hidden": [8]}, config={},
        dataset="digits", engine="torch", device="cpu", seed=1, stop_reason="completed",
        epochs_run=2, best_epoch=2, monitor="val_loss", diverged_epoch=None,
        metrics={"val": metrics}, n_params=10, summary=[LayerRow("dense (Dense)", "(None, 2)", 10)],
        wall_seconds=1.0, seconds_per_epoch=0.5, started_at="2025-01-01T00:00:00+00:00",
        versions={"torch": "2"})


HISTORY = [{"epoch": 1, "lr": 0.1, "loss": 1.0, "accuracy": 0.5, "val_loss": None,
            "val_accuracy": None, "seconds": 0.1},
           {"epoch": 2, "lr": 0.1, "loss": 0.5, "accuracy": 0.7, "val_loss": 0.6,
            "val_accuracy": 0.65, "seconds": 0.1}]


def test_run_round_trips(tmp_path):
    store = Store(tmp_path)
    store.save_run(record(), {"run_id": "abc"}, HISTORY, {"proba_val": np.eye(2)})
    assert store.has("abc")
    loaded = store.load_run("abc")
    assert loaded.record == record()
    assert loaded.history == HISTORY
    assert np.array_equal(store.load_predictions("abc")["proba_val"], np.eye(2))
    assert json.loads((tmp_path / "runs/abc/spec.json").read_text()) == {"run_id": "abc"}


def test_history_csv_keeps_missing_values_missing():
    assert read_history_from_text(history_csv(HISTORY)) == HISTORY


def read_history_from_text(text, tmp=None):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "h.csv"
        path.write_text(text)
        return read_history(path)


def test_failed_write_leaves_no_partial_run(tmp_path):
    store = Store(tmp_path)

    class Unserialisable:
        pass

    with pytest.raises(TypeError):
        store.save_run(record(), {"bad": Unserialisable()}, HISTORY, {})
    assert not store.has("abc")
    assert [p.name for p in (tmp_path / "runs").iterdir()] == []


def test_saving_again_replaces_the_run(tmp_path):
    store = Store(tmp_path)
    store.save_run(record(), {}, HISTORY, {})
    store.save_run(record(), {}, HISTORY[:1], {})
    assert len(store.load_run("abc").history) == 1


def test_loading_a_folder_that_is_not_a_store(tmp_path):
    with pytest.raises(StoreError, match="not a reportgen output folder"):
        Store(tmp_path).load()


def test_a_record_of_the_previous_format_loads_with_typed_fields(tmp_path):
    """Records written before the typed fields kept them in a loose `extra` dict."""
    store = Store(tmp_path)
    store.save_run(record(), {"run_id": "abc"}, HISTORY, {})
    path = tmp_path / "runs/abc/record.json"
    data = json.loads(path.read_text())
    for key in ("fused_group", "tuning", "restored_epoch", "expected_error"):
        data.pop(key)
    group = {"id": "abc", "size": 2, "run_ids": ["abc", "def"], "labels": ["a", "b"]}
    data["extra"] = {"fused_group": group, "restored_epoch": 2}
    path.write_text(json.dumps(data))
    loaded = store.load_run("abc").record
    assert loaded.fused_group_id == "abc" and loaded.fused_group.labels == ["a", "b"]
    assert loaded.restored_epoch == 2 and loaded.tuning is None and not loaded.expected_error
    assert "extra" not in loaded.to_dict()


def test_an_unreadable_record_names_the_fix(tmp_path):
    store = Store(tmp_path)
    store.save_run(record(), {"run_id": "abc"}, HISTORY, {})
    path = tmp_path / "runs/abc/record.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "unknown_field": 1}))
    with pytest.raises(StoreError, match="set it aside and train it again") as caught:
        store.load_run("abc")
    assert "\n" not in str(caught.value)


def test_unknown_origin_keys_are_refused():
    with pytest.raises(TypeError, match="unknown run origin keys"):
        record().with_origin({"fused": {}})
