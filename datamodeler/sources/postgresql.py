"""PostgreSQL: every session read-only with a statement timeout; row counts from pg_class on big tables."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlglot import exp

from ..model import Table
from .base import LoggedQuery
from .history import shape_queries
from .sqlalchemy_source import EXACT_COUNT_LIMIT, SQLAlchemySource, _exact_count

ESTIMATES_SQL = """
SELECT n.nspname, c.relname, c.reltuples::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm')
"""



def statements_query() -> exp.Select:
    """``pg_stat_statements`` of this database grouped by ``queryid`` (one row per normalised statement, all
    roles together), in the columns of ``history.SHAPE_COLUMNS``; the view keeps no start times."""
    calls, user = exp.column("calls", table="s"), exp.column("rolname", table="r")
    projections = [
        exp.alias_(exp.Min(this=exp.column("query", table="s")), "query_text"), exp.alias_(exp.Sum(this=calls), "query_count"),
        exp.alias_(exp.Min(this=user), "first_user"), exp.alias_(exp.Max(this=user.copy()), "last_user"),
        exp.alias_(exp.Count(this=exp.Distinct(expressions=[user.copy()])), "user_count"),
        exp.alias_(exp.Null(), "first_start"), exp.alias_(exp.Null(), "last_start"),
        exp.alias_(exp.Div(this=exp.Sum(this=exp.column("total_exec_time", table="s")),
                           expression=exp.func("NULLIF", exp.Sum(this=calls.copy()), exp.Literal.number(0))), "mean_duration_ms"),
        exp.alias_(exp.Min(this=exp.column("datname", table="d")), "database_name"),
    ]
    return (exp.select(*projections).from_(exp.table_("pg_stat_statements", alias="s"))
            .join(exp.table_("pg_roles", alias="r"), on="r.oid = s.userid", join_type="left")
            .join(exp.table_("pg_database", alias="d"), on="d.oid = s.dbid", join_type="left")
            .where(exp.column("datname", table="d").eq(exp.CurrentDatabase()))
            .group_by(exp.column("queryid", table="s"))
            .order_by(exp.Ordered(this=exp.Sum(this=calls.copy()), desc=True)))


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
                rows = conn.exec_driver_sql(statements_query().sql(dialect="postgres")).fetchall()
            except sa.exc.DBAPIError:
                return iter(())
        return (query for row in rows for query in shape_queries(row))

    def _begin_read_only(self, conn: sa.Connection, timeout_s: float) -> None:
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}")
