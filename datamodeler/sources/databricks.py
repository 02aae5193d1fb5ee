"""Databricks: live history from the ``system.query.history`` system table (driver: databricks-sqlalchemy, optional)."""

from __future__ import annotations

from sqlglot import exp

from ..querylog.databricks import LAYOUT
from .history import HistorySource, equals, history_select, shapes_select

HISTORY_TABLE = "system.query.history"


def history_query(days: int, limit: int, table: exp.Table | str = HISTORY_TABLE) -> exp.Select:
    """Finished statements that started in the last ``days`` days, newest first."""
    return history_select(LAYOUT, table, time_column="start_time", days=days, limit=limit,
                          conditions=[equals("execution_status", "FINISHED")])


def shapes_query(days: int, limit: int, table: exp.Table | str = HISTORY_TABLE) -> exp.Select:
    """The same statements grouped by their text (the view keeps no normalised hash), one row per text."""
    return shapes_select(LAYOUT, table, time_column="start_time", days=days, limit=limit,
                         shape_key=exp.column("statement_text"), conditions=[equals("execution_status", "FINISHED")])


class DatabricksSource(HistorySource):
    """A Databricks SQL warehouse; its history needs the ``system.query`` schema enabled and readable."""

    driver_package = "databricks-sqlalchemy"
    layout = LAYOUT
    access_hint = "enable the system.query schema and GRANT SELECT ON system.query.history to this user"

    def history_query(self) -> exp.Select:
        return history_query(self.history_days, self.history_limit)

    def shapes_query(self) -> exp.Select:
        return shapes_query(self.history_days, self.history_limit)
