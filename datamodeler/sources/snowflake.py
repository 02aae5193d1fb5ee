"""Snowflake: live history from ``SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY`` (driver: snowflake-sqlalchemy, optional)."""

from __future__ import annotations

from sqlglot import exp

from ..querylog.snowflake import LAYOUT
from .history import HistorySource, equals, history_select, shapes_select

HISTORY_TABLE = "snowflake.account_usage.query_history"


def history_query(days: int, limit: int, table: exp.Table | str = HISTORY_TABLE) -> exp.Select:
    """Successful statements that started in the last ``days`` days, newest first."""
    return history_select(LAYOUT, table, time_column="start_time", days=days, limit=limit,
                          conditions=[equals("execution_status", "SUCCESS")])


def shapes_query(days: int, limit: int, table: exp.Table | str = HISTORY_TABLE) -> exp.Select:
    """The same statements grouped by Snowflake's ``query_parameterized_hash`` (literals replaced), one row per shape."""
    key = exp.func("COALESCE", exp.column("query_parameterized_hash"), exp.column("query_hash"))
    return shapes_select(LAYOUT, table, time_column="start_time", days=days, limit=limit, shape_key=key,
                         conditions=[equals("execution_status", "SUCCESS")])


class SnowflakeSource(HistorySource):
    """A Snowflake account; its history needs a role that can read ``SNOWFLAKE.ACCOUNT_USAGE``."""

    driver_package = "snowflake-sqlalchemy"
    layout = LAYOUT
    access_hint = "grant IMPORTED PRIVILEGES ON DATABASE SNOWFLAKE to this role (ACCOUNT_USAGE lags up to 45 minutes)"

    def history_query(self) -> exp.Select:
        return history_query(self.history_days, self.history_limit)

    def shapes_query(self) -> exp.Select:
        return shapes_query(self.history_days, self.history_limit)
