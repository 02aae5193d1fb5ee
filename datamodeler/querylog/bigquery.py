"""BigQuery ``region-*.INFORMATION_SCHEMA.JOBS`` (or ``JOBS_BY_PROJECT``) exports: duration is end_time - start_time."""

from .layout import ColumnLayout

LAYOUT = ColumnLayout(
    name="bigquery",
    query=("query",),
    user=("user_email",),
    start_time=("start_time", "creation_time"),
    database=("project_id",),
    end_time=("end_time",),
    signature=frozenset({"query", "user_email", "creation_time"}),
)
