"""Databricks ``system.query.history`` exports."""

from .layout import ColumnLayout

LAYOUT = ColumnLayout(
    name="databricks",
    query=("statement_text",),
    user=("executed_by", "executed_as"),
    start_time=("start_time",),
    duration_ms=("total_duration_ms", "execution_duration_ms"),
    database=("workspace_id",),
    end_time=("end_time",),
    signature=frozenset({"statement_text", "executed_by"}),
)
