import re

import pytest

from reportgen import manifest
from reportgen.errors import ManifestError
from reportgen.execution import executor
from reportgen.execution.options import RunOptions
from reportgen.plan import expand
from reportgen.store.store import Store
from reportgen.training.hooks import Progress
from tests.helpers import TINY, TWO_STUDIES, write_manifest


@pytest.fixture
def spec(tmp_path):
    return manifest.load(write_manifest(tmp_path, TWO_STUDIES))


def test_execute_stores_every_run_and_the_index(spec, tmp_path):
    store = Store(tmp_path / "out")
    the_plan = expand.expand(spec)
    outcome = executor.execute(spec, the_plan, store)
    assert len(outcome.trained) == 3 and not outcome.skipped
    results = store.load()
    assert list(results.studies) == ["width", "other"]
    run = results.studies["width"][0]
    assert run.record.label == "hidden=8"
    assert set(run.record.metrics) == {"train", "val", "test"}
    assert run.record.epochs_run == 3 == len(run.history)
    assert run.record.device == "cpu" and run.record.versions["torch"]
    assert results.datasets["digits"].split_sizes == {"train": 1079, "val": 359, "test": 359}
    assert (tmp_path / "out/manifest.toml").read_text() == spec.source_text


def test_rerun_skips_finished_runs_and_fresh_retrains(spec, tmp_path):
    store = Store(tmp_path / "out")
    the_plan = expand.expand(spec)
    executor.execute(spec, the_plan, store)
    again = executor.execute(spec, the_plan, store)
    assert not again.trained and len(again.skipped) == 3
    fresh = executor.execute(spec, the_plan, store, RunOptions(fresh=True))
    assert len(fresh.trained) == 3


def test_interrupted_run_keeps_finished_work(spec, tmp_path):
    store = Store(tmp_path / "out")

    class StopAfterFirstRun(Progress):
        def run_finished(self, *args, **kwargs):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        executor.execute(spec, expand.expand(spec), store, progress=StopAfterFirstRun())
    outcome = executor.execute(spec, expand.expand(spec), store)
    assert len(outcome.skipped) == 1 and len(outcome.trained) == 2


def test_without_jobs_each_run_is_stored_before_the_next_starts(spec, tmp_path):
    """The in-process pool trains a unit as the driver submits it and the driver saves it at
    once: a run interrupted later never takes the runs before it with it."""
    store = Store(tmp_path / "out")
    stored_at_start: list[int] = []

    class Watch(Progress):
        def run_started(self, spec_, run_id):
            runs = tmp_path / "out" / "runs"
            stored_at_start.append(sum(1 for d in runs.iterdir() if not d.name.startswith("."))
                                   if runs.is_dir() else 0)

    outcome = executor.execute(spec, expand.expand(spec), store, RunOptions(fuse=False),
                               Watch())
    assert len(outcome.trained) == 3
    assert stored_at_start == [0, 1, 2]


def test_the_executor_trains_nothing_itself(spec):
    """One way to run a plan: every run goes through the driver and a pool (here the one of
    this process), so the executor module has no training code of its own."""
    import inspect

    source = inspect.getsource(executor)
    assert "driver.drive(" in source
    assert "train_run(" not in source and "train_fused(" not in source


def test_only_keeps_other_studies_results(spec, tmp_path):
    store = Store(tmp_path / "out")
    executor.execute(spec, expand.expand(spec), store)
    executor.execute(spec, expand.expand(spec, only=["other"]), store)
    assert [len(runs) for runs in store.load().studies.values()] == [2, 1]


def test_identical_runs_in_two_studies_train_once(spec, tmp_path):
    text = spec.source_text.replace("seed = 99\n", "")
    same = manifest.loads(text, source=spec.source_path)
    outcome = executor.execute(same, expand.expand(same), Store(tmp_path / "out"))
    assert len(outcome.trained) == 2 and len(outcome.skipped) == 1


def test_a_failing_run_is_reported_and_the_rest_go_on(spec, tmp_path, monkeypatch):
    from reportgen.training import engines

    real = engines.make_trainer

    def flaky(config, dataset, device):
        if config.model.hidden == [8]:
            raise RuntimeError("CUDA out of memory")
        return real(config, dataset, device)

    monkeypatch.setattr(engines, "make_trainer", flaky)
    store = Store(tmp_path / "out")
    outcome = executor.execute(spec, expand.expand(spec), store)
    assert list(outcome.failed.values()) == ["RuntimeError: CUDA out of memory"]
    assert len(outcome.trained) == 2
    assert store.load_index()["failed"] == outcome.failed


OUTPUTS = TINY.replace('vary = { "model.hidden" = [[8], [16]] }', '''
[[studies.variants]]
name = "ten"
[[studies.variants]]
name = "five"
set = { "model.outputs" = 5 }
''')


def test_wrong_output_count_is_a_manifest_error_naming_both_numbers(tmp_path):
    spec = manifest.load(write_manifest(tmp_path, OUTPUTS))
    with pytest.raises(ManifestError) as info:
        executor.execute(spec, expand.expand(spec), Store(tmp_path / "out"))
    message = str(info.value)
    assert "studies[0].variants[1]" in message
    assert "model.outputs = 5 but dataset 'digits' has 10 classes" in message
    assert not (tmp_path / "out/runs").exists()  # nothing trained before the check


def test_expected_error_becomes_the_variants_outcome(tmp_path):
    text = OUTPUTS.replace('set = { "model.outputs" = 5 }',
                           'set = { "model.outputs" = 5 }\nexpect_error = true')
    spec = manifest.load(write_manifest(tmp_path, text))
    store = Store(tmp_path / "out")
    outcome = executor.execute(spec, expand.expand(spec), store)
    assert len(outcome.trained) == 2 and not outcome.failed
    ten, five = store.load().studies["width"]
    assert ten.record.stop_reason == "completed"
    assert five.record.stop_reason == "failed" and "has 10 classes" in five.record.error
    assert five.record.expected_error is True


def test_predict_set_gets_a_posteriors_csv(tmp_path):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    np.save(tmp_path / "x.npy", rng.normal(size=(120, 6)).astype(np.float32))
    np.save(tmp_path / "y.npy", np.array(["あ", "い", "う"] * 40))
    np.save(tmp_path / "x_new.npy", rng.normal(size=(9, 6)).astype(np.float32))
    text = TINY.replace('source = "sklearn"\nname = "digits"\npreprocess = "minmax"',
                        'source = "files"\nx = "x.npy"\ny = "y.npy"\npredict = "x_new.npy"')
    spec = manifest.load(write_manifest(tmp_path, text))
    executor.execute(spec, expand.expand(spec), Store(tmp_path / "out"))
    frame = pd.read_csv(tmp_path / "out/predictions/width-hidden=8.csv")
    assert list(frame.columns) == ["p_あ", "p_い", "p_う", "predicted"]
    assert len(frame) == 9
    assert np.allclose(frame.iloc[:, :3].sum(axis=1), 1.0, atol=1e-5)
    assert set(frame["predicted"]) <= {"あ", "い", "う"}
    # the report says where each run's posteriors are, naming a file that exists
    from reportgen.report.build import build

    results = Store(tmp_path / "out").load()
    for lang, words in (("en", "unlabeled prediction set"), ("es", "conjunto de predicción")):
        model = build(results, lang)
        text = " ".join(b.text for s in model.sections for part in s.walk()
                        for b in part.blocks if hasattr(b, "text"))
        assert words in text
        named = re.findall(r"predictions/[^ ]+\.csv", text)
        assert named and all((tmp_path / "out" / n).is_file() for n in named)


def test_a_run_shared_by_two_studies_keeps_each_studys_name(spec, tmp_path):
    # "other" trains hidden=16 with the same seed: one stored run, named in each study its way
    text = spec.source_text.replace("seed = 99\n", "")
    same = manifest.loads(text, source=spec.source_path)
    store = Store(tmp_path / "out")
    executor.execute(same, expand.expand(same), store)
    results = store.load()
    shared = results.studies["other"][0].record
    assert shared.run_id == results.studies["width"][1].record.run_id
    assert (shared.study_id, shared.label) == ("other", "run")
    assert results.studies["width"][1].record.label == "hidden=16"


def test_repeats_train_each_configuration_with_consecutive_seeds(tmp_path):
    text = TINY.replace('vary = { "model.hidden" = [[8], [16]] }',
                        'vary = { "model.hidden" = [[8], [16]] }\nrepeats = 3')
    spec = manifest.load(write_manifest(tmp_path, text))
    store = Store(tmp_path / "out")
    outcome = executor.execute(spec, expand.expand(spec), store)
    assert len(outcome.trained) == 6
    records = [run.record for run in store.load().studies["width"]]
    assert [r.seed for r in records] == [7, 8, 9, 7, 8, 9]
    assert [r.config_label for r in records] == ["hidden=8"] * 3 + ["hidden=16"] * 3
    assert records[1].label == "hidden=8 · seed=8"
    # different seeds, different initial weights: the repeats are not copies of one run
    assert len({r.metrics["val"].loss for r in records[:3]}) == 3
