"""SQLite files, opened read-only (``mode=ro``) so a scan can never change them."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import sqlalchemy as sa

from .base import CatalogFilter
from .sqlalchemy_source import SQLAlchemySource, database_file


class SQLiteSource(SQLAlchemySource):
    """A SQLite database file; tables are named without a schema (``main`` is implied)."""

    def _create_engine(self, url: str) -> sa.Engine:
        path = database_file(url, "SQLite", ".db")
        uri = f"file:{path.resolve().as_posix()}?mode=ro"
        return sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False))

    def _schemas(self, inspector: Any, filters: CatalogFilter) -> list[str | None]:
        return [None]

    def _display_schema(self, schema: str | None) -> str | None:
        return None if schema in (None, "main") else schema

    def execute(self, sql: str, timeout_s: float = 30.0, max_rows: int | None = None):
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            deadline = time.monotonic() + timeout_s
            raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            try:
                return super().execute(sql, timeout_s, max_rows)
            finally:
                raw.set_progress_handler(None, 0)
