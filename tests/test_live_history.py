"""Live query history for Snowflake, BigQuery and Databricks, run for real on DuckDB stand-ins of each history view.

Each adapter's history query is built once with sqlglot; here it is rendered for DuckDB against a table laid
out like the vendor's view (with a failed statement and one older than the window), its rows are mapped by
the adapter, and the vendor rendering is checked to parse back in its own dialect.
"""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from datamodeler.config import load_settings
from datamodeler.errors import SourceError
from datamodeler.scan import ScanContext, ScanOptions, SilentProgress, warehouse_history
from datamodeler.sources import SOURCES, bigquery, databricks, open_source, snowflake
from datamodeler.sources.bigquery import BigQuerySource
from datamodeler.sources.databricks import DatabricksSource
from datamodeler.sources.history import SHAPE_COLUMNS, layout_columns, rows_to_queries, shape_queries
from datamodeler.sources.snowflake import SnowflakeSource

NOW = datetime.now(UTC).replace(microsecond=0)
RECENT = NOW - timedelta(days=2)
OLD = NOW - timedelta(days=45)  # outside the 30-day window


def utc(moment: datetime) -> str:
    """How a timestamp reaches the model: ISO 8601 in UTC."""
    return moment.astimezone(UTC).isoformat()


@pytest.fixture()
def db():
    conn = duckdb.connect()
    conn.execute("SET TimeZone = 'UTC'")
    yield conn
    conn.close()


def run(conn: duckdb.DuckDBPyConnection, query: exp.Select) -> tuple[list[str], list[tuple]]:
    result = conn.execute(query.sql(dialect="duckdb"))
    return [d[0] for d in result.description], result.fetchall()


# -- Snowflake: SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY -------------------------------------------

def test_snowflake_history_keeps_successful_statements_in_the_window(db):
    db.execute("ATTACH ':memory:' AS snowflake")
    db.execute("CREATE SCHEMA snowflake.account_usage")
    db.execute("""CREATE TABLE snowflake.account_usage.query_history (
        query_id VARCHAR, query_text VARCHAR, user_name VARCHAR, role_name VARCHAR, database_name VARCHAR,
        query_type VARCHAR, execution_status VARCHAR, start_time TIMESTAMPTZ, end_time TIMESTAMPTZ,
        total_elapsed_time BIGINT)""")
    rows = [
        ("1", "SELECT * FROM sales.orders", "ANA", "ANALYST", "SHOP", "SELECT", "SUCCESS", RECENT, RECENT, 1250),
        ("2", "SELECT * FROM sales.nope", "ANA", "ANALYST", "SHOP", "SELECT", "FAIL", RECENT, RECENT, 5),
        ("3", "SELECT * FROM sales.ancient", "BOB", "ANALYST", "SHOP", "SELECT", "SUCCESS", OLD, OLD, 7),
    ]
    db.executemany("INSERT INTO snowflake.account_usage.query_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    columns, found = run(db, snowflake.history_query(days=30, limit=100))  # the real view name, as Snowflake has it
    queries = list(rows_to_queries(SnowflakeSource.layout, columns, found))

    assert [q.text for q in queries] == ["SELECT * FROM sales.orders"]
    only = queries[0]
    assert (only.user, only.start_time, only.duration_ms, only.database) == ("ANA", utc(RECENT), 1250.0, "SHOP")


def test_snowflake_window_follows_history_days(db):
    db.execute("ATTACH ':memory:' AS snowflake")
    db.execute("CREATE SCHEMA snowflake.account_usage")
    db.execute("""CREATE TABLE snowflake.account_usage.query_history (query_text VARCHAR, user_name VARCHAR,
        database_name VARCHAR, execution_status VARCHAR, start_time TIMESTAMPTZ, end_time TIMESTAMPTZ,
        total_elapsed_time BIGINT)""")
    db.executemany("INSERT INTO snowflake.account_usage.query_history VALUES (?, 'ANA', 'SHOP', 'SUCCESS', ?, ?, 1)",
                   [(f"SELECT {n}", NOW - timedelta(days=n), NOW - timedelta(days=n)) for n in (1, 10, 60, 89)])
    for days, expected in ((5, 1), (30, 2), (90, 4)):
        columns, found = run(db, snowflake.history_query(days=days, limit=100))
        assert len(found) == expected, days
    columns, found = run(db, snowflake.history_query(days=90, limit=2))
    assert [q.text for q in rows_to_queries(SnowflakeSource.layout, columns, found)] == ["SELECT 1", "SELECT 10"]


# -- BigQuery: region-xx.INFORMATION_SCHEMA.JOBS ------------------------------------------------

def test_bigquery_history_keeps_finished_query_jobs_in_the_window(db):
    # DuckDB reserves INFORMATION_SCHEMA in every catalog, so the view's stand-in is region-us.jobs_schema.jobs.
    db.execute("ATTACH ':memory:' AS \"region-us\"")
    db.execute("CREATE SCHEMA \"region-us\".jobs_schema")
    db.execute("""CREATE TABLE "region-us".jobs_schema.jobs (
        job_id VARCHAR, project_id VARCHAR, user_email VARCHAR, job_type VARCHAR, statement_type VARCHAR,
        state VARCHAR, query VARCHAR, creation_time TIMESTAMPTZ, start_time TIMESTAMPTZ, end_time TIMESTAMPTZ,
        error_result STRUCT(reason VARCHAR, message VARCHAR))""")
    ok_start, ok_end = RECENT, RECENT + timedelta(milliseconds=2500)
    failed = {"reason": "invalidQuery", "message": "Unrecognized name: nope"}
    rows = [
        ("j1", "shop-prod", "ana@example.com", "QUERY", "SELECT", "DONE", "SELECT * FROM sales.orders", ok_start, ok_start, ok_end, None),
        ("j2", "shop-prod", "ana@example.com", "QUERY", "SELECT", "DONE", "SELECT nope FROM sales.orders", RECENT, RECENT, RECENT, failed),
        ("j3", "shop-prod", "bob@example.com", "QUERY", "SELECT", "DONE", "SELECT * FROM sales.ancient", OLD, OLD, OLD, None),
        ("j4", "shop-prod", "etl@example.com", "LOAD", None, "DONE", None, RECENT, RECENT, RECENT, None),
        ("j5", "shop-prod", "etl@example.com", "QUERY", "SCRIPT", "DONE", "BEGIN SELECT 1; END", RECENT, RECENT, RECENT, None),
        ("j6", "shop-prod", "ana@example.com", "QUERY", "SELECT", "RUNNING", "SELECT * FROM sales.live", RECENT, RECENT, None, None),
    ]
    db.executemany('INSERT INTO "region-us".jobs_schema.jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', rows)

    stand_in = exp.table_("jobs", db="jobs_schema", catalog=exp.to_identifier("region-us"))
    columns, found = run(db, bigquery.history_query(days=30, limit=100, table=stand_in))
    queries = list(rows_to_queries(BigQuerySource.layout, columns, found))

    assert [q.text for q in queries] == ["SELECT * FROM sales.orders"]
    only = queries[0]
    assert (only.user, only.start_time, only.duration_ms, only.database) == ("ana@example.com", utc(RECENT), 2500.0, "shop-prod")


def test_bigquery_region_comes_from_the_url_location():
    assert bigquery.history_query(30, 10).sql(dialect="bigquery").count("`region-us`.INFORMATION_SCHEMA.JOBS") == 1
    rendered = bigquery.history_query(30, 10, bigquery.jobs_table("EU")).sql(dialect="bigquery")
    assert "`region-eu`.INFORMATION_SCHEMA.JOBS" in rendered


# -- Databricks: system.query.history -----------------------------------------------------------

def test_databricks_history_keeps_finished_statements_in_the_window(db):
    # DuckDB reserves the catalog name "system", so the stand-in catalog is system_tables.
    db.execute("ATTACH ':memory:' AS system_tables")
    db.execute("CREATE SCHEMA system_tables.query")
    db.execute("""CREATE TABLE system_tables.query.history (
        workspace_id VARCHAR, statement_id VARCHAR, executed_by VARCHAR, executed_as VARCHAR, statement_text VARCHAR,
        statement_type VARCHAR, execution_status VARCHAR, start_time TIMESTAMP, end_time TIMESTAMP,
        total_duration_ms BIGINT, execution_duration_ms BIGINT)""")
    naive = RECENT.replace(tzinfo=None)  # Databricks system tables keep UTC timestamps without a zone
    rows = [
        ("1234", "s1", "ana@example.com", "ana@example.com", "SELECT * FROM main.sales.orders", "SELECT", "FINISHED", naive, naive, 812, 800),
        ("1234", "s2", "ana@example.com", "ana@example.com", "SELECT * FROM main.sales.nope", "SELECT", "FAILED", naive, naive, 3, 3),
        ("1234", "s3", "bob@example.com", "bob@example.com", "SELECT * FROM main.sales.ancient", "SELECT", "FINISHED",
         OLD.replace(tzinfo=None), OLD.replace(tzinfo=None), 9, 9),
    ]
    db.executemany("INSERT INTO system_tables.query.history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    columns, found = run(db, databricks.history_query(days=30, limit=100, table="system_tables.query.history"))
    queries = list(rows_to_queries(DatabricksSource.layout, columns, found))

    assert [q.text for q in queries] == ["SELECT * FROM main.sales.orders"]
    only = queries[0]
    assert (only.user, only.start_time, only.duration_ms, only.database) == ("ana@example.com", utc(RECENT), 812.0, "1234")


# -- vendor renderings, registry, driver and permission errors ----------------------------------

@pytest.mark.parametrize(("module", "dialect", "table", "status"), [
    (snowflake, "snowflake", "snowflake.account_usage.query_history", "SUCCESS"),
    (bigquery, "bigquery", "region-us.information_schema.jobs", "DONE"),
    (databricks, "databricks", "system.query.history", "FINISHED"),
])
def test_vendor_sql_parses_back_in_its_own_dialect(module, dialect, table, status):
    rendered = module.history_query(days=7, limit=5000).sql(dialect=dialect)
    reparsed = sqlglot.parse_one(rendered, read=dialect)
    assert isinstance(reparsed, exp.Select)
    source = reparsed.find(exp.Table)
    assert ".".join(p.name for p in source.parts).lower() == table
    assert reparsed.named_selects == layout_columns(module.LAYOUT)
    assert reparsed.args["limit"].expression.name == "5000"
    assert f"'{status}'" in reparsed.args["where"].sql(dialect=dialect)


def test_backends_are_registered():
    assert SOURCES["snowflake"] is SnowflakeSource
    assert SOURCES["bigquery"] is BigQuerySource
    assert SOURCES["databricks"] is DatabricksSource


@pytest.mark.parametrize(("url", "package", "module"), [
    ("snowflake://ana:secret@acme-xy12345/SHOP/PUBLIC?warehouse=WH", "snowflake-sqlalchemy", "snowflake.sqlalchemy"),
    ("bigquery://shop-prod/sales", "sqlalchemy-bigquery", "sqlalchemy_bigquery"),
    ("databricks://token:dapi@adb-1.azuredatabricks.net?http_path=/sql/1.0/warehouses/x", "databricks-sqlalchemy", "databricks.sqlalchemy"),
])
def test_missing_driver_names_the_package_on_one_line(url, package, module):
    if _installed(module):
        pytest.skip(f"{package} is installed here")
    with pytest.raises(SourceError) as raised:
        open_source(url)
    assert package in str(raised.value) and "\n" not in str(raised.value)
    assert "secret" not in str(raised.value)


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def test_unreadable_history_view_is_a_warning_not_a_crash(tmp_path):
    """A DuckDB engine stands in for a Snowflake account without ACCOUNT_USAGE access: the view does not exist."""
    import sqlalchemy as sa

    engine = sa.create_engine("duckdb:///:memory:")
    source = SnowflakeSource("snowflake://ana@acme/SHOP", engine=engine)
    source.dialect = "duckdb"  # render the same builder for the stand-in engine
    with pytest.raises(SourceError, match="cannot read the snowflake query history") as raised:
        list(source.queries())
    assert "IMPORTED PRIVILEGES" in str(raised.value)

    options = ScanOptions(url="snowflake://ana@acme/SHOP", out=tmp_path / "m.json",
                          settings=load_settings(environ={"DATAMODELER_HISTORY_DAYS": "7"}))
    source.configure(options.settings.scan)  # what open_source(url, settings) does
    assert source.history_days == 7
    ctx = ScanContext(options=options, source=source, model=None, progress=SilentProgress())
    assert list(warehouse_history(ctx)) == []
    assert len(ctx.warnings) == 1 and ctx.warnings[0].startswith("query history not read: cannot read the snowflake")
    engine.dispose()


# -- shapes, not statements: the warehouse groups its history before anything is fetched -----------

def _stand_in_engine(path):
    import sqlalchemy as sa

    return sa.create_engine(f"duckdb:///{path}")


def _collect(queries):
    from datamodeler.lineage.shapes import ShapeCollector

    collector = ShapeCollector("duckdb")
    for query in queries:
        collector.add(query)
    return collector


def test_snowflake_history_arrives_as_one_row_per_parameterized_hash(tmp_path):
    """300 statements of 3 shapes (literals vary, Snowflake's hash does not): 3 rows fetched, counts and users kept."""
    path = tmp_path / "snowflake.duckdb"  # the file's catalog is "snowflake", as in the real view name
    conn = duckdb.connect(str(path))
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("CREATE SCHEMA account_usage")
    conn.execute("""CREATE TABLE account_usage.query_history (query_text VARCHAR, query_hash VARCHAR,
        query_parameterized_hash VARCHAR, user_name VARCHAR, database_name VARCHAR, execution_status VARCHAR,
        start_time TIMESTAMPTZ, end_time TIMESTAMPTZ, total_elapsed_time BIGINT)""")
    templates = ("SELECT * FROM sales.orders WHERE id = {n}", "SELECT name FROM sales.customers WHERE region = 'r{n}'",
                 "SELECT COUNT(*) FROM sales.orders o JOIN sales.customers c ON c.id = o.customer_id WHERE o.total > {n}")
    rows = [(t.format(n=n), f"h{n}", f"p{k}", ("ANA", "BOB", "CY")[n % 3], "SHOP", "SUCCESS",
             RECENT - timedelta(minutes=n), RECENT - timedelta(minutes=n), 10) for k, t in enumerate(templates) for n in range(100)]
    rows.append(("SELECT * FROM sales.orders WHERE id = 1", "hx", "p0", "ANA", "SHOP", "FAIL", RECENT, RECENT, 1))
    conn.executemany("INSERT INTO account_usage.query_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.close()
    source = SnowflakeSource("snowflake://ana@acme/SHOP", engine=_stand_in_engine(path))
    source.dialect = "duckdb"  # the same builder, rendered for the stand-in engine

    conn = duckdb.connect(str(path), read_only=True)
    fetched = conn.execute(source.history_sql()).fetchall()  # what the source fetches, counted
    conn.close()
    collector = _collect(source.queries())
    source.engine.dispose()

    assert len(fetched) == 3 and sorted(r[1] for r in fetched) == [100, 100, 100]
    assert collector.total == 300 and len(collector.shapes) == 3
    for shape in collector.shapes.values():
        assert shape.count == 100 and len(shape.users) >= 2
        assert (shape.first_seen, shape.last_seen) == (utc(RECENT - timedelta(minutes=99)), utc(RECENT))


def test_bigquery_jobs_are_grouped_by_normalized_literals(db):
    db.execute("ATTACH ':memory:' AS \"region-us\"")
    db.execute("CREATE SCHEMA \"region-us\".jobs_schema")
    db.execute("""CREATE TABLE "region-us".jobs_schema.jobs (project_id VARCHAR, user_email VARCHAR, job_type VARCHAR,
        statement_type VARCHAR, state VARCHAR, query VARCHAR, creation_time TIMESTAMPTZ, start_time TIMESTAMPTZ,
        end_time TIMESTAMPTZ, error_result STRUCT(reason VARCHAR), query_info STRUCT(query_hashes STRUCT(normalized_literals VARCHAR)))""")
    rows = [("shop-prod", f"u{n % 4}@example.com", "QUERY", "SELECT", "DONE", f"SELECT * FROM sales.orders WHERE id = {n}",
             RECENT, RECENT, RECENT + timedelta(milliseconds=n), None, {"query_hashes": {"normalized_literals": "n1"}}) for n in range(50)]
    rows += [("shop-prod", "etl@example.com", "QUERY", "SELECT", "DONE", "SELECT 1", RECENT, RECENT, RECENT, None, None)] * 5
    db.executemany('INSERT INTO "region-us".jobs_schema.jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', rows)

    stand_in = exp.table_("jobs", db="jobs_schema", catalog=exp.to_identifier("region-us"))
    columns, found = run(db, bigquery.shapes_query(days=30, limit=100, table=stand_in))

    assert columns == list(SHAPE_COLUMNS)
    by_text = {row[0]: row for row in found}
    assert len(found) == 2  # the hashed shape and the text with no hash, grouped by its text
    hashed = by_text["SELECT * FROM sales.orders WHERE id = 0"]
    assert (hashed[1], hashed[4], round(hashed[7], 1)) == (50, 4, 24.5)
    assert by_text["SELECT 1"][1] == 5


def test_databricks_history_is_grouped_by_statement_text(db):
    db.execute("ATTACH ':memory:' AS system_tables")
    db.execute("CREATE SCHEMA system_tables.query")
    db.execute("""CREATE TABLE system_tables.query.history (workspace_id VARCHAR, executed_by VARCHAR, statement_text VARCHAR,
        execution_status VARCHAR, start_time TIMESTAMP, total_duration_ms BIGINT)""")
    naive = RECENT.replace(tzinfo=None)
    db.executemany("INSERT INTO system_tables.query.history VALUES ('1234', ?, ?, 'FINISHED', ?, 5)",
                   [(f"u{n % 2}", f"SELECT * FROM main.sales.t{n % 3}", naive) for n in range(30)])
    _, found = run(db, databricks.shapes_query(days=30, limit=100, table="system_tables.query.history"))
    assert sorted((row[0], row[1], row[4]) for row in found) == [(f"SELECT * FROM main.sales.t{k}", 10, 2) for k in range(3)]
    queries = [q for row in found for q in shape_queries(row)]
    assert sum(q.count for q in queries) == 30 and {q.start_time for q in queries} == {utc(RECENT)}


@pytest.mark.parametrize(("module", "dialect", "key"), [
    (snowflake, "snowflake", "query_parameterized_hash"),
    (bigquery, "bigquery", "normalized_literals"),
    (databricks, "databricks", "statement_text"),
])
def test_shape_sql_parses_back_in_its_own_dialect_and_groups_in_the_warehouse(module, dialect, key):
    rendered = module.shapes_query(days=7, limit=5000).sql(dialect=dialect)
    reparsed = sqlglot.parse_one(rendered, read=dialect)
    assert isinstance(reparsed, exp.Select) and reparsed.named_selects == list(SHAPE_COLUMNS)
    assert key in reparsed.args["group"].sql(dialect=dialect)
    assert reparsed.args["limit"].expression.name == "5000"


def test_postgres_statements_are_grouped_by_queryid_across_roles(pg_database):
    """pg_stat_statements keeps a row per (role, statement); the scan fetches one per normalised statement."""
    import sqlalchemy as sa

    from datamodeler.sources.postgresql import statements_query

    role = f"reader_{pg_database.url.rsplit('_', 1)[-1]}"
    pg_database.run(f"CREATE EXTENSION IF NOT EXISTS pg_stat_statements; CREATE TABLE items (id int, label text); "
                    f"CREATE ROLE {role} LOGIN; GRANT SELECT ON items TO {role}")
    pg_database.run(";".join(f"SELECT label FROM items WHERE id = {n}" for n in range(4)))
    reader = sa.create_engine(pg_database.url.replace("://postgres@", f"://{role}@"))
    with reader.connect() as conn:
        for n in range(3):
            conn.exec_driver_sql(f"SELECT label FROM items WHERE id = {n}")
    reader.dispose()
    with pg_database.engine.connect() as conn:
        per_role = conn.exec_driver_sql("SELECT COUNT(*) FROM pg_stat_statements WHERE strpos(query, 'FROM items WHERE') > 0").scalar()
        fetched = [r for r in conn.exec_driver_sql(statements_query().sql(dialect="postgres")) if "FROM items WHERE" in r[0]]

    assert per_role == 2 and len(fetched) == 1
    assert (fetched[0][1], fetched[0][4]) == (7, 2)
    history = [q for q in open_source(pg_database.url).queries() if "FROM items WHERE" in q.text]
    assert sum(q.count for q in history) == 7 and {q.user for q in history} == {"postgres", role}
