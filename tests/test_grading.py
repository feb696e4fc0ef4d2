"""`reportgen grade`: a key and a class of submissions built from one small manifest.

The key trains TWO_STUDIES with three seeds per configuration; the students train the lab
itself (one seed), some with a change, and the rest are copies with one thing broken.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportgen import manifest
from reportgen.analysis import results_json
from reportgen.cli import app
from reportgen.execution import executor
from reportgen.plan import expand
from reportgen.store.store import Store
from tests.helpers import TWO_STUDIES

runner = CliRunner()

KEY = (TWO_STUDIES.replace("[report]\n", '[report]\nkind = "answer-key"\n')
       .replace('vary = { "model.hidden" = [[8], [16]] }',
                'vary = { "model.hidden" = [[8], [16]] }\nrepeats = 3')
       .replace("seed = 99\n", "seed = 99\nrepeats = 3\n"))
STUDIES = ("width", "other")


def train(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    spec = manifest.load(path)
    store = Store(folder / name)
    executor.execute(spec, expand.expand(spec), store)
    results_json.write(store.load())
    return folder / name


def copy_of(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, Path(folder.name) / path.relative_to(folder))
    return target


def run_dir(folder: Path, study: str, label_start: str) -> Path:
    data = json.loads((folder / "results.json").read_text())
    study_data = next(s for s in data["studies"] if s["id"] == study)
    run = next(r for r in study_data["runs"] if r["label"].startswith(label_start))
    return folder / "runs" / run["run_id"]


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """(key folder, submissions in command-line order, the folder they are in)."""
    root = tmp_path_factory.mktemp("class")
    key = train(root, "key", KEY)
    subs = root / "submissions"
    subs.mkdir()
    ana = train(subs, "ana", TWO_STUDIES)
    ben = train(subs, "ben", TWO_STUDIES.replace("seed = 7", "seed = 12")
                .replace("seed = 99", "seed = 120"))
    carla = train(subs, "carla", TWO_STUDIES.replace("epochs = 3", "epochs = 4"))
    for toml in subs.glob("*.toml"):
        toml.unlink()
    # dario deleted a run and wrote results.json again
    dario = copy_of(ana, subs / "dario")
    shutil.rmtree(run_dir(dario, "width", "hidden=16"))
    results_json.write(Store(dario).load(allow_missing=True))
    # elena edited a number in results.json
    elena = copy_of(ana, subs / "elena")
    data = json.loads((elena / "results.json").read_text())
    data["studies"][0]["runs"][0]["metrics"]["val"]["accuracy"] = 0.99
    (elena / "results.json").write_text(json.dumps(data))
    felix = zip_folder(ana, subs / "felix.zip")
    gema = subs / "gema.zip"
    with zipfile.ZipFile(gema, "w") as archive:
        archive.writestr("gema/results.json", (ana / "results.json").read_text())
        archive.writestr("../escaped.txt", "outside")
    hugo = subs / "hugo.zip"
    hugo.write_bytes(b"PK\x03\x04 this is not really a zip" * 10)
    ines = subs / "ines"
    ines.mkdir()
    juan = subs / "juan.json"
    juan.write_text(json.dumps({"schema": "someone-else/2", "studies": []}))
    kiko = subs / "kiko"
    kiko.mkdir()
    shutil.copy(ana / "results.json", kiko / "results.json")
    lola = subs / "lola.zip"
    with zipfile.ZipFile(lola, "w") as archive:
        archive.writestr("lola/results.json", (ana / "results.json").read_text())
        link = zipfile.ZipInfo("lola/runs")
        link.external_attr = (0o120777 << 16)
        archive.writestr(link, "/etc")
    order = [ana, ben, carla, dario, elena, felix, gema, hugo, ines, juan, kiko / "results.json",
             lola]
    return key, order, subs


@pytest.fixture(scope="module")
def graded(klass, tmp_path_factory):
    key, order, _ = klass
    out = tmp_path_factory.mktemp("grades")
    result = runner.invoke(app, ["grade", str(key), *map(str, order), "-o", str(out),
                                 "--lang", "en"])
    return result, out


def rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        return {row["identifier"]: row for row in csv.DictReader(handle)}


def test_exit_code_1_when_some_submissions_are_unreadable(graded):
    result, _ = graded
    assert result.exit_code == 1, result.output


def test_class_table_every_row(graded):
    result, _ = graded
    lines = [line for line in result.stdout.splitlines() if not line.startswith("wrote ")]
    table = {cells[0]: cells[1:] for cells in (re.split(r"  +", line) for line in lines[1:])}
    assert re.split(r"  +", lines[0]) == ["student", "width", "other", "points", "integrity"]
    assert table["ana"] == ["within", "within", "20 / 20"]
    assert table["ben"] == ["within", "within", "20 / 20", "manifest: 2 change(s)"]
    assert table["carla"][:2] == ["changed", "changed"]
    assert table["carla"][3] == "manifest: 1 change(s)"
    assert table["dario"] == ["missing", "within", "19 / 20"]
    assert table["elena"] == ["within (edited)", "within", "20 / 20", "edited (1 value(s))"]
    assert table["felix"] == ["within", "within", "20 / 20"]
    assert table["gema"] == ["unreadable: zip entry '../escaped.txt' escapes the folder"]
    assert table["hugo"][0].startswith("unreadable: not a zip file")
    assert table["ines"] == ["unreadable: empty folder"]
    assert table["juan"] == ["unreadable: juan.json is not a reportgen.results/1 file "
                             "(schema 'someone-else/2')"]
    assert table["kiko"] == ["within", "within", "20 / 20",
                             "records not checked: no run records (a results.json alone)"]
    assert table["lola"] == ["unreadable: zip entry 'lola/runs' is a symbolic link"]
    assert len(table) == 12


def test_gradebook_csv_every_row(graded):
    _, out = graded
    book = rows(out)
    assert list(book) == ["ana", "ben", "carla", "dario", "elena", "felix", "gema", "hugo",
                          "ines", "juan", "kiko", "lola"]
    expect = {  # identifier: points, width status, other status, width points, other points
        "ana": ("20", "within", "within", "10", "10"),
        "ben": ("20", "within", "within", "10", "10"),
        "dario": ("19", "missing", "within", "9", "10"),
        "elena": ("20", "within (edited)", "within", "10", "10"),
        "felix": ("20", "within", "within", "10", "10"),
        "kiko": ("20", "within", "within", "10", "10"),
    }
    for name, (points, width, other, width_points, other_points) in expect.items():
        row = book[name]
        assert (row["points"], row["width status"], row["other status"], row["width points"],
                row["other points"]) == (points, width, other, width_points, other_points), name
        assert row["status"] == "graded" and row["max_points"] == "20"
    carla = book["carla"]
    assert carla["width status"] == carla["other status"] == "changed"
    # two runs changed in width, one in other: 2 points off each, never below 0
    assert float(carla["width points"]) <= 6 and float(carla["other points"]) <= 8
    assert float(carla["points"]) == pytest.approx(float(carla["width points"])
                                                   + float(carla["other points"]))
    for name in ("gema", "hugo", "ines", "juan", "lola"):
        assert book[name]["points"] == "" and book[name]["status"].startswith("unreadable: ")
    assert book["ana"]["authors"] == "Ana Pérez"


def test_zip_with_parent_entries_writes_nothing_outside(klass, graded):
    _, _, subs = klass
    assert not (subs.parent / "escaped.txt").exists()
    assert not any(p.name == "escaped.txt" for p in subs.parent.rglob("*"))


def test_edited_number_is_flagged_with_both_values_and_graded_on_the_records(graded):
    _, out = graded
    page = (out / "feedback" / "elena.html").read_text(encoding="utf-8")
    assert "they were edited" in page
    assert "<code>val.accuracy</code>" in page and "0.9900" in page
    assert '<html lang="en">' in page


def test_manifest_and_configuration_changes_show_both_values(graded):
    _, out = graded
    page = (out / "feedback" / "carla.html").read_text(encoding="utf-8")
    assert "<td><code>trainings.quick.epochs</code></td><td><code>3</code></td>" \
           "<td><code>4</code></td>" in page
    assert "<td><code>training.epochs</code></td><td><code>3</code></td>" \
           "<td><code>4</code></td>" in page
    ben = (out / "feedback" / "ben.html").read_text(encoding="utf-8")
    assert "<td><code>defaults.seed</code></td><td><code>7</code></td>" \
           "<td><code>12</code></td>" in ben
    assert "A seed the answer key does not have" in ben  # compared with the key's mean


def test_class_page_is_bilingual_with_a_band_plot_per_study(graded):
    _, out = graded
    page = (out / "class.html").read_text(encoding="utf-8")
    es, en = page.split('id="en"')
    assert "Calificaciones del grupo" in es and "Class grades" in en
    assert "Dentro de la tolerancia" in es and "Configuración cambiada" in es
    assert "Changed configuration" in en and "Incompleto" in es
    assert es.count("<svg") == 2 and en.count("<svg") == 2  # one plot per study
    assert "ilegible" in es and "unreadable" in en
    assert '<a href="feedback/ana.html">ana</a>' in es
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")


def test_feedback_pages_only_for_graded_submissions(graded):
    _, out = graded
    names = sorted(p.name for p in (out / "feedback").iterdir())
    assert names == ["ana.html", "ben.html", "carla.html", "dario.html", "elena.html",
                     "felix.html", "kiko.html"]
    dario = (out / "feedback" / "dario.html").read_text(encoding="utf-8")
    assert "Missing runs" in dario and "hidden=16 · seed=7" not in dario.split("Missing runs")[0]


def test_spanish_feedback_numbers_are_locale_formatted(klass, tmp_path):
    key, order, _ = klass
    result = runner.invoke(app, ["grade", str(key), str(order[4]), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "feedback" / "elena.html").read_text(encoding="utf-8")
    assert '<html lang="es">' in page and "Retroalimentación" in page
    assert "0,9900" in page and "0.9900" not in page


# ---------------------------------------------------------------- rubric
def test_rubric_points_partial_credit_and_penalties(klass, tmp_path):
    key, order, _ = klass
    rubric = tmp_path / "rubric.toml"
    rubric.write_text("""
[defaults]
points = 5
metrics = { "val.accuracy" = 1 }

[studies.width]
points = 30
metrics = { "val.accuracy" = 2, "test.loss" = 1 }

[penalties]
missing_run = 4
changed_configuration = 100
""")
    result = runner.invoke(app, ["grade", str(key), *map(str, order[:4]), "--rubric",
                                 str(rubric), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    book = rows(tmp_path / "out")
    assert (book["ana"]["points"], book["ana"]["max_points"]) == ("35", "35")
    assert (book["dario"]["width points"], book["dario"]["points"]) == ("26", "31")
    assert (book["carla"]["width points"], book["carla"]["other points"]) == ("0", "0")


def test_bad_rubric_and_arguments_exit_2(klass, tmp_path):
    key, order, _ = klass
    cases = {
        "[penalties]\nmissing_runs = 1\n": "penalties.missing_runs: unknown setting",
        "[studies.depth]\npoints = 3\n": "no study depth",
        '[defaults]\nmetrics = { "val.precision" = 1 }\n': "unknown metric 'val.precision'",
        "[partial]\ncredit = 2\n": "partial.credit",
        "[defaults\n": "not a readable TOML file",
    }
    for i, (text, message) in enumerate(cases.items()):
        rubric = tmp_path / f"r{i}.toml"
        rubric.write_text(text)
        result = runner.invoke(app, ["grade", str(key), str(order[0]), "--rubric", str(rubric),
                                     "-o", str(tmp_path / "out")])
        assert result.exit_code == 2 and message in result.stderr, (text, result.output)
    for args in (["--lang", "fr"], ["--identifier", "email"]):
        result = runner.invoke(app, ["grade", str(key), str(order[0]), *args])
        assert result.exit_code == 2 and result.stderr.startswith("error: ")
    missing_key = runner.invoke(app, ["grade", str(tmp_path / "nokey"), str(order[0])])
    assert missing_key.exit_code == 2 and "not found" in missing_key.stderr
    assert not (tmp_path / "out").exists()


def test_identifier_from_the_manifest_authors(klass, tmp_path):
    key, order, _ = klass
    result = runner.invoke(app, ["grade", str(key), str(order[0]), str(order[2]),
                                 "--identifier", "authors", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert list(rows(tmp_path)) == ["Ana Pérez", "Ana Pérez (2)"]


# ---------------------------------------------------------------- --verify
def _edited_copy(source: Path, target: Path) -> Path:
    """A copy of `source` whose run records were edited (and results.json written from them)."""
    copy = copy_of(source, target)
    for record in (copy / "runs").glob("*/record.json"):
        data = json.loads(record.read_text())
        data["metrics"]["val"]["accuracy"] += 0.001
        record.write_text(json.dumps(data))
    results_json.write(Store(copy).load())
    return copy


def test_verify_reruns_sampled_runs_and_catches_edited_records(klass, tmp_path):
    key, order, _ = klass
    mia = _edited_copy(order[0], tmp_path / "mia")  # numbers edited at the source
    # on two workers (test_verify_on_two_workers_gives_the_verdicts_of_one: the same verdicts)
    result = runner.invoke(app, ["grade", str(key), str(order[0]), str(mia), "--verify", "1",
                                 "--jobs", "2", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "verifying 2 run(s) on 2 worker(s)" in result.output
    book = rows(tmp_path / "out")
    assert book["ana"]["integrity"] == "reruns: 1 reproduced"
    assert book["mia"]["integrity"] == "reruns: 1 differs"  # consistent files, edited numbers
    page = (tmp_path / "out" / "feedback" / "mia.html").read_text(encoding="utf-8")
    reruns = page.split("Ejecuciones reentrenadas")[1]  # Spanish: the default --lang
    assert "difiere" in reruns and "val.accuracy" in reruns


def test_verify_on_two_workers_gives_the_verdicts_of_one(klass, tmp_path):
    import threading

    from reportgen.execution.parallel import server
    from reportgen.grading import grader, rubric
    from tests.helpers import descendants

    key, order, _ = klass
    the_key = grader.load_key(key)
    subs = [order[0], _edited_copy(order[0], tmp_path / "mia"), order[2]]

    def verdicts(jobs: int) -> tuple[list[list[tuple[str, str, str]]], grader.ClassGrades]:
        grades = grader.grade_class(the_key, subs, rubric.DEFAULT, verify=1, jobs=jobs)
        return [[(r.run, r.status, r.detail) for r in s.integrity.reruns]
                for s in grades.students], grades

    one, _ = verdicts(1)
    server.wait_until_ready()  # else the driver may train every rerun before workers start
    seen: set[int] = set()
    running = threading.Event()
    running.set()

    def watch() -> None:
        while running.is_set():
            seen.update(descendants(os.getpid()))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        two, grades = verdicts(2)
    finally:
        running.clear()
        watcher.join()
    assert two == one
    assert {status for student in one for _, status, _ in student} == {"reproduced", "differs"}
    pids = {int(r.worker.rsplit(":", 1)[1]) for s in grades.students
            for r in s.integrity.reruns}
    assert pids - {os.getpid()}, "every rerun was trained in this process"
    assert pids - {os.getpid()} <= seen  # by worker processes below this one


def test_bad_jobs_option_exits_2(klass, tmp_path):
    key, order, _ = klass
    result = runner.invoke(app, ["grade", str(key), str(order[0]), "--verify", "1",
                                 "--jobs", "0", "-o", str(tmp_path / "bad")])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: --jobs: expected a whole number ≥ 1 or auto, got '0'"]
    assert not (tmp_path / "bad").exists()


# ---------------------------------------------------------------- zips
def test_unpack_refuses_escapes_and_stops_at_the_size_limit(tmp_path):
    from reportgen.grading import submissions

    cases = {"abs.zip": ("/etc/passwd", b"x"), "dots.zip": ("a/../../b", b"x"),
             "win.zip": ("a\\..\\b", b"x"), "big.zip": ("big.bin", b"0" * 5000)}
    for name, (entry, data) in cases.items():
        path = tmp_path / name
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(entry, data)
        with pytest.raises(submissions.SubmissionError) as error:
            submissions.unpack(path, tmp_path / f"out-{name}", max_bytes=1000)
        assert ("escapes" in str(error.value)) != (name == "big.zip"), name
        assert not (tmp_path / f"out-{name}").exists()
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(5):
            archive.writestr(f"f{i}", b"")
    with pytest.raises(submissions.SubmissionError, match="entries"):
        submissions.unpack(many, tmp_path / "out-many", max_entries=4)
    assert os.listdir(tmp_path).count("out-many") == 0


def test_unreadable_json_shapes(tmp_path):
    from reportgen.grading import submissions

    bad = {"notjson.json": "{", "list.json": "[]",
           "nostudies.json": json.dumps({"schema": "reportgen.results/1", "studies": []}),
           "badrun.json": json.dumps({"schema": "reportgen.results/1", "studies": [
               {"id": "w", "runs": [{"label": "x", "config": {}, "stop_reason": "completed",
                                     "metrics": {"val": {"accuracy": "high"}}}]}]})}
    for name, text in bad.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(submissions.SubmissionError):
            submissions.load(tmp_path / name, tmp_path)


def test_the_example_rubric_loads_and_names_the_example_keys_studies():
    from reportgen.grading import rubric

    root = Path(__file__).resolve().parents[1]
    example = rubric.load(root / "examples" / "rubrics" / "digits.toml")
    key = manifest.load(root / "examples" / "digits-answer-key.toml")
    assert set(example.studies) <= {s.id for s in key.studies}
    assert example.penalties.edited == 10 and example.for_study("optimizers").points == 10


def test_names_from_submissions_are_escaped(klass, tmp_path):
    key, order, _ = klass
    hostile = copy_of(order[0], tmp_path / "<script>x")
    result = runner.invoke(app, ["grade", str(key), str(hostile), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "class.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;x" in page and "<script" not in page
    [feedback] = (tmp_path / "out" / "feedback").iterdir()
    assert feedback.parent == tmp_path / "out" / "feedback"  # the file name is safe_file_name(student)
    assert "<script" not in feedback.read_text(encoding="utf-8")


def test_repeats_with_other_seeds_miss_nothing_and_a_deleted_seed_is_one_run():
    from reportgen.grading import rubric, score

    def run(config, seed, accuracy=0.5):
        return {"label": f"{config} · seed={seed}", "config_label": config, "seed": seed,
                "config": {"model": {"hidden": [int(config[7:])]}}, "stop_reason": "completed",
                "metrics": {"val": {"accuracy": accuracy, "loss": 1.0}}}

    key = {"id": "width", "runs": [run(c, s) for c in ("hidden=8", "hidden=16") for s in (7, 8)]}
    key["expected"] = {"configurations": [
        {"label": c, "runs": [f"{c} · seed={s}" for s in (7, 8)],
         "metrics": {"val": {"accuracy": {"mean": 0.5}, "loss": {"mean": 1.0}}},
         "tolerance": {"val": {"accuracy": 0.01, "loss": 0.1}}} for c in ("hidden=8", "hidden=16")]}
    other_seeds = {"id": "width", "runs": [run(c, s) for c in ("hidden=8", "hidden=16")
                                           for s in (20, 21)]}
    grade = score.grade_study(key, other_seeds, rubric.DEFAULT)
    assert (grade.status, grade.missing_runs, grade.points) == ("within", [], 10)
    one_deleted = {"id": "width", "runs": other_seeds["runs"][:3]}
    grade = score.grade_study(key, one_deleted, rubric.DEFAULT)
    assert (grade.status, len(grade.missing_runs), grade.points) == ("missing", 1, 9)
