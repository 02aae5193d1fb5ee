"""The personal-data map: PII followed through lineage and keys, for inventories, access and erasure requests.

    inventory = build_inventory(load_model())
    request = subject_request(model, inventory, "crm.members", "42")

``propagate`` follows PII categories along column lineage; ``subjects`` finds the tables identifying people and
every table linked to them; ``inventory`` puts both together per table; ``requests`` writes the read-only SELECTs
and the erasure order. Nothing here calls an LLM; only ``run_requests`` touches the warehouse, read-only.
"""

from __future__ import annotations

from ..model import DataModel
from ..sources import open_source
from .inventory import Inventory, TableEntry, build_inventory
from .propagate import PersonalColumn, propagate_pii
from .requests import DEFAULT_ROW_LIMIT, ErasureStep, SubjectRequest, TableRequest, erasure_plan, subject_request
from .subjects import Hop, Subject, SubjectLink, find_subjects, link_tables

__all__ = ["Inventory", "TableEntry", "build_inventory", "PersonalColumn", "propagate_pii", "ErasureStep", "SubjectRequest",
           "TableRequest", "erasure_plan", "subject_request", "Hop", "Subject", "SubjectLink", "find_subjects", "link_tables",
           "run_requests", "person_request"]


def run_requests(request: SubjectRequest, model: DataModel, url: str | None = None, timeout_s: float = 30.0,
                 limit: int | None = None) -> SubjectRequest:
    """Execute each guarded SELECT read-only through the source (like ``ask --run``) and record the row counts."""
    source = open_source(url or model.source.url)
    try:
        for table in request.tables:
            rows = source.execute(table.sql, timeout_s=timeout_s, max_rows=limit)
            table.result, table.rows = rows, len(rows.rows)
            table.truncated = limit is not None and table.rows >= limit
    finally:
        source.close()
    return request


def person_request(model: DataModel, subject: str, value: str, *, run: bool = False, erasure: bool = False,
                   url: str | None = None, timeout_s: float = 30.0) -> SubjectRequest:
    """Everything ``pii --subject TABLE --id VALUE`` shows: the guarded SELECTs, optionally their row counts and the erasure order."""
    inventory = build_inventory(model, [subject])
    request = subject_request(model, inventory, subject, value)
    if erasure:
        request.erasure = erasure_plan(model, inventory, subject)
    if run:
        run_requests(request, model, url, timeout_s, limit=DEFAULT_ROW_LIMIT)
    return request
