"""``.csv`` logs with a header row; the query column is found by name (see ``layout.py``)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

from ..errors import QueryLogError
from ..sources.base import LoggedQuery
from .layout import ColumnLayout, candidate_names, resolve_layout

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # logged statements can be long


def read(path: Path, stream: TextIO, *, layouts: Mapping[str, ColumnLayout], mapping: Mapping[str, str] | None = None) -> Iterator[LoggedQuery]:
    """Every row with a query; the separator (``,``, ``;``, tab or ``|``) is sniffed from the header."""
    header_line = stream.readline()
    if not header_line.strip():
        return
    delimiter = max(",;\t|", key=header_line.count)
    header = next(csv.reader([header_line], delimiter=delimiter))
    resolved = resolve_layout(header, layouts, mapping)
    if resolved is None:
        raise QueryLogError(f"{path}:1: no query column in header ({', '.join(header)})",
                            f"name it one of {', '.join(candidate_names(layouts))}")
    reader = csv.DictReader(stream, fieldnames=header, delimiter=delimiter)
    try:
        for row in reader:
            query = resolved.to_query(row)
            if query is not None:
                yield query
    except csv.Error as exc:
        raise QueryLogError(f"{path}:{reader.line_num + 1}: malformed CSV ({exc})") from None
