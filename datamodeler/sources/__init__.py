"""Warehouse sources, one adapter per file, chosen by the URL's backend in ``SOURCES``."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import make_url

from ..config import ScanSettings
from ..errors import SourceError
from .base import CatalogFilter, LoggedQuery, Rows, Source
from .bigquery import BigQuerySource
from .databricks import DatabricksSource
from .duckdb import DuckDBSource
from .postgresql import PostgresSource
from .snowflake import SnowflakeSource
from .sqlalchemy_source import SQLAlchemySource, redact_url
from .sqlite import SQLiteSource

SOURCES: dict[str, Callable[[str], Source]] = {
    "sqlite": SQLiteSource,
    "duckdb": DuckDBSource,
    "postgresql": PostgresSource,
    "snowflake": SnowflakeSource,
    "bigquery": BigQuerySource,
    "databricks": DatabricksSource,
}

__all__ = ["SOURCES", "CatalogFilter", "LoggedQuery", "Rows", "Source", "open_source", "redact_url"]


def open_source(url: str, settings: ScanSettings | None = None) -> Source:
    """Open the warehouse at ``url`` read-only; any SQLAlchemy URL works, these backends have adapters.

    Sources that have settings of their own (a history window, a memory cap) take them from ``settings``.
    """
    try:
        backend = make_url(url).get_backend_name()
    except Exception as exc:  # noqa: BLE001 - sqlalchemy raises several types for bad URLs
        raise SourceError(f"'{url}' is not a database URL", "use the form dialect+driver://user:pass@host/db, e.g. sqlite:///file.db") from exc
    source = SOURCES.get(backend, SQLAlchemySource)(url)
    configure = getattr(source, "configure", None)
    if settings is not None and configure is not None:
        configure(settings)
    return source
