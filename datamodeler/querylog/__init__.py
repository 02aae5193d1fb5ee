"""Query-log readers: files (``.sql``, ``.jsonl``, ``.csv``) into ``LoggedQuery`` records."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import QueryLogError
from ..sources.base import LoggedQuery

__all__ = ["read_logs", "LoggedQuery"]


def read_logs(paths: Iterable[Path]) -> Iterator[LoggedQuery]:
    """Every statement of every log file, in order; a missing or unreadable file is a ``QueryLogError``."""
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise QueryLogError(f"query log {path} does not exist", "check the --query-log path")
        yield from _read_file(path)


def _read_file(path: Path) -> Iterator[LoggedQuery]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryLogError(f"cannot read query log {path}: {exc}") from exc
    if path.suffix == ".jsonl":
        yield from _jsonl(text, path)
    else:
        yield from (LoggedQuery(text=s) for s in _split_sql(text))


def _jsonl(text: str, path: Path) -> Iterator[LoggedQuery]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QueryLogError(f"{path}:{number} is not valid JSON: {exc.msg}") from exc
        yield LoggedQuery(text=row["query"], user=row.get("user"), start_time=row.get("start_time"), duration_ms=row.get("duration_ms"))


def _split_sql(text: str) -> Iterator[str]:
    for part in text.split(";"):
        if part.strip():
            yield part.strip()
