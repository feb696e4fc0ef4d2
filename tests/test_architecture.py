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


def imports(path: Path, top_level_only: bool, name: str | None = None) -> set[str]:
    """Modules `path` imports: at module level only (what runs on import), or anywhere."""
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


def internal_graph() -> dict[str, set[str]]:
    return {name: {m for m in imports(path, top_level_only=True) if m in MODULES and m != name}
            for name, path in MODULES.items()}


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


def test_no_import_cycles_among_modules() -> None:
    graph = internal_graph()
    # a package's __init__ re-exporting its own modules is not a cycle between stages
    graph = {n: {m for m in deps if not n.startswith(m + ".")} for n, deps in graph.items()}
    assert cycles(graph) == []


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
