"""The Python API at the package root: the README example runs, every public name resolves and is documented,
``import datamodeler`` stays light, and the functions do what the commands do on the scanned demo."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import datamodeler as dm
from datamodeler.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def readme_python_example() -> str:
    """The ```python block of the README's "Python API" section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the Python API section holds one runnable example"
    return blocks[0]


def test_the_readme_example_runs_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    exec(compile(readme_python_example(), "README.md (Python API)", "exec"), {"__name__": "readme_example"})
    printed = capsys.readouterr().out
    assert "{'verified': 1}" in printed
    assert "erDiagram" in printed and '"customer_id (accepted)"' in printed
    assert "GROUP BY c.country" in " ".join(printed.split()) and "('PT', 10398.0)" in printed
    assert "100% of the logged joins explained" in printed
    assert "'name': 'orders.total'" in printed and printed.rstrip().endswith("True")
    assert (tmp_path / "shop-docs" / "index.html").is_file()
    saved = json.loads((tmp_path / "shop.json").read_text())
    assert [r["status"] for r in saved["relationships"]] == ["accepted"]


def test_every_public_name_resolves_has_a_docstring_and_is_listed_by_dir():
    for name in dm.__all__:
        value = getattr(dm, name)
        assert name == "__version__" or (value.__doc__ or "").strip(), f"datamodeler.{name} has no docstring"
    assert set(dm.__all__) <= set(dir(dm))
    with pytest.raises(AttributeError, match="no attribute 'scan_everything'"):
        dm.scan_everything  # noqa: B018 - the attribute access is the test


def test_every_public_function_is_named_in_the_readme():
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    functions = [name for name in dm.__all__ if name[0].islower() and not name.startswith("__")]
    assert [name for name in functions if f"`{name}`" not in section] == []


def test_import_datamodeler_loads_no_submodule_or_heavy_library():
    code = ("import sys, datamodeler; print(sorted(m for m in sys.modules if m.startswith('datamodeler.') "
            "or m.split('.')[0] in ('pydantic', 'sqlglot', 'networkx', 'duckdb', 'sqlalchemy', 'typer', 'rich')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# -- the functions behind the commands, on the session's demo model --------------------------------


def test_export_erd_returns_the_text_erd_prints(demo_model, demo_model_file):
    drawn = dm.export_erd(demo_model, "mermaid", dm.ErdOptions(table="crm.members", depth=1)).single
    printed = runner.invoke(app, ["erd", "--model", str(demo_model_file), "--table", "crm.members"]).stdout
    assert drawn == printed and "erDiagram" in drawn


def test_write_erd_and_write_docs_write_what_the_commands_write(demo_model, demo_model_file, tmp_path):
    assert dm.write_erd(demo_model, tmp_path / "erd.dot", "dot") == [tmp_path / "erd.dot"]
    assert runner.invoke(app, ["erd", "--model", str(demo_model_file), "-f", "dot", "-o", str(tmp_path / "cli.dot")]).exit_code == 0
    assert (tmp_path / "erd.dot").read_text() == (tmp_path / "cli.dot").read_text()
    written = dm.write_docs(demo_model, tmp_path / "docs")
    assert tmp_path / "docs" / "index.md" in written and all(path.is_file() for path in written)
    assert set(dm.export_docs(demo_model, "dbt").files) == {"schema.yml"}


def test_record_decisions_saves_what_review_would(demo_model_file, tmp_path):
    path = tmp_path / "m.json"
    path.write_bytes(demo_model_file.read_bytes())
    rel = dm.load_model(path).relationships[0]
    changed = dm.record_decisions(path, reject=[rel.id], by="ana")
    assert [r.id for r in changed] == [rel.id]
    saved = dm.load_model(path).relationship(rel.id)
    assert saved.status == "rejected" and any(e.kind == "human" and e.detail == "rejected by ana" for e in saved.evidence)
    before = path.read_text()
    with pytest.raises(dm.DatamodelerError, match="r_nope"):
        dm.record_decisions(path, accept=["r_nope"])
    assert path.read_text() == before


def test_lineage_check_and_diff_match_their_commands(demo_model, demo_model_file):
    view = dm.lineage_view(demo_model, "marts.member_ltv", "upstream", depth=1)
    printed = runner.invoke(app, ["lineage", "marts.member_ltv", "--upstream", "--depth", "1", "--json", "--model", str(demo_model_file)])
    assert view.to_dict() == json.loads(printed.stdout) and view.upstream.children
    report = runner.invoke(app, ["check", "--json", "--model", str(demo_model_file)])
    assert dm.check_model(demo_model).to_dict() == json.loads(report.stdout)
    changed = dm.load_model(demo_model_file)
    changed.tables.pop()
    assert dm.diff_models(demo_model, demo_model).empty and dm.diff_models(demo_model, changed).tables_removed
