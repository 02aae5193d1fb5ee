"""The scan stages of issue 4: profile, relationships (with key inference), entities.

Each stage is a short function of the scan context; the work lives in profile.py, keys.py, relationships.py
and entities.py, which take data and the small source object only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .entities import assign_roles, group_entities
from .keys import infer_primary_keys
from ..profile import Budget, profile_tables
from .relationships import discover_relationships

if TYPE_CHECKING:
    from ..scan_context import ScanContext
    from ..sources.base import Source


def _budget(ctx: ScanContext) -> Budget:
    """A fresh budget per stage: profiling and data checks each get ``profile_budget_s``."""
    scan = ctx.options.settings.scan
    return Budget(total_s=scan.profile_budget_s, statement_s=scan.statement_timeout_s)


def data_checks(ctx: ScanContext) -> tuple[Source | None, Budget | None]:
    """The source and a fresh budget for checks on the data, or ``(None, None)`` when the scan does not profile."""
    return (ctx.source, _budget(ctx)) if ctx.options.profile else (None, None)


def profile_stage(ctx: ScanContext) -> None:
    """Pushed-down profiling of every table (sampled, time-boxed); skipped when ``ScanOptions.profile`` is off."""
    if not ctx.options.profile:
        return
    tables = [t for t in ctx.model.tables if t.kind == "table"]
    with ctx.progress.stage("profile", total=len(tables)) as bar:
        ctx.warnings.extend(profile_tables(ctx.source, ctx.model.tables, ctx.options.settings.scan.sample_rows, _budget(ctx),
                                           on_table=bar.advance))


def relationships_stage(ctx: ScanContext) -> None:
    """Primary keys, then relationship candidates from every source, verified on the data and scored."""
    with ctx.progress.stage("relationships") as bar:
        source, budget = data_checks(ctx)
        infer_primary_keys(source, ctx.model.tables, budget)
        ctx.model.relationships = discover_relationships(ctx.model, source, ctx.options.settings.scan.sample_rows, budget)
        bar.advance(len(ctx.model.relationships))


def entities_stage(ctx: ScanContext) -> None:
    """Table roles and business entities from the relationships and lineage."""
    with ctx.progress.stage("entities") as bar:
        assign_roles(ctx.model, ctx.model.relationships)
        ctx.model.entities = group_entities(ctx.model, ctx.model.relationships)
        bar.advance(len(ctx.model.entities))
