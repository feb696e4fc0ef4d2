"""What many test modules share, made once per test process.

`default_run`: the shipped default manifest (`experiments.toml`) with the same datasets and
studies but few epochs and trials, trained and rendered (Spanish HTML and PDF) through the CLI
once per session; modules that read it put themselves in the `default-run` xdist group, so that
one worker trains it once. `results` and `report_models`: the hand-made store of
`report_fixtures` and its es/en report models, built once per test process for every module that
reads them. `one_process_per_test_worker`: under pytest-xdist every core already
runs a test worker, so a report renders its languages in the test's own process.

`pytest_collection_modifyitems` puts the tests that use a module-scoped fixture of their own
module in one xdist group per module, so that `--dist loadgroup` sends them to one worker and the
fixture is built once, not once per worker.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.helpers import ROOT, shrunk

if TYPE_CHECKING:
    from reportgen.report.model import ReportModel
    from reportgen.store.store import ResultSet


@pytest.hookimpl(tryfirst=True)  # before xdist's worker appends the group to the node id
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        module = item.getparent(pytest.Module)
        if module is None:
            continue
        fixtureinfo = getattr(item, "_fixtureinfo", None)
        definitions = fixtureinfo.name2fixturedefs.values() if fixtureinfo else ()
        if any(d.scope == "module" and d.baseid == module.nodeid
               for defs in definitions for d in defs):
            item.add_marker(pytest.mark.xdist_group(module.nodeid))


class GroupSuffix:
    """`--dist loadgroup` sends the tests whose node ids end in the same `@group` to one worker;
    pytest-xdist 3.8's worker appends it by setting `item._nodeid`, which pytest 9.2 no longer
    reads (node ids are `item._id`), so every xdist_group mark was ignored. After xdist's hook,
    this one appends the suffix where it is missing, as xdist does."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                            for m in item.iter_markers("xdist_group")})
            suffix = "@" + "_".join(names)
            if not names or item.nodeid.endswith(suffix):
                continue
            try:
                from _pytest.nodeid import coerce_node_id
            except ImportError:  # pytest before 9.2: xdist's own suffix took effect
                continue
            item._id = coerce_node_id(item.nodeid + suffix)  # type: ignore[attr-defined]


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER") and getattr(config.option, "loadgroup", False):
        config.pluginmanager.register(GroupSuffix(), "xdist-group-suffix")


@pytest.fixture(scope="session")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of the shrunk default manifest: its store, report.es.html and
    report.es.pdf. Tests read it; a test that writes copies it first."""
    from typer.testing import CliRunner

    from reportgen.cli import app

    folder = tmp_path_factory.mktemp("default")
    manifest = folder / "experiments.toml"
    manifest.write_text(shrunk((ROOT / "experiments.toml").read_text(encoding="utf-8")),
                        encoding="utf-8")
    out = folder / "out"
    result = CliRunner().invoke(app, ["run", str(manifest), "--out", str(out),
                                      "--format", "html,pdf", "--lang", "es"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def results(tmp_path_factory: pytest.TempPathFactory) -> ResultSet:
    """`report_fixtures`' store (two studies, five runs), loaded. Tests read it; one that needs
    another store changes a copy (`dataclasses.replace`, `model_copy`)."""
    from tests.report_fixtures import make_results

    return make_results(tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="session")
def report_models(results: ResultSet) -> dict[str, ReportModel]:
    """The report models of `results`, by language (es, en), figures drawn."""
    from reportgen.report.build import build

    return {lang: build(results, lang) for lang in ("es", "en")}


@pytest.fixture(autouse=True, scope="session")
def one_process_per_test_worker() -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        from reportgen.report import write

        write.cpu_count = lambda: 1  # the test's own process renders every language
