"""House rules that keep the core small: checked by reading the source, not by convention."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "datamodeler"
TERMINAL_ONLY = {"typer", "rich"}
CORE_FORBIDDEN = {"typer", "rich", "openai", "sqlalchemy"}
CORE = ["model.py", "errors.py", "store.py", "config.py", "identifiers.py", "pii.py", "lineage", "graph.py", "profile.py",
        "discovery", "export", "ask", "check.py", "privacy"]


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def python_files(entry: str) -> list[Path]:
    path = PACKAGE / entry
    assert path.exists(), f"{entry} is listed as core but does not exist"
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """Every datamodeler module ``path`` imports, anywhere in the file (TYPE_CHECKING blocks and functions too)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in known else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in known}


def test_no_import_cycles_anywhere_in_the_package():
    import networkx as nx

    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    for name, path in files.items():
        graph.add_node(name)
        graph.add_edges_from((name, target) for target in imported_modules(path, set(files)) if target != name)
    # a package importing its own submodules is how packages work; count only cycles through other modules
    cycles = [c for c in nx.simple_cycles(graph) if not all(m.startswith(min(c, key=len)) for m in c)]
    assert cycles == [], f"import cycles: {cycles[:5]}"


@pytest.mark.parametrize("entry", CORE)
def test_core_modules_do_no_terminal_llm_or_database_io(entry):
    for path in python_files(entry):
        assert not imported_roots(path) & CORE_FORBIDDEN, f"{path.relative_to(PACKAGE)} imports {imported_roots(path) & CORE_FORBIDDEN}"


def test_only_cli_and_render_import_rich_or_typer():
    offenders = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                 if imported_roots(p) & TERMINAL_ONLY and p.name not in {"cli.py", "render.py"}]
    assert offenders == []


def test_no_grab_bag_modules():
    assert not [p for p in PACKAGE.rglob("*.py") if p.stem in {"utils", "helpers", "misc", "common"}]
