"""House rules that keep the core small: checked by reading the source, not by convention."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "datamodeler"
TERMINAL_ONLY = {"typer", "rich"}
CORE_FORBIDDEN = {"typer", "rich", "openai", "sqlalchemy"}
CORE = ["model.py", "errors.py", "store.py", "config.py", "lineage", "graph.py", "proposers", "verifiers", "exporters",
        "entities.py", "subgraph.py", "profile.py", "ask", "check.py"]


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
    if path.is_dir():
        return sorted(path.rglob("*.py"))
    return [path] if path.exists() else []


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
