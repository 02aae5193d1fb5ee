"""The one FK-health rule (scan and check agree), identifier words, data-driven keys, subtypes, shards."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from datamodeler.check import find_contradictions
from datamodeler.discovery.keys import infer_primary_keys
from datamodeler.discovery.relationships import discover_relationships
from datamodeler.model import DataModel, SourceInfo
from datamodeler.profile import Budget, profile_tables
from datamodeler.sources import CatalogFilter, open_source


def sqlite_db(tmp_path: Path, script: str, rows: dict[str, list[tuple]]) -> str:
    path = tmp_path / "w.db"
    conn = sqlite3.connect(path)
    conn.executescript(script)
    for table, values in rows.items():
        conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in values[0])})", values)
    conn.commit()
    conn.close()
    return f"sqlite:///{path}"


def scan(url: str) -> DataModel:
    source = open_source(url)
    try:
        model = DataModel(source=SourceInfo(url=url, dialect=source.dialect, scanned_at="test"))
        model.tables = source.catalog(CatalogFilter())
        model.notes = profile_tables(source, model.tables, 100_000, Budget(30, 10))
        infer_primary_keys(source, model.tables, Budget(30, 10))
        model.relationships = discover_relationships(model, source, 100_000, Budget(30, 10))
        return model
    finally:
        source.close()


def by_label(model: DataModel) -> dict:
    return {f"{r.child_table}.{r.child_columns[0]}->{r.parent_table}": r for r in model.relationships}


ORPHANS = """
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER, total REAL);
CREATE TABLE shipments (shipment_id INTEGER PRIMARY KEY, order_id INTEGER);
"""


def test_scan_and_check_agree_on_orphans(tmp_path):
    # 36% of orders point at customers that are gone; every shipment has its order
    orders = [(i, i % 50 + 1 if i % 25 < 16 else 1000 + i % 20, 1.0) for i in range(1, 401)]
    url = sqlite_db(tmp_path, ORPHANS, {"customers": [(i, f"c{i}") for i in range(1, 51)], "orders": orders,
                                         "shipments": [(i, i) for i in range(1, 301)]})
    model = scan(url)
    rels = by_label(model)
    orphaned, healthy = rels["orders.customer_id->customers"], rels["shipments.order_id->orders"]
    assert healthy.status == "verified" and healthy.confidence >= 0.9
    assert orphaned.status == "plausible" and orphaned.confidence < 0.7
    assert orphaned.orphan_rate is not None and orphaned.orphan_rate > 0.3  # FK health reported beside the status
    contradicted = {c.subject for c in find_contradictions(model)}
    assert not [r for r in model.relationships if r.status == "verified" and r.id in contradicted]
    orphaned.status = "accepted"  # a human asserts it anyway: now check reports it
    assert {c.kind for c in find_contradictions(model) if c.subject == orphaned.id} >= {"orphans"}
