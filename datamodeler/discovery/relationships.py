"""Relationship discovery: propose candidates from every source, verify them on the data, score, resolve.

    partitions (families) -> proposers (declared, query joins, naming, roles, composite) -> verifiers (types,
    parent key, value range, inclusion) -> scoring -> most specific parent (subtypes) -> ambiguity resolution
    -> data-driven candidates (values) -> references a composite already states (implied) -> cardinality
    -> subtype roles

Works with no source (schema only: names, types and declared keys) and with no LLM.
"""

from __future__ import annotations

from ..identifiers import schema_vocabulary
from ..model import Cardinality, DataModel, Relationship, Table
from ..profile import Budget, ExecutingSource, is_unique
from .families import logical_tables, mark_partitions
from .implied import reject_implied
from .proposers import propose_all
from .proposers.values import propose_unexplained
from .scoring import alive_score, apply_scores, cannot_matter, child_key, resolve_ambiguity, upper_bound
from .subtypes import mark_subtypes, prefer_most_specific
from .verifiers import VerifyContext, verify, verify_together


def discover_relationships(model: DataModel, source: ExecutingSource | None = None, sample_rows: int = 100_000,
                           budget: Budget | None = None, value_search: bool = True) -> list[Relationship]:
    """Every relationship candidate with its evidence, status, confidence, cardinality and FK health; partitions
    and shards (``Table.part_of``) take no part: their logical table stands for them. ``value_search``: the
    data-driven candidates for columns no name explains (``[scan] value_search``), with a source only."""
    mark_partitions(model.tables)
    model = model.model_copy(update={"tables": logical_tables(model.tables)})
    context = VerifyContext(model=model, source=source, sample_rows=sample_rows, budget=budget)
    with schema_vocabulary(schema_names(model.tables)):
        kept = _verify_and_resolve(propose_all(model), context)
        if source is not None and value_search:
            kept += _verify_and_resolve(_unexplained_candidates(model, kept), context)
    reject_implied(kept)
    for rel in kept:
        rel.cardinality = cardinality(model, rel)
    mark_subtypes(model, kept)
    return sorted(kept, key=lambda r: (r.child_table, r.child_columns, r.parent_table, r.parent_columns))


def schema_names(tables: list[Table]) -> list[str]:
    """Every table and column name: the vocabulary that splits the schema's unbroken identifiers into words."""
    return [name for table in tables for name in (table.short_name, *(c.name for c in table.columns))]


def _verify_and_resolve(candidates: list[Relationship], context: VerifyContext) -> list[Relationship]:
    verify_candidates(candidates, context)
    raw = apply_scores(candidates)
    prefer_most_specific(context.model, candidates, raw)
    return resolve_ambiguity(candidates, raw)


def _unexplained_candidates(model: DataModel, kept: list[Relationship]) -> list[Relationship]:
    """Data-driven candidates for the columns no kept relationship explains, never the reverse of a kept one."""
    alive = [r for r in kept if r.status != "rejected"]
    explained = {(r.child_table.lower(), c.lower()) for r in alive for c in r.child_columns}
    reverse = {(r.parent_table.lower(), r.parent_columns[0].lower(), r.child_table.lower()) for r in alive if len(r.parent_columns) == 1}
    return [c for c in propose_unexplained(model, explained)
            if (c.child_table.lower(), c.child_columns[0].lower(), c.parent_table.lower()) not in reverse]


ALWAYS_CHECKED_ON_DATA = 3  # per child column set: a subtype and its supertypes all need their inclusion measured


def verify_candidates(candidates: list[Relationship], context: VerifyContext) -> None:
    """Verify every candidate, strongest first per child column set; past the first ``ALWAYS_CHECKED_ON_DATA``, one
    that cannot matter against the best alive score so far gets the cheap checks only, so names many tables share
    do not multiply warehouse statements (at most a constant few per reference column)."""
    groups: dict[tuple[str, tuple[str, ...]], list[Relationship]] = {}
    for candidate in candidates:
        groups.setdefault(child_key(candidate), []).append(candidate)
    for group in groups.values():
        ranked = sorted(group, key=upper_bound, reverse=True)
        verify_together(ranked[:ALWAYS_CHECKED_ON_DATA], context)
        best = max((v for c in ranked[:ALWAYS_CHECKED_ON_DATA] if (v := alive_score(c)) is not None), default=None)
        for candidate in ranked[ALWAYS_CHECKED_ON_DATA:]:
            if best is not None and cannot_matter(candidate, best):
                verify(candidate, context, on_data=False)
                continue
            verify(candidate, context)
            if (value := alive_score(candidate)) is not None:
                best = value if best is None else max(best, value)


def cardinality(model: DataModel, rel: Relationship) -> Cardinality:
    """``1:1`` when the child columns are themselves unique (a key or unique on the data), else ``N:1``."""
    child = model.table(rel.child_table)
    if child is None:
        return "N:1"
    wanted = sorted(c.lower() for c in rel.child_columns)
    if any(sorted(c.lower() for c in key) == wanted for key in [child.primary_key, *child.unique_keys] if key):
        return "1:1"
    if len(rel.child_columns) == 1 and (column := child.column(rel.child_columns[0])) is not None and is_unique(column):
        return "1:1" if column.profile is not None and (column.profile.rows or 0) > 1 else "N:1"
    return "N:1"
