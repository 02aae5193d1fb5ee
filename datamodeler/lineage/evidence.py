"""Fold per-shape results into the model's records, weighting every observation by its shape's count."""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..model import ColumnUsage, JoinStat, LineageEdge, LineageTransform, QueryFailure, QueryShape, QueryStats
from .catalog import Resolution
from .extract import EdgeRow, StatementLineage
from .shapes import Shape
from .trace import merge_transforms

MAX_QUERY_REFS = 10  # fingerprints kept per edge / join: enough to show examples, bounded for big logs
MAX_SHAPES_KEPT = 10_000  # shapes listed in the model file (see query_stats); the rest are counted
USAGE_KINDS = ("filter", "group_by", "join", "select")
SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog", "sys", "system", "duckdb_catalog"})
_RESOLUTION_RANK: dict[Resolution, int] = {"catalog": 0, "log": 1, "inferred": 2}


@dataclass
class LineageEvidence:
    """Everything the lineage stage puts into the model."""

    queries: QueryStats = field(default_factory=QueryStats)
    lineage: list[LineageEdge] = field(default_factory=list)
    joins: list[JoinStat] = field(default_factory=list)
    usage: list[ColumnUsage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True, frozen=True)
class ShapeOutcome:
    """What the model still needs of one analysed shape once its edges, joins and usage are folded into an
    ``EvidenceBuilder``: a million full results would not fit in memory, a million of these do."""

    kind: str = "other"
    failure: tuple[str, str] | None = None
    tables: tuple[str, ...] = ()  # read, written or dropped
    unknown_tables: tuple[str, ...] = ()
    target: str | None = None
    creates: bool = False  # the statement creates its target table
    temporary: bool = False
    dropped: tuple[str, ...] = ()

    @classmethod
    def of(cls, result: StatementLineage) -> ShapeOutcome:
        """The outcome of ``result``, its names interned (the same table names recur in every shape)."""
        names = _interned
        tables = sorted(set(result.reads) | ({result.target} if result.target else set()) | set(result.dropped))
        return cls(kind=sys.intern(result.kind), failure=result.failure, tables=names(tables),
                   unknown_tables=names(result.unknown_tables), target=result.target,
                   creates=result.created_columns is not None or result.kind in ("create_table", "create_table_as"),
                   temporary=result.temporary, dropped=names(result.dropped))


def _interned(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sys.intern(n) for n in names)


class EvidenceBuilder:
    """Accumulates statement results, then emits model records."""

    def __init__(self) -> None:
        self.edges: dict[EdgeRow, list[str]] = {}
        self.transforms: dict[tuple[str, str], LineageTransform] = {}
        self.resolutions: dict[EdgeRow, Resolution] = {}  # edges not (yet) seen resolved by the catalog
        self.joins: dict[tuple, JoinStat] = {}
        self.usage: dict[str, Counter] = defaultdict(Counter)
        self.warnings: list[str] = []

    def add(self, result: StatementLineage, weight: int, reference: str) -> None:
        """One statement's edges, joins and usage, counted ``weight`` times under ``reference``."""
        for edge in result.edges:
            self._resolve(edge, result.resolutions.get(edge, "catalog"))
            refs = self.edges.setdefault(edge, [])
            if len(refs) < MAX_QUERY_REFS and reference not in refs:
                refs.append(reference)
        for pair, kind in result.transforms.items():
            known = self.transforms.get(pair)
            self.transforms[pair] = kind if known is None else merge_transforms([known, kind])
        cast_joins = set(result.cast_joins)
        for left_table, left_columns, right_table, right_columns in result.joins:
            key = (left_table, left_columns, right_table, right_columns)
            stat = self.joins.get(key)
            if stat is None:
                stat = self.joins[key] = JoinStat(left_table=left_table, left_columns=list(left_columns),
                                                  right_table=right_table, right_columns=list(right_columns))
            stat.count += weight
            if key in cast_joins:
                stat.cast = True
            if len(stat.queries) < MAX_QUERY_REFS and reference not in stat.queries:
                stat.queries.append(reference)
        for column, usage_kind in result.usage:
            self.usage[column][usage_kind] += weight

    def _resolve(self, edge: EdgeRow, resolution: Resolution) -> None:
        """Keep the strongest resolution any statement gave the edge (catalog > log > inferred)."""
        known = self.resolutions.get(edge, "inferred")
        self.resolutions[edge] = min(known, resolution, key=_RESOLUTION_RANK.__getitem__)

    def cited_shapes(self) -> set[str]:
        """Fingerprints that lineage edges cite (entity roles read those shapes back)."""
        return {reference for refs in self.edges.values() for reference in refs}

    def records(self) -> tuple[list[LineageEdge], list[JoinStat], list[ColumnUsage]]:
        lineage = [LineageEdge(source=s, target=t, kind=k, transform=self.transforms.get((s, t)), queries=refs,
                               resolution=self.resolutions.get((s, t, k), "catalog"))
                   for (s, t, k), refs in sorted(self.edges.items())]
        joins = sorted(self.joins.values(), key=lambda j: (-j.count, j.left_table, j.left_columns, j.right_table))
        usage = [ColumnUsage(column=column, **{k: counts[k] for k in USAGE_KINDS}) for column, counts in sorted(self.usage.items())]
        return lineage, joins, usage


def transient_tables(shapes: Iterable[Shape], results: dict[str, ShapeOutcome], crawled: set[str]) -> list[str]:
    """Tables the log creates for a while only: created temporary, or created and, last of all, dropped.

    A table dropped and then created again (``DROP IF EXISTS t; CREATE TABLE t AS …`` every night) stays: the
    last statement about it is the create. ``crawled`` holds the folded names of the tables the catalog has.
    """
    created: dict[str, tuple[str, tuple]] = {}  # folded -> (name, when last created)
    dropped: dict[str, tuple] = {}
    transient: dict[str, str] = {}
    for shape in shapes:
        result = results.get(shape.fingerprint)
        if result is None or result.failure:
            continue
        when = _last_run(shape)
        if result.target and result.creates:
            folded = result.target.lower()
            if result.temporary:
                transient[folded] = result.target
            if folded not in created or created[folded][1] < when:
                created[folded] = (result.target, when)
        for name in result.dropped:
            dropped[name.lower()] = max(dropped.get(name.lower(), when), when)
    for folded, (name, when) in created.items():
        if folded in dropped and dropped[folded] >= when and folded not in crawled:
            transient[folded] = name
    return sorted(transient.values())


def _last_run(shape: Shape) -> tuple:
    """When a shape last ran: its start time where the log has one, else its place in the log."""
    return (shape.last_seen or "", shape.last_position)


def query_stats(shapes: Iterable[Shape], results: dict[str, ShapeOutcome], total: int,
                keep: set[str] | frozenset[str] = frozenset(), max_shapes: int = MAX_SHAPES_KEPT) -> QueryStats:
    """Totals, failures by reason and the shape list (normalised text only: no literals).

    The list holds at most ``max_shapes`` shapes (a log of 100,000 dashboards would make a 130 MB model file):
    every statement that writes (CTAS, INSERT, MERGE, …), every shape in ``keep`` (those lineage edges cite),
    then the most executed; the others are counted in ``omitted_shapes`` / ``omitted_executions``.
    """
    stats = QueryStats(total=total)
    kept: list[tuple[Shape, ShapeOutcome | None, tuple[str, str] | None]] = []
    rest: list[tuple[Shape, ShapeOutcome | None, tuple[str, str] | None]] = []
    for shape in shapes:
        result = results.get(shape.fingerprint)
        failure = shape.failure or (result.failure if result else ("unsupported", "not analysed"))
        stats.distinct += 1
        if failure:
            stats.failed += 1
            stats.failures_by_reason[failure[0]] = stats.failures_by_reason.get(failure[0], 0) + 1
            stats.failures.append(QueryFailure(fingerprint=shape.fingerprint, reason=failure[0], error=failure[1], count=shape.count))
        else:
            stats.parsed += 1
            _count_unknown_tables(stats, result)
        writes = result is not None and not failure and result.kind not in ("select", "other")
        (kept if writes or shape.fingerprint in keep else rest).append((shape, result, failure))
    rest.sort(key=lambda item: (-item[0].count, item[0].fingerprint))
    room = max(0, max_shapes - len(kept))
    kept.extend(rest[:room])
    for shape, _, _ in rest[room:]:
        stats.omitted_shapes += 1
        stats.omitted_executions += shape.count
    for shape, result, failure in kept:
        stats.shapes.append(QueryShape(
            fingerprint=shape.fingerprint, sql=shape.sql, count=shape.count, users=sorted(shape.users),
            first_seen=shape.first_seen, last_seen=shape.last_seen,
            tables=list(result.tables) if result and not failure else [], kind=result.kind if result and not failure else None,
        ))
    stats.failures_by_reason = dict(sorted(stats.failures_by_reason.items()))
    stats.unknown_tables = dict(sorted(stats.unknown_tables.items()))
    return stats


def _count_unknown_tables(stats: QueryStats, result: ShapeOutcome | None) -> None:
    """A statement reading user tables the catalog lacks is partial; a warehouse's own system views are not missing."""
    names = [n for n in result.unknown_tables if n.lower().partition(".")[0] not in SYSTEM_SCHEMAS] if result else []
    if not names:
        return
    stats.partial += 1
    for name in names:
        stats.unknown_tables[name] = stats.unknown_tables.get(name, 0) + 1


def unknown_tables_line(stats: QueryStats, shown: int = 5) -> str | None:
    """``12 statements read 4 tables the catalog lacks: legacy.sales_extract, …`` (None when there are none)."""
    if not stats.unknown_tables:
        return None
    names = sorted(stats.unknown_tables, key=lambda n: (-stats.unknown_tables[n], n))
    listed = ", ".join(names[:shown]) + (", …" if len(names) > shown else "")
    tables = "table" if len(names) == 1 else "tables"
    statements = "statement" if stats.partial == 1 else "statements"
    return f"{stats.partial} {statements} read {len(names)} {tables} the catalog lacks: {listed}"
