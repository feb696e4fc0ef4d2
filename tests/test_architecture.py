"""The layout's rules, checked on the source: no import cycles, and the "never" rules of the
README's architecture section (which stage may import torch, Optuna, matplotlib, Jinja2 and
WeasyPrint)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "reportgen"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


# The pipeline's stages, in order: a module may import its own package and the packages before
# it, never one after it (deferred and TYPE_CHECKING imports count: a cycle that only a late
# import hides is still a cycle). `reportgen/__init__.py` and `__main__.py` sit above them all.
ORDER = ("errors", "manifest", "data", "store", "plan", "training", "tuning", "execution",
         "analysis", "grading", "figures", "report", "api", "cli")
TOP = ("reportgen", "reportgen.__main__")

# Imports that break the order, each with why it is allowed. Empty is the goal.
EXCEPTIONS: dict[tuple[str, str], str] = {}
# Private names taken from another module, each with why. Empty is the goal.
PRIVATE_EXCEPTIONS: dict[str, str] = {}


def imports(path: Path, top_level_only: bool = False, name: str | None = None) -> set[str]:
    """Modules `path` imports: at module level only (what runs on import), or anywhere
    (inside functions and under `if TYPE_CHECKING:` too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.If) and top_level_only:  # `if TYPE_CHECKING:` imports nothing
            continue
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return out


def owning_module(imported: str, modules: dict[str, Path]) -> str | None:
    """The module an imported dotted name lives in (`reportgen.store.store.Store` is
    `reportgen.store.store`), or None outside the package."""
    while imported and imported not in modules:
        imported = imported.rpartition(".")[0]
    return imported or None


def internal_graph(modules: dict[str, Path] = MODULES) -> dict[str, set[str]]:
    """module -> the package modules it imports anywhere, its own parent packages left out (a
    package's __init__ re-exporting its own modules is not a cycle between stages)."""
    graph = {}
    for name, path in modules.items():
        found = {owning_module(m, modules) for m in imports(path, name=name)}
        graph[name] = {m for m in found if m and m != name and not name.startswith(m + ".")}
    return graph


def stage(module: str) -> str:
    """The stage of a module: `reportgen.store.store` is "store", `reportgen.api` is "api"."""
    return module.split(".")[1] if module not in TOP else ""


def order_violations(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for name, deps in sorted(graph.items()):
        if name in TOP:
            continue
        for dep in sorted(deps):
            upward = dep in TOP or ORDER.index(stage(dep)) > ORDER.index(stage(name))
            if upward and (name, dep) not in EXCEPTIONS:
                bad.append(f"{name} imports {dep}")
    return bad

def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], dict.fromkeys(graph, 0), []

    def visit(node: str) -> None:
        state[node], _ = 1, stack.append(node)
        for nxt in sorted(graph[node]):
            if state[nxt] == 1:
                found.append([*stack[stack.index(nxt):], nxt])
            elif state[nxt] == 0:
                visit(nxt)
        state[node], _ = 2, stack.pop()

    for node in graph:
        if state[node] == 0:
            visit(node)
    return found



def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_among_modules_deferred_imports_included() -> None:
    graph = {n: {d for d in deps if (n, d) not in EXCEPTIONS}
             for n, deps in internal_graph().items()}
    assert cycles(graph) == []


def test_every_package_is_a_stage_in_the_order() -> None:
    assert {stage(m) for m in MODULES if m not in TOP} == set(ORDER)


def test_each_stage_imports_only_the_stages_before_it() -> None:
    assert order_violations(internal_graph()) == []


def test_no_package_level_cycles() -> None:
    graph: dict[str, set[str]] = {s: set() for s in ORDER}
    for name, deps in internal_graph().items():
        if name not in TOP:
            graph[stage(name)] |= {stage(d) for d in deps
                                   if d not in TOP and stage(d) != stage(name)
                                   and (name, d) not in EXCEPTIONS}
    assert cycles(graph) == []


def test_every_exception_is_still_needed() -> None:
    graph = internal_graph()
    assert [pair for pair in EXCEPTIONS if pair[1] not in graph.get(pair[0], set())] == []


def planted(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    modules = {}
    for name, text in files.items():
        path = tmp_path / (name.replace(".", "_") + ".py")
        path.write_text(text, encoding="utf-8")
        modules[name] = path
    return modules


def test_a_deferred_cycle_is_found(tmp_path: Path) -> None:
    modules = planted(tmp_path, {
        "reportgen.store.a": "from reportgen.plan.b import f\n",
        "reportgen.plan.b": "def f():\n    from reportgen.store.a import g\n",
    })
    graph = internal_graph(modules)
    assert cycles(graph) == [["reportgen.store.a", "reportgen.plan.b", "reportgen.store.a"]]
    assert order_violations(graph) == ["reportgen.store.a imports reportgen.plan.b"]


def test_a_type_checking_import_counts(tmp_path: Path) -> None:
    modules = planted(tmp_path, {
        "reportgen.training.a": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                "    from reportgen.report.b import X\n",
        "reportgen.report.b": "X = 1\n",
    })
    assert order_violations(internal_graph(modules)) == \
        ["reportgen.training.a imports reportgen.report.b"]


# ---------------------------------------------------------------- private names
SOURCES = sorted([*PACKAGE.rglob("*.py"), *(PACKAGE.parent / "tests").glob("*.py"),
                  *(PACKAGE.parent / "benchmarks").glob("*.py")])


def private_imports(path: Path) -> list[str]:
    """Private names (`_x`, not dunders) taken from another reportgen module: imported by name,
    or read as `module._x` from an imported module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()  # local names bound to reportgen modules
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reportgen"):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path.name}:{node.lineno} imports {node.module}.{alias.name}")
                elif f"{node.module}.{alias.name}" in MODULES:
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules.update(alias.asname for alias in node.names
                           if alias.asname and alias.name.startswith("reportgen"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id in modules and node.attr.startswith("_") \
                and not node.attr.startswith("__"):
            found.append(f"{path.name}:{node.lineno} reads {node.value.id}.{node.attr}")
    return found


def test_no_private_name_is_taken_from_another_module() -> None:
    found = [bad for path in SOURCES for bad in private_imports(path)]
    assert [bad for bad in found if bad not in PRIVATE_EXCEPTIONS] == []
    assert [bad for bad in PRIVATE_EXCEPTIONS if bad not in found] == []  # none left over


def test_the_private_name_check_sees_both_forms(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from reportgen.store.store import _short\n"
                   "from reportgen.tuning import storage\n"
                   "storage._claim(1)\n")
    assert private_imports(bad) == ["bad.py:1 imports reportgen.store.store._short",
                                    "bad.py:3 reads storage._claim"]

def offenders(where: str, libraries: tuple[str, ...], allowed: tuple[str, ...] = (),
              modules: dict[str, Path] = MODULES) -> list[str]:
    bad = []
    for name, path in modules.items():
        if not (name == where or name.startswith(where + ".")) or name in allowed:
            continue
        used = {m.split(".")[0] for m in imports(path, top_level_only=False, name=name)}
        bad += [f"{name} imports {lib}" for lib in libraries if lib in used]
    return bad


def test_nothing_downstream_of_the_store_imports_torch_or_optuna() -> None:
    assert offenders("reportgen.report", ("torch", "optuna")) == []
    assert offenders("reportgen.analysis", ("torch", "optuna")) == []
    assert offenders("reportgen.figures", ("torch", "optuna")) == []


def test_only_the_figures_import_matplotlib() -> None:
    assert offenders("reportgen", ("matplotlib",), allowed=tuple(
        n for n in MODULES if n.startswith("reportgen.figures"))) == []


def test_only_the_render_code_imports_jinja2_or_weasyprint() -> None:
    render = ("reportgen.report.render", "reportgen.report.pages", "reportgen.report.grade_pages")
    assert offenders("reportgen", ("jinja2", "weasyprint"), allowed=render) == []


def test_the_rule_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from optuna import importance\n")
    assert offenders("reportgen.report", ("optuna",),
                     modules={"reportgen.report.bad": bad}) == \
        ["reportgen.report.bad imports optuna"]


@pytest.mark.parametrize("module", ["reportgen.report.write", "reportgen.analysis.findings",
                                    "reportgen.store.store", "reportgen.figures",
                                    "reportgen.report.pages"])
def test_a_stage_imports_alone_without_torch_or_optuna(module: str) -> None:
    """In a fresh interpreter: the module imports by itself (no cycle that only the order of an
    earlier import hides), and loads neither torch nor Optuna."""
    code = (f"import sys, {module}\n"
            "heavy = sorted(m for m in ('torch', 'optuna') if m in sys.modules)\n"
            "print(heavy)\n"
            "sys.exit(1 if heavy else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=PACKAGE.parent, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


READS = {"open", "read_bytes", "read_text"}  # builtin open(), Path.open/read_bytes/read_text
LOADERS = {"np", "numpy", "json", "pickle", "tomllib"}  # np.load(), json.load(), …


def file_reads(path: Path) -> list[str]:
    """Calls in `path` that open or read a file: `open(…)`, `x.open(…)`, `x.read_text()`,
    `x.read_bytes()`, `np.load(…)`, `json.load(…)`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        builtin = isinstance(func, ast.Name) and func.id == "open"
        method = isinstance(func, ast.Attribute) and func.attr in READS
        loader = isinstance(func, ast.Attribute) and func.attr in ("load", "loadtxt") \
            and isinstance(func.value, ast.Name) and func.value.id in LOADERS
        if builtin or method or loader:
            found.append(f"{path.name}:{node.lineno}")
    return found


# render and write produce the files; i18n and concepts read the package's own catalogs and
# pages its templates, never an output folder
OPENS_FILES = ("reportgen.report.render", "reportgen.report.write", "reportgen.report.pages",
               "reportgen.report.grade_pages", "reportgen.report.docx", "reportgen.report.i18n",
               "reportgen.report.concepts")


def test_the_report_and_the_analysis_open_no_files_themselves() -> None:
    """What the report shows comes from the ResultSet the store loads (the logo included)."""
    bad = [read for name, path in MODULES.items()
           if name.startswith(("reportgen.report.", "reportgen.analysis.", "reportgen.figures"))
           and name not in OPENS_FILES for read in file_reads(path)]
    assert bad == []


def test_the_file_read_check_sees_a_read(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy as np\nfrom pathlib import Path\n"
                   "a = Path('x').read_bytes()\nb = np.load('y')\nc = open('z')\n"
                   "d = Path('x').stem\n")
    assert file_reads(bad) == ["bad.py:3", "bad.py:4", "bad.py:5"]
