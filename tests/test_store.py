import json

import numpy as np
import pytest

from reportgen.errors import StoreError
from reportgen.store.records import ClassMetrics, LayerRow, RunRecord, SplitMetrics
from reportgen.store.store import Store, history_csv, read_history


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


def tuning_record(file="s-bayesian.json", **changes):
    from reportgen.store.tuning_records import TrialRecord, TuningRecord

    trial = TrialRecord(number=0, state="complete", value=0.9, params={"lr": 0.01},
                        set={"training.optimizer.lr": 0.01}, epochs=2, bracket=None,
                        stop_reason="completed", error=None, retry_of=None, seconds=0.1,
                        started_at=None, finished_at=None, worker=None, history=HISTORY)
    fields = dict(
        study_id="s", label="bayesian", variant=None, algorithm="bayesian", dataset="digits",
        file=file, objective="val_accuracy", direction="maximize", seed=0, max_trials=1,
        max_epochs=2, min_epochs=1, factor=3, n_startup_trials=1, timeout=None,
        sampler="TPESampler", pruner="NopPruner", optuna={}, space={}, base_config={},
        trials=[trial], best=None, summary={"trials": 1}, hyperband=None, retrained=None,
        written_at="2025-01-01T00:00:00+00:00", importance={"values": {"lr": 1.0}})
    return TuningRecord(**{**fields, **changes})


def test_tuning_records_round_trip_through_the_store_in_index_order(tmp_path):
    from reportgen.store.records import Index

    store = Store(tmp_path)
    first, second = tuning_record("s-b.json", label="b"), tuning_record("s-a.json", label="a")
    for item in (first, second):
        assert store.save_tuning_record(item) == tmp_path / "tuning" / item.file
    # the index lists a third file not written yet (a search still running): left out
    index = Index(studies={"s": []}, datasets=[], tuning={"s": ["s-b.json", "s-a.json",
                                                                "s-later.json"]})
    assert store.tuning_records(index) == {"s": [first, second]}
    assert store.tuning_record("s-a.json") == second


def test_a_tuning_record_of_the_previous_writer_loads(tmp_path):
    """Before the store owned them, the tuning runner wrote the files, without `importance`
    in records older than stored importance: such a file still reads back."""
    data = tuning_record().to_dict()
    data.pop("importance")
    (tmp_path / "tuning").mkdir()
    (tmp_path / "tuning" / "s-bayesian.json").write_text(json.dumps(data, indent=2))
    loaded = Store(tmp_path).tuning_record("s-bayesian.json")
    assert loaded == tuning_record(importance=None)


def test_an_unreadable_tuning_record_says_to_search_again(tmp_path):
    (tmp_path / "tuning").mkdir()
    (tmp_path / "tuning" / "s-bayesian.json").write_text('{"format": 1')
    with pytest.raises(StoreError, match="rerun with --fresh to search again") as caught:
        Store(tmp_path).tuning_record("s-bayesian.json")
    assert "\n" not in str(caught.value)
