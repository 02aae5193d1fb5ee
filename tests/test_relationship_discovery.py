"""Profiling, key inference and relationship discovery on real SQLite/DuckDB databases built in tmp dirs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb

from datamodeler.discovery.keys import infer_primary_keys
from datamodeler.discovery.relationships import discover_relationships
from datamodeler.model import DataModel, JoinStat, SourceInfo
from datamodeler.pii import classify_column
from datamodeler.profile import Budget, build_profile_query, profile_tables
from datamodeler.sources import CatalogFilter, open_source

REPO = Path(__file__).resolve().parents[1]


def sqlite_db(tmp_path: Path, script: str) -> str:
    path = tmp_path / "w.db"
    conn = sqlite3.connect(path)
    conn.executescript(script)
    conn.commit()
    conn.close()
    return f"sqlite:///{path}"


def scan(url: str, joins: list[JoinStat] | None = None, sample_rows: int = 100_000) -> DataModel:
    source = open_source(url)
    try:
        model = DataModel(source=SourceInfo(url=url, dialect=source.dialect, scanned_at="test"))
        model.tables = source.catalog(CatalogFilter())
        model.joins = joins or []
        model.notes = profile_tables(source, model.tables, sample_rows, Budget(30, 10))
        infer_primary_keys(source, model.tables, Budget(30, 10))
        model.relationships = discover_relationships(model, source, sample_rows, Budget(30, 10))
        return model
    finally:
        source.close()


def asserted(model: DataModel) -> set[str]:
    return {r.label for r in model.relationships if r.status in ("declared", "verified", "accepted")}


SHOP = """
CREATE TABLE customers (c_custkey INTEGER, c_name TEXT, c_email TEXT);
CREATE TABLE orders (o_orderkey INTEGER, o_custkey INTEGER, o_total REAL, o_date TEXT, opened_by INTEGER);
CREATE TABLE employees (id INTEGER, manager_id INTEGER, name TEXT);
CREATE TABLE order_lines (orderkey INTEGER, line_no INTEGER, qty INTEGER);
"""


def shop_rows(conn) -> None:
    conn.executemany("INSERT INTO customers VALUES (?, ?, ?)", [(i, f"n{i}", f"u{i}@x.org") for i in range(1, 51)])
    conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", [(i, 1 + i % 50, i * 1.5, "2024-01-01", 1 + i % 5) for i in range(1, 301)])
    conn.executemany("INSERT INTO employees VALUES (?, ?, ?)", [(i, None if i == 1 else 1 + i % 3, f"e{i}") for i in range(1, 11)])
    conn.executemany("INSERT INTO order_lines VALUES (?, ?, ?)", [(1 + i // 3, i % 3, 1) for i in range(900)])


def test_prefix_stripping_self_reference_and_composite_key(tmp_path):
    url = sqlite_db(tmp_path, SHOP)
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    shop_rows(conn)
    conn.commit()
    conn.close()
    model = scan(url)
    assert model.table("customers").primary_key == ["c_custkey"]
    assert model.table("customers").primary_key_source == "inferred"
    assert model.table("order_lines").primary_key == ["orderkey", "line_no"]
    found = asserted(model)
    assert "orders.o_custkey → customers.c_custkey" in found
    assert "employees.manager_id → employees.id" in found
    rel = next(r for r in model.relationships if r.label == "orders.o_custkey → customers.c_custkey")
    assert rel.cardinality == "N:1" and rel.orphan_rate == 0 and rel.null_rate == 0
    assert any(e.kind == "inclusion" and e.ratio == 1.0 and e.sql for e in rel.evidence)


def test_query_join_resolves_role_and_reads_well(tmp_path):
    url = sqlite_db(tmp_path, SHOP)
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    shop_rows(conn)
    conn.commit()
    conn.close()
    joins = [JoinStat(left_table="orders", left_columns=["opened_by"], right_table="employees", right_columns=["id"], count=41)]
    model = scan(url, joins)
    rel = next(r for r in model.relationships if r.label == "orders.opened_by → employees.id")
    assert rel.status == "verified" and "query_join" in rel.sources
    assert "joins 41" in rel.evidence_summary and "inclusion 100%" in rel.evidence_summary


def test_profile_is_one_statement_per_table_and_sampled():
    from datamodeler.model import Column, Table

    table = Table(name="main.events", row_count=5_000_000, columns=[Column(name="id", type="BIGINT"), Column(name="kind", type="VARCHAR")])
    query, sampled = build_profile_query(table, table.columns, "duckdb", 1000)
    sql = query.sql(dialect="duckdb")
    assert sampled and "TABLESAMPLE RESERVOIR (1000 ROWS)" in sql and sql.count("SELECT") == 1
    pg, _ = build_profile_query(table, table.columns, "postgres", 1000)
    assert "TABLESAMPLE SYSTEM" in pg.sql(dialect="postgres")
    lite, _ = build_profile_query(table, table.columns, "sqlite", 1000)
    assert "LIMIT 1000" in lite.sql(dialect="sqlite")


def test_pii_classifier():
    assert classify_column("email", "TEXT") == "email"
    assert classify_column("HomePhone", "TEXT") == "phone"
    assert classify_column("contact", "TEXT", ["a@b.com", "c@d.org"]) == "email"
    assert classify_column("HireDate", "DATE", ["1992-05-01"]) is None
    assert classify_column("amount", "REAL", ["1.5"]) is None


# -- hard inputs ---------------------------------------------------------------------------------


def test_empty_tables_and_all_null_columns(tmp_path):
    url = sqlite_db(tmp_path, """
        CREATE TABLE teams (team_id INTEGER, name TEXT);
        CREATE TABLE players (player_id INTEGER, team_id INTEGER, coach_id INTEGER);
        INSERT INTO teams VALUES (1, 'a'), (2, 'b');
        INSERT INTO players VALUES (1, NULL, NULL), (2, NULL, NULL);
        CREATE TABLE empty_things (thing_id INTEGER, team_id INTEGER, label TEXT, note TEXT);
    """)
    model = scan(url)
    assert model.table("empty_things").primary_key == ["thing_id"]
    rel = next(r for r in model.relationships if r.label == "players.team_id → teams.team_id")
    assert rel.null_rate == 1.0 and rel.status in ("verified", "plausible")


def test_tables_without_any_key(tmp_path):
    url = sqlite_db(tmp_path, """
        CREATE TABLE log (message TEXT, level TEXT);
        INSERT INTO log VALUES ('a', 'x'), ('a', 'x');
    """)
    model = scan(url)
    assert model.table("log").primary_key == [] and model.relationships == []


def test_thousand_column_table(tmp_path):
    columns = ", ".join(f"c{i} INTEGER" for i in range(1000))
    url = sqlite_db(tmp_path, f"CREATE TABLE wide (id INTEGER, {columns}); INSERT INTO wide (id, c0) VALUES (1, 2), (2, 3);")
    model = scan(url)
    wide = model.table("wide")
    assert all(c.profile is not None for c in wide.columns) and wide.primary_key == ["id"]
    assert not model.notes


def test_mixed_id_types(tmp_path):
    url = sqlite_db(tmp_path, """
        CREATE TABLE accounts (account_id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE payments (payment_id INTEGER PRIMARY KEY, account_id TEXT);
        INSERT INTO accounts VALUES (1, 'a'), (2, 'b'), (3, 'c');
        INSERT INTO payments VALUES (1, '1'), (2, '2'), (3, '2');
    """)
    model = scan(url)
    rel = next(r for r in model.relationships if r.label == "payments.account_id → accounts.account_id")
    assert any(e.kind == "types" and e.detail == "castable" for e in rel.evidence)
    assert any(e.kind == "inclusion" and e.ratio == 1.0 for e in rel.evidence)


def test_quoted_case_sensitive_names(tmp_path):
    url = sqlite_db(tmp_path, """
        CREATE TABLE "Order Details" ("OrderID" INTEGER, "ProductID" INTEGER, "Qty" INTEGER);
        CREATE TABLE "Orders" ("OrderID" INTEGER PRIMARY KEY, "When" TEXT);
        INSERT INTO "Orders" VALUES (1, 'x'), (2, 'y');
        INSERT INTO "Order Details" VALUES (1, 1, 1), (1, 2, 1), (2, 1, 3);
    """)
    model = scan(url)
    assert "Order Details.OrderID → Orders.OrderID" in asserted(model)


def test_parent_with_duplicate_keys_is_not_verified(tmp_path):
    url = sqlite_db(tmp_path, """
        CREATE TABLE products (product_id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE lines (line_id INTEGER PRIMARY KEY, product_id INTEGER);
    """)
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    conn.executemany("INSERT INTO products VALUES (?, ?)", [(i, "p") for i in range(1, 6)])
    conn.executemany("INSERT INTO lines VALUES (?, ?)", [(i, 1 + i % 5) for i in range(20)])
    conn.commit()
    conn.close()
    model = scan(url)
    assert "lines.product_id → products.product_id" in asserted(model)
    # the same shape where the parent holds duplicates: inferred keys refuse it, the link is at most plausible
    url2 = sqlite_db(tmp_path / "dup" if (tmp_path / "dup").mkdir() is None else tmp_path, """
        CREATE TABLE products (product_id INTEGER, name TEXT);
        CREATE TABLE lines (line_id INTEGER, product_id INTEGER);
        INSERT INTO products VALUES (1, 'a'), (1, 'b'), (2, 'c');
        INSERT INTO lines VALUES (1, 1), (2, 2), (3, 2);
    """)
    model = scan(url2)
    assert model.table("products").primary_key == []
    assert "lines.product_id → products.product_id" not in asserted(model)


def test_duckdb_sampling_and_inclusion(tmp_path):
    path = tmp_path / "w.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute("CREATE TABLE members (member_id INTEGER, country TEXT)")
    conn.execute("INSERT INTO members SELECT i, 'x' FROM range(1, 1001) t(i)")
    conn.execute('CREATE TABLE impressions ("memberId" INTEGER, ts TIMESTAMP)')
    conn.execute("INSERT INTO impressions SELECT 1 + i % 1000, TIMESTAMP '2024-01-01' FROM range(200000) t(i)")
    conn.close()
    model = scan(f"duckdb:///{path}", sample_rows=20_000)
    assert model.table("main.impressions").column("memberId").profile.sampled
    rel = next(r for r in model.relationships if r.label == "main.impressions.memberId → main.members.member_id")
    assert rel.status == "verified"


def test_a_composite_key_is_found_through_column_prefixes(tmp_path):
    """Tables whose columns carry a table prefix (``se_`` in section, ``ta_`` in takes) still hold a composite
    reference: names are compared without each table's prefix."""
    url = sqlite_db(tmp_path, """
        CREATE TABLE section (se_course_id INTEGER, se_sec_id INTEGER, se_room TEXT, PRIMARY KEY (se_course_id, se_sec_id));
        CREATE TABLE takes (ta_student INTEGER, ta_course_id INTEGER, ta_sec_id INTEGER, ta_grade TEXT,
                            PRIMARY KEY (ta_student, ta_course_id, ta_sec_id));
    """)
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    conn.executemany("INSERT INTO section VALUES (?, ?, ?)", [(c, s, f"r{c}{s}") for c in range(1, 11) for s in range(1, 4)])
    conn.executemany("INSERT INTO takes VALUES (?, ?, ?, ?)", [(st, 1 + st % 10, 1 + st % 3, "A") for st in range(1, 200)])
    conn.commit()
    conn.close()
    found = asserted(scan(url))
    assert "takes.ta_course_id,ta_sec_id → section.se_course_id,se_sec_id" in found, found


def test_inclusion_sql_from_a_template_is_the_statement_sqlglot_builds():
    """Inclusion statements are built once per form and get each candidate's quoted names: the SQL is exactly the
    tree's, odd names included (quotes, backticks, spaces, a column named like a placeholder)."""
    from datamodeler.discovery.verifiers.inclusion import (
        build_inclusion_query,
        build_shared_inclusion_query,
        inclusion_sql,
        shared_inclusion_sql,
    )
    from datamodeler.model import Column, Relationship, Table

    child = Table(name='we"ird.tab le', columns=[Column(name="__datamodeler_p0__", type="INTEGER"), Column(name="a`b", type="TEXT")])
    parent = Table(name="crm.people", columns=[Column(name="id", type="INTEGER"), Column(name='x"y', type="INTEGER")])
    pair = Relationship(child_table=child.name, child_columns=["__datamodeler_p0__", "a`b"], parent_table=parent.name, parent_columns=["id", 'x"y'])
    one = Relationship(child_table=child.name, child_columns=["a`b"], parent_table=parent.name, parent_columns=['x"y'])
    for dialect in ("sqlite", "duckdb", "postgres", "bigquery", "snowflake", "mysql"):
        for rows in (None, 40, 5_000_000):
            sized = child.model_copy(update={"row_count": rows})
            for rel in (pair, one):
                assert inclusion_sql(rel, sized, parent, dialect, 100_000) == build_inclusion_query(rel, sized, parent, dialect, 100_000).sql(dialect=dialect)
            parents = [(parent, 'x"y'), (child, "__datamodeler_key0__")]
            assert shared_inclusion_sql(sized, "a`b", parents, dialect, 100_000, True) == build_shared_inclusion_query(
                sized, "a`b", parents, dialect, 100_000, True).sql(dialect=dialect)


def test_one_statement_for_a_column_and_its_parents_measures_what_one_each_would(tmp_path):
    """A role-named column meets several fitting parents: they are measured in one statement (a left join to each
    parent's distinct keys), with the same inclusion, orphan and null figures as a statement each."""
    from datamodeler.discovery.verifiers import VerifyContext
    from datamodeler.discovery.verifiers.inclusion import check_inclusion, check_inclusions
    from datamodeler.model import Relationship

    for kind in ("sqlite", "duckdb"):
        path = tmp_path / f"w.{kind}"
        conn = sqlite3.connect(path) if kind == "sqlite" else duckdb.connect(str(path))
        for statement in ("create table a (id integer)", "create table b (id integer)", "create table t (ref integer)"):
            conn.execute(statement)
        conn.executemany("insert into a values (?)", [(i,) for i in range(1, 51)])
        conn.executemany("insert into b values (?)", [(i,) for i in range(1, 31)])
        conn.executemany("insert into t values (?)", [(None if i % 7 == 0 else 1 + i % 45,) for i in range(120)])
        conn.commit()
        conn.close()
        source = open_source(f"{kind}:///{path}")
        model = DataModel(source=SourceInfo(url="x", dialect=source.dialect, scanned_at="t"), tables=source.catalog(CatalogFilter()))
        context = VerifyContext(model=model, source=source, sample_rows=100_000, budget=Budget(30, 10))
        name = {t.short_name: t.name for t in model.tables}

        alone, together = ([Relationship(child_table=name["t"], child_columns=["ref"], parent_table=name[p], parent_columns=["id"])
                            for p in ("a", "b")] for _ in range(2))
        for rel in alone:
            check_inclusion(rel, context)
        check_inclusions(together, context)
        figures = [[(e.kind, e.ratio, e.count, r.orphan_rate, r.null_rate) for e in r.evidence] for r in together]
        assert figures == [[(e.kind, e.ratio, e.count, r.orphan_rate, r.null_rate) for e in r.evidence] for r in alone]
        assert figures[0][0][1] == 1.0 and figures[1][0][1] < 1.0  # a holds every value, b two thirds
        assert together[0].evidence[0].sql == together[1].evidence[0].sql and "p1.k0" in together[0].evidence[0].sql
        source.close()
