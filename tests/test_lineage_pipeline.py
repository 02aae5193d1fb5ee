"""Fingerprints, shapes, failure accounting and the multi-round / multi-process analysis of a log."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from datamodeler.lineage.catalog import CatalogIndex
from datamodeler.lineage.fingerprint import fingerprint_of, normalize_sql
from datamodeler.lineage.pipeline import build_lineage
from datamodeler.lineage.runner import analyze_shapes
from datamodeler.lineage.shapes import ShapeCollector
from datamodeler.model import Column, Table
from datamodeler.sources.base import LoggedQuery

TABLES = [
    Table(name="shop.customers", columns=[Column(name=n, type="int") for n in ("id", "name", "email")]),
    Table(name="shop.orders", columns=[Column(name=n, type="int") for n in ("id", "customer_id", "total")]),
]


@pytest.mark.parametrize(("left", "right"), [
    ("SELECT * FROM t WHERE id = 1", "select *\n  from T where ID = 42"),
    ("select a from t where x in (1, 2, 3)", "select a from t where x in (4)"),
    ("insert into t values (1, 'a'), (2, 'b')", "insert into t values (3, 'c')"),
    ("select a from t -- note\nwhere b = 'x'", "select a from t where b = /* c */ 'yy'"),
])
def test_equivalent_statements_share_a_fingerprint(left: str, right: str) -> None:
    assert normalize_sql(left) == normalize_sql(right)


def test_different_statements_get_different_fingerprints() -> None:
    assert fingerprint_of(normalize_sql("select a from t")) != fingerprint_of(normalize_sql("select b from t"))


def test_normalised_text_keeps_quoted_names_and_ordinals_but_no_literals() -> None:
    text = normalize_sql('SELECT "Name", cast(x as decimal(10, 2)) FROM t WHERE email = \'ann@example.com\' GROUP BY 1 LIMIT 5')
    assert text == "select \"Name\", cast(x as decimal(10, 2)) from t where email = '?' group by 1 limit ?"


def _collect(statements: list[str | LoggedQuery], max_chars: int = 200_000) -> ShapeCollector:
    collector = ShapeCollector("postgres", max_chars)
    for statement in statements:
        collector.add(statement if isinstance(statement, LoggedQuery) else LoggedQuery(text=statement))
    return collector


def test_shapes_count_users_and_first_last_seen() -> None:
    collector = _collect([
        LoggedQuery(text="select name from shop.customers where id = 1", user="ann", start_time="2024-01-02T00:00:00"),
        LoggedQuery(text="select name from shop.customers where id = 2", user="bob", start_time="2024-01-01T00:00:00", count=3),
        LoggedQuery(text="select total from shop.orders", user="ann"),
        LoggedQuery(text="   "),
    ])
    assert collector.total == 5
    [shape] = [s for s in collector.shapes.values() if "customers" in s.sql]
    assert (shape.count, set(shape.users), shape.first_seen, shape.last_seen) == (4, {"ann", "bob"}, "2024-01-01T00:00:00", "2024-01-02T00:00:00")


def test_literals_never_reach_the_model() -> None:
    secret = "ann.secret@example.com"
    collector = _collect([f"select id from shop.customers where email = '{secret}'",
                          f"select id from shop.customers where email = '{secret}",  # unterminated
                          f"select frm shop.customers where email = '{secret}'"])
    evidence = build_lineage(TABLES, collector, "postgres", workers=1)
    assert secret not in evidence.queries.model_dump_json()
    assert "ann.secret" not in repr(evidence)


def test_failures_are_counted_by_reason_and_listed() -> None:
    collector = _collect(["select name from shop.customers", "selec name frm shop.customers", "select * from shop.missing",
                          "select " + " + ".join(["id"] * 500) + " from shop.customers", "select nope from shop.customers"], max_chars=1000)
    stats = build_lineage(TABLES, collector, "postgres", workers=1).queries
    assert (stats.total, stats.distinct, stats.parsed, stats.failed, stats.partial) == (5, 5, 2, 3, 1)
    assert stats.failures_by_reason == {"parse_error": 1, "too_large": 1, "unknown_column": 1}
    assert stats.unknown_tables == {"shop.missing": 1}
    assert {f.reason for f in stats.failures} == set(stats.failures_by_reason)
    assert all(f.fingerprint and f.error for f in stats.failures)


def test_a_statement_over_the_time_limit_is_counted_as_timeout() -> None:
    union = " union all ".join(f"select c{i}.id from shop.customers c{i} join shop.orders o{i} on o{i}.customer_id = c{i}.id" for i in range(300))
    stats = build_lineage(TABLES, _collect([union]), "postgres", workers=1, timeout_s=0.001).queries
    assert stats.failures_by_reason == {"timeout": 1}


def test_tables_created_in_the_log_become_lineage_nodes_and_resolve_later_statements() -> None:
    collector = _collect([
        "create table mart.b as select customer_id, spend * 2 as double_spend from mart.a",  # needs mart.a, created below
        "create table mart.a as select o.customer_id, sum(o.total) as spend from shop.orders o group by o.customer_id",
        "select c.name, a.spend from shop.customers c join mart.a a on a.customer_id = c.id",
    ])
    evidence = build_lineage(TABLES, collector, "postgres", workers=1)
    assert evidence.queries.failed == 0
    edges = {(e.source, e.target, e.kind) for e in evidence.lineage}
    assert ("shop.orders.total", "mart.a.spend", "derived") in edges
    assert ("mart.a.spend", "mart.b.double_spend", "derived") in edges
    assert ("mart.a", "mart.b", "table") in edges
    assert [(j.left_table, j.left_columns, j.right_table, j.right_columns) for j in evidence.joins] == [
        ("mart.a", ["customer_id"], "shop.customers", ["id"])]


def test_joins_and_usage_are_weighted_by_executions() -> None:
    query = LoggedQuery(text="select c.name from shop.customers c join shop.orders o on o.customer_id = c.id where o.total > 5", count=7)
    evidence = build_lineage(TABLES, _collect([query, "select 1 from shop.orders o, shop.customers c where c.id = o.customer_id"]), "postgres", workers=1)
    [join] = evidence.joins
    assert (join.left_table, join.left_columns, join.right_table, join.right_columns, join.count) == (
        "shop.customers", ["id"], "shop.orders", ["customer_id"], 8)
    usage = {u.column: u for u in evidence.usage}
    assert (usage["shop.orders.total"].filter, usage["shop.customers.name"].select, usage["shop.orders.customer_id"].join) == (7, 7, 8)


def test_view_definitions_give_lineage() -> None:
    view = Table(name="shop.big_orders", kind="view", view_sql="SELECT id, total FROM shop.orders WHERE total > 100",
                 columns=[Column(name="id", type="int"), Column(name="total", type="int")])
    evidence = build_lineage([*TABLES, view], _collect([]), "postgres", workers=1)
    assert {(e.source, e.target) for e in evidence.lineage if e.kind == "direct"} == {
        ("shop.orders.id", "shop.big_orders.id"), ("shop.orders.total", "shop.big_orders.total")}


def test_many_shapes_in_worker_processes_match_one_process() -> None:
    items = [(f"f{i}", f"select c.name, o.total + {i} from shop.customers c join shop.orders o on o.customer_id = c.id where o.id = {i}")
             for i in range(240)]
    serial = analyze_shapes(items, CatalogIndex.from_tables(TABLES), "postgres", workers=1)
    parallel = analyze_shapes(items, CatalogIndex.from_tables(TABLES), "postgres", workers=2)
    assert serial == parallel
    assert all(r.failure is None for r in parallel.values())


def test_results_stream_once_each_and_a_read_of_a_log_created_table_waits_for_it() -> None:
    from datamodeler.lineage.runner import iter_analyzed

    items = [("read", "insert into shop.orders (id) select id from staging.new_orders"),
             *[(f"s{i}", f"select id from shop.orders where id = {i}") for i in range(5)],
             ("create", "create table staging.new_orders as select id, total from shop.orders")]
    streamed = [fingerprint for fingerprint, _ in iter_analyzed(items, CatalogIndex.from_tables(TABLES), "postgres", workers=1)]
    assert sorted(streamed) == sorted(f for f, _ in items)  # every shape once
    assert streamed[-1] == "read"  # the only one held back: analysed again once the CTAS defined its table
    final = analyze_shapes(items, CatalogIndex.from_tables(TABLES), "postgres", workers=1)
    assert final["read"].unknown_tables == [] and ("staging.new_orders.id", "shop.orders.id", "direct") in final["read"].edges


CORE_MODULES = [*Path(__file__).resolve().parents[1].joinpath("datamodeler", "lineage").glob("*.py"),
                Path(__file__).resolve().parents[1] / "datamodeler" / "graph.py",
                *Path(__file__).resolve().parents[1].joinpath("datamodeler", "querylog").glob("*.py")]


@pytest.mark.parametrize("path", CORE_MODULES, ids=[p.name for p in CORE_MODULES])
def test_core_modules_import_no_ui_or_network_libraries(path: Path) -> None:
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert not imported & {"typer", "rich", "sqlalchemy", "openai"}


@pytest.mark.parametrize("shape", ["select {open}1{close} from shop.customers", "select id from shop.customers where id in {open}1{close}"])
def test_a_32kb_nested_parentheses_statement_costs_seconds_not_minutes(shape: str) -> None:
    import time

    depth = 16 * 1024
    statement = shape.format(open="(" * depth, close=")" * depth)
    started = time.monotonic()
    collector = _collect([statement])
    stats = build_lineage(TABLES, collector, "postgres", workers=1, timeout_s=5).queries
    assert time.monotonic() - started < 10
    assert stats.failed == 1 and set(stats.failures_by_reason) <= {"too_large", "timeout", "parse_error"}
