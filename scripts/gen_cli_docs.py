"""Regenerate docs/cli.md from the commands' --help (tests/test_docs.py checks it is current).

    python scripts/gen_cli_docs.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from datamodeler.cli import app  # noqa: E402


def command_names() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def help_text(*args: str) -> str:
    env = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", "_TYPER_FORCE_DISABLE_TERMINAL": "1"}
    result = CliRunner().invoke(app, [*args, "--help"], env=env, terminal_width=100)
    return "\n".join(line.rstrip() for line in result.output.splitlines()).strip()


def render() -> str:
    parts = ["# CLI reference", "", "Generated from `--help` by `scripts/gen_cli_docs.py`; do not edit by hand.", ""]
    parts += ["## datamodeler", "", "```text", help_text(), "```", ""]
    for name in command_names():
        parts += [f"## datamodeler {name}", "", "```text", help_text(name), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    os.environ.setdefault("COLUMNS", "100")
    (ROOT / "docs" / "cli.md").write_text(render(), encoding="utf-8")
    print("wrote docs/cli.md")
