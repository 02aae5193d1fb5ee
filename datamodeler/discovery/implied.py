"""References a composite reference already states: the model keeps the most specific parent, not its ancestors.

    takes(course_id, sec_id, semester, year) -> section          section.course_id -> course
    takes.course_id -> course                                    implied: rejected

A row of ``takes`` names one section, and that section names its course: ``takes.course_id`` holds a course
because it is part of a section's key, so stating it again as its own reference is the transitive edge of a chain
(as a subtype's parent is preferred over its supertype, see ``subtypes``). A relationship is **implied** when a
live composite reference from a proper superset of its child columns leads, column by column, to its parent
through live relationships of the composite's parent (one or more hops: ``draft_copies.document_id`` ->
``document_drafts`` -> ``documents``). Only composites (two or more columns) open a path, so a chain of
single-column references (``orders.customer_id`` next to ``orders.address_id`` -> ``addresses.customer_id``)
is never collapsed. Declared relationships, and those the query log joins along (a path people use directly),
are never rejected.
"""

from __future__ import annotations

from collections import defaultdict

from ..model import ASSERTED_STATUSES, Evidence, Relationship
from .health import inclusion_ratio

FULL_INCLUSION = 0.99
Node = tuple[str, str]  # (table, column), lower-cased


def _live(rel: Relationship) -> bool:
    return rel.status in ASSERTED_STATUSES


def _pairs(rel: Relationship) -> list[tuple[Node, Node]]:
    child, parent = rel.child_table.lower(), rel.parent_table.lower()
    return [((child, c.lower()), (parent, p.lower())) for c, p in zip(rel.child_columns, rel.parent_columns)]


def _column_edges(rels: list[Relationship]) -> dict[Node, set[Node]]:
    edges: dict[Node, set[Node]] = defaultdict(set)
    for rel in rels:
        for child, parent in _pairs(rel):
            edges[child].add(parent)
    return edges


def _reachable(start: Node, edges: dict[Node, set[Node]], avoid: Node) -> set[Node]:
    """Every column reachable from ``start``, never passing through ``avoid`` (the implied reference's own child)."""
    seen: set[Node] = set()
    todo = [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen and nxt != avoid:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _composites(live: list[Relationship]) -> list[Relationship]:
    """Live composite references holding every child row: the paths an implied reference can be stated through."""
    return [r for r in live if len(r.child_columns) >= 2 and (r.status == "declared" or (inclusion_ratio(r) or 0.0) >= FULL_INCLUSION)]


def implied_by(rel: Relationship, composites: list[Relationship], edges: dict[Node, set[Node]]) -> Relationship | None:
    """The composite reference through which every column pair of ``rel`` is already stated, else None."""
    columns = {c.lower() for c in rel.child_columns}
    for composite in composites:
        if composite is rel or composite.child_table.lower() != rel.child_table.lower():
            continue
        through = dict(_pairs(composite))
        if not columns < {c for _, c in through}:
            continue
        if all(parent in _reachable(through[child], edges, child) for child, parent in _pairs(rel)):
            return composite
    return None


def _joined(rel: Relationship) -> bool:
    """The query log joins along it: a path people use directly (``episodes.title_sk = titles.title_sk``), kept."""
    return any(e.kind == "query_join" for e in rel.evidence)


def reject_implied(kept: list[Relationship]) -> None:
    """Reject every inferred relationship a composite reference already states (see the module docstring)."""
    live = [r for r in kept if _live(r)]
    composites = _composites(live)
    if not composites:
        return
    edges = _column_edges(live)
    for rel in live:
        if rel.status == "declared" or _joined(rel) or (composite := implied_by(rel, composites, edges)) is None:
            continue
        rel.status = "rejected"
        rel.confidence = min(rel.confidence, 0.69)
        rel.evidence.append(Evidence(
            kind="rejected", detail=f"implied by {composite.label}: {composite.parent_table}'s key leads to "
                                    f"{rel.parent_table}, so the reference is stated there"))
