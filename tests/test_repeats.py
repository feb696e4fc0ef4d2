"""`repeats`: statistics over seeds, the tolerance they suggest, and results.json's `expected`."""

from __future__ import annotations

import dataclasses
import json
import statistics

import pytest

from reportgen import manifest
from reportgen.analysis import repeats, results_json
from reportgen.execution import executor
from reportgen.plan import expand
from reportgen.store.store import Store
from tests.helpers import TINY, write_manifest
from tests.report_fixtures import ADAM, record


def make_record(run_id: str, label: str, config_label: str):
    made = record(run_id, "s", label, {}, 16, ADAM, "completed", 3, 3, {"val": 0.9})
    return dataclasses.replace(made, config_label=config_label)


def test_spread_is_mean_sample_std_min_and_max():
    spread = repeats.Spread.of([0.90, 0.92, 0.97])
    assert spread.mean == pytest.approx(0.93)
    assert spread.std == pytest.approx(statistics.stdev([0.90, 0.92, 0.97]))
    assert (spread.min, spread.max, spread.n) == (0.90, 0.97, 3)


def test_tolerance_is_three_sigma_rounded_up():
    spread = repeats.Spread.of([0.90, 0.91, 0.92, 0.93, 0.94, 0.95])  # σ ≈ 0.01871
    assert spread.tolerance == pytest.approx(0.0562)  # 3σ = 0.05612… rounded up to 1e-4


def test_tolerance_never_below_the_observed_range():
    # two values: 3σ = 3·0.0707·Δ… is larger; three values with one outlier: the range can win
    spread = repeats.Spread(mean=0.5, std=0.001, min=0.49, max=0.51, n=3)
    assert spread.tolerance == pytest.approx(0.02)


def test_a_single_run_measures_no_spread():
    spread = repeats.Spread.of([0.93])
    assert spread.std is None and spread.tolerance is None


def test_configurations_group_runs_by_config_label_in_order():
    runs = [make_record(f"r{i}", label=f"{name} · seed={i}", config_label=name)
            for i, name in enumerate(["b", "a", "b", "a"])]
    configs = repeats.configurations(runs)
    assert [(c.label, [r.run_id for r in c.runs]) for c in configs] == [
        ("b", ["r0", "r2"]), ("a", ["r1", "r3"])]


def test_best_configuration_has_the_highest_mean_and_ties_go_to_the_first():
    runs = [make_record(f"r{i}", label=f"{name}{i}", config_label=name)
            for i, name in enumerate(["a", "a", "b", "b"])]
    tables = {"r0": {"val": {"accuracy": 0.9}}, "r1": {"val": {"accuracy": 0.8}},
              "r2": {"val": {"accuracy": 0.95}}, "r3": {"val": {"accuracy": 0.75}}}
    split, best = repeats.best_configuration(repeats.configurations(runs), tables)
    assert (split, best.label) == ("val", "a")  # both means 0.85: "a" is listed first
    tables["r3"]["val"]["accuracy"] = 0.76
    assert repeats.best_configuration(repeats.configurations(runs), tables)[1].label == "b"


def test_results_json_expects_the_measured_spread_of_each_configuration(tmp_path):
    text = TINY.replace('vary = { "model.hidden" = [[8], [16]] }',
                        'vary = { "model.hidden" = [[8], [16]] }\nrepeats = 3')
    spec = manifest.load(write_manifest(tmp_path, text))
    store = Store(tmp_path / "out")
    executor.execute(spec, expand.expand(spec), store)
    loaded = store.load()
    results_json.write(loaded)
    study = json.loads((tmp_path / "out/results.json").read_text())["studies"][0]
    assert study["expected"]["repeats"] == 3 and study["expected"]["score_split"] == "val"
    configs = study["expected"]["configurations"]
    assert [c["label"] for c in configs] == ["hidden=8", "hidden=16"]
    assert configs[0]["runs"] == ["hidden=8 · seed=7", "hidden=8 · seed=8", "hidden=8 · seed=9"]
    values = [r["metrics"]["val"]["accuracy"] for r in study["runs"][:3]]
    val = configs[0]["metrics"]["val"]["accuracy"]
    assert val["mean"] == pytest.approx(statistics.fmean(values))
    assert val["std"] == pytest.approx(statistics.stdev(values))
    assert (val["min"], val["max"], val["n"]) == (min(values), max(values), 3)
    assert configs[0]["tolerance"]["val"]["accuracy"] >= max(values) - min(values)
    means = [c["metrics"]["val"]["accuracy"]["mean"] for c in configs]
    assert [c["best"] for c in configs] == [means[0] >= means[1], means[1] > means[0]]
