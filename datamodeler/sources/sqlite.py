"""SQLite files, opened read-only (``mode=ro``) so a scan can never change them."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import sqlalchemy as sa

from ..errors import SourceError
from .base import CatalogFilter
from .sqlalchemy_source import SQLAlchemySource, database_file


class SQLiteSource(SQLAlchemySource):
    """A SQLite database file; tables are named without a schema (``main`` is implied)."""

    def _create_engine(self, url: str) -> sa.Engine:
        path = self.path = database_file(url, "SQLite", ".db")
        uri = f"file:{path.resolve().as_posix()}?mode=ro"
        return sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False))

    def _connect_checked(self) -> sa.Engine:
        """Reading the schema version makes SQLite read the file header: any other file is refused in one line."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA schema_version").scalar()
        except sa.exc.DatabaseError as exc:
            reason = (str(exc.orig).strip().splitlines() or ["unreadable"])[0] if exc.orig else type(exc).__name__
            raise SourceError(f"{getattr(self, 'path', self.url)} is not a SQLite database ({reason})", "check the path in the sqlite:/// URL") from exc
        return super()._connect_checked()

    def _schemas(self, inspector: Any, filters: CatalogFilter) -> list[str | None]:
        return [None]

    def _display_schema(self, schema: str | None) -> str | None:
        return None if schema in (None, "main") else schema

    def execute(self, sql: str, timeout_s: float = 30.0, max_rows: int | None = None):
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert isinstance(raw, sqlite3.Connection), "the pysqlite driver hands out sqlite3 connections"
            deadline = time.monotonic() + timeout_s
            raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            try:
                return super().execute(sql, timeout_s, max_rows)
            finally:
                raw.set_progress_handler(None, 0)
