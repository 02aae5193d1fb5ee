"""Tables the log defines (CTAS, CREATE TEMP, SELECT INTO, T-SQL #t): columns for later statements, transient
marking, and lineage stitched through them (``lineage --hide-transient``)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from datamodeler.cli import app
from datamodeler.lineage.pipeline import build_lineage
from datamodeler.lineage.shapes import ShapeCollector
from datamodeler.model import Column, Table
from datamodeler.sources.base import LoggedQuery

runner = CliRunner()

TABLES = [
    Table(name="src.orders", columns=[Column(name=n, type="int") for n in ("id", "customer_id", "amount")]),
    Table(name="mart.revenue", columns=[Column(name=n, type="int") for n in ("customer_id", "total")]),
]

ETL_LOG = """
CREATE TEMP TABLE stage_rev AS SELECT customer_id, sum(amount) AS total FROM src.orders GROUP BY customer_id;
INSERT INTO mart.revenue SELECT customer_id, total FROM stage_rev;
DROP TABLE stage_rev;
"""


def _collect(statements: list[str | LoggedQuery], dialect: str = "postgres") -> ShapeCollector:
    collector = ShapeCollector(dialect)
    for statement in statements:
        collector.add(statement if isinstance(statement, LoggedQuery) else LoggedQuery(statement))
    return collector


@pytest.fixture()
def scanned(tmp_path: Path) -> Path:
    database = tmp_path / "warehouse.duckdb"
    conn = duckdb.connect(str(database))
    conn.execute("create schema src; create schema mart")
    conn.execute("create table src.orders (id integer, customer_id integer, amount decimal(10, 2))")
    conn.execute("create table mart.revenue (customer_id integer, total decimal(10, 2))")
    conn.close()
    (tmp_path / "etl.sql").write_text(ETL_LOG)
    out = tmp_path / "model.json"
    result = runner.invoke(app, ["scan", f"duckdb:///{database}", "--no-llm", "--query-log", str(tmp_path / "etl.sql"),
                                 "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def _upstream(model: Path, name: str, *extra: str) -> list[dict]:
    result = runner.invoke(app, ["lineage", name, "--upstream", "--model", str(model), "--json", *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["upstream"]


def test_lineage_reaches_the_source_through_a_temp_table(scanned: Path) -> None:
    tree = _upstream(scanned, "mart.revenue.total")
    assert tree == [{"name": "stage_rev.total", "kind": "direct", "transient": True,
                     "children": [{"name": "src.orders.amount", "kind": "derived"}]}]
    assert json.loads(scanned.read_text())["queries"]["transient_tables"] == ["stage_rev"]


def test_hide_transient_shows_the_source_directly_with_the_hop_as_evidence(scanned: Path) -> None:
    assert _upstream(scanned, "mart.revenue.total", "--hide-transient") == [
        {"name": "src.orders.amount", "kind": "derived", "via": ["stage_rev.total"]}]
    assert _upstream(scanned, "mart.revenue", "--hide-transient") == [{"name": "src.orders", "kind": "table", "via": ["stage_rev"]}]
    text = runner.invoke(app, ["lineage", "mart.revenue.total", "--upstream", "--hide-transient", "--model", str(scanned)])
    assert "src.orders.amount" in text.stdout and "via stage_rev.total" in text.stdout


def test_a_table_dropped_then_created_again_stays_but_one_created_then_dropped_is_transient() -> None:
    collector = _collect([
        "drop table if exists mart.daily",
        "create table mart.daily as select customer_id, amount from src.orders",
        "create table work_set as select id from src.orders",
        "insert into mart.revenue (customer_id) select o.customer_id from src.orders o join work_set w on w.id = o.id",
        "drop table work_set",
    ])
    evidence = build_lineage(TABLES, collector, "postgres", workers=1)
    assert evidence.queries.transient_tables == ["work_set"]


def test_start_times_order_the_log_over_its_place_in_the_file() -> None:
    # the drop ran first (an earlier start time) although it is listed last: the table is kept
    collector = _collect([
        LoggedQuery("create table scratch as select id from src.orders", start_time="2024-05-02T00:00:00"),
        LoggedQuery("drop table scratch", start_time="2024-05-01T00:00:00"),
    ])
    assert build_lineage(TABLES, collector, "postgres", workers=1).queries.transient_tables == []


def test_the_first_definition_of_a_name_resolves_the_statements_after_it() -> None:
    collector = _collect([
        LoggedQuery("create temp table t as select customer_id as c from src.orders", start_time="2024-05-02"),
        LoggedQuery("create temp table t as select amount as c, id from src.orders", start_time="2024-05-01"),
        LoggedQuery("insert into mart.revenue (total) select c from t where id > 0", start_time="2024-05-03"),
    ])
    evidence = build_lineage(TABLES, collector, "postgres", workers=1)
    edges = {(e.source, e.target, e.resolution) for e in evidence.lineage if e.kind != "table"}
    assert ("t.c", "mart.revenue.total", "log") in edges
    assert evidence.queries.partial == 0


def test_select_into_temp_creates_a_transient_table_that_resolves_later_statements() -> None:
    collector = _collect([
        "select customer_id, amount * 2 as doubled into temp scratch from src.orders",
        "insert into mart.revenue (customer_id, total) select customer_id, doubled from scratch",
    ])
    evidence = build_lineage(TABLES, collector, "postgres", workers=1)
    assert evidence.queries.transient_tables == ["scratch"]
    assert evidence.queries.unknown_tables == {}  # SELECT INTO's target is written, not read
    edges = {(e.source, e.target) for e in evidence.lineage}
    assert {("src.orders.amount", "scratch.doubled"), ("scratch.doubled", "mart.revenue.total")} <= edges


def test_tsql_hash_tables_keep_their_name_and_are_transient() -> None:
    tables = [Table(name="dbo.orders", columns=[Column(name=n, type="int") for n in ("id", "amount")]),
              Table(name="dbo.totals", columns=[Column(name=n, type="int") for n in ("id", "amount")]),
              Table(name="dbo.tmp", columns=[Column(name="other", type="int")])]
    collector = _collect([
        "SELECT id, amount INTO #tmp FROM dbo.orders",
        "INSERT INTO dbo.totals (id, amount) SELECT id, amount FROM #tmp",
    ], dialect="tsql")
    evidence = build_lineage(tables, collector, "tsql", workers=1)
    assert evidence.queries.failed == 0 and evidence.queries.transient_tables == ["#tmp"]
    edges = {(e.source, e.target) for e in evidence.lineage if e.kind != "table"}
    assert edges == {("dbo.orders.id", "#tmp.id"), ("dbo.orders.amount", "#tmp.amount"),
                     ("#tmp.id", "dbo.totals.id"), ("#tmp.amount", "dbo.totals.amount")}
