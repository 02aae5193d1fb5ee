"""Live query history read from a warehouse's own history view (Snowflake, BigQuery, Databricks).

Each adapter builds its history query as a sqlglot expression (so one builder renders for the
warehouse and, in tests, for DuckDB) and maps the rows through the vendor's export layout in
``querylog`` (the column names are known there once, for files and live reads alike).

A scan reads shapes, not statements: ``shapes_select`` groups the window in the warehouse's own engine by its
normalised-query hash (Snowflake ``query_parameterized_hash``, BigQuery ``query_info.query_hashes.
normalized_literals``; the text itself where there is none) and fetches one text per shape with its count,
users and first/last start, so a month of a large account arrives as distinct shapes only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlglot import exp

from ..config import ScanSettings
from ..errors import SourceError
from ..querylog.layout import ColumnLayout, normalize_timestamp, resolve_layout
from .base import LoggedQuery
from .sqlalchemy_source import SQLAlchemySource

HISTORY_DAYS = 30
HISTORY_ROW_LIMIT = 100_000  # the most recent statements (or the most-run shapes) read per scan
SHAPE_COLUMNS = ("query_text", "query_count", "first_user", "last_user", "user_count", "first_start", "last_start",
                 "mean_duration_ms", "database_name")
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


def shapes_select(layout: ColumnLayout, table: exp.Table | str, *, time_column: str, days: int, limit: int,
                  shape_key: exp.Expr, conditions: Sequence[exp.Expr] = ()) -> exp.Select:
    """One row per ``shape_key`` in the window (``SHAPE_COLUMNS``), the most-run ``limit`` shapes first."""
    text, user, started = (exp.column(names[0]) for names in (layout.query, layout.user, layout.start_time))
    count = exp.Count(this=exp.Star())
    projections = [
        exp.alias_(exp.Min(this=text), "query_text"), exp.alias_(count, "query_count"),
        exp.alias_(exp.Min(this=user.copy()), "first_user"), exp.alias_(exp.Max(this=user.copy()), "last_user"),
        exp.alias_(exp.Count(this=exp.Distinct(expressions=[user.copy()])), "user_count"),
        exp.alias_(exp.Min(this=started.copy()), "first_start"), exp.alias_(exp.Max(this=started.copy()), "last_start"),
        exp.alias_(exp.Avg(this=duration_ms(layout)), "mean_duration_ms"),
        exp.alias_(exp.Max(this=exp.column(layout.database[0])), "database_name"),
    ]
    window = exp.column(time_column) >= days_ago(days)
    return (exp.select(*projections).from_(exp.to_table(table) if isinstance(table, str) else table)
            .where(exp.and_(window, *conditions)).group_by(shape_key)
            .order_by(exp.Ordered(this=count.copy(), desc=True), exp.column("first_start")).limit(max(1, int(limit))))


def duration_ms(layout: ColumnLayout) -> exp.Expression:
    """The layout's duration in milliseconds: its duration column, else ``end_time - start_time``."""
    if layout.duration_ms:
        column = exp.column(layout.duration_ms[0])
        return column if layout.duration_scale == 1.0 else exp.Mul(this=column, expression=exp.Literal.number(layout.duration_scale))
    return exp.TimestampDiff(this=exp.column(layout.end_time[0]), expression=exp.column(layout.start_time[0]), unit=exp.var("MILLISECOND"))


def shape_queries(row: Sequence[Any]) -> Iterator[LoggedQuery]:
    """A shape row as LoggedQuery records: its runs at the first start (one user) and, when its users or starts
    differ, its last run at the last start (another user), so the collector sees the count, users and range."""
    text, count, first_user, last_user, _, first, last, mean_ms, database = row
    if text is None or not str(text).strip():
        return
    count, mean_ms = max(1, int(count or 1)), float(mean_ms) if mean_ms is not None else None
    first, last = _timestamp(first), _timestamp(last)
    both = count > 1 and (first_user, first) != (last_user, last)
    yield LoggedQuery(text=str(text), user=first_user, start_time=first, duration_ms=mean_ms, database=_text(database),
                      count=count - 1 if both else count)
    if both:
        yield LoggedQuery(text=str(text), user=last_user, start_time=last, duration_ms=mean_ms, database=_text(database))


def _timestamp(value: Any) -> str | None:
    return normalize_timestamp(str(_utc(value))) if value is not None else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


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
        return value.replace(tzinfo=UTC)
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
        """The vendor's history query for this source's window and row cap (one row per statement)."""
        raise NotImplementedError

    def shapes_query(self) -> exp.Select:
        """The vendor's history grouped into shapes in the warehouse (one row per shape, see ``shapes_select``)."""
        raise NotImplementedError

    def history_sql(self) -> str:
        return self.shapes_query().sql(dialect=self.dialect)

    def queries(self) -> Iterator[LoggedQuery]:
        """The window's statements as distinct shapes, grouped in the warehouse and streamed; one failure to read
        the view is a ``SourceError``."""
        sql = self.history_sql()
        try:
            with self.engine.connect() as conn:
                result = conn.exec_driver_sql(sql)
                while batch := result.fetchmany(FETCH_BATCH):
                    for row in batch:
                        yield from shape_queries(row)
        except sa.exc.SQLAlchemyError as exc:
            reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
            raise SourceError(f"cannot read the {self.backend} query history: {reason}", self.access_hint) from exc
