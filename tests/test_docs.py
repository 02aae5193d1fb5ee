"""Docs are generated or tested: the CLI reference matches --help and names every command."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_current():
    generator = load_generator()
    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == generator.render(), "docs/cli.md is stale: run python scripts/gen_cli_docs.py"


def test_every_command_is_documented_with_examples():
    generator = load_generator()
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in generator.command_names():
        assert f"## datamodeler {name}" in reference
        assert "Example" in generator.help_text(name), f"`datamodeler {name} --help` has no examples"
        assert f"datamodeler {name}" in readme, f"README.md does not mention `datamodeler {name}`"
