"""``.jsonl`` logs: one JSON object per line; the query column is found by name (see ``layout.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

from ..errors import QueryLogError
from ..sources.base import LoggedQuery
from .layout import ColumnLayout, ResolvedLayout, candidate_names, resolve_layout


def read(path: Path, stream: TextIO, *, layouts: Mapping[str, ColumnLayout], mapping: Mapping[str, str] | None = None) -> Iterator[LoggedQuery]:
    """Every row with a query; the layout is resolved from the first row's keys."""
    resolved: ResolvedLayout | None = None
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        row = _parse_line(path, number, line)
        if resolved is None:
            resolved = resolve_layout(list(row), layouts, mapping)
            if resolved is None:
                raise QueryLogError(f"{path}:{number}: no query column among {', '.join(sorted(row)) or 'no keys'}",
                                    f"name it one of {', '.join(candidate_names(layouts))}")
        query = resolved.to_query(_case_insensitive(row, resolved))
        if query is not None:
            yield query


def _parse_line(path: Path, number: int, line: str) -> dict:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise QueryLogError(f"{path}:{number}: not valid JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(row, dict):
        raise QueryLogError(f"{path}:{number}: expected a JSON object per line, got {type(row).__name__}")
    return row


def _case_insensitive(row: dict, resolved: ResolvedLayout) -> dict:
    """Later rows may spell keys differently only by case; map them onto the resolved spelling."""
    if all(key in row for key in resolved.columns.values()):
        return row
    lowered = {k.lower(): v for k, v in row.items()}
    return {key: lowered.get(key.lower()) for key in resolved.columns.values()} | (
        {resolved.end_time: lowered.get(resolved.end_time.lower())} if resolved.end_time else {})
