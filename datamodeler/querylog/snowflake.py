"""Snowflake ``SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY`` exports (CSV or JSON lines, as unloaded or downloaded)."""

from .layout import ColumnLayout

LAYOUT = ColumnLayout(
    name="snowflake",
    query=("query_text",),
    user=("user_name", "role_name"),
    start_time=("start_time",),
    duration_ms=("total_elapsed_time", "execution_time"),  # milliseconds
    database=("database_name",),
    end_time=("end_time",),
    signature=frozenset({"query_text", "user_name", "total_elapsed_time"}),
)
