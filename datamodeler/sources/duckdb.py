"""DuckDB files, read from DuckDB's own catalog functions and opened ``read_only``.

duckdb-engine's SQLAlchemy inspector fails on constraint reflection with SQLAlchemy 2.1
(``Type with name REGCLASS does not exist``), so this source reads ``duckdb_tables()``,
``duckdb_columns()`` and ``duckdb_constraints()`` directly: four queries for any catalog size.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import duckdb

from ..config import ScanSettings
from ..errors import ConfigError, SourceError
from ..model import Column, ForeignKey, Table
from .base import CatalogFilter, LoggedQuery, Rows
from .sqlalchemy_source import database_file, query_error, redact_url

_REFERENCES = re.compile(r"REFERENCES\s+(?P<target>[^\s(]+)\s*\(", re.IGNORECASE)

TABLES_SQL = """
SELECT schema_name, table_name, comment, estimated_size FROM duckdb_tables()
WHERE database_name = current_database() AND NOT internal AND NOT temporary
"""
VIEWS_SQL = """
SELECT schema_name, view_name, comment, sql FROM duckdb_views()
WHERE database_name = current_database() AND NOT internal AND NOT temporary
"""
COLUMNS_SQL = """
SELECT schema_name, table_name, column_name, data_type, is_nullable, column_default, comment
FROM duckdb_columns() WHERE database_name = current_database() AND NOT internal
ORDER BY schema_name, table_name, column_index
"""
CONSTRAINTS_SQL = """
SELECT schema_name, table_name, constraint_type, constraint_column_names, constraint_name,
       referenced_table, referenced_column_names, constraint_text
FROM duckdb_constraints()
WHERE database_name = current_database() AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')
ORDER BY schema_name, table_name, constraint_index
"""


CACHE_TRIM_EVERY = 32  # statements between trims of DuckDB's buffer cache (a trim costs ~2 ms)
CACHE_KEPT = "64MB"  # what a trim leaves cached


def _memory_setting(value: str) -> str:
    """A memory size such as ``1GB`` (digits, dot and letters only: it goes into a SET statement)."""
    if not value or not all(ch.isalnum() or ch in ". " for ch in value):
        raise ConfigError(f"duckdb_memory_limit {value!r} is not a memory size", "use e.g. 1GB or 512MB")
    return value


class DuckDBSource:
    """A DuckDB database file opened read-only."""

    dialect = "duckdb"

    def __init__(self, url: str):
        self.url = redact_url(url)
        self.path = database_file(url, "DuckDB", ".duckdb")
        self._lock = threading.Lock()
        self._memory_limit: str | None = None
        self._since_trim = 0
        self._search_path: list[str] | None = None
        self._conn: duckdb.DuckDBPyConnection | None = self._open()
        self.notes: list[str] = []  # DuckDB's own catalog functions raise no driver warnings

    def _open(self) -> duckdb.DuckDBPyConnection:
        try:
            conn = duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error as exc:
            raise SourceError(f"cannot open DuckDB database {self.path}: {str(exc).splitlines()[0]}") from exc
        if self._memory_limit:
            conn.execute(f"SET memory_limit = '{self._memory_limit}'")
        return conn

    @property
    def conn(self) -> duckdb.DuckDBPyConnection:
        """The connection, opened again when ``release`` closed it."""
        if self._conn is None:
            self._conn = self._open()
        return self._conn

    def release(self) -> None:
        """Close the connection until it is next needed: DuckDB holds the whole catalog of an open file in this
        process (1.6 GiB for 100,000 tables), which the query-log and lineage stages do not need."""
        self.default_schemas()  # asked for by the lineage stage: remembered now
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def configure(self, settings: ScanSettings) -> None:
        """Cap the memory DuckDB may use for one statement (its default is 80% of RAM)."""
        limit = _memory_setting(settings.duckdb_memory_limit)
        try:
            self.conn.execute(f"SET memory_limit = '{limit}'")
        except duckdb.Error as exc:
            raise ConfigError(f"duckdb_memory_limit {settings.duckdb_memory_limit!r} is not a DuckDB memory size", "use e.g. 1GB or 512MB") from exc
        self._memory_limit = limit

    def catalog(self, filters: CatalogFilter) -> list[Table]:
        tables = self._tables(filters)
        by_key = {(t.schema_name or "", t.short_name): t for t in tables}
        for schema, table, name, type_, nullable, default, comment in self._rows(COLUMNS_SQL):
            if (target := by_key.get((schema, table))) is not None:
                target.columns.append(Column(name=name, type=type_, nullable=bool(nullable), default=default, comment=comment))
        for row in self._rows(CONSTRAINTS_SQL):
            if (target := by_key.get((row[0], row[1]))) is not None:
                _apply_constraint(target, row)
        return tables

    def _tables(self, filters: CatalogFilter) -> list[Table]:
        tables = []
        for schema, name, comment, size in self._rows(TABLES_SQL):
            tables.append(Table(name=f"{schema}.{name}", kind="table", comment=comment, row_count=size))
        for schema, name, comment, sql in self._rows(VIEWS_SQL):
            tables.append(Table(name=f"{schema}.{name}", kind="view", comment=comment, view_sql=sql))
        return [t for t in tables if filters.wants_schema(t.schema_name) and filters.wants_table(t.name)]

    def _rows(self, sql: str) -> list[tuple]:
        with self._lock:
            return self.conn.execute(sql).fetchall()

    def default_schemas(self) -> list[str]:
        """Where DuckDB looks for an unqualified name: the session's current schema (``main``)."""
        if self._search_path is None:
            try:
                self._search_path = [str(row[0]) for row in self._rows("SELECT current_schema()") if row[0]]
            except duckdb.Error:
                self._search_path = []
        return self._search_path

    def queries(self) -> Iterator[LoggedQuery]:
        return iter(())

    def execute(self, sql: str, timeout_s: float = 30.0, max_rows: int | None = None) -> Rows:
        with self._lock:
            cursor = self.conn.cursor()
            timer = threading.Timer(timeout_s, cursor.interrupt)
            timer.start()
            try:
                result = cursor.execute(sql)
                rows = result.fetchmany(max_rows) if max_rows is not None else result.fetchall()
                return Rows(columns=[d[0] for d in result.description or []], rows=rows)
            except duckdb.Error as exc:
                raise query_error(exc) from exc
            finally:
                timer.cancel()
                cursor.close()
                self._trim_cache()

    def _trim_cache(self) -> None:
        """Every ``CACHE_TRIM_EVERY`` statements, drop the table blocks DuckDB keeps cached (lowering its limit evicts
        them; the limit is then put back). Profiling reads each table once, so the cache only grew: it filled to
        the whole limit (1 GB) on top of the catalog, while a statement keeps the full limit to work in."""
        self._since_trim += 1
        if self._since_trim < CACHE_TRIM_EVERY or self._conn is None:
            return
        self._since_trim = 0
        try:  # runs in ``execute``'s finally: an error here must not replace the statement's own
            if self._memory_limit is None:  # not configured: DuckDB's own default, read once so it does not drift
                row = self._conn.execute("SELECT current_setting('memory_limit')").fetchone()
                self._memory_limit = str(row[0]) if row else None
            if self._memory_limit is not None:
                self._conn.execute(f"SET memory_limit = '{CACHE_KEPT}'")
        except duckdb.Error:
            pass  # blocks still pinned: the next trim gets them
        finally:
            if self._memory_limit is not None:
                self._conn.execute(f"SET memory_limit = '{self._memory_limit}'")

    def close(self) -> None:
        self.release()


def _apply_constraint(table: Table, row: tuple) -> None:
    _, _, kind, columns, name, referenced, referenced_columns, text = row
    columns = list(columns or [])
    if kind == "PRIMARY KEY":
        table.primary_key, table.primary_key_source = columns, "declared"
    elif kind == "UNIQUE":
        table.unique_keys.append(columns)
    elif kind == "FOREIGN KEY" and referenced:
        parent = _referenced_table(text, table.schema_name, referenced)
        table.foreign_keys.append(ForeignKey(name=name, columns=columns, parent_table=parent, parent_columns=list(referenced_columns or [])))


def _referenced_table(text: str | None, schema: str | None, referenced: str) -> str:
    match = _REFERENCES.search(text or "")
    target = match.group("target").replace('"', "") if match else referenced
    return target if "." in target else f"{schema}.{target}"
