"""BigQuery: live history from ``region-xx.INFORMATION_SCHEMA.JOBS`` (driver: sqlalchemy-bigquery, optional).

The region comes from the URL's ``location`` (``bigquery://project/dataset?location=EU``); ``us`` when absent.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine, make_url
from sqlglot import exp

from ..querylog.bigquery import LAYOUT
from .history import HistorySource, equals, history_select, shapes_select

DEFAULT_LOCATION = "us"


def jobs_table(location: str = DEFAULT_LOCATION) -> exp.Table:
    """``region-<location>.INFORMATION_SCHEMA.JOBS`` (the project's jobs, as ``JOBS_BY_PROJECT``)."""
    return exp.table_("JOBS", db="INFORMATION_SCHEMA", catalog=exp.to_identifier(f"region-{location.lower()}"))


def history_query(days: int, limit: int, table: exp.Table | str | None = None) -> exp.Select:
    """Query jobs created in the last ``days`` days that finished without error, newest first.

    The window is on ``creation_time``, the view's partitioning column, so only those days are scanned;
    script parents are left out (their child jobs hold the individual statements).
    """
    return history_select(LAYOUT, table if table is not None else jobs_table(), time_column="creation_time",
                          days=days, limit=limit, conditions=_finished_queries())


def shapes_query(days: int, limit: int, table: exp.Table | str | None = None) -> exp.Select:
    """The same jobs grouped by ``query_info.query_hashes.normalized_literals`` (the text where it is null)."""
    normalized = exp.column("normalized_literals", table="query_hashes", db="query_info")
    key = exp.func("COALESCE", normalized, exp.column("query"))
    return shapes_select(LAYOUT, table if table is not None else jobs_table(), time_column="creation_time",
                         days=days, limit=limit, shape_key=key, conditions=_finished_queries())


def _finished_queries() -> list[exp.Expression]:
    return [
        equals("job_type", "QUERY"),
        equals("state", "DONE"),
        exp.column("error_result").is_(exp.null()),
        exp.func("COALESCE", exp.column("statement_type"), exp.Literal.string("")).neq(exp.Literal.string("SCRIPT")),
    ]


class BigQuerySource(HistorySource):
    """A BigQuery project; its history needs ``bigquery.jobs.listAll`` (e.g. roles/bigquery.resourceViewer)."""

    driver_package = "sqlalchemy-bigquery"
    layout = LAYOUT
    access_hint = "grant bigquery.jobs.listAll on the project (e.g. roles/bigquery.resourceViewer), or set ?location= to the jobs' region"

    def __init__(self, url: str, engine: Engine | None = None):
        self.location = str(make_url(url).query.get("location") or DEFAULT_LOCATION)
        super().__init__(url, engine)

    def history_query(self) -> exp.Select:
        return history_query(self.history_days, self.history_limit, jobs_table(self.location))

    def shapes_query(self) -> exp.Select:
        return shapes_query(self.history_days, self.history_limit, jobs_table(self.location))
