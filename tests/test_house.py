"""The house keeps its shape: arrows point one way and the database owns its SQL.

Read with the standard library's `ast`, never by importing: every import anywhere in a module
(inside functions too, so an import moved into a function to dodge a circle still counts)
is an arrow, and the arrows among the project's modules must form no cycle. SQLAlchemy and
SQL text live in db/ only (tests and bench are not the product).
"""

from __future__ import annotations

import ast
import os
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("tracker", "crawlers", "graph", "db")
# what crawlers/ may not know about, per STYLE.md: they observe, they never store
LAYERS = {"crawlers": ("db", "graph", "tracker"), "graph": ("tracker",), "db": ("tracker",)}
# SQL as it is written in a string: a statement's opening words, in capitals
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|WITH\s+RECURSIVE"
    r"|CREATE\s+(TABLE|INDEX)|ALTER\s+TABLE|PRAGMA\s+\w+|BEGIN\s+IMMEDIATE)\b",
    re.DOTALL,
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    return {
        _module_name(path): path for package in PACKAGES for path in (REPO / package).rglob("*.py")
    }


MODULES = _sources()


def _resolve(name: str) -> str | None:
    """The project module an import of `name` runs: itself, or its nearest package."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, tree: ast.AST) -> set[str]:
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    found: set[str | None] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(_resolve(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:  # `from db import repository` imports a module
                found.add(_resolve(f"{base}.{alias.name}") or _resolve(base))
    found.discard(None)
    found.discard(module)
    return {name for name in found if name is not None}


def _graph() -> dict[str, set[str]]:
    return {name: _imports(name, ast.parse(path.read_text())) for name, path in MODULES.items()}


def test_the_project_modules_are_found():
    assert {"tracker.cli", "tracker.errors", "db.lock", "crawlers.base"} <= set(MODULES)
    assert "db.lock" in _graph()["tracker.pipeline"]


def test_no_import_cycle_among_project_modules():
    graph = _graph()
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise AssertionError(f"import cycle: {cycle}") from None


def test_arrows_point_down_the_house():
    wrong = [
        f"{name} imports {target}"
        for name, targets in _graph().items()
        for target in targets
        if target.partition(".")[0] in LAYERS.get(name.partition(".")[0], ())
    ]
    assert wrong == []


def test_the_leaf_of_exceptions_imports_nothing_of_the_project():
    assert _graph()["tracker.errors"] == set()


def test_sqlalchemy_and_sql_text_live_in_db_only():
    found = []
    for name, path in MODULES.items():
        if name.partition(".")[0] == "db":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                names = []
            found += [
                f"{name}:{node.lineno} imports {n}"
                for n in names
                if n.partition(".")[0] in ("sqlalchemy", "sqlite3", "psycopg", "alembic")
            ]
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if SQL.search(node.value):
                    found.append(f"{name}:{node.lineno} holds SQL text")
    assert found == []


def test_no_test_module_imports_another_test_module():
    """Shared fakes and helpers live in tests/fakes and tests/helpers; a test module imports
    from those, never from another test module."""
    found = []
    for path in (REPO / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            found += [
                f"{path.relative_to(REPO)} imports {n}"
                for n in names
                if n.startswith("tests.") and n.rpartition(".")[2].startswith("test_")
            ]
    assert found == []


def test_each_hub_is_a_sub_package_that_holds_its_crawler():
    """A new hub is one sub-package plus one row in the hub table (README, "Extending")."""
    from crawlers import crawler_class
    from crawlers.hubs import HUB_TABLE

    for info in HUB_TABLE:
        module, _, _ = info.crawler.partition(":")
        assert module == f"crawlers.{info.name}.crawler", info.name
        assert (REPO / "crawlers" / info.name / "__init__.py").is_file()
        assert crawler_class(info.name).hub == info.name


MAX_LINES = 500  # STYLE.md: files stay under about 500 lines


def _project_python_files() -> list[Path]:
    skip = {".venv", ".git", "build", "node_modules", "__pycache__"}
    found = []
    for top, dirs, names in os.walk(REPO):
        dirs[:] = sorted(d for d in dirs if d not in skip and not d.startswith("."))
        found += [Path(top, name) for name in sorted(names) if name.endswith(".py")]
    return found


def test_no_python_file_of_the_project_exceeds_the_line_limit():
    """Every source, test and bench file stays within 500 lines: split by subject beyond."""
    long = [
        f"{path.relative_to(REPO)}: {n} lines"
        for path in _project_python_files()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert long == []
