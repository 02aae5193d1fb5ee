"""`datamodeler review` and `datamodeler diff`: human decisions that survive re-scans, and drift between scans."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from datamodeler.cli import app
from datamodeler.store import load_model

runner = CliRunner()


@pytest.fixture()
def shop(tmp_path):
    """Orders reference customers by ``customer_id``; no foreign key declared."""
    db = tmp_path / "shop.db"
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT);"
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER);"
    )
    conn.executemany("INSERT INTO customers VALUES (?, ?)", [(i, f"c{i}@example.com") for i in range(1, 51)])
    conn.executemany("INSERT INTO orders VALUES (?, ?)", [(i, 1 + i % 50) for i in range(1, 201)])
    conn.commit()
    conn.close()
    return db


def scan(db, out, *extra):
    result = runner.invoke(app, ["scan", f"sqlite:///{db}", "--out", str(out), *extra])
    assert result.exit_code == 0, result.stderr
    return load_model(out)


def the_relationship(model):
    return next(r for r in model.relationships if r.child_table == "orders" and r.parent_table == "customers")


def test_reject_survives_a_rescan(shop, tmp_path):
    out = tmp_path / "m.json"
    rel = the_relationship(scan(shop, out))
    assert rel.status == "verified"
    result = runner.invoke(app, ["review", "--model", str(out), "--reject", rel.id, "--by", "ana"])
    assert result.exit_code == 0, result.stderr
    assert "1 decision(s) saved" in result.stderr
    rejected = the_relationship(load_model(out))
    assert rejected.status == "rejected" and "human" in rejected.sources
    assert any(e.kind == "human" and e.detail == "rejected by ana" for e in rejected.evidence)
    again = the_relationship(scan(shop, out))
    assert again.status == "rejected"


def test_unknown_id_is_a_one_line_error_and_changes_nothing(shop, tmp_path):
    out = tmp_path / "m.json"
    scan(shop, out)
    before = out.read_text()
    result = runner.invoke(app, ["review", "--model", str(out), "--accept", "r_nope"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: unknown relationship id 'r_nope'")
    assert out.read_text() == before


def test_interactive_review_records_answers(tmp_path):
    from datamodeler.model import DataModel, Relationship, SourceInfo, Table
    from datamodeler.store import save_model

    model = DataModel(
        source=SourceInfo(url="sqlite:///x.db", dialect="sqlite", scanned_at="t"),
        tables=[Table(name="a"), Table(name="b"), Table(name="c")],
        relationships=[
            Relationship(child_table="a", child_columns=["b_id"], parent_table="b", parent_columns=["id"], status="plausible", confidence=0.7),
            Relationship(child_table="a", child_columns=["c_id"], parent_table="c", parent_columns=["id"], status="plausible", confidence=0.6),
        ],
    )
    out = tmp_path / "m.json"
    save_model(model, out)
    listed = runner.invoke(app, ["review", "--model", str(out), "--list", "--json"])
    assert [r["child_columns"] for r in json.loads(listed.stdout)] == [["b_id"], ["c_id"]]
    result = runner.invoke(app, ["review", "--model", str(out)], input="a\nr\n")
    assert result.exit_code == 0, result.output
    statuses = {r.child_columns[0]: r.status for r in load_model(out).relationships}
    assert statuses == {"b_id": "accepted", "c_id": "rejected"}


def test_diff_shows_drift_and_exit_code(shop, tmp_path):
    first = tmp_path / "first.json"
    scan(shop, first)
    conn = sqlite3.connect(shop)
    conn.executescript("ALTER TABLE orders ADD COLUMN note TEXT; CREATE TABLE refunds (id INTEGER PRIMARY KEY, order_id INTEGER);")
    conn.executemany("INSERT INTO refunds VALUES (?, ?)", [(i, i) for i in range(1, 20)])
    conn.commit()
    conn.close()
    second = tmp_path / "second.json"
    scan(shop, second)
    same = runner.invoke(app, ["diff", str(first), str(first)])
    assert same.exit_code == 0 and "No changes." in same.stdout
    result = runner.invoke(app, ["diff", str(first), str(second), "--json"])
    assert result.exit_code == 3
    changes = json.loads(result.stdout)
    assert changes["tables_added"] == ["refunds"]
    assert changes["columns_added"] == ["orders.note"]
    assert any("refunds.order_id → orders.id" in line for line in changes["relationships_added"])
