"""Query-log readers: files and folders of ``.sql``, ``.jsonl`` and ``.csv`` logs (optionally ``.gz``) into ``LoggedQuery``.

    READERS   suffix -> reader module (sqlfile, jsonl, csvfile); one module per format
    LAYOUTS   vendor export layouts recognised by their column names (Snowflake, BigQuery, Databricks)

Readers stream: a log is never held in memory, only one statement at a time.
"""

from __future__ import annotations

import glob
import gzip
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TextIO

from ..errors import QueryLogError
from ..sources.base import LoggedQuery
from . import bigquery, csvfile, databricks, jsonl, snowflake, sqlfile
from .layout import FIELDS, ColumnLayout

__all__ = ["read_logs", "expand_log_paths", "parse_log_columns", "READERS", "LAYOUTS", "LoggedQuery", "ColumnLayout"]

Reader = Callable[..., Iterator[LoggedQuery]]

READERS: dict[str, Reader] = {
    ".sql": sqlfile.read,
    ".jsonl": jsonl.read,
    ".ndjson": jsonl.read,
    ".csv": csvfile.read,
}

LAYOUTS: dict[str, ColumnLayout] = {
    "snowflake": snowflake.LAYOUT,
    "bigquery": bigquery.LAYOUT,
    "databricks": databricks.LAYOUT,
}


def read_logs(paths: Iterable[Path | str], mapping: Mapping[str, str] | None = None) -> Iterator[LoggedQuery]:
    """Every statement of every log, in order; ``mapping`` names columns explicitly, e.g. ``{"query": "sql_body"}``."""
    for path in expand_log_paths(paths):
        yield from _read_file(path, mapping)


def parse_log_columns(pairs: Iterable[str]) -> dict[str, str]:
    """``["query=sql_body", "user=who"]`` -> ``{"query": "sql_body", "user": "who"}``, checked against the known fields."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not column.strip() or field.strip() not in FIELDS:
            raise QueryLogError(f"--log-column {pair!r} is not FIELD=COLUMN", f"fields: {', '.join(FIELDS)}")
        mapping[field.strip()] = column.strip()
    return mapping


def expand_log_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files behind each argument: a file, a folder (its log files, recursively) or a glob pattern."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and log_suffix(p) in READERS))
        elif glob.has_magic(str(given)):
            matches = sorted(Path(p) for p in glob.glob(str(given), recursive=True) if Path(p).is_file())
            if not matches:
                raise QueryLogError(f"query log pattern {given} matches no file", "check the --query-log pattern")
            found.extend(matches)
        else:
            raise QueryLogError(f"query log {path} does not exist", "check the --query-log path")
    return found


def log_suffix(path: Path) -> str:
    """The format suffix, looking through ``.gz``: ``q.sql.gz`` -> ``.sql``."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _read_file(path: Path, mapping: Mapping[str, str] | None) -> Iterator[LoggedQuery]:
    suffix = log_suffix(path)
    reader = READERS.get(suffix, sqlfile.read)  # unknown suffix: treat as SQL text
    try:
        _refuse_binary(path)
        with _open_text(path) as stream:
            yield from reader(path, stream, layouts=LAYOUTS, mapping=mapping)
    except (OSError, EOFError) as exc:
        raise QueryLogError(f"cannot read query log {path}: {exc}") from None


def _refuse_binary(path: Path) -> None:
    """A file with NUL bytes is no text log (one bad byte in a text log only fails its statement)."""
    with (gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")) as raw:
        if b"\x00" in raw.read(8192):
            raise QueryLogError(f"{path}: not a text file (it holds NUL bytes)")


def _open_text(path: Path) -> TextIO:
    if path.suffix.lower() == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", errors="surrogateescape", newline="")
    return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")  # bad bytes fail their statement only
