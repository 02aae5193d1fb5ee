"""What every warehouse source offers: its catalog, its query history and read-only queries."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..model import Table

SYSTEM_SCHEMAS = frozenset(
    {"information_schema", "pg_catalog", "pg_toast", "pg_internal", "sys", "mysql", "performance_schema", "temp"}
)


@dataclass(frozen=True)
class LoggedQuery:
    """One statement from a query log or the warehouse's own history."""

    text: str
    user: str | None = None
    start_time: str | None = None
    duration_ms: float | None = None
    database: str | None = None
    count: int = 1


@dataclass(frozen=True)
class CatalogFilter:
    """Which schemas and tables to crawl; globs match ``schema.table`` or the bare table name."""

    schemas: Sequence[str] = ()
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()

    def wants_schema(self, schema: str | None) -> bool:
        if self.schemas:
            return (schema or "").lower() in {s.lower() for s in self.schemas}
        return (schema or "").lower() not in SYSTEM_SCHEMAS and not (schema or "").lower().startswith("pg_")

    def wants_table(self, qualified: str) -> bool:
        bare = qualified.rpartition(".")[2]
        names = (qualified.lower(), bare.lower())
        if self.include and not any(fnmatch.fnmatch(n, p.lower()) for p in self.include for n in names):
            return False
        return not any(fnmatch.fnmatch(n, p.lower()) for p in self.exclude for n in names)


@dataclass
class Rows:
    """The result of a read-only query."""

    columns: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


class Source(Protocol):
    """A warehouse, opened read-only."""

    dialect: str
    url: str
    notes: list[str]  # what the driver warned about while crawling, for the scan's notes

    def catalog(self, filters: CatalogFilter) -> list[Table]:
        """Tables and views with columns, keys, comments and row counts."""
        ...

    def queries(self) -> Iterator[LoggedQuery]:
        """The warehouse's own query history, when it keeps one (else nothing)."""
        ...

    def execute(self, sql: str, timeout_s: float = 30.0, max_rows: int | None = None) -> Rows:
        """Run one read-only statement with a time limit."""
        ...

    def default_schemas(self) -> list[str]:
        """Where the warehouse looks for an unqualified table name, in order ([] when it cannot say)."""
        ...

    def release(self) -> None:
        """Free what the source holds in this process until it is next used (an embedded engine's catalog)."""
        ...

    def close(self) -> None: ...


def qualified_name(schema: str | None, table: str) -> str:
    """``schema.table``, or just ``table`` where the warehouse has no schemas (SQLite's main)."""
    return f"{schema}.{table}" if schema else table
