"""Join evidence from every FROM shape, checked on view definitions as a real PostgreSQL prints them."""

from __future__ import annotations

import pytest

from datamodeler.lineage.catalog import CatalogIndex
from datamodeler.lineage.extract import StatementAnalyzer
from datamodeler.lineage.fingerprint import normalize_sql
from datamodeler.model import Column, Table

DDL = """
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id int PRIMARY KEY, name text, code varchar(10));
CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int, total numeric);
CREATE TABLE shop.items (order_id int, line_no int, product_code text, qty int);
CREATE TABLE shop.products (code text PRIMARY KEY, label text);
CREATE TABLE shop.returns (order_id int, line_no int, reason text)
"""

# view -> the joins written in it, as (left table, left columns, right table, right columns) in canonical order
VIEWS = {
    "nested_tree": ("SELECT c.name, o.total, i.qty FROM shop.customers c JOIN (shop.orders o JOIN shop.items i "
                    "ON i.order_id = o.id) ON o.customer_id = c.id",
                    {("shop.customers", ("id",), "shop.orders", ("customer_id",)),
                     ("shop.items", ("order_id",), "shop.orders", ("id",))}),
    "cast_keys": ("SELECT i.qty, p.label FROM shop.items i JOIN shop.products p ON i.product_code::varchar = p.code::varchar "
                  "JOIN shop.customers c ON c.code::text = p.code",
                  {("shop.items", ("product_code",), "shop.products", ("code",)),
                   ("shop.customers", ("code",), "shop.products", ("code",))}),
    "using_natural": ("SELECT o.total, r.reason FROM shop.items i JOIN shop.returns r USING (order_id, line_no) "
                      "JOIN shop.orders o ON o.id = i.order_id",
                      {("shop.items", ("line_no", "order_id"), "shop.returns", ("line_no", "order_id")),
                       ("shop.items", ("order_id",), "shop.orders", ("id",))}),
    "in_subquery_and_cte": ("WITH big AS (SELECT o.id, o.customer_id FROM shop.orders o JOIN shop.items i ON i.order_id = o.id "
                            "WHERE i.qty > 10) SELECT c.name FROM shop.customers c WHERE c.id IN "
                            "(SELECT b.customer_id FROM big b JOIN shop.orders o2 ON o2.id = b.id)",
                            {("shop.items", ("order_id",), "shop.orders", ("id",)),
                             ("shop.orders", ("id",), "shop.orders", ("id",))}),
    "collated": ('SELECT p.label FROM shop.products p JOIN shop.items i ON (p.code COLLATE "C") = (i.product_code COLLATE "C")',
                 {("shop.items", ("product_code",), "shop.products", ("code",))}),
}
CATALOG = {"shop.customers": ["id", "name", "code"], "shop.orders": ["id", "customer_id", "total"],
           "shop.items": ["order_id", "line_no", "product_code", "qty"], "shop.products": ["code", "label"],
           "shop.returns": ["order_id", "line_no", "reason"]}


def _analyzer() -> StatementAnalyzer:
    tables = [Table(name=n, columns=[Column(name=c, type="text") for c in cols]) for n, cols in CATALOG.items()]
    return StatementAnalyzer(CatalogIndex.from_tables(tables, "postgres"), "postgres")


@pytest.fixture()
def view_definitions(pg_database) -> dict[str, str]:
    pg_database.run(DDL + ";" + ";".join(f"CREATE VIEW shop.{name} AS {sql}" for name, (sql, _) in VIEWS.items()))
    with pg_database.engine.connect() as conn:
        return {name: conn.exec_driver_sql(f"SELECT pg_get_viewdef('shop.{name}'::regclass, true)").scalar() for name in VIEWS}


def test_joins_recorded_from_pg_get_viewdef_equal_the_joins_written(view_definitions: dict[str, str]) -> None:
    analyzer = _analyzer()
    for name, text in view_definitions.items():
        result = analyzer.analyze(normalize_sql(text, "postgres"), default_target=f"shop.{name}")
        assert result.failure is None, (name, result.failure, text)
        assert set(result.joins) == VIEWS[name][1], (name, text)


def test_cast_keys_are_recorded_on_the_columns_and_marked() -> None:
    result = _analyzer().analyze("select 1 from shop.items i join shop.products p on ((i.product_code)::text = (p.code)::text)")
    assert result.joins == result.cast_joins == [("shop.items", ("product_code",), "shop.products", ("code",))]


def test_parenthesised_join_tree_as_postgres_prints_it() -> None:
    sql = ("SELECT c.name FROM ((shop.customers c JOIN shop.orders o ON ((o.customer_id = c.id))) "
           "JOIN shop.items i ON ((i.order_id = o.id)))")
    assert set(_analyzer().analyze(sql).joins) == {("shop.customers", ("id",), "shop.orders", ("customer_id",)),
                                                    ("shop.items", ("order_id",), "shop.orders", ("id",))}
