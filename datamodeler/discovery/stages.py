"""The discovery stages of a scan: profile, relationships (with key inference), entities.

Each stage is a short function of the scan context; the work lives in ``profile.py``, ``keys.py``,
``relationships.py`` and ``entities.py``, which take data and the small source object only.
"""

from __future__ import annotations

from ..profile import profile_tables
from ..scan_context import ScanContext
from .entities import assign_roles, group_entities
from .keys import infer_primary_keys
from .relationships import discover_relationships


def profile_stage(ctx: ScanContext) -> None:
    """Pushed-down profiling of every table (sampled, time-boxed); skipped when ``ScanOptions.profile`` is off."""
    if not ctx.options.profile:
        return
    tables = [t for t in ctx.model.tables if t.kind == "table"]
    with ctx.progress.stage("profile", total=len(tables)) as bar:
        ctx.warnings.extend(profile_tables(ctx.source, ctx.model.tables, ctx.options.settings.scan.sample_rows,
                                           ctx.fresh_budget(), on_table=bar.advance))


def relationships_stage(ctx: ScanContext) -> None:
    """Primary keys, then relationship candidates from every source, verified on the data and scored."""
    with ctx.progress.stage("relationships") as bar:
        source, budget = ctx.data_checks()
        infer_primary_keys(source, ctx.model.tables, budget)
        scan = ctx.options.settings.scan
        ctx.model.relationships = discover_relationships(ctx.model, source, scan.sample_rows, budget, value_search=scan.value_search)
        bar.advance(len(ctx.model.relationships))
    ctx.source.release()  # entities and the model write need no connection (an embedded engine's catalog: 1.6 GiB
    # at 100,000 tables); the LLM stage's data checks open it again


def entities_stage(ctx: ScanContext) -> None:
    """Table roles and business entities from the relationships and lineage."""
    with ctx.progress.stage("entities") as bar:
        assign_roles(ctx.model, ctx.model.relationships)
        ctx.model.entities = group_entities(ctx.model, ctx.model.relationships)
        bar.advance(len(ctx.model.entities))
