"""The catalog crawler against a real PostgreSQL server."""

from __future__ import annotations

import pytest

from datamodeler.errors import QueryError, SourceError
from datamodeler.sources import CatalogFilter, open_source

DDL = """
CREATE SCHEMA sales;
CREATE TABLE sales.customers (id serial PRIMARY KEY, email text UNIQUE NOT NULL, name text);
COMMENT ON TABLE sales.customers IS 'People who buy';
COMMENT ON COLUMN sales.customers.email IS 'Contact address';
CREATE TABLE sales.orders (order_no int PRIMARY KEY, customer_id int REFERENCES sales.customers(id), total numeric(10,2) DEFAULT 0);
CREATE TABLE sales.lines (order_no int, line_no int, qty int, PRIMARY KEY (order_no, line_no),
                          FOREIGN KEY (order_no) REFERENCES sales.orders(order_no));
CREATE VIEW sales.big_orders AS SELECT * FROM sales.orders WHERE total > 100;
CREATE TABLE public.tmp_scratch (x int);
INSERT INTO sales.customers (email, name) VALUES ('a@example.com', 'A'), ('b@example.com', 'B');
INSERT INTO sales.orders VALUES (1, 1, 10), (2, 1, 200), (3, 2, 5);
"""


@pytest.fixture()
def shop(pg_database):
    pg_database.run(DDL)
    return pg_database.url


def test_crawls_tables_views_keys_comments_and_counts(shop):
    source = open_source(shop)
    tables = {t.name: t for t in source.catalog(CatalogFilter())}
    assert {"sales.customers", "sales.orders", "sales.lines", "sales.big_orders", "public.tmp_scratch"} <= set(tables)
    customers, orders, lines = tables["sales.customers"], tables["sales.orders"], tables["sales.lines"]
    assert customers.primary_key == ["id"] and customers.primary_key_source == "declared"
    assert ["email"] in customers.unique_keys
    assert customers.comment == "People who buy"
    assert customers.column("email").comment == "Contact address"
    assert customers.column("email").nullable is False
    assert customers.row_count == 2
    assert orders.foreign_keys[0].parent_table == "sales.customers"
    assert orders.foreign_keys[0].columns == ["customer_id"]
    assert lines.primary_key == ["order_no", "line_no"]
    assert tables["sales.big_orders"].kind == "view"
    assert "FROM sales.orders" in tables["sales.big_orders"].view_sql
    assert orders.column("total").type.startswith("NUMERIC")


def test_schema_and_glob_filters(shop):
    source = open_source(shop)
    only_sales = {t.name for t in source.catalog(CatalogFilter(schemas=["sales"]))}
    assert only_sales == {"sales.customers", "sales.orders", "sales.lines", "sales.big_orders"}
    no_tmp = {t.name for t in source.catalog(CatalogFilter(exclude=["tmp_*", "*.big_*"]))}
    assert "public.tmp_scratch" not in no_tmp and "sales.big_orders" not in no_tmp and "sales.orders" in no_tmp
    included = {t.name for t in source.catalog(CatalogFilter(include=["sales.o*"]))}
    assert included == {"sales.orders"}


def test_sessions_are_read_only(shop):
    source = open_source(shop)
    with pytest.raises(QueryError, match="read-only"):
        source.execute("INSERT INTO sales.customers (email) VALUES ('x@example.com')")
    assert source.execute("SELECT count(*) FROM sales.customers").rows == [(2,)]


def test_statement_timeout_stops_long_queries(shop):
    source = open_source(shop)
    with pytest.raises(QueryError, match="statement timeout"):
        source.execute("SELECT pg_sleep(5)", timeout_s=0.2)


def test_password_is_removed_from_the_source_url(pg_server):
    source = open_source(pg_server.replace("postgres@", "postgres:s3cret@") + "/postgres")
    assert "s3cret" not in source.url


def test_unreachable_server_is_a_clear_error():
    with pytest.raises(SourceError, match="cannot connect"):
        open_source("postgresql+psycopg://nobody@127.0.0.1:1/nowhere").catalog(CatalogFilter())


def test_reads_pg_stat_statements_history(shop, pg_database):
    joined = "SELECT o.order_no FROM sales.orders o JOIN sales.customers c ON c.id = o.customer_id"
    pg_database.run("CREATE EXTENSION IF NOT EXISTS pg_stat_statements;" + f"{joined};" * 3)
    history = list(open_source(shop).queries())
    joined = [q for q in history if "sales.customers c ON c.id = o.customer_id" in q.text]
    assert joined and joined[0].count >= 3 and joined[0].user == "postgres"


def test_percent_signs_in_sql_are_not_placeholders(shop):
    rows = open_source(shop).execute("SELECT count(*) FROM sales.customers WHERE email LIKE '%@example.com' AND 7 % 2 = 1").rows
    assert rows == [(2,)]
