"""Live query history read from a warehouse's own history view (Snowflake, BigQuery, Databricks).

Each adapter builds its history query as a sqlglot expression (so one builder renders for the
warehouse and, in tests, for DuckDB) and maps the rows through the vendor's export layout in
``querylog`` (the column names are known there once, for files and live reads alike).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlglot import exp

from ..config import ScanSettings
from ..errors import SourceError
from ..querylog.layout import ColumnLayout, resolve_layout
from .base import LoggedQuery
from .sqlalchemy_source import SQLAlchemySource

HISTORY_DAYS = 30
HISTORY_ROW_LIMIT = 100_000  # the most recent statements read per scan
FETCH_BATCH = 1_000


def layout_columns(layout: ColumnLayout) -> list[str]:
    """The columns a history query selects: each field's first candidate name, the end time, the layout's signature."""
    fields = (layout.query, layout.user, layout.start_time, layout.duration_ms, layout.database, layout.end_time)
    columns = [names[0] for names in fields if names]
    return columns + sorted(layout.signature - set(columns))


def days_ago(days: int) -> exp.Expression:
    """``CURRENT_TIMESTAMP`` minus ``days`` days, rendered by sqlglot in each dialect's own syntax."""
    return exp.TimestampSub(this=exp.CurrentTimestamp(), expression=exp.Literal.number(max(1, int(days))), unit=exp.var("DAY"))


def history_select(layout: ColumnLayout, table: exp.Table | str, *, time_column: str, days: int, limit: int,
                   conditions: Sequence[exp.Expression] = ()) -> exp.Select:
    """The layout's columns from ``table``: the last ``days`` days by ``time_column``, newest first, ``limit`` rows."""
    window = exp.column(time_column) >= days_ago(days)
    return (
        exp.select(*layout_columns(layout))
        .from_(exp.to_table(table) if isinstance(table, str) else table)
        .where(exp.and_(window, *conditions))
        .order_by(exp.column(time_column).desc())
        .limit(max(1, int(limit)))
    )


def equals(column: str, value: str) -> exp.Expression:
    """``column = 'value'``."""
    return exp.column(column).eq(exp.Literal.string(value))


def rows_to_queries(layout: ColumnLayout, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[LoggedQuery]:
    """LoggedQuery records from result rows, read by the vendor's layout; naive timestamps are taken as UTC."""
    resolved = resolve_layout(list(columns), {layout.name: layout})
    if resolved is None:
        return
    for row in rows:
        query = resolved.to_query({name: _utc(value) for name, value in zip(columns, row)})
        if query is not None:
            yield query


def _utc(value: Any) -> Any:
    """History views keep timestamps in UTC; a driver may hand them back without a zone."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


class HistorySource(SQLAlchemySource):
    """A SQLAlchemy source whose ``queries()`` reads the warehouse's history view over ``history_days``.

    A view the account may not read raises ``SourceError`` while iterating; the scan records it as a warning.
    """

    layout: ClassVar[ColumnLayout]
    access_hint: ClassVar[str] = "grant this user read access to the warehouse's query history"
    history_days: int = HISTORY_DAYS
    history_limit: int = HISTORY_ROW_LIMIT

    def configure(self, settings: ScanSettings) -> None:
        """Read ``settings.history_days`` of history."""
        self.history_days = settings.history_days

    def history_query(self) -> exp.Select:
        """The vendor's history query for this source's window and row cap."""
        raise NotImplementedError

    def history_sql(self) -> str:
        return self.history_query().sql(dialect=self.dialect)

    def queries(self) -> Iterator[LoggedQuery]:
        """The most recent successful statements, streamed; one failure to read the view is a ``SourceError``."""
        sql = self.history_sql()
        try:
            with self.engine.connect() as conn:
                result = conn.exec_driver_sql(sql)
                columns = list(result.keys())
                while batch := result.fetchmany(FETCH_BATCH):
                    yield from rows_to_queries(self.layout, columns, batch)
        except sa.exc.SQLAlchemyError as exc:
            reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
            raise SourceError(f"cannot read the {self.backend} query history: {reason}", self.access_hint) from exc
