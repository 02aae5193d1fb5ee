"""The ask gate against a corpus of hostile and benign SQL answers, on the gate and through ``ask --run``.

tests/data/hostile_sql.txt must be refused in every dialect with a one-line reason; tests/data/benign_sql.txt
must pass and run. On real SQLite, DuckDB and PostgreSQL (as superuser with --allow-privileged, and as the
read-only role docs/safety.md creates) every hostile answer is fed to ``ask --run`` as the LLM's SQL: the
tables stay the same, no file, large object, notification or advisory lock appears, and no hostile function
reaches the server (pg_stat_statements). A canary proves the detectors see damage when the gate is bypassed.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import duckdb
import pytest
import sqlglot
from sqlglot import exp
from typer.testing import CliRunner

from datamodeler.ask import AskOptions, ask_question
from datamodeler.ask.guard import guard_sql
from datamodeler.cli import app
from datamodeler.errors import UnsafeSQLError
from datamodeler.model import DataModel, SourceInfo
from datamodeler.sources import CatalogFilter, open_source
from datamodeler.store import save_model

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
DIALECTS = ("postgres", "duckdb", "sqlite")
QUESTION = "orders per status"
runner = CliRunner()


def read_corpus(name: str) -> list[tuple[str, str]]:
    """``(label, sql)`` pairs from a ``label | sql`` file; ``\\n`` in the SQL is a newline."""
    entries = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, _, sql = line.partition(" | ")
            entries.append((label.strip(), sql.replace("\\n", "\n")))
    return entries


HOSTILE = read_corpus("hostile_sql.txt")
BENIGN = read_corpus("benign_sql.txt")


def benign_for(dialect: str) -> list[str]:
    return [sql for dialects, sql in BENIGN if dialects == "all" or dialect in dialects.split(",")]


def fill(sql: str, out: Path, conninfo: str = "dbname=x") -> str:
    return sql.replace("{out}", str(out)).replace("{conninfo}", conninfo)


def gate_model(dialect: str) -> DataModel:
    """The corpus schema as a model, without a database: customers and orders (in schema shop, but SQLite)."""
    from datamodeler.model import Column, Table

    prefix = "" if dialect == "sqlite" else "shop."
    columns = {"customers": "id INTEGER, name TEXT, country TEXT, created_at TIMESTAMP",
               "orders": "id INTEGER, customer_id INTEGER, amount DECIMAL, status TEXT, ordered_at TIMESTAMP"}
    tables = [Table(name=prefix + name, columns=[Column(name=c.split()[0], type=c.split()[1]) for c in spec.split(", ")])
              for name, spec in columns.items()]
    return DataModel(source=SourceInfo(url=f"{dialect}://", dialect=dialect, scanned_at="now"), tables=tables)


# -- the corpus ------------------------------------------------------------------------------------


def test_corpus_has_at_least_150_hostile_answers_of_every_kind():
    assert len(HOSTILE) >= 150
    assert {kind for kind, _ in HOSTILE} == {"damage", "side-effect", "leak", "state"}
    assert len({sql for _, sql in HOSTILE}) == len(HOSTILE), "duplicate hostile answers"
    assert all(len(benign_for(d)) >= 40 for d in DIALECTS)


# -- the gate alone --------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_gate_refuses_every_hostile_answer_with_a_one_line_reason(dialect, tmp_path):
    model = gate_model(dialect)
    passed, badly_worded = [], []
    for _, sql in HOSTILE:
        try:
            guarded = guard_sql(fill(sql, tmp_path), model)
        except UnsafeSQLError as exc:
            text = str(exc)
            if "\n" in text or len(exc.message) < 20:
                badly_worded.append((sql, text))
        else:
            passed.append((sql, guarded.sql))
    assert passed == [], f"{len(passed)} hostile answers passed the {dialect} gate"
    assert badly_worded == []


@pytest.mark.parametrize(("sql", "reason"), [
    ("SELECT pg_read_file('/etc/passwd')", "reads or writes files"),
    ("SELECT dblink_exec('x', 'DROP TABLE shop.orders')", "opens another database connection"),
    ("SELECT query_to_xml('select 1', true, true, '')", "runs SQL passed as text"),
    ("SELECT pg_notify('dm_probe', 'x')", "sends notifications"),
    ("SELECT pg_advisory_lock(1)", "takes locks"),
    ("SELECT pg_switch_wal()", "touches the WAL"),
    ("SELECT current_setting('data_directory')", "reads server settings"),
    ("SELECT current_user", "reads session or server information"),
    ("SELECT frobnicate(amount) FROM orders", "not on the allowlist of pure functions"),
    ("SELECT * FROM pg_authid", "unknown table 'pg_authid'"),
    ("WITH pg_authid AS (SELECT * FROM pg_authid) SELECT * FROM pg_authid", "unknown table 'pg_authid'"),
    ("SELECT 'pg_authid'::regclass", "type regclass is not allowed in ask: it reads the system catalog"),
    ("SELECT public.lower(name) FROM customers", "called through a schema or a value"),
    ("SELECT * FROM orders FOR UPDATE", "found LOCK inside the query"),
    ("SELECT * FROM pg_ls_dir('.')", "table function pg_ls_dir() is not allowed in ask"),
])
def test_refusals_name_the_reason(sql, reason):
    with pytest.raises(UnsafeSQLError) as caught:
        guard_sql(sql, gate_model("postgres"))
    assert reason in str(caught.value)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_gate_passes_legitimate_analytic_sql(dialect):
    model = gate_model(dialect)
    refused = []
    for sql in benign_for(dialect):
        try:
            guard_sql(sql, model)
        except UnsafeSQLError as exc:
            refused.append((sql, exc.message))
    assert refused == []


def test_comments_never_reach_the_warehouse():
    guarded = guard_sql("SELECT id /* hidden */ FROM orders -- trailing", gate_model("postgres"))
    assert "hidden" not in guarded.sql and "trailing" not in guarded.sql and "/*" not in guarded.sql
