"""`reportgen run MANIFEST --check`: rerun a sample of the stored runs and compare."""

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportgen import manifest
from reportgen.cli import app
from reportgen.errors import ReportgenError
from reportgen.execution import executor, reproduce
from reportgen.execution.options import RunOptions
from reportgen.plan import expand
from reportgen.store.records import FusedGroup
from reportgen.store.store import Store
from tests.helpers import TWO_STUDIES, write_manifest

runner = CliRunner()

# TWO_STUDIES: three runs of a few epochs, so each --check retrains in about a second
RESULT_LINE = re.compile(r"^\S+ / .+ / [0-9a-f]{8}: ")


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Path]:
    """The manifest and an output folder with its three runs (trained once for the module)."""
    folder = tmp_path_factory.mktemp("trained")
    path = write_manifest(folder, TWO_STUDIES)
    spec = manifest.load(path)
    executor.execute(spec, expand.expand(spec), Store(folder / "out"), RunOptions(fuse=False))
    return path, folder / "out"


@pytest.fixture
def out(trained, tmp_path) -> Path:
    """A copy of the trained output folder, free to tamper with."""
    return Path(shutil.copytree(trained[1], tmp_path / "out"))


def run_check(manifest_path: Path, out_dir: Path, *args: str):
    return runner.invoke(app, ["run", str(manifest_path), "--out", str(out_dir), "--check",
                               *args])


def result_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if RESULT_LINE.match(line)]


def folder_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def first_run(out_dir: Path) -> str:
    index = json.loads((out_dir / "index.json").read_text())
    entry = index["studies"]["width"][0]
    return entry if isinstance(entry, str) else entry["run_id"]


def test_run_then_check_reproduces(tmp_path):
    path = write_manifest(tmp_path, TWO_STUDIES)
    out_dir = tmp_path / "out"
    trained = runner.invoke(app, ["run", str(path), "--out", str(out_dir), "--lang", "en",
                                  "--format", "html"])
    assert trained.exit_code == 0, trained.output
    before = folder_hashes(out_dir)
    result = run_check(path, out_dir, "--sample", "0")
    assert result.exit_code == 0, result.output
    lines = result_lines(result.stdout)
    assert len(lines) == 3 and all(line.endswith(": reproduced") for line in lines)
    assert "checked 3 of 3 stored run(s): all reproduced" in result.stdout
    assert folder_hashes(out_dir) == before  # nothing written, not even results.json or reports


def test_a_tampered_metric_is_flagged_alone(trained, out):
    run_id = first_run(out)
    record_path = out / "runs" / run_id / "record.json"
    record = json.loads(record_path.read_text())
    stored = record["metrics"]["val"]["accuracy"]
    record["metrics"]["val"]["accuracy"] = stored - 0.01
    record_path.write_text(json.dumps(record))
    result = run_check(trained[0], out, "--sample", "0")
    assert result.exit_code == 1, result.output
    differing = [line for line in result_lines(result.stdout) if "DIFFERS" in line]
    assert len(differing) == 1 and run_id[:8] in differing[0]
    assert differing[0].endswith(f"DIFFERS: val.accuracy {stored - 0.01:.4g} → {stored:.4g}")
    assert "2 reproduced, 1 did NOT reproduce" in result.stdout


def test_sample_size_spread_and_determinism(trained, out):
    first = run_check(trained[0], out, "--sample", "2")
    again = run_check(trained[0], out, "--sample", "2")
    assert first.exit_code == again.exit_code == 0, first.output
    assert first.stdout == again.stdout
    lines = result_lines(first.stdout)
    assert len(lines) == 2
    assert {line.split(" / ")[0] for line in lines} == {"width", "other"}  # one per study
    assert "checked 2 of 3 stored run(s)" in first.stdout
    default = run_check(trained[0], out)
    assert len(result_lines(default.stdout)) == 3  # default 3 = all of them here


def test_check_leaves_the_store_untouched(trained, out):
    before = folder_hashes(out)
    assert run_check(trained[0], out, "--sample", "0").exit_code == 0
    assert folder_hashes(out) == before


def test_failed_runs_are_skipped(trained, out):
    record_path = out / "runs" / first_run(out) / "record.json"
    record = json.loads(record_path.read_text())
    record_path.write_text(json.dumps({**record, "stop_reason": "failed", "metrics": {}}))
    result = run_check(trained[0], out, "--sample", "0")
    assert result.exit_code == 0, result.output
    assert len(result_lines(result.stdout)) == 2
    assert "checked 2 of 2 stored run(s): all reproduced; skipped 1 failed run(s)" \
        in result.stdout


def test_changed_data_is_reported_as_such(trained, out, tmp_path):
    moved = write_manifest(tmp_path, TWO_STUDIES.replace("train = 0.6, val = 0.2",
                                                         "train = 0.5, val = 0.3"))
    result = run_check(moved, out, "--sample", "1")
    assert result.exit_code == 1
    (line,) = result_lines(result.stdout)
    assert "DATA CHANGED: dataset 'digits' no longer has the fingerprint" in line


@pytest.mark.parametrize("setup", ["no folder", "no runs"])
def test_without_stored_runs_exits_2(tmp_path, setup):
    path = write_manifest(tmp_path, TWO_STUDIES)
    out_dir = tmp_path / "out"
    if setup == "no runs":
        out_dir.mkdir()
        (out_dir / "index.json").write_text(json.dumps({"studies": {"width": []}}))
    result = run_check(path, out_dir)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: ")


@pytest.mark.parametrize("args", [["--check", "--fresh"], ["--check", "--worker"],
                                  ["--sample", "2"], ["--tol", "0.1"]])
def test_check_usage_errors_exit_2(trained, args):
    result = runner.invoke(app, ["run", str(trained[0]), "--out", str(trained[1]), *args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")


def test_check_function(trained, out):
    spec = manifest.load(trained[0])
    lines: list[str] = []
    result = reproduce.check(spec, Store(out), sample=1, device="cpu", echo=lines.append)
    assert result.ok and result.stored == 3 and len(result.checks) == 1
    (run,) = result.checks
    assert run.status == "reproduced" and run.tolerance == "exact" and not run.differences
    assert lines[-1] == run.line()
    with pytest.raises(ReportgenError, match="no stored runs"):
        reproduce.check(spec, Store(out), only=["nope"])


def test_tolerances():
    class Fake:  # the two attributes of a RunRecord that pick the tolerance
        def __init__(self, device: str, fused_group: object = None) -> None:
            self.device, self.fused_group = device, fused_group

    alone, fused = Fake("cpu"), Fake("cpu", FusedGroup("x", 2, ["x", "y"], ["a", "b"]))
    assert reproduce.tolerance_for(alone, "cpu", None) is reproduce.EXACT
    assert reproduce.tolerance_for(fused, "cpu", None) is reproduce.FUSED
    assert reproduce.tolerance_for(alone, "cuda:0", None) is reproduce.CUDA
    assert reproduce.tolerance_for(Fake("cuda:0 (H100)"), "cpu", None) is reproduce.CUDA
    assert reproduce.tolerance_for(fused, "cpu", 0.05).atol == 0.05


def test_fused_tolerance_is_one_sample_and_the_documented_loss_bounds(trained):
    split = Store(trained[1]).load_run(first_run(trained[1])).record.metrics["val"]
    n = sum(map(sum, split.confusion))
    assert reproduce.FUSED.allowed("accuracy", 0.9, split) == pytest.approx(1 / n)
    assert reproduce.FUSED.allowed("loss", 2.0, split) == pytest.approx(1e-5 + 2e-4)
    assert reproduce.EXACT.allowed("macro_f1", 0.9, split) == 0.0
