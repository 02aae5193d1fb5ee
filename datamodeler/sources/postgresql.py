"""PostgreSQL: every session read-only with a statement timeout; row counts from pg_class on big tables."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from ..model import Table
from .base import LoggedQuery
from .sqlalchemy_source import EXACT_COUNT_LIMIT, SQLAlchemySource, _exact_count

ESTIMATES_SQL = """
SELECT n.nspname, c.relname, c.reltuples::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm')
"""

STATEMENTS_SQL = """
SELECT s.query, r.rolname, d.datname, s.calls, s.mean_exec_time
FROM pg_stat_statements s
LEFT JOIN pg_roles r ON r.oid = s.userid
LEFT JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = current_database()
ORDER BY s.calls DESC
"""


class PostgresSource(SQLAlchemySource):
    """A PostgreSQL database; sessions run with ``default_transaction_read_only``."""

    def _create_engine(self, url: str) -> sa.Engine:
        options = "-c default_transaction_read_only=on -c statement_timeout=60000"
        try:
            return sa.create_engine(url, connect_args={"options": options, "connect_timeout": 10})
        except Exception:  # noqa: BLE001 - let the base class give the precise error
            return super()._create_engine(url)

    def _add_row_counts(self, tables: list[Table]) -> None:
        with self.engine.connect() as conn:
            estimates = {f"{s}.{t}": n for s, t, n in conn.exec_driver_sql(ESTIMATES_SQL)}
            for table in (t for t in tables if t.kind == "table"):
                estimate = estimates.get(table.name, -1)
                if 0 <= estimate < EXACT_COUNT_LIMIT or estimate < 0:
                    table.row_count = _exact_count(conn, table.name)
                else:
                    table.row_count, table.row_count_exact = int(estimate), False

    def queries(self) -> Iterator[LoggedQuery]:
        """Statements from ``pg_stat_statements`` when the extension is installed in this database."""
        with self.engine.connect() as conn:
            installed = conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'").first()
            if not installed:
                return iter(())
            try:
                rows = conn.exec_driver_sql(STATEMENTS_SQL).fetchall()
            except sa.exc.DBAPIError:
                return iter(())
        return iter(
            LoggedQuery(text=q, user=user, database=db, count=int(calls), duration_ms=float(mean_ms or 0))
            for q, user, db, calls, mean_ms in rows
        )

    def _begin_read_only(self, conn: sa.Connection, timeout_s: float) -> None:
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}")
