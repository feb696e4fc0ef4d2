"""benchmarks/gpu.py end to end on the CPU with --small: every section runs and the JSON has
the figures the closing note of a GPU run reads."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu.py"


@pytest.fixture(scope="module")
def gpu_benchmark():
    spec = importlib.util.spec_from_file_location("gpu_benchmark", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_small_cpu_run_writes_every_section(gpu_benchmark, tmp_path: Path) -> None:
    assert gpu_benchmark.main(["--device", "cpu", "--small", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "gpu.json").read_text())
    assert set(gpu_benchmark.SECTIONS) <= set(results)
    errors = {name: results[name]["error"] for name in gpu_benchmark.SECTIONS
              if "error" in results[name]}
    assert not errors
    assert results["environment"]["device"] == "cpu" and results["environment"]["small"]
    assert results["targets"] == {"lab_seconds": 60.0, "fused_speedup": 5.0,
                                  "engine_over_plain": 1.1}
    modes = results["lab"]["modes"]
    assert {"one_by_one", "fused"} <= set(modes)
    assert modes["one_by_one"]["fused_runs"] == 0 < modes["fused"]["fused_runs"]
    assert all(m["trained"] == results["lab"]["runs"] and m["failed"] == 0
               for m in modes.values())
    assert results["sweep"]["speedup"] > 0
    assert len(results["floor"]["cases"]) == 2
    assert all(case["ratio"] > 0 for case in results["floor"]["cases"].values())
    assert set(results["resnet"]["variants"]) == {"fp32", "channels_last", "bf16",
                                                  "bf16 + channels_last"}
    for run in results["tolerance"]["runs"].values():  # CPU reruns are bit for bit
        assert run["tolerance"] == "exact" and run["holds"]
        assert set(run["max_abs_diff"].values()) == {0.0}
    assert results["tests"]["returncode"] in (0, 5)  # 5: all deselected (-m cuda, no GPU)
    assert "skipped" in results["tests"]["summary"] or "passed" in results["tests"]["summary"]
    assert "CUDA only" in results["compile"]["skipped"]
    table = (tmp_path / "gpu.md").read_text()
    assert "| lab (" in table and "≥ 5×" in table and "≤ 1.1×" in table


def test_unknown_section_is_one_line_and_exit_2(gpu_benchmark, capsys) -> None:
    assert gpu_benchmark.main(["--device", "cpu", "--only", "lab,nope"]) == 2
    assert capsys.readouterr().err.strip() == \
        "--only: unknown section nope (lab, sweep, floor, resnet, tolerance, tests, compile)"


def test_the_small_lab_manifest_is_the_seed_lab_shrunk(gpu_benchmark, tmp_path: Path) -> None:
    from reportgen import manifest
    from reportgen.plan import expand

    size = gpu_benchmark.Size(small=True)
    spec = manifest.load(gpu_benchmark.lab_manifest(tmp_path, size, "cpu", write_data=False))
    full = manifest.load(gpu_benchmark.lab_manifest(tmp_path, gpu_benchmark.Size(False), "cpu",
                                                    write_data=False))
    assert [s.id for s in spec.studies] == [s.id for s in full.studies]
    runs = expand.expand(full).runs
    assert 30 <= len(runs) <= 34  # seed 004's ~30 trainings
    assert {r.config.model.hidden[0] for r in runs} == {256, 512, 1024}
    assert max(r.config.training.epochs for r in expand.expand(spec).runs) == 2
