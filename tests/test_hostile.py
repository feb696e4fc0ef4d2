"""Hostile manifests (issue 15): names that would leave the output folder, abusive sizes,
inputs that used to end in a traceback. Each is one line on stderr and exit code 2."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from reportgen.cli import app
from reportgen.errors import ReportgenError
from reportgen.store.store import safe_file_name, write_atomic
from tests.helpers import TINY, write_manifest

runner = CliRunner()


def validate_error(tmp_path, text: str) -> str:
    result = runner.invoke(app, ["validate", str(write_manifest(tmp_path, text))])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# ---------------------------------------------------------------- names become file names
@pytest.mark.parametrize("name", ["../../../x", "/tmp/x", "a/b", "..", ".hidden", "x" * 65,
                                  "con\nsole"])
def test_dataset_names_that_are_not_file_names_are_refused(tmp_path, name):
    quoted = name.replace("\n", "\\n")
    text = TINY.replace("[datasets.digits]", f'[datasets."{quoted}"]').replace(
        'dataset = "digits"', f'dataset = "{quoted}"')
    line = validate_error(tmp_path, text)
    assert re.search(r"tiny\.toml:\d+: datasets\.", line), line
    assert "name" in line


def test_long_study_id_is_refused_at_validate(tmp_path):
    line = validate_error(tmp_path, TINY.replace('id = "width"', f'id = "{"w" * 240}"'))
    assert re.search(r":\d+: studies\[0\]\.id: .*64", line), line


def test_long_variant_name_is_refused_at_validate(tmp_path):
    text = TINY + '\n[[studies.variants]]\nname = "' + "v" * 300 + '"\n'
    line = validate_error(tmp_path, text)
    assert "studies[0].variants[0].name" in line, line


def test_slug_is_short_and_distinct_for_long_labels():
    long_a, long_b = "hidden=" + "1" * 400, "hidden=" + "1" * 399 + "2"
    assert len(safe_file_name(long_a)) <= 80 and len(safe_file_name(long_b)) <= 80
    assert safe_file_name(long_a) != safe_file_name(long_b)
    assert safe_file_name("hidden=256") == "hidden=256"  # short labels unchanged


def test_atomic_write_refuses_a_path_outside_its_folder(tmp_path):
    root = tmp_path / "out"
    for bad in (root / "datasets" / "../../../escaped.json", tmp_path / "elsewhere.json",
                root / ".." / "x.json"):
        with pytest.raises(ReportgenError, match="outside"):
            write_atomic(bad, "{}", within=root)
        assert not bad.exists()
    write_atomic(root / "datasets" / "ok.json", "{}", within=root)
    assert (root / "datasets" / "ok.json").read_text() == "{}"


def test_atomic_write_says_when_a_name_is_too_long(tmp_path):
    with pytest.raises(ReportgenError, match="cannot write"):
        write_atomic(tmp_path / ("x" * 300 + ".json"), "{}", within=tmp_path)


# ---------------------------------------------------------------- tracebacks from input alone
@pytest.mark.parametrize("nested", ["[" * 600 + "]" * 600, "{ a = " * 600 + "1" + " }" * 600],
                         ids=["arrays", "tables"])
def test_deep_nesting_is_one_line(tmp_path, nested):
    line = validate_error(tmp_path, TINY + f"\n[extra]\nx = {nested}\n")
    assert "nested too deeply" in line and "tiny.toml" in line, line


def test_an_output_folder_that_cannot_be_created_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    path = write_manifest(tmp_path)
    result = runner.invoke(app, ["run", str(path), "--out", str(blocker / "out")])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().startswith(f"error: {blocker / 'out'}: cannot create the "
                                            "output folder"), result.stderr
    assert "Traceback" not in result.output


def test_pickled_arrays_in_a_handed_over_folder_are_refused_in_one_line(tmp_path):
    import numpy as np

    from reportgen.store.store import Store

    store = Store(tmp_path)
    (tmp_path / "datasets").mkdir()
    np.savez(tmp_path / "datasets" / "digits.npz", x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ReportgenError, match=r"digits\.npz: .*pickle"):
        store.load_dataset_samples("digits")
    run = tmp_path / "runs" / "abc"
    run.mkdir(parents=True)
    np.savez(run / "predictions.npz", x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ReportgenError, match=r"predictions\.npz: .*pickle"):
        store.load_predictions("abc")


# ---------------------------------------------------------------- abusive sizes
SEARCH = TINY.replace('vary = { "model.hidden" = [[8], [16]] }', """
[studies.search]
algorithms = ["{algorithm}"]
{extra}
[studies.search.space]
{space}
""")


def search_manifest(algorithm: str = "random", extra: str = "",
                    space: str = '"training.optimizer.lr" = { float = [1e-4, 1e-1], log = true }'
                    ) -> str:
    return (SEARCH.replace("{algorithm}", algorithm).replace("{extra}", extra)
            .replace("{space}", space))


ABUSIVE = {
    "epochs 1e9": TINY.replace("epochs = 3", "epochs = 1e9"),
    "10,000 runs": TINY.replace('vary = { "model.hidden" = [[8], [16]] }',
                                'vary = { "model.hidden" = [[8], [16]], "seed" = ['
                                + ", ".join(map(str, range(5000))) + "] }"),
    "million-point vary": TINY.replace(
        'vary = { "model.hidden" = [[8], [16]] }',
        "vary = { " + ", ".join(f'"training.optimizer.{k}" = [' + ", ".join(
            f"0.{i + 1:03d}" for i in range(100)) + "]" for k in ("lr", "beta1", "beta2"))
        + " }"),
    "max_trials 1e7": search_manifest(extra="max_trials = 10000000"),
    "hyperband max_epochs 1e9": search_manifest("hyperband", "max_epochs = 1000000000"),
}


@pytest.mark.parametrize("case", list(ABUSIVE))
def test_abusive_sizes_are_refused_quickly_naming_the_limit(tmp_path, case):
    import time

    started = time.perf_counter()
    line = validate_error(tmp_path, ABUSIVE[case])
    assert time.perf_counter() - started < 20
    assert "more than the limit" in line and "--allow-large" in line, line


def test_allow_large_accepts_and_states_the_planned_work(tmp_path):
    path = write_manifest(tmp_path, TINY.replace("epochs = 3", "epochs = 20000"))
    result = runner.invoke(app, ["validate", str(path), "--allow-large"])
    assert result.exit_code == 0, result.output
    assert "planned work: 2 run(s), up to 40,000 epochs in all" in result.stdout
    result = runner.invoke(app, ["validate", str(write_manifest(
        tmp_path, TINY.replace("[defaults]", "[limits]\nallow_large = true\n\n[defaults]")
        .replace("epochs = 3", "epochs = 20000")))])
    assert result.exit_code == 0, result.output


def test_validate_states_trials_of_a_search(tmp_path):
    result = runner.invoke(app, ["validate", str(write_manifest(
        tmp_path, search_manifest(extra="max_trials = 4")))])
    assert result.exit_code == 0, result.output
    # 4 trials of 3 epochs and the retrained best run
    assert "planned work: 0 run(s), up to 4 trial(s), up to 15 epochs in all" in result.stdout


def test_a_grid_too_large_to_hold_is_refused_even_when_allowed(tmp_path):
    text = search_manifest("grid", space='"seed" = { int = [1, 1000000000] }')
    result = runner.invoke(app, ["validate", str(write_manifest(tmp_path, text)),
                                 "--allow-large"])
    assert result.exit_code == 2, result.output
    assert "1,000,000,000 points" in result.stderr


@pytest.mark.parametrize("setting", [
    "lr = inf", "lr = 1e15", "lr = 1e-320", "lr = nan", "eps = 1e-320"])
def test_absurd_numbers_are_refused(tmp_path, setting):
    text = TINY.replace("batch_size = 64", f"batch_size = 64\noptimizer = {{ {setting} }}")
    line = validate_error(tmp_path, text)
    assert "trainings.quick.optimizer" in line, line


def test_a_vanishing_split_fraction_is_refused(tmp_path):
    line = validate_error(tmp_path, TINY.replace("test = 0.2 }", "test = 1e-320 }"))
    assert "datasets.digits.split" in line and "out of range" in line, line


def test_absurd_search_ranges_are_refused(tmp_path):
    text = search_manifest(space='"training.optimizer.lr" = { float = [1e-320, 1e15] }')
    line = validate_error(tmp_path, text)
    assert "out of range" in line, line


# ---------------------------------------------------------------- credentials
PG = "postgresql://ana:s3cret-pw@db.example.org:5432/lab"


def test_the_storage_password_is_masked_in_the_kept_manifest_text():
    from reportgen import manifest

    text = search_manifest(extra=f'storage = "{PG}"')
    spec = manifest.loads(text, source="m.toml")
    assert "s3cret-pw" not in spec.source_text  # listed in the report, copied to OUT
    assert "postgresql://ana:***@db.example.org:5432/lab" in spec.source_text
    assert spec.source_text.count("\n") == text.count("\n")  # lines still point right
    assert spec.studies[0].search.storage == PG  # the search itself still connects


def test_the_manifest_copy_in_the_output_folder_has_no_password(tmp_path):
    from reportgen import manifest
    from reportgen.store.store import Store

    spec = manifest.loads(search_manifest(extra=f'storage = "{PG}"'), source="m.toml")
    store = Store(tmp_path)
    store.save_manifest(spec.source_text)  # what execute writes
    assert "s3cret-pw" not in (tmp_path / "manifest.toml").read_text()


def test_error_messages_never_show_the_password(tmp_path):
    text = TINY.replace("[[8], [16]]", f'[[8], ["{PG}"]]')  # echoed as the wrong value
    line = validate_error(tmp_path, text)
    assert "s3cret-pw" not in line and "postgresql://ana:***@" in line, line


def test_a_postgres_storage_is_checked_at_validate_without_showing_the_password(tmp_path):
    pytest.importorskip("sqlalchemy")
    try:  # with a driver installed the URL is fine until a run connects
        import psycopg  # noqa: F401
        pytest.skip("a PostgreSQL driver is installed")
    except ImportError:
        pass
    line = validate_error(tmp_path, search_manifest(extra=f'storage = "{PG}"'))
    assert "search.storage" in line and "reportgen[postgres]" in line, line
    assert "s3cret-pw" not in line


def test_storage_from_an_unset_environment_variable_is_refused_at_validate(tmp_path,
                                                                           monkeypatch):
    monkeypatch.delenv("REPORTGEN_TEST_STORAGE", raising=False)
    text = search_manifest(extra='storage = { env = "REPORTGEN_TEST_STORAGE" }')
    line = validate_error(tmp_path, text)
    assert re.search(r":\d+: studies\[0\]\.search\.storage: environment variable "
                     r"REPORTGEN_TEST_STORAGE is not set", line), line


def test_storage_from_the_environment_is_used(tmp_path, monkeypatch):
    from reportgen.tuning import runner as tuning_runner

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    monkeypatch.setenv("REPORTGEN_TEST_STORAGE", url)
    text = search_manifest(extra='storage = { env = "REPORTGEN_TEST_STORAGE" }')
    result = runner.invoke(app, ["validate", str(write_manifest(tmp_path, text))])
    assert result.exit_code == 0, result.output
    from reportgen import manifest

    search = manifest.loads(text).studies[0].search
    assert tuning_runner.storage_url(search.storage, tmp_path) == url


@pytest.mark.parametrize("url", ["nonsense://x/y", "postgresql//missing-colon"])
def test_unusable_storage_urls_are_refused_at_validate(tmp_path, url):
    line = validate_error(tmp_path, search_manifest(extra=f'storage = "{url}"'))
    assert "search.storage" in line, line


def test_mask_hides_url_and_parameter_passwords():
    from reportgen.manifest.credentials import mask

    assert mask(f"x {PG} y") == "x postgresql://ana:***@db.example.org:5432/lab y"
    assert mask("host=db password=hunter2 user=ana") == "host=db password=*** user=ana"
    assert mask("mysql://ana@db/lab and 1:2@3") == "mysql://ana@db/lab and 1:2@3"


# ---------------------------------------------------------------- validate sees what run sees
def files_manifest(tmp_path, extra: str = "") -> str:
    import numpy as np

    np.save(tmp_path / "x.npy", np.zeros((20, 4), dtype=np.float32))
    np.save(tmp_path / "y.npy", np.arange(20) % 3)
    return TINY.replace('source = "sklearn"\nname = "digits"',
                        f'source = "files"\nx = "x.npy"\ny = "y.npy"{extra}')


def test_validate_finds_a_missing_data_file_with_its_line(tmp_path):
    text = files_manifest(tmp_path, '\npredict = "unlabeled.npy"')
    line = validate_error(tmp_path, text)
    number = text.splitlines().index('predict = "unlabeled.npy"') + 1
    assert line == (f"error: {tmp_path / 'tiny.toml'}:{number}: datasets.digits.predict: "
                    f"file not found: {tmp_path / 'unlabeled.npy'}")


def test_validate_counts_class_descriptions_against_the_data(tmp_path):
    line = validate_error(tmp_path, TINY.replace(
        'preprocess = "minmax"', 'preprocess = "minmax"\nclass_descriptions = ["a", "b", "c"]'))
    assert re.search(r":\d+: datasets\.digits\.class_descriptions: lists 3 entries but the "
                     r"data has 10 classes", line), line
    line = validate_error(tmp_path, files_manifest(tmp_path, '\nclasses = ["a", "b"]'))
    assert "datasets.digits.classes: lists 2 entries but the data has 3 classes" in line, line
