"""`datamodeler scan` as a user runs it: CliRunner for behaviour, the installed console script once."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from datamodeler.cli import app
from datamodeler.store import load_model

runner = CliRunner()


@pytest.fixture()
def shop(tmp_path):
    path = tmp_path / "shop.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id));
        INSERT INTO customers VALUES (1, 'a@example.com');
        INSERT INTO orders VALUES (1, 1);
        """
    )
    conn.commit()
    conn.close()
    return path


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_scan_writes_model_and_prints_summary(shop, tmp_path):
    out = tmp_path / "model.json"
    result = invoke("scan", f"sqlite:///{shop}", "--out", str(out), "--no-llm")
    assert result.exit_code == 0, result.output
    assert "tables / views" in result.output and "2 / 0" in result.output
    assert "deterministic evidence only" in result.output
    model = load_model(out)
    assert {t.name for t in model.tables} == {"customers", "orders"}
    assert model.source.dialect == "sqlite"


def test_scan_json_summary_is_machine_readable(shop, tmp_path):
    result = invoke("scan", f"sqlite:///{shop}", "--out", str(tmp_path / "m.json"), "--json")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["tables"] == 2 and summary["columns"] == 4
    assert summary["model_path"].endswith("m.json")
    assert "elapsed_s" in summary and "queries" in summary


@pytest.mark.parametrize(
    "args, message",
    [
        (["sqlite:///nowhere/x.db"], "Error: no SQLite database at nowhere/x.db"),
        (["mysql+nodriver://h/db"], "Error: no SQLAlchemy driver for 'mysql+nodriver'"),
        (["postgresql+psycopg://u@127.0.0.1:1/db"], "Error: cannot connect to postgresql+psycopg://u@127.0.0.1:1/db"),
    ],
)
def test_bad_urls_give_one_line_errors(args, message, tmp_path):
    result = runner.invoke(app, ["scan", *args, "--out", str(tmp_path / "m.json")])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith(message), result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not (tmp_path / "m.json").exists()


def test_unreadable_query_log_is_a_clear_error_and_keeps_the_old_model(shop, tmp_path):
    out = tmp_path / "m.json"
    assert invoke("scan", f"sqlite:///{shop}", "--out", str(out)).exit_code == 0
    before = out.read_text()
    result = runner.invoke(app, ["scan", f"sqlite:///{shop}", "--out", str(out), "--query-log", str(tmp_path / "missing.sql")])
    assert result.exit_code == 1
    assert "Error: query log" in result.stderr and "missing.sql" in result.stderr
    assert out.read_text() == before


def test_corrupt_existing_model_is_not_overwritten(shop, tmp_path):
    out = tmp_path / "m.json"
    out.write_text("{ half a file")
    result = runner.invoke(app, ["scan", f"sqlite:///{shop}", "--out", str(out)])
    assert result.exit_code == 1
    assert "will not overwrite" in result.stderr
    assert out.read_text() == "{ half a file"


def test_debug_shows_the_traceback(tmp_path):
    result = runner.invoke(app, ["--debug", "scan", "sqlite:///nowhere.db", "--out", str(tmp_path / "m.json")])
    assert result.exit_code == 1
    assert "Traceback" in result.stderr


def test_scan_filters(shop, tmp_path):
    out = tmp_path / "m.json"
    assert invoke("scan", f"sqlite:///{shop}", "--out", str(out), "--exclude", "ord*").exit_code == 0
    assert [t.name for t in load_model(out).tables] == ["customers"]


def test_help_has_examples():
    result = invoke("scan", "--help")
    assert result.exit_code == 0
    assert "Examples" in result.output and "--query-log" in result.output


def test_bad_config_file_is_a_clear_error(shop, tmp_path):
    config = tmp_path / "datamodeler.toml"
    config.write_text("[llm]\nmodle = 'x'\n")
    result = runner.invoke(app, ["scan", f"sqlite:///{shop}", "--config", str(config), "--out", str(tmp_path / "m.json")])
    assert result.exit_code == 1
    assert "unknown [llm] setting(s): modle" in result.stderr


def test_installed_console_script(shop, tmp_path):
    script = shutil.which("datamodeler", path=str(Path(sys.executable).parent))
    assert script, "the datamodeler console script is not installed next to this Python"
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([script, "scan", f"sqlite:///{shop}", "--out", str(tmp_path / "m.json"), "--json"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tables"] == 2
    failed = subprocess.run([script, "scan", "sqlite:///nowhere.db"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines()[-1].startswith("Error: no SQLite database")


def test_scan_with_no_url_scans_the_bundled_demo(demo_scan_once):
    """`datamodeler scan --out FILE --json` with no URL: the session's one demo scan (tests/conftest.py)."""
    result, out = demo_scan_once, demo_scan_once.model_file
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["tables"] >= 20 and summary["dialect"] == "duckdb"
    assert summary["queries"]["total"] >= 300
    assert summary["queries"]["failed"] >= 1
    model = load_model(out)
    assert len({t.schema_name for t in model.tables}) >= 3
    assert not any(t.foreign_keys for t in model.tables)
