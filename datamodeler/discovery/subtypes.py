"""Subtype / supertype chains: a table whose primary key references another table's primary key, 1:1.

    person.businessentityid -> businessentity.businessentityid        (person is a subtype of businessentity)
    employee.businessentityid -> person.businessentityid             (employee is a subtype of person)

Two rules, both from measured data only:

- **most specific parent**: when a child column's values are all found in a parent and in one of that parent's
  subtypes, the subtype is the reference the model means (``salesperson`` points at ``employee``, not at the
  root ``businessentity``). The smaller superset wins only when chance cannot explain it: ``d`` child values all
  landing in the subtype by accident has probability ``(subtype keys / supertype keys) ** d``, which must be
  below ``MAX_CHANCE`` (the randomness test of the data-driven candidates, applied to a subset). A child that is
  itself keyed by the column (a subtype further down the chain) always links to its direct parent: a chain of
  subtypes is modelled as a chain (the transitive reduction), not as a star on the root.
- **siblings**: two tables keyed by one name borrowed from a third (``employee.party_id``, ``person.party_id``)
  are proposed to each other (naming ``twin_key``); the link stands only when the child's keys are a proper
  subset of the parent's.
- **kind-of names**: ``premium_customer.id`` -> ``customer.id`` (naming ``subtype_name``) stands only when the
  child's keys look like a sample of the parent's (the randomness test of ``proposers.values``), not a counter
  ``1..N`` of its own.
- **role**: a kept relationship from a table's whole primary key to another's whole primary key whose child key
  holds fewer distinct values than the parent's (a proper subset) gets ``role = "subtype"`` and a ``subtype``
  evidence saying so; a table built from others by a query (a lineage target: a mart holding one row per key)
  is derived, not a subtype.
"""

from __future__ import annotations

from collections import defaultdict

from ..model import Column, DataModel, Evidence, Relationship, Table
from ..profile import type_family
from .health import inclusion_ratio
from .proposers.values import fits

FULL_INCLUSION = 0.99
MAX_CHANCE = 0.05


def _key_columns(table: Table | None) -> list[str]:
    return sorted(c.lower() for c in table.primary_key) if table is not None else []


def is_key_to_key(model: DataModel, rel: Relationship) -> bool:
    """The child columns are the child's whole primary key and the parent columns the parent's."""
    child, parent = model.table(rel.child_table), model.table(rel.parent_table)
    child_key, parent_key = _key_columns(child), _key_columns(parent)
    return bool(child_key) and child_key == sorted(c.lower() for c in rel.child_columns) \
        and parent_key == sorted(c.lower() for c in rel.parent_columns)


def _holds_all(rel: Relationship) -> bool:
    ratio = inclusion_ratio(rel)
    return rel.status != "rejected" and ratio is not None and ratio >= FULL_INCLUSION


def supertype_edges(model: DataModel, candidates: list[Relationship]) -> dict[str, set[str]]:
    """child table -> the tables it is a direct subtype of: live key-to-key candidates holding every child key,
    mutual pairs (the same key set on both sides) left out."""
    edges: dict[str, set[str]] = defaultdict(set)
    for rel in candidates:
        if _holds_all(rel) and is_key_to_key(model, rel):
            edges[rel.child_table.lower()].add(rel.parent_table.lower())
    for child, parents in edges.items():
        parents -= {p for p in parents if child in edges.get(p, set())}
    return edges


def ancestors(table: str, edges: dict[str, set[str]]) -> set[str]:
    """Every table ``table`` is a (transitive) subtype of."""
    seen: set[str] = set()
    todo = list(edges.get(table, ()))
    while todo:
        current = todo.pop()
        if current not in seen and current != table:
            seen.add(current)
            todo.extend(edges.get(current, ()))
    return seen


def prefer_most_specific(model: DataModel, candidates: list[Relationship], raw: dict[str, float]) -> None:
    """Per child column set: a supertype candidate is rejected when one of its subtypes also holds every value
    and chance cannot explain it; the subtype candidate gets the reasoning as ``subtype`` evidence."""
    _reject_sibling_twins(model, candidates)
    _reject_own_counters(model, candidates)
    edges = supertype_edges(model, candidates)
    if not edges:
        return
    groups: dict[tuple[str, tuple[str, ...]], list[Relationship]] = defaultdict(list)
    for rel in candidates:
        if _holds_all(rel):
            groups[(rel.child_table.lower(), tuple(c.lower() for c in rel.child_columns))].append(rel)
    for group in groups.values():
        for specific in (r for r in group if _holds_every_value(r)):
            for general in group:
                if general.parent_table.lower() in ancestors(specific.parent_table.lower(), edges):
                    _prefer(model, specific, general, raw)


def _reject_sibling_twins(model: DataModel, candidates: list[Relationship]) -> None:
    """Two tables keyed by one name borrowed from a third (naming ``twin_key``) link only as subset and superset:
    the same number of keys (or more on the child side) makes them siblings under that third table."""
    for rel in candidates:
        if rel.status == "rejected" or not any(e.kind == "naming" and e.strategy == "twin_key" for e in rel.evidence):
            continue
        child = model.table(rel.child_table)
        size = (child.row_count or 0) if child is not None else 0
        if inclusion_ratio(rel) is None:  # no data to show a subset: the names alone point both ways
            rel.status = "rejected"
            rel.evidence.append(Evidence(kind="rejected", detail="tables keyed alike: a subtype only if the data shows its keys "
                                                                 "are a subset, and nothing measured them"))
        elif size and size >= _key_size(model, rel):
            rel.status = "rejected"
            rel.evidence.append(Evidence(kind="rejected", detail=f"{rel.child_table} holds as many keys as {rel.parent_table}: "
                                                                 "siblings keyed alike, not a subtype"))


def _reject_own_counters(model: DataModel, candidates: list[Relationship]) -> None:
    """A kind-of name (naming ``subtype_name``) over generic keys is only a subtype when the child's keys look like a
    sample of the parent's (``values.fits``): ``1..N`` of its own fits every bigger ``1..M`` by accident."""
    for rel in candidates:
        if rel.status == "rejected" or not any(e.kind == "naming" and e.strategy == "subtype_name" for e in rel.evidence):
            continue
        if any(e.kind == "naming" and e.strategy != "subtype_name" for e in rel.evidence):
            continue  # the key's own name points there too
        child, parent = model.table(rel.child_table), model.table(rel.parent_table)
        column = child.column(rel.child_columns[0]) if child is not None else None
        key = parent.column(rel.parent_columns[0]) if parent is not None else None
        if column is None or key is None or column.profile is None or not column.profile.rows:
            continue
        if type_family(column.type) == "int" and fits(column, key) is None:
            rel.status = "rejected"
            rel.evidence.append(Evidence(kind="rejected", detail=f"{rel.child_table}'s keys do not look like a sample of "
                                                                 f"{rel.parent_table}'s: a counter of its own"))


def _holds_every_value(rel: Relationship) -> bool:
    """Every distinct child value found and no orphan row: a subset claim needs all of them."""
    distinct = next((e.ratio for e in reversed(rel.evidence) if e.kind == "inclusion" and e.ratio is not None), None)
    return distinct is not None and distinct >= 1.0 and not rel.orphan_rate


def _prefer(model: DataModel, specific: Relationship, general: Relationship, raw: dict[str, float]) -> None:
    seen = next((e.count for e in reversed(specific.evidence) if e.kind == "inclusion" and e.count), 0)
    small, big = _key_size(model, specific), _key_size(model, general)
    if not seen or not small or not big or small >= big or general.status == "declared":
        return
    chance = (small / big) ** seen
    chain = is_key_to_key(model, specific)
    if chance >= MAX_CHANCE and not chain:
        return
    why = "the direct parent in a chain of subtypes" if chain else "the most specific parent"
    specific.evidence.append(Evidence(
        kind="subtype", ratio=round(chance, 6), count=seen,
        detail=f"{specific.parent_table} ({small} keys) is a subtype of {general.parent_table} ({big} keys) and holds all "
               f"{seen} values: {why} (chance of that by accident {chance:.1e})"))
    general.status = "rejected"
    general.evidence.append(Evidence(kind="rejected", detail=f"{specific.parent_table}, a subtype of {general.parent_table}, "
                                                             f"also holds every value: the most specific parent wins"))
    raw[specific.id] = max(raw[specific.id], raw[general.id])


def _key_size(model: DataModel, rel: Relationship) -> int:
    """Distinct values of the parent's key: its one column's profile, else the table's row count."""
    parent = model.table(rel.parent_table)
    if parent is None:
        return 0
    column: Column | None = parent.column(rel.parent_columns[0]) if len(rel.parent_columns) == 1 else None
    if column is not None and column.profile is not None and column.profile.distinct_count and not column.profile.sampled:
        return column.profile.distinct_count
    return parent.row_count or 0


def mark_subtypes(model: DataModel, kept: list[Relationship]) -> None:
    """``role = "subtype"`` on live key-to-key relationships whose child key is a proper subset of the parent's."""
    built = {edge.target.lower().rpartition(".")[0] if edge.kind != "table" else edge.target.lower() for edge in model.lineage}
    for rel in kept:
        if rel.role == "subtype" or rel.child_table.lower() in built or not _holds_all(rel) or not is_key_to_key(model, rel):
            continue
        child = model.table(rel.child_table)
        size, parent_size = (child.row_count or 0) if child else 0, _key_size(model, rel)
        if 0 < size < parent_size:
            rel.role = "subtype"
            rel.evidence.append(Evidence(kind="subtype", ratio=round(size / parent_size, 4), count=size,
                                         detail=f"{rel.child_table}'s key holds {size} of the {parent_size} keys "
                                                f"of {rel.parent_table}: a subtype (1:1, key to key)"))
