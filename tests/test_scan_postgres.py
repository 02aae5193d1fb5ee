"""End to end on a real PostgreSQL server: no declared FKs, history from pg_stat_statements, data profiled in SQL."""

from __future__ import annotations

import pytest

from datamodeler.scan import ScanOptions, run_scan

SETUP = """
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id int PRIMARY KEY, email text, country text);
CREATE TABLE shop.orders (order_id int PRIMARY KEY, cust_ref int, placed date, amount numeric(10,2));
CREATE TABLE shop.order_items (order_id int, line_no int, sku text, qty int);
INSERT INTO shop.customers SELECT g, 'user' || g || '@example.com', (ARRAY['NL','DE','FR'])[1 + mod(g, 3)] FROM generate_series(1, 500) g;
INSERT INTO shop.orders SELECT g, 1 + mod(g * 7, 500), date '2024-01-01' + mod(g, 300), mod(g, 97) * 1.5 FROM generate_series(1, 5000) g;
INSERT INTO shop.order_items SELECT 1 + mod(g, 5000), g / 5000, 'SKU-' || mod(g, 40), 1 + mod(g, 4) FROM generate_series(0, 14999) g;
ANALYZE;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
"""

WORKLOAD = [
    "SELECT c.country, sum(o.amount) FROM shop.orders o JOIN shop.customers c ON c.id = o.cust_ref GROUP BY c.country",
    "SELECT o.order_id, count(*) FROM shop.orders o JOIN shop.order_items i ON i.order_id = o.order_id WHERE o.placed > '2024-03-01' GROUP BY o.order_id",
]


@pytest.fixture()
def shop(pg_database):
    pg_database.run(SETUP + ";".join(WORKLOAD * 3))
    return pg_database.url


def test_scan_infers_relationships_from_history_and_data(shop, tmp_path):
    model, summary = run_scan(ScanOptions(url=shop, out=tmp_path / "m.json", use_llm=False))
    assert summary.queries["total"] >= 2
    rels = {(r.child_table, tuple(r.child_columns), r.parent_table, tuple(r.parent_columns)): r for r in model.relationships}
    orders_customer = rels[("shop.orders", ("cust_ref",), "shop.customers", ("id",))]
    assert orders_customer.status == "verified"
    kinds = {e.kind for e in orders_customer.evidence}
    assert {"query_join", "inclusion"} <= kinds
    assert orders_customer.orphan_rate == 0
    items_orders = rels[("shop.order_items", ("order_id",), "shop.orders", ("order_id",))]
    assert items_orders.status == "verified" and items_orders.cardinality == "N:1"
    customers = model.table("shop.customers")
    assert customers.column("email").pii == "email"
    assert customers.column("country").profile.distinct_count == 3
    assert model.table("shop.order_items").row_count == 15000


def test_profiling_samples_big_tables_with_tablesample(shop, tmp_path):
    from datamodeler.config import load_settings, with_overrides

    settings = with_overrides(load_settings(environ={}), "scan", sample_rows=1000)
    model, _ = run_scan(ScanOptions(url=shop, out=tmp_path / "m.json", use_llm=False, settings=settings))
    items = model.table("shop.order_items")
    assert items.column("sku").profile.sampled is True
    assert model.table("shop.customers").column("country").profile.sampled is False
    rel = next(r for r in model.relationships if r.child_table == "shop.order_items" and r.parent_table == "shop.orders")
    assert rel.status == "verified"


PARTITIONED = """
CREATE SCHEMA sales;
CREATE TABLE sales.customers (customer_id int PRIMARY KEY, name text);
CREATE TABLE sales.payments (payment_id int, customer_id int, paid_on date, amount numeric(10,2)) PARTITION BY RANGE (paid_on);
CREATE TABLE sales.payments_p2024_01 PARTITION OF sales.payments FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
CREATE TABLE sales.payments_p2024_02 PARTITION OF sales.payments FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
CREATE TABLE sales.payments_p2024_03 PARTITION OF sales.payments FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');
INSERT INTO sales.customers SELECT g, 'c' || g FROM generate_series(1, 200) g;
INSERT INTO sales.payments SELECT g, 1 + mod(g * 7, 200), date '2024-01-01' + mod(g, 90), mod(g, 50) * 2.5 FROM generate_series(1, 3000) g;
ANALYZE;
"""


def test_a_partitioned_table_is_one_logical_table_with_its_relationships_stated_once(pg_database, tmp_path):
    pg_database.run(PARTITIONED)
    model, _ = run_scan(ScanOptions(url=pg_database.url, out=tmp_path / "m.json", use_llm=False))
    parts = ["sales.payments_p2024_01", "sales.payments_p2024_02", "sales.payments_p2024_03"]
    assert model.table("sales.payments").partitions == parts
    assert {model.table(p).part_of for p in parts} == {"sales.payments"}
    live = [r for r in model.relationships if r.status != "rejected"]
    assert not [r for r in model.relationships if r.child_table in parts or r.parent_table in parts]  # no link between parts
    assert [(r.child_table, r.parent_table, r.status) for r in live] == [("sales.payments", "sales.customers", "verified")]
    entity_tables = {t for e in model.entities for t in e.tables}
    assert "sales.payments" in entity_tables and not entity_tables & set(parts)
