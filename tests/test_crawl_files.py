"""The catalog crawler on real SQLite and DuckDB files, and on the shared sample databases."""

from __future__ import annotations

import json
import sqlite3

import duckdb
import pytest

from datamodeler.errors import QueryError, SourceError
from datamodeler.sources import CatalogFilter, open_source


@pytest.fixture()
def sqlite_shop(tmp_path):
    path = tmp_path / "shop.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, "Full Name" TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), placed DATE DEFAULT CURRENT_DATE);
        CREATE TABLE order_lines (order_id INTEGER, line_no INTEGER, sku TEXT, PRIMARY KEY (order_id, line_no),
                                  FOREIGN KEY (order_id) REFERENCES orders(id));
        CREATE VIEW recent AS SELECT * FROM orders WHERE placed > '2024-01-01';
        INSERT INTO customers VALUES (1, 'a@example.com', 'Ann'), (2, 'b@example.com', 'Bob');
        INSERT INTO orders VALUES (1, 1, '2024-02-01'), (2, 2, '2023-01-01'), (3, 1, '2024-03-01');
        """
    )
    conn.commit()
    conn.close()
    return path


@pytest.fixture()
def duckdb_shop(tmp_path):
    path = tmp_path / "shop.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute(
        """
        CREATE SCHEMA crm; CREATE SCHEMA sales;
        CREATE TABLE crm.notes (note_id INTEGER, body VARCHAR);
        CREATE TABLE sales.members (member_id INTEGER PRIMARY KEY, email VARCHAR UNIQUE NOT NULL);
        COMMENT ON TABLE sales.members IS 'Paying members';
        COMMENT ON COLUMN sales.members.email IS 'Login e-mail';
        CREATE TABLE sales.orders (order_no INTEGER PRIMARY KEY, member_id INTEGER REFERENCES members(member_id), amount DECIMAL(10,2));
        CREATE TABLE sales.lines (order_no INTEGER, line_no INTEGER, PRIMARY KEY (order_no, line_no));
        CREATE VIEW sales.big AS SELECT * FROM sales.orders WHERE amount > 10;
        INSERT INTO sales.members VALUES (1, 'a@example.com'), (2, 'b@example.com');
        INSERT INTO sales.orders VALUES (10, 1, 5), (11, 2, 50);
        """
    )
    conn.close()
    return path


def test_sqlite_catalog(sqlite_shop):
    tables = {t.name: t for t in open_source(f"sqlite:///{sqlite_shop}").catalog(CatalogFilter())}
    assert set(tables) == {"customers", "orders", "order_lines", "recent"}
    assert tables["customers"].primary_key == ["id"]
    assert ["email"] in tables["customers"].unique_keys
    assert tables["customers"].column("Full Name") is not None
    assert tables["orders"].foreign_keys[0].parent_table == "customers"
    assert tables["orders"].column("placed").default is not None
    assert tables["order_lines"].primary_key == ["order_id", "line_no"]
    assert tables["recent"].kind == "view" and "placed" in tables["recent"].view_sql
    assert tables["orders"].row_count == 3


def test_sqlite_is_opened_read_only(sqlite_shop):
    source = open_source(f"sqlite:///{sqlite_shop}")
    with pytest.raises(QueryError, match="readonly"):
        source.execute("DELETE FROM customers")
    assert source.execute("SELECT count(*) FROM customers").rows == [(2,)]


def test_sqlite_statement_timeout(sqlite_shop):
    source = open_source(f"sqlite:///{sqlite_shop}")
    slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
    with pytest.raises(QueryError, match="interrupted"):
        source.execute(slow, timeout_s=0.2)


def test_duckdb_catalog_reads_constraints(duckdb_shop):
    """duckdb-engine's inspector cannot reflect constraints on SQLAlchemy 2.1; our catalog reader can."""
    tables = {t.name: t for t in open_source(f"duckdb:///{duckdb_shop}").catalog(CatalogFilter())}
    assert set(tables) == {"crm.notes", "sales.members", "sales.orders", "sales.lines", "sales.big"}
    members, orders = tables["sales.members"], tables["sales.orders"]
    assert members.primary_key == ["member_id"] and members.primary_key_source == "declared"
    assert ["email"] in members.unique_keys
    assert members.comment == "Paying members" and members.column("email").comment == "Login e-mail"
    assert members.column("email").nullable is False
    fk = orders.foreign_keys[0]
    assert (fk.columns, fk.parent_table, fk.parent_columns) == (["member_id"], "sales.members", ["member_id"])
    assert tables["sales.lines"].primary_key == ["order_no", "line_no"]
    assert tables["sales.big"].kind == "view" and "amount" in tables["sales.big"].view_sql
    assert orders.row_count == 2
    assert orders.column("amount").type == "DECIMAL(10,2)"


def test_duckdb_is_opened_read_only(duckdb_shop):
    source = open_source(f"duckdb:///{duckdb_shop}")
    with pytest.raises(QueryError, match="read-only"):
        source.execute("DELETE FROM sales.members")


def test_duckdb_filters(duckdb_shop):
    source = open_source(f"duckdb:///{duckdb_shop}")
    assert {t.name for t in source.catalog(CatalogFilter(schemas=["crm"]))} == {"crm.notes"}
    assert {t.name for t in source.catalog(CatalogFilter(exclude=["big", "l*", "crm.*"]))} == {"sales.members", "sales.orders"}


@pytest.mark.parametrize(
    "url, message",
    [
        ("sqlite:///does/not/exist.db", "no SQLite database"),
        ("duckdb:///does/not/exist.duckdb", "no DuckDB database"),
        ("nosuchdb://x/y", "no SQLAlchemy driver"),
        ("not a url", "is not a database URL"),
    ],
)
def test_bad_urls_are_clear_errors(url, message):
    with pytest.raises(SourceError, match=message):
        open_source(url).catalog(CatalogFilter())


@pytest.mark.parametrize("name, database", [("chinook", "Chinook_Sqlite.sqlite"), ("northwind", "northwind.db"), ("sakila", "sakila.db")])
def test_declared_keys_of_sample_databases_are_reproduced_exactly(datasets, name, database):
    truth = json.loads((datasets / name / "declared_fks.json").read_text())
    tables = {t.name: t for t in open_source(f"sqlite:///{datasets / name / database}").catalog(CatalogFilter()) if t.kind == "table"}
    assert set(truth["tables"]) == set(tables)
    for table_name, facts in truth["tables"].items():
        table = tables[table_name]
        assert table.primary_key == facts["primary_key"], table_name
        assert table.row_count == facts["row_count"], table_name
        assert [c.name for c in table.columns] == facts["columns"], table_name
    declared = {(fk["table"], tuple(fk["columns"]), fk["ref_table"], tuple(fk["ref_columns"])) for fk in truth["foreign_keys"]}
    crawled = {(t.name, tuple(fk.columns), fk.parent_table, tuple(fk.parent_columns)) for t in tables.values() for fk in t.foreign_keys}
    assert crawled == declared


def test_duckdb_memory_is_capped_from_settings(duckdb_shop):
    from datamodeler.config import ScanSettings
    from datamodeler.errors import ConfigError

    source = open_source(f"duckdb:///{duckdb_shop}", ScanSettings(duckdb_memory_limit="256MB"))
    assert source.execute("SELECT current_setting('memory_limit')").rows[0][0] in ("244.1 MiB", "256.0 MiB", "256MB")
    with pytest.raises(ConfigError, match="not a memory size"):
        open_source(f"duckdb:///{duckdb_shop}", ScanSettings(duckdb_memory_limit="1GB'; DROP"))


def test_a_released_duckdb_source_opens_again_when_used_with_its_settings(duckdb_shop):
    """The scan releases the DuckDB file while it reads logs (the engine holds the catalog in memory); profiling
    later opens it again, still read-only and capped."""
    from datamodeler.config import ScanSettings

    source = open_source(f"duckdb:///{duckdb_shop}", ScanSettings(duckdb_memory_limit="256MB"))
    schemas = source.default_schemas()
    source.release()
    assert source.default_schemas() == schemas  # remembered: no reopening for it
    assert source.execute("SELECT current_setting('memory_limit')").rows[0][0] in ("244.1 MiB", "256.0 MiB", "256MB")
    with pytest.raises(Exception, match="read-only|read only"):
        source.execute("CREATE TABLE written (x INTEGER)")
    source.close()


def test_duckdb_cache_is_trimmed_while_each_statement_keeps_the_full_limit(tmp_path):
    """Profiling reads every table once; DuckDB kept each read block cached up to its whole memory limit (1 GB on
    top of its catalog at 100,000 tables). The source drops the cache every few statements and puts the limit back."""
    import duckdb

    from datamodeler.config import ScanSettings
    from datamodeler.sources.duckdb import CACHE_TRIM_EVERY

    path = tmp_path / "wide.duckdb"
    with duckdb.connect(str(path)) as conn:  # ~100 MB of doubles that do not compress
        conn.execute("CREATE TABLE readings AS SELECT random() AS a, random() AS b, random() AS c FROM range(4000000)")
    source = open_source(f"duckdb:///{path}", ScanSettings(duckdb_memory_limit="512MB"))

    def cached_mib() -> float:
        row = source.conn.execute("SELECT memory_usage_bytes FROM duckdb_memory() WHERE tag = 'BASE_TABLE'").fetchone()
        return row[0] / 2**20

    source.execute("SELECT SUM(a + b + c) FROM readings")
    assert cached_mib() > 80  # the whole table is cached after one read
    for _ in range(CACHE_TRIM_EVERY - 1):
        source.execute("SELECT SUM(a + b + c) FROM readings")
    assert cached_mib() <= 64
    assert source.execute("SELECT current_setting('memory_limit')").rows[0][0] in ("488.2 MiB", "512.0 MiB", "512MB")
    source.close()
