"""Which column of a tabular log (``.csv``, ``.jsonl``) holds the query, user, start time, duration, database.

Vendor export layouts are recognised by their column names (see ``snowflake.py``, ``bigquery.py``,
``databricks.py``); anything else is matched against common names, or an explicit mapping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..sources.base import LoggedQuery

FIELDS = ("query", "user", "start_time", "duration_ms", "database")


@dataclass(frozen=True)
class ColumnLayout:
    """Candidate column names (lower-case) for each field; the first present wins."""

    name: str
    query: tuple[str, ...]
    user: tuple[str, ...] = ()
    start_time: tuple[str, ...] = ()
    duration_ms: tuple[str, ...] = ()
    database: tuple[str, ...] = ()
    end_time: tuple[str, ...] = ()  # when there is no duration column: end - start
    signature: frozenset[str] = frozenset()  # columns that identify this layout
    duration_scale: float = 1.0  # multiply the duration column by this to get milliseconds

    def matches(self, columns: set[str]) -> bool:
        return bool(self.signature) and self.signature <= columns


GENERIC = ColumnLayout(
    name="generic",
    query=("query", "query_text", "statement", "statement_text", "sql", "sql_text", "querytext", "text"),
    user=("user", "user_name", "usename", "username", "user_email", "executed_by", "rolname"),
    start_time=("start_time", "started_at", "creation_time", "start", "timestamp", "ts", "time", "query_start"),
    duration_ms=("duration_ms", "total_elapsed_time", "elapsed_ms", "total_duration_ms", "execution_time_ms",
                 "total_exec_time", "mean_exec_time", "elapsed_time_ms"),
    database=("database", "database_name", "db", "datname", "dbname", "project_id", "catalog"),
    end_time=("end_time", "ended_at"),
)


@dataclass(frozen=True)
class ResolvedLayout:
    """The actual column (original spelling) used for each field in one file."""

    layout: str
    columns: dict[str, str]  # field -> column key in the row
    end_time: str | None = None
    duration_scale: float = 1.0

    def to_query(self, row: Mapping[str, Any]) -> LoggedQuery | None:
        """A LoggedQuery from one row, or None when its query cell is empty."""
        text = row.get(self.columns["query"])
        if text is None or not str(text).strip():
            return None
        start = _cell(row, self.columns.get("start_time"))
        return LoggedQuery(
            text=str(text),
            user=_cell(row, self.columns.get("user")),
            start_time=normalize_timestamp(start),
            duration_ms=self._duration(row, start),
            database=_cell(row, self.columns.get("database")),
        )

    def _duration(self, row: Mapping[str, Any], start: str | None) -> float | None:
        value = _cell(row, self.columns.get("duration_ms"))
        if value is not None:
            try:
                return float(value) * self.duration_scale
            except ValueError:
                return None
        end = _cell(row, self.end_time)
        began, ended = _parse_timestamp(start), _parse_timestamp(end)
        if began and ended and (began.tzinfo is None) == (ended.tzinfo is None):
            return (ended - began).total_seconds() * 1000
        return None


def resolve_layout(columns: list[str], layouts: Mapping[str, ColumnLayout], mapping: Mapping[str, str] | None = None) -> ResolvedLayout | None:
    """The layout for a file with these columns; None when no query column is found."""
    by_lower = {c.lower().strip(): c for c in columns}
    if mapping:
        chosen = {field: by_lower.get(col.lower(), col) for field, col in mapping.items() if field in FIELDS}
        if "query" not in chosen or chosen["query"] not in columns:
            return None
        return ResolvedLayout("custom", chosen)
    layout = next((known for known in layouts.values() if known.matches(set(by_lower))), GENERIC)
    chosen = {}
    for field in FIELDS:
        found = next((by_lower[name] for name in getattr(layout, field) if name in by_lower), None)
        if found is not None:
            chosen[field] = found
    if "query" not in chosen:
        return None
    end = next((by_lower[name] for name in layout.end_time if name in by_lower), None)
    return ResolvedLayout(layout.name, chosen, end, layout.duration_scale)


def candidate_names(layouts: Mapping[str, ColumnLayout]) -> list[str]:
    """Every column name accepted as the query column (for error messages)."""
    names = list(GENERIC.query)
    for layout in layouts.values():
        names.extend(n for n in layout.query if n not in names)
    return names


def _cell(row: Mapping[str, Any], key: str | None) -> str | None:
    if key is None:
        return None
    value = row.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


_OFFSET_WITH_SPACE = re.compile(r"\s+([+-]\d{2}:?\d{2})$")


def _parse_timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip()
    if re.fullmatch(r"\d{9,19}(\.\d+)?", text):  # epoch seconds / ms / µs
        number = float(text)
        while number > 1e11:
            number /= 1000
        return datetime.fromtimestamp(number, UTC)
    text = re.sub(r"\s*(UTC|Z)$", "+00:00", text)
    text = _OFFSET_WITH_SPACE.sub(r"\1", text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def normalize_timestamp(value: str | None) -> str | None:
    """ISO 8601 (UTC when the source gives an offset) so first/last seen compare correctly; else unchanged."""
    parsed = _parse_timestamp(value)
    if parsed is None:
        return value
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.isoformat()
