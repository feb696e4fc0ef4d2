"""`reportgen diff`: tolerances taken from the key's `expected` block, and the bilingual HTML page.

The results.json files are written by hand, with the `expected` block that `reportgen run`
writes for studies with repeated seeds.
"""

import copy
import json

import pytest
from typer.testing import CliRunner

from reportgen.cli import app
from reportgen.grading import diff

runner = CliRunner()

SEEDS = ("hidden=16 · seed=13", "hidden=16 · seed=14")
SCRIPT = "<script>alert(1)</script>"


def run(label: str, accuracy: float = 0.95, loss: float = 0.2) -> dict:
    return {
        "run_id": f"id-{label}", "label": label, "varied": {"model.hidden": [16]},
        "config": {"model": {"hidden": [16]}, "training": {"epochs": 5}}, "seed": 13,
        "engine": "torch", "device": "cpu", "dataset": "digits", "stop_reason": "completed",
        "epochs_run": 5, "best_epoch": 5, "error": None,
        "metrics": {"val": {"accuracy": accuracy, "loss": loss},
                    "test": {"accuracy": accuracy, "loss": loss}},
        "timings": {"wall_seconds": 1.0, "seconds_per_epoch": 0.2},
    }


def results(expected: bool = True) -> dict:
    study = {"id": "width", "runs": [run(SEEDS[0]), run(SEEDS[1]), run("single")]}
    if expected:
        stats = {"mean": 0.95, "std": 0.004, "min": 0.945, "max": 0.955, "n": 2}
        study["expected"] = {"repeats": 2, "score_split": "val", "configurations": [
            {"label": "hidden=16", "runs": list(SEEDS), "best": True,
             "metrics": {"val": {"accuracy": stats}, "test": {"accuracy": stats}},
             "tolerance": {"val": {"accuracy": 0.012, "loss": None},
                           "test": {"accuracy": 0.125}}},
        ]}
    return {"schema": "reportgen.results/1", "manifest_sha256": "0" * 64, "versions": {},
            "studies": [study]}


def perturbed(key: dict, label: str, split: str, metric: str, value: float) -> dict:
    other = copy.deepcopy(key)
    for entry in other["studies"][0]["runs"]:
        if entry["label"] == label:
            entry["metrics"][split][metric] = value
    return other


def write(folder, name: str, data: dict) -> str:
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------- tolerances from the key
def test_key_tolerance_boundary_is_inclusive():
    key = results()
    at = diff.compare(key, perturbed(key, SEEDS[0], "val", "accuracy", 0.962), None)
    assert at.within_tolerance and at.tolerance_from_key
    above = diff.compare(key, perturbed(key, SEEDS[0], "val", "accuracy", 0.9621), None)
    [change] = above.metric_changes
    assert (change.run, change.split, change.metric) == (SEEDS[0], "val", "accuracy")
    assert change.tolerance == 0.012 and change.delta == pytest.approx(0.0121)


def test_key_tolerance_is_per_split_and_applies_to_every_run_of_the_configuration():
    key = results()
    # test accuracy may move by 0.125: at and just above the limit
    assert diff.compare(key, perturbed(key, SEEDS[1], "test", "accuracy", 0.825), None) \
        .within_tolerance
    assert not diff.compare(key, perturbed(key, SEEDS[1], "test", "accuracy", 0.8249999),
                            None).within_tolerance
    # ... but validation accuracy only by 0.012
    assert not diff.compare(key, perturbed(key, SEEDS[1], "val", "accuracy", 0.97),
                            None).within_tolerance


def test_null_or_absent_tolerance_falls_back_to_the_default():
    key = results()
    assert diff.compare(key, perturbed(key, SEEDS[0], "val", "loss", 0.22), None).within_tolerance
    [null] = diff.compare(key, perturbed(key, SEEDS[0], "val", "loss", 0.2201),
                          None).metric_changes
    # a loss's own rule: 10 % of the key's 0.2
    assert null.tolerance == pytest.approx(0.1 * 0.2) and diff.DEFAULT_TOLERANCE == 0.02
    # a run outside every configuration of `expected`
    [outside] = diff.compare(key, perturbed(key, "single", "val", "accuracy", 0.9701),
                             None).metric_changes
    assert outside.tolerance == 0.02


def test_key_without_expected_block_uses_the_default():
    key = results(expected=False)
    comparison = diff.compare(key, perturbed(key, SEEDS[0], "val", "accuracy", 0.9701), None)
    assert not comparison.tolerance_from_key and comparison.tolerance == 0.02
    assert [c.tolerance for c in comparison.metric_changes] == [0.02]


def test_explicit_tolerance_overrides_the_key():
    key = results()
    wide = diff.compare(key, perturbed(key, SEEDS[0], "val", "accuracy", 0.99), 0.05)
    assert wide.within_tolerance and not wide.tolerance_from_key
    [change] = diff.compare(key, perturbed(key, SEEDS[0], "val", "accuracy", 0.955),
                            0.001).metric_changes
    assert change.tolerance == 0.001


def test_bad_key_tolerance_is_bad_input(tmp_path):
    key = results()
    key["studies"][0]["expected"]["configurations"][0]["tolerance"]["val"]["accuracy"] = -1
    result = runner.invoke(app, ["diff", write(tmp_path, "key.json", key),
                                 write(tmp_path, "student.json", results())])
    assert result.exit_code == 2 and "val.accuracy" in result.stderr


def test_cli_tolerance_from_key_and_override_in_table_and_json(tmp_path):
    key = write(tmp_path, "key.json", results())
    student = write(tmp_path, "student.json",
                    perturbed(results(), SEEDS[0], "val", "accuracy", 0.97))
    table = runner.invoke(app, ["diff", key, student])
    assert table.exit_code == 1
    assert "±0.012" in table.stdout and "tolerances from the key, else ±0.02" in table.stdout
    data = json.loads(runner.invoke(app, ["diff", key, student, "--format", "json"]).stdout)
    assert data["tolerance_from_key"] is True
    assert data["metric_changes"][0]["tolerance"] == 0.012
    overridden = runner.invoke(app, ["diff", key, student, "--tol", "0.03"])
    assert overridden.exit_code == 0 and "tolerance ±0.03" in overridden.stdout


# ---------------------------------------------------------------- HTML
@pytest.fixture
def pair(tmp_path):
    """Key and a student whose `<script>` run's validation accuracy moved by +0.04."""
    key = results()
    key["studies"][0]["runs"].append(run(SCRIPT))
    return (write(tmp_path, "key.json", key),
            write(tmp_path, "student.json", perturbed(key, SCRIPT, "val", "accuracy", 0.99)))


def test_html_is_bilingual_with_verdict_and_locale_numbers(pair):
    result = runner.invoke(app, ["diff", *pair, "--format", "html"])
    assert result.exit_code == 1
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>")
    assert '<article class="comparison" id="es" lang="es">' in page
    assert '<article class="comparison" id="en" lang="en">' in page
    es, en = page.split('id="en"')
    assert "Comparación con el solucionario" in es and "Con diferencias" in es
    assert "Métricas fuera de la tolerancia" in es and "Entrega" in es
    assert "Comparison with the answer key" in en and "Different" in en
    assert "Metrics beyond tolerance" in en
    # 0.95 → 0.99 beyond the default 0.02 (the run is outside `expected`)
    assert all(n in es for n in ("0,9500", "0,9900", "+0,0400", "±0,02", "validación"))
    assert all(n in en for n in ("0.9500", "0.9900", "+0.0400", "±0.02", "validation"))
    assert "0.9900" not in es and "0,9900" not in en
    # the tolerance used
    assert "from the answer key; where it gives none, ±0.02 on rates and ±10% on losses" in en
    assert "donde no la da, ±0,02 en las tasas y ±10\u00a0% en las pérdidas" in es
    assert "<dt>Ejecuciones emparejadas</dt><dd>4</dd>" in es


def test_html_escapes_run_labels_and_is_self_contained(pair):
    page = runner.invoke(app, ["diff", *pair, "--format", "html"]).stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page  # no script of ours, none injected
    assert "<style>" in page and "<link" not in page
    assert "http://" not in page and "https://" not in page


def test_html_within_tolerance(tmp_path):
    key = write(tmp_path, "key.json", results())
    student = write(tmp_path, "student.json",
                    perturbed(results(), SEEDS[0], "val", "accuracy", 0.96))
    result = runner.invoke(app, ["diff", key, student, "--format", "html"])
    assert result.exit_code == 0
    assert "Dentro de la tolerancia" in result.stdout and "Within tolerance" in result.stdout
    assert "Métricas fuera" not in result.stdout


def test_html_lists_missing_runs_config_and_stop_changes(tmp_path):
    key = results()
    other = copy.deepcopy(key)
    runs = other["studies"][0]["runs"]
    runs.pop()  # "single"
    runs[0]["config"]["training"]["epochs"] = 9
    runs[1]["stop_reason"] = "early_stopped"
    runs.append(run("extra"))
    other["studies"].append({"id": "depth", "runs": []})
    result = runner.invoke(app, ["diff", write(tmp_path, "k.json", key),
                                 write(tmp_path, "s.json", other), "--format", "html"])
    assert result.exit_code == 1
    es = result.stdout.split('id="en"')[0]
    for text in ("Ejecuciones que faltan", "Ejecuciones de más", "Estudios de más",
                 "<code>depth</code>", "<td>single</td>", "<td>extra</td>",
                 "Diferencias de configuración", "<code>training.epochs</code>",
                 "Diferencias en el motivo de parada", "parada temprana"):
        assert text in es, text


def test_html_output_file(pair, tmp_path):
    path = tmp_path / "reports" / "diff.html"
    result = runner.invoke(app, ["diff", *pair, "--format", "html", "-o", str(path)])
    assert result.exit_code == 1
    assert result.stdout.strip() == f"wrote {path}"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_html_bad_input_exits_2(pair, tmp_path):
    key, _ = pair
    missing = runner.invoke(app, ["diff", key, str(tmp_path / "nothing"), "--format", "html"])
    assert missing.exit_code == 2 and missing.stderr.startswith("error: ")
    unknown = runner.invoke(app, ["diff", *pair, "--format", "pdf"])
    assert unknown.exit_code == 2 and "html" in unknown.stderr
    unwritable = runner.invoke(app, ["diff", *pair, "--format", "html", "-o", str(tmp_path)])
    assert unwritable.exit_code == 2 and unwritable.stderr.startswith("error: ")
