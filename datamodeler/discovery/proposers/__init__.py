"""Relationship proposers: one module per kind of evidence, run in the order of ``PROPOSERS``.

Each proposer is ``propose(model) -> list[Relationship]``: candidates child -> parent with ``sources`` and
``evidence`` filled in. Candidates for the same endpoints are merged afterwards (``merge_candidates``).
"""

from __future__ import annotations

from collections.abc import Callable

from ...model import DataModel, Relationship
from . import composite, declared, naming, query_joins, roles

Proposer = Callable[[DataModel], list[Relationship]]

PROPOSERS: tuple[tuple[str, Proposer], ...] = (
    ("declared", declared.propose),
    ("query_join", query_joins.propose),
    ("naming", naming.propose),
    ("role", roles.propose),
    ("composite", composite.propose),
)


def propose_all(model: DataModel) -> list[Relationship]:
    """Every proposer's candidates, merged so each child -> parent pair appears once with all its evidence."""
    candidates: list[Relationship] = []
    for _, propose in PROPOSERS:
        candidates.extend(canonical_order(c) for c in propose(model))
    return merge_candidates(candidates)


def canonical_order(rel: Relationship) -> Relationship:
    """Composite candidates with their column pairs in the parent's column order, so (a, b) and (b, a) are one."""
    if len(rel.child_columns) < 2:
        return rel
    pairs = sorted(zip(rel.child_columns, rel.parent_columns), key=lambda pair: pair[1].lower())
    data = rel.model_dump()
    data.update(id="", child_columns=[c for c, _ in pairs], parent_columns=[p for _, p in pairs])
    return Relationship(**data)


def merge_candidates(candidates: list[Relationship]) -> list[Relationship]:
    """Merge candidates with the same endpoints (same stable id): union of sources and evidence."""
    merged: dict[str, Relationship] = {}
    for candidate in candidates:
        existing = merged.get(candidate.id)
        if existing is None:
            merged[candidate.id] = candidate.model_copy(deep=True)
            continue
        existing.sources = sorted(set(existing.sources) | set(candidate.sources))
        existing.evidence.extend(e for e in candidate.evidence if e not in existing.evidence)
        if candidate.status == "declared":
            existing.status = "declared"
    return list(merged.values())
