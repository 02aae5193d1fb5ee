"""The lineage stage's work: analyse every distinct shape and every view definition, build the records."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ..model import Table
from .catalog import CatalogIndex
from .evidence import EvidenceBuilder, LineageEvidence, ShapeOutcome, query_stats, transient_tables, unknown_tables_line
from .extract import StatementAnalyzer
from .runner import analyze_one, iter_analyzed
from .shapes import Shape, ShapeCollector


def build_lineage(tables: Sequence[Table], collector: ShapeCollector, dialect: str | None, *, workers: int = 0,
                  timeout_s: float = 10.0, on_done: Callable[[int], None] | None = None,
                  default_schemas: Sequence[str] | None = None) -> LineageEvidence:
    """Lineage, joins, usage and query statistics from the catalog's views and the collected log shapes.

    ``default_schemas``: the source's search path, where an unqualified name held by two schemas resolves
    (None: the dialect's usual default schema).
    """
    catalog = CatalogIndex.from_tables(tables, dialect, default_schemas)
    crawled = set(catalog.tables)
    builder = EvidenceBuilder()
    _add_views(tables, catalog, dialect, timeout_s, builder)
    items = [(s.fingerprint, s.sql) for s in _in_log_order(collector.shapes.values()) if s.failure is None]
    results: dict[str, ShapeOutcome] = {}
    for fingerprint, result in iter_analyzed(items, catalog, dialect, workers=workers, timeout_s=timeout_s, on_done=on_done):
        if result.failure is None:  # folded as it streams: only the small outcome is kept per shape
            builder.add(result, collector.shapes[fingerprint].count, fingerprint)
        results[fingerprint] = ShapeOutcome.of(result)
    lineage, joins, usage = builder.records()
    stats = query_stats(collector.shapes.values(), results, collector.total, keep=builder.cited_shapes())
    stats.transient_tables = transient_tables(collector.shapes.values(), results, crawled)
    if (line := unknown_tables_line(stats)) is not None:
        builder.warnings.append(f"{line} (lineage through them is inferred from the statements; widen the crawl to resolve it)")
    return LineageEvidence(queries=stats, lineage=lineage, joins=joins, usage=usage, warnings=builder.warnings)


def _in_log_order(shapes: Iterable[Shape]) -> list[Shape]:
    """Shapes by when they first ran (start time where the log has one, else place in the log), so the first
    CREATE of a name in the log defines its columns for the statements after it."""
    return sorted(shapes, key=lambda s: (s.first_seen is None, s.first_seen or "", s.first_position))


def _add_views(tables: Sequence[Table], catalog: CatalogIndex, dialect: str | None, timeout_s: float, builder: EvidenceBuilder) -> None:
    """Each crawled view definition: lineage into the view's columns (a failure becomes a warning)."""
    views = [t for t in tables if t.view_sql]
    if not views:
        return
    analyzer = StatementAnalyzer(catalog, dialect)
    for view in views:
        result = analyze_one(analyzer, view.view_sql or "", timeout_s, default_target=view.name)
        if result.failure:
            builder.warnings.append(f"view {view.name}: lineage not extracted ({result.failure[0]}: {result.failure[1]})")
        else:
            builder.add(result, 1, f"view:{view.name}")
