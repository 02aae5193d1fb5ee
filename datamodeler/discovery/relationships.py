"""Relationship discovery: propose candidates from every source, verify them on the data, score, resolve.

    proposers (declared, query joins, naming, roles, composite) -> verifiers (types, parent key, value range,
    inclusion) -> scoring -> ambiguity resolution -> cardinality

Works with no source (schema only: names, types and declared keys) and with no LLM.
"""

from __future__ import annotations

from ..model import DataModel, Relationship
from ..profile import Budget, ExecutingSource, is_unique
from .proposers import propose_all
from .scoring import alive_score, apply_scores, cannot_matter, child_key, resolve_ambiguity, upper_bound
from .verifiers import VerifyContext, verify


def discover_relationships(model: DataModel, source: ExecutingSource | None = None, sample_rows: int = 100_000,
                           budget: Budget | None = None) -> list[Relationship]:
    """Every relationship candidate with its evidence, status, confidence, cardinality and FK health."""
    context = VerifyContext(model=model, source=source, sample_rows=sample_rows, budget=budget)
    candidates = propose_all(model)
    verify_candidates(candidates, context)
    raw_scores = apply_scores(candidates)
    kept = resolve_ambiguity(candidates, raw_scores)
    for rel in kept:
        rel.cardinality = cardinality(model, rel)
    return sorted(kept, key=lambda r: (r.child_table, r.child_columns, r.parent_table, r.parent_columns))


def verify_candidates(candidates: list[Relationship], context: VerifyContext) -> None:
    """Verify every candidate, strongest first per child column set; one that cannot matter against the best alive
    score so far gets the cheap checks only, so names many tables share do not multiply warehouse statements."""
    groups: dict[tuple[str, tuple[str, ...]], list[Relationship]] = {}
    for candidate in candidates:
        groups.setdefault(child_key(candidate), []).append(candidate)
    for group in groups.values():
        best: float | None = None
        for candidate in sorted(group, key=upper_bound, reverse=True):
            if best is not None and cannot_matter(candidate, best):
                verify(candidate, context, on_data=False)
                continue
            verify(candidate, context)
            if (value := alive_score(candidate)) is not None:
                best = value if best is None else max(best, value)


def cardinality(model: DataModel, rel: Relationship) -> str:
    """``1:1`` when the child columns are themselves unique (a key or unique on the data), else ``N:1``."""
    child = model.table(rel.child_table)
    if child is None:
        return "N:1"
    wanted = sorted(c.lower() for c in rel.child_columns)
    if any(sorted(c.lower() for c in key) == wanted for key in [child.primary_key, *child.unique_keys] if key):
        return "1:1"
    if len(rel.child_columns) == 1 and (column := child.column(rel.child_columns[0])) is not None and is_unique(column):
        return "1:1" if (column.profile.rows or 0) > 1 else "N:1"
    return "N:1"
