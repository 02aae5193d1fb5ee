"""The gate every SQL from ``ask`` passes before it is shown as runnable or run.

    guarded = guard_sql("select region, count(*) from catalog.countries group by 1", model, limit=100)
    guarded.sql   # 'SELECT region, COUNT(*) FROM catalog.countries GROUP BY 1 LIMIT 100'

Checked on the sqlglot AST in the model's dialect: it parses; it is exactly one statement; it is a SELECT
(WITH and UNION/INTERSECT/EXCEPT allowed) with no DML, DDL, session or file statement anywhere in the tree
(CTEs included), no ``SELECT … INTO`` or row locks, and no function on the deny list (file readers, server
file access, extensions, sleeps); every table and column resolves in the catalog; and it gets a LIMIT no
larger than ``limit``. Anything else raises ``UnsafeSQLError`` with one clear line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from ..errors import UnsafeSQLError
from ..lineage.catalog import CatalogIndex
from ..model import DataModel

DEFAULT_LIMIT = 100

FORBIDDEN_NODES: tuple[type[exp.Expression], ...] = tuple(
    getattr(exp, name) for name in (
        "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "TruncateTable", "Command", "Copy", "Pragma",
        "Attach", "Detach", "Install", "Set", "Use", "Transaction", "Commit", "Rollback", "Into", "Lock", "LoadData",
        "Grant", "Revoke", "Analyze", "Kill", "Refresh", "Cache", "Uncache", "Export", "Describe", "Show", "Summarize",
    ) if hasattr(exp, name)
)
"""Statement and clause kinds that write, change the session, touch files or take locks."""

DENIED_FUNCTIONS: dict[str, frozenset[str]] = {
    "common": frozenset({
        "copy", "attach", "detach", "load", "install", "pragma", "system", "shell", "sleep", "getenv", "nextval", "setval",
    }),
    "duckdb": frozenset({
        "read_csv", "read_csv_auto", "read_parquet", "read_json", "read_json_auto", "read_json_objects", "read_ndjson",
        "read_ndjson_auto", "read_ndjson_objects", "read_text", "read_blob", "read_xlsx", "parquet_scan", "parquet_metadata",
        "parquet_schema", "parquet_file_metadata", "csv_scan", "json_scan", "glob", "sniff_csv", "delta_scan", "iceberg_scan",
        "sqlite_scan", "sqlite_attach", "postgres_scan", "postgres_attach", "mysql_scan", "query", "query_table",
        "load_extension", "duckdb_secrets", "which_secret",
    }),
    "sqlite": frozenset({"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer", "zipfile", "fsdir"}),
    "postgres": frozenset({
        "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_sleep", "pg_sleep_for", "pg_sleep_until",
        "lo_import", "lo_export", "lo_get", "lo_put", "lo_from_bytea", "dblink", "dblink_exec", "dblink_connect",
        "pg_terminate_backend", "pg_cancel_backend", "set_config", "pg_reload_conf", "pg_rotate_logfile",
        "pg_advisory_lock", "pg_advisory_xact_lock", "pg_logical_emit_message", "txid_current", "query_to_xml",
    }),
    "mysql": frozenset({"load_file", "benchmark", "get_lock", "release_lock"}),
    "tsql": frozenset({"xp_cmdshell", "openrowset", "opendatasource", "openquery", "bulk"}),
    "bigquery": frozenset({"external_query"}),
    "snowflake": frozenset({"system$wait", "system$cancel_query", "system$abort_session"}),
}
"""Functions refused in any dialect: everything reads the same names, so a DuckDB file reader is refused on PostgreSQL too."""

SAFE_TABLE_FUNCTIONS = frozenset({"generate_series", "range", "unnest"})


@dataclass(frozen=True)
class GuardedSQL:
    """SQL that passed the gate: rendered in the model's dialect, with the tables it reads and its row limit."""

    sql: str
    tables: tuple[str, ...]
    limit: int


def guard_sql(sql: str, model: DataModel, limit: int = DEFAULT_LIMIT) -> GuardedSQL:
    """The checked, limited form of ``sql``; ``UnsafeSQLError`` says why it is refused."""
    if limit < 1:
        raise UnsafeSQLError(f"row limit {limit} must be at least 1")
    dialect = model.source.dialect or None
    statement = parse_single_select(sql, dialect)
    refuse_forbidden_nodes(statement)
    refuse_denied_functions(statement)
    tables = qualify_against_catalog(statement, model, dialect)
    limited = apply_limit(statement, limit)
    return GuardedSQL(limited.sql(dialect=dialect, pretty=True), tables, limit)


def parse_single_select(sql: str, dialect: str | None) -> exp.Query:
    """Exactly one statement, and a query (SELECT, WITH … SELECT, or a set operation of them)."""
    if not sql or not sql.strip():
        raise UnsafeSQLError("empty SQL")
    try:
        with _quiet_sqlglot():
            statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as exc:
        raise UnsafeSQLError(f"the SQL does not parse: {_first_line(exc)}") from exc
    if len(statements) != 1:
        raise UnsafeSQLError(f"expected exactly one statement, got {len(statements)}", "ask runs a single SELECT")
    statement = statements[0]
    while isinstance(statement, exp.Subquery) and isinstance(statement.this, exp.Query):
        statement = statement.this
    if not isinstance(statement, (exp.Select, exp.SetOperation)):
        raise UnsafeSQLError(f"only SELECT statements run from ask, not {statement.key.upper()}")
    return statement


def refuse_forbidden_nodes(statement: exp.Expression) -> None:
    """No write, DDL, session, file or lock node anywhere in the tree (a DELETE inside a CTE included)."""
    for node in statement.walk():
        if isinstance(node, FORBIDDEN_NODES):
            raise UnsafeSQLError(f"only SELECT statements run from ask: found {node.key.upper()} inside the query")


def refuse_denied_functions(statement: exp.Expression) -> None:
    """No file readers, server-side file access, extension loading or sleeps; no unknown table functions."""
    denied = frozenset().union(*DENIED_FUNCTIONS.values())
    for node in statement.walk():
        if isinstance(node, exp.Func):
            name = function_name(node)
            if name in denied:
                raise UnsafeSQLError(f"function {name}() is not allowed in ask")
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Func) and function_name(node.this) not in SAFE_TABLE_FUNCTIONS:
            raise UnsafeSQLError(f"table function {function_name(node.this)}() is not allowed in ask")


def function_name(node: exp.Func) -> str:
    """Lower-case name of a function node: ``read_csv_auto`` for ``Anonymous``, ``read_csv`` for ``ReadCSV``."""
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def qualify_against_catalog(statement: exp.Query, model: DataModel, dialect: str | None) -> tuple[str, ...]:
    """Every table is in the catalog and every column resolves; returns the catalog names of the tables read."""
    catalog = CatalogIndex.from_tables(model.tables)
    tables = pin_tables(statement, catalog)
    probe = statement.copy()
    for identifier in probe.find_all(exp.Identifier):
        identifier.set("this", identifier.this.lower())
        identifier.set("quoted", True)
    schema = MappingSchema(catalog.mapping(), dialect=dialect, normalize=False)
    try:
        qualify(probe, dialect=dialect, schema=schema, quote_identifiers=False, identify=False, validate_qualify_columns=True)
    except OptimizeError as exc:
        raise UnsafeSQLError(f"the SQL does not match the schema: {_first_line(exc)}", "check the column names in the model") from exc
    except (SqlglotError, ValueError, KeyError, AttributeError, TypeError) as exc:
        raise UnsafeSQLError(f"the SQL could not be checked against the schema: {_first_line(exc)}") from exc
    return tables


def pin_tables(query: exp.Expression, catalog: CatalogIndex) -> tuple[str, ...]:
    """Point every table reference at its catalog entry (``countries`` -> ``catalog.countries``), in place."""
    ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
    found: list[str] = []
    for table in query.find_all(exp.Table):
        if not table.name or isinstance(table.this, exp.Func) or (not table.db and table.name in ctes):
            continue
        resolved = catalog.resolve_table([table.db, table.name])
        if resolved is None or table.catalog:
            written = ".".join(p for p in (table.catalog, table.db, table.name) if p)
            raise UnsafeSQLError(f"unknown table '{written}' in the SQL", "ask only reads tables of the model")
        schema = resolved.rpartition(".")[0]
        if schema and not table.db:
            table.set("db", exp.to_identifier(schema))
        if resolved not in found:
            found.append(resolved)
    return tuple(found)


def apply_limit(statement: exp.Query, limit: int) -> exp.Query:
    """``statement`` with a LIMIT of at most ``limit`` rows (an existing smaller literal limit is kept)."""
    limited = statement.copy()
    current = limited.args.get("limit")
    if isinstance(current, exp.Limit) and isinstance(current.expression, exp.Literal) and current.expression.is_int:
        if int(current.expression.this) <= limit:
            return limited
    limited.set("limit", None)
    if isinstance(current, exp.Fetch) or limited.args.get("fetch") is not None:
        limited.set("fetch", None)
    return limited.limit(limit, copy=False)


@contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    """sqlglot logs a warning when it falls back to a raw Command; the gate reports the refusal itself."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
