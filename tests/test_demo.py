"""Tests for the bundled streaming demo warehouse (real DuckDB, real generation)."""

from __future__ import annotations

import collections
import json
import shutil
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from datamodeler import demo

TRUTH = json.loads((demo.examples_dir() / demo.TRUTH_FILE_NAME).read_text(encoding="utf-8"))
RELATIONSHIPS = TRUTH["relationships"]


def relationship_id(rel: dict) -> str:
    """Readable pytest id for a relationship."""
    child = ",".join(rel["child_columns"])
    parent = ",".join(rel["parent_columns"])
    return f"{rel['child_table']}({child})->{rel['parent_table']}({parent})"


def quoted(name: str) -> str:
    """Quote an identifier (camelCase columns need it)."""
    return '"' + name.replace('"', '""') + '"'


def read_statements(paths: list[Path]) -> list[str]:
    """All statements of the JSON Lines and ';'-separated SQL logs."""
    statements = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            statements += [json.loads(line)["query"] for line in text.splitlines() if line.strip()]
        else:
            statements += [part.strip() for part in text.split(";\n") if part.strip()]
    return statements


def parse_or_none(statement: str):
    """The sqlglot tree of a statement, or None when sqlglot cannot parse it."""
    try:
        return sqlglot.parse_one(statement, read="duckdb")
    except sqlglot.errors.SqlglotError:
        return None


def table_fingerprints(database: Path) -> dict[str, tuple]:
    """Row count and an order-independent content hash of every base table."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL").fetchall()
        return {
            f"{schema}.{table}": con.execute(
                f"SELECT count(*), sum(hash(t)) FROM {schema}.{quoted(table)} AS t").fetchone()
            for schema, table in tables
        }


@pytest.fixture(scope="session")
def con(demo_paths):
    """Read-only connection to the generated demo database."""
    connection = duckdb.connect(str(demo_paths.database), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def statements(demo_paths) -> list[str]:
    """Every logged statement, JSON Lines first."""
    return read_statements(demo_paths.query_logs)


@pytest.fixture(scope="session")
def parsed_statements(statements) -> list:
    """sqlglot trees of the statements that parse."""
    return [tree for tree in map(parse_or_none, statements) if tree is not None]


# ---------------------------------------------------------------- paths and cache


def test_demo_dir_prefers_datamodeler_home(monkeypatch, tmp_path):
    monkeypatch.setenv("DATAMODELER_HOME", str(tmp_path))
    assert demo.demo_dir() == tmp_path / "demo"


def test_demo_dir_falls_back_to_xdg_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("DATAMODELER_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert demo.demo_dir() == tmp_path / "datamodeler" / "demo"


def test_ensure_demo_returns_generated_files(demo_paths):
    assert demo_paths.database.is_file()
    assert sorted(path.suffix for path in demo_paths.query_logs) == [".jsonl", ".sql"]
    assert all(path.is_file() for path in demo_paths.query_logs)
    assert demo_paths.truth == demo.examples_dir() / "relationships.json"
    assert demo_paths.database.parent.name == f"v{demo.DEMO_VERSION}"


def test_ensure_demo_reuses_cache(demo_paths, monkeypatch):
    monkeypatch.setenv("DATAMODELER_HOME", str(demo_paths.database.parents[2]))
    before = demo_paths.database.stat().st_mtime_ns
    assert demo.ensure_demo() == demo_paths
    assert demo_paths.database.stat().st_mtime_ns == before
    assert not [p for p in demo_paths.database.parents[1].iterdir() if p.name.startswith(".")]


def test_ensure_demo_removes_other_versions(demo_paths, monkeypatch):
    monkeypatch.setenv("DATAMODELER_HOME", str(demo_paths.database.parents[2]))
    stale = demo.demo_dir() / "v0"
    stale.mkdir()
    (stale / demo.DATABASE_FILE_NAME).write_text("old")
    demo.ensure_demo()
    assert not stale.exists()


def test_demo_url_is_absolute_duckdb_url(demo_paths):
    url = demo.demo_url(demo_paths)
    assert url.startswith("duckdb:///")
    assert Path(url.removeprefix("duckdb:///")) == demo_paths.database.resolve()


def test_database_opens_read_only(demo_paths):
    with duckdb.connect(str(demo_paths.database), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM crm.members").fetchone()[0] > 0


# ---------------------------------------------------------------- warehouse shape


def test_has_enough_tables_and_schemas(con):
    tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
    assert len(tables) >= 20
    assert len({schema for schema, _ in tables}) >= 3


def test_has_views(con):
    views = con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal").fetchall()
    assert len(views) >= 2
    assert all("SELECT" in sql.upper() for _, sql in views)


def test_declares_no_foreign_keys(con):
    kinds = {row[0] for row in con.execute("SELECT constraint_type FROM duckdb_constraints()").fetchall()}
    assert "FOREIGN KEY" not in kinds
    assert {"PRIMARY KEY", "UNIQUE"} <= kinds


def test_some_true_keys_are_undeclared(con):
    declared = {
        f"{schema}.{table}"
        for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
        ).fetchall()
    }
    undeclared = set(TRUTH["primary_keys"]) - declared
    assert undeclared == set(TRUTH["undeclared_primary_keys"])
    assert len(undeclared) >= 3


def test_impressions_has_a_million_rows(con):
    assert con.execute("SELECT count(*) FROM events.impressions").fetchone()[0] >= 1_000_000


def test_truth_names_existing_tables_and_columns(con):
    columns = {
        (f"{schema}.{table}", column)
        for schema, table, column in con.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns()"
        ).fetchall()
    }
    for rel in RELATIONSHIPS:
        for column in rel["child_columns"]:
            assert (rel["child_table"], column) in columns
        for column in rel["parent_columns"]:
            assert (rel["parent_table"], column) in columns
    for table, key in TRUTH["primary_keys"].items():
        assert all((table, column) in columns for column in key)


@pytest.mark.parametrize("rel", RELATIONSHIPS, ids=relationship_id)
def test_truth_relationship_holds_on_data(con, rel):
    not_null = " AND ".join(f"c.{quoted(col)} IS NOT NULL" for col in rel["child_columns"])
    matches = " AND ".join(
        f"c.{quoted(child)} = p.{quoted(parent)}"
        for child, parent in zip(rel["child_columns"], rel["parent_columns"])
    )
    children, orphans = con.execute(f"""
        SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (
            SELECT 1 FROM {rel['parent_table']} AS p WHERE {matches}))
        FROM {rel['child_table']} AS c WHERE {not_null}""").fetchone()
    assert children > 0
    assert orphans <= rel.get("orphan_rate", 0.0) * children


@pytest.mark.parametrize("table", sorted(TRUTH["primary_keys"]))
def test_truth_primary_key_is_unique(con, table):
    key = ", ".join(quoted(col) for col in TRUTH["primary_keys"][table])
    rows, distinct = con.execute(f"SELECT count(*), count(DISTINCT ({key})) FROM {table}").fetchone()
    assert rows == distinct > 0


def test_one_to_one_children_are_unique(con):
    for rel in RELATIONSHIPS:
        if rel["cardinality"] == "1:1":
            key = ", ".join(quoted(col) for col in rel["child_columns"])
            rows, distinct = con.execute(
                f"SELECT count(*), count(DISTINCT ({key})) FROM {rel['child_table']}").fetchone()
            assert rows == distinct


def test_entities_cover_every_table(con):
    tables = {f"{s}.{t}" for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}
    grouped = [table for members in TRUTH["entities"].values() for table in members]
    assert sorted(grouped) == sorted(tables)


def test_comments_include_prompt_injection_as_plain_data(con):
    comments = [row[0] for row in con.execute(
        "SELECT comment FROM duckdb_columns() WHERE comment IS NOT NULL "
        "UNION ALL SELECT comment FROM duckdb_tables() WHERE comment IS NOT NULL").fetchall()]
    assert len(comments) >= 5
    assert any("Ignore previous instructions" in comment for comment in comments)


def test_free_text_contains_contact_details(con):
    emails_in_tickets = con.execute(
        "SELECT count(*) FROM crm.support_tickets WHERE regexp_matches(body, '[\\w.]+@[\\w.]+')").fetchone()[0]
    emails_in_searches = con.execute(
        """SELECT count(*) FROM events.searches WHERE "queryText" LIKE '%@%'""").fetchone()[0]
    assert emails_in_tickets > 0 and emails_in_searches > 0


# ---------------------------------------------------------------- query log


def test_log_has_enough_statements(statements):
    assert len(statements) >= 300


def test_jsonl_records_have_expected_fields(demo_paths):
    jsonl = next(path for path in demo_paths.query_logs if path.suffix == ".jsonl")
    records = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert all({"query", "user", "start_time", "duration_ms", "database"} <= set(r) for r in records)
    assert len({r["user"] for r in records}) >= 8
    assert [r["start_time"] for r in records] == sorted(r["start_time"] for r in records)


def test_log_has_broken_statements(statements):
    assert sum(parse_or_none(statement) is None for statement in statements) >= 5


def test_log_contains_personal_data_literals(statements):
    assert any("@gmail.com'" in statement or "@yahoo.com'" in statement for statement in statements)
    assert any("phone = '" in statement for statement in statements)


def test_log_has_statement_variety(parsed_statements):
    kinds = collections.Counter(type(tree).__name__ for tree in parsed_statements)
    assert {"Select", "Insert", "Merge", "Update", "Create", "Delete", "Union"} <= set(kinds)
    assert any(tree.find(exp.Window) for tree in parsed_statements)
    assert any(tree.find(exp.With) for tree in parsed_statements)


def join_signature(tree) -> tuple[collections.Counter, set]:
    """Tables referenced (with multiplicity) and column pairs compared with '='."""
    tables = collections.Counter(f"{table.db}.{table.name}".lower() for table in tree.find_all(exp.Table))
    pairs = {
        frozenset([eq.left.name.lower(), eq.right.name.lower()])
        for eq in tree.find_all(exp.EQ)
        if isinstance(eq.left, exp.Column) and isinstance(eq.right, exp.Column)
    }
    return tables, pairs


def joins_relationship(tree, rel: dict) -> bool:
    """Whether a statement joins the relationship's tables on its columns."""
    tables, pairs = join_signature(tree)
    child, parent = rel["child_table"], rel["parent_table"]
    if child == parent and tables[child] < 2:
        return False
    if not (tables[child] and tables[parent]):
        return False
    return all(
        frozenset([c.lower(), p.lower()]) in pairs
        for c, p in zip(rel["child_columns"], rel["parent_columns"])
    )


@pytest.mark.parametrize("rel", [r for r in RELATIONSHIPS if r.get("in_query_log", True)], ids=relationship_id)
def test_every_relationship_is_joined_in_the_log(parsed_statements, rel):
    """The log joins every true relationship, except the few the truth marks as found from the data alone."""
    assert any(joins_relationship(tree, rel) for tree in parsed_statements)


@pytest.mark.slow  # runs the whole log on a copy of the warehouse
def test_parseable_statements_run_on_the_warehouse(demo_paths, statements, tmp_path):
    copy = tmp_path / demo.DATABASE_FILE_NAME
    shutil.copy(demo_paths.database, copy)
    failures = []
    with duckdb.connect(str(copy)) as connection:
        for statement in statements:
            if parse_or_none(statement) is None:
                continue
            connection.execute("BEGIN")
            try:
                connection.execute(statement)
            except duckdb.Error as error:
                failures.append(f"{statement[:80]}: {error}")
            connection.execute("ROLLBACK")
    assert failures == []


# ---------------------------------------------------------------- determinism


@pytest.mark.slow  # generates the whole demo a second time
def test_generation_is_deterministic(demo_paths, tmp_path):
    generator = demo.load_generator()
    database = tmp_path / demo.DATABASE_FILE_NAME
    generator.generate(database, tmp_path)
    assert table_fingerprints(database) == table_fingerprints(demo_paths.database)
    for log in demo_paths.query_logs:
        assert (tmp_path / log.name).read_bytes() == log.read_bytes()
