"""`datamodeler scan --query-log` and `datamodeler lineage` end to end on a real DuckDB warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from datamodeler.cli import app
from datamodeler.graph import build_graph
from datamodeler.store import load_model

runner = CliRunner()

LOG = """
create table mart.customer_revenue as
select c.id as customer_id, c.name, sum(o.total) as revenue
from shop.customers c join shop.orders o on o.customer_id = c.id
group by c.id, c.name;
create table mart.top_customers as select name, revenue from mart.customer_revenue where revenue > 100;
select c.name from shop.customers c, shop.orders o where c.id = o.customer_id and o.total > 10;
select * from shop.orders where customer_id = 42;
selec broken statement frm nowhere;
"""


@pytest.fixture()
def warehouse(tmp_path: Path) -> tuple[Path, Path]:
    database = tmp_path / "warehouse.duckdb"
    conn = duckdb.connect(str(database))
    conn.execute("create schema shop")
    conn.execute("create table shop.customers (id integer primary key, name varchar, email varchar)")
    conn.execute("create table shop.orders (id integer primary key, customer_id integer, total decimal(10, 2))")
    conn.execute("insert into shop.customers values (1, 'Ann', 'ann@example.com'), (2, 'Bob', 'bob@example.com')")
    conn.execute("insert into shop.orders values (1, 1, 50), (2, 1, 70), (3, 2, 20)")
    conn.execute("create view shop.big_orders as select id, total from shop.orders where total > 60")
    conn.close()
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "etl.sql").write_text(LOG)
    return database, tmp_path


def _scan(database: Path, folder: Path, *extra: str):
    out = folder / "model.json"
    result = runner.invoke(app, ["scan", f"duckdb:///{database}", "--no-llm", "--query-log", str(folder / "logs"),
                                 "--out", str(out), *extra], catch_exceptions=False)
    return result, out


def test_scan_with_a_broken_statement_exits_zero_and_counts_it(warehouse: tuple[Path, Path]) -> None:
    database, folder = warehouse
    result, out = _scan(database, folder, "--json")
    assert result.exit_code == 0, result.output
    queries = json.loads(result.stdout)["queries"]
    assert {k: queries[k] for k in ("total", "distinct", "parsed", "failed")} == {"total": 5, "distinct": 5, "parsed": 4, "failed": 1}
    assert queries["failures_by_reason"] == {"parse_error": 1}
    model = load_model(out)
    assert ("shop.orders.total", "mart.customer_revenue.revenue", "derived") in {(e.source, e.target, e.kind) for e in model.lineage}
    assert ("shop.orders.total", "shop.big_orders.total", "direct") in {(e.source, e.target, e.kind) for e in model.lineage}
    [join] = [j for j in model.joins if j.left_table == "shop.customers"]
    assert (join.left_columns, join.right_table, join.right_columns, join.count) == (["id"], "shop.orders", ["customer_id"], 2)
    assert all("42" not in shape.sql for shape in model.queries.shapes)


def test_scan_summary_shows_query_counts(warehouse: tuple[Path, Path]) -> None:
    result, _ = _scan(*warehouse)
    assert result.exit_code == 0
    assert "5 total, 5 distinct, 4 parsed, 1 failed" in result.stdout


def test_lineage_tree_of_a_column_created_only_in_the_log(warehouse: tuple[Path, Path]) -> None:
    _, out = _scan(*warehouse)
    result = runner.invoke(app, ["lineage", "mart.top_customers.revenue", "--upstream", "--model", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "mart.top_customers.revenue upstream (column)",
        "└── mart.customer_revenue.revenue (direct)",
        "    └── shop.orders.total (derived)",
    ]


def test_lineage_json_downstream_with_depth(warehouse: tuple[Path, Path]) -> None:
    _, out = _scan(*warehouse)
    result = runner.invoke(app, ["lineage", "shop.orders", "--downstream", "--depth", "1", "--json", "--model", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "node": "shop.orders", "level": "table",
        "downstream": [{"name": "mart.customer_revenue", "kind": "table"}, {"name": "shop.big_orders", "kind": "table"}],
    }


def test_lineage_of_an_unknown_name_lists_close_matches_and_exits_1(warehouse: tuple[Path, Path]) -> None:
    _, out = _scan(*warehouse)
    result = runner.invoke(app, ["lineage", "shop.ordrs", "--model", str(out)])
    assert result.exit_code == 1
    assert "unknown table or column 'shop.ordrs'" in result.stderr
    assert "shop.orders" in result.stderr


def test_join_path_prefers_query_evidence_and_orients_steps(warehouse: tuple[Path, Path]) -> None:
    _, out = _scan(*warehouse)
    graph = build_graph(load_model(out), relationships=[])
    [step] = graph.join_path("shop.orders", "shop.customers")
    assert (step.left_table, step.left_columns, step.right_table, step.right_columns, step.source) == (
        "shop.orders", ("customer_id",), "shop.customers", ("id",), "query_join")
    assert graph.join_path("shop.orders", "shop.big_orders") is None
