"""Table roles (fact / dimension / bridge / history / aggregate) and business entities, from shape and evidence.

Roles: ``aggregate`` for lineage targets built from other tables and mart-like names; ``history`` for SCD
shapes (valid_from/valid_to, is_current, ``*_history``); ``bridge`` for tables whose key is made of two
references and little else (their M:N is recorded on an entity with ``many_to_many``); ``fact`` for tables
with several references and numeric measures or many rows; ``dimension`` for referenced tables; else ``other``.
Entities: each dimension/fact heads one; satellites (1:1), history tables and line tables (``InvoiceLine`` ->
``Invoice``) join the entity of the table they reference.
"""

from __future__ import annotations

from collections import defaultdict

from .model import ASSERTED_STATUSES, DataModel, Entity, Relationship, Table
from .naming import entity_name, table_stem, tokens
from .profile import type_family

HISTORY_WORDS = frozenset({"history", "hist", "scd", "snapshot", "snapshots", "versions", "audit", "log", "changes"})
AGGREGATE_WORDS = frozenset({"agg", "aggregate", "summary", "daily", "weekly", "monthly", "mart", "rollup", "stats", "kpi", "report"})
SCD_COLUMNS = frozenset({"validfrom", "validto", "effectivefrom", "effectiveto", "iscurrent", "currentflag", "dbtvalidfrom", "dbtvalidto", "startdate", "enddate"})


def assign_roles(model: DataModel, relationships: list[Relationship]) -> None:
    """Set ``Table.role`` on every table and view from its shape, references and lineage."""
    outgoing, incoming = _edges(relationships)
    built = {edge.target.lower() for edge in model.lineage if edge.kind in ("table", "direct", "derived")}
    for table in model.tables:
        table.role = table_role(table, outgoing[table.name], incoming[table.name], _is_lineage_target(table, built))


def _is_lineage_target(table: Table, built: set[str]) -> bool:
    name = table.name.lower()
    return any(target == name or target.startswith(name + ".") for target in built)


def table_role(table: Table, outgoing: list[Relationship], incoming: list[Relationship], built_from_others: bool) -> str:
    """The role of one table (see the module docstring for the rules)."""
    words = set(tokens(table.short_name))
    column_names = {"".join(tokens(c.name)) for c in table.columns}
    if words & HISTORY_WORDS or len(column_names & SCD_COLUMNS) >= 2:
        return "history"
    if built_from_others or words & AGGREGATE_WORDS or table.kind == "view":
        return "aggregate"
    if is_bridge(table, outgoing):
        return "bridge"
    measures = [c for c in table.columns if type_family(c.type) in ("number", "int") and not _is_reference(c.name, outgoing, table)]
    if len(outgoing) >= 2 and (measures or _has_date(table)) and len(incoming) <= len(outgoing):
        return "fact"
    if incoming:
        return "dimension"
    if len(outgoing) >= 2:
        return "fact"
    return "other"


def is_bridge(table: Table, outgoing: list[Relationship]) -> bool:
    """A key of two or more references to different tables, and at most two other columns."""
    referencing = {c.lower() for rel in outgoing for c in rel.child_columns}
    key = {c.lower() for c in table.primary_key}
    parents = {rel.parent_table for rel in outgoing if rel.cardinality == "N:1"}
    others = [c for c in table.columns if c.name.lower() not in referencing]
    return len(parents) >= 2 and len(key) >= 2 and key <= referencing and len(others) <= 2


def _is_reference(name: str, outgoing: list[Relationship], table: Table) -> bool:
    lowered = name.lower()
    return any(lowered in (c.lower() for c in rel.child_columns) for rel in outgoing) or lowered in (k.lower() for k in table.primary_key)


def _has_date(table: Table) -> bool:
    return any(type_family(c.type) == "date" for c in table.columns)


def _edges(relationships: list[Relationship]) -> tuple[dict[str, list[Relationship]], dict[str, list[Relationship]]]:
    outgoing: dict[str, list[Relationship]] = defaultdict(list)
    incoming: dict[str, list[Relationship]] = defaultdict(list)
    for rel in relationships:
        if rel.status in ASSERTED_STATUSES and rel.child_table != rel.parent_table:
            outgoing[rel.child_table].append(rel)
            incoming[rel.parent_table].append(rel)
    return outgoing, incoming


def group_entities(model: DataModel, relationships: list[Relationship]) -> list[Entity]:
    """Business entities: each head table with its satellites, history and line tables; bridges carry their M:N."""
    outgoing, _ = _edges(relationships)
    head_of: dict[str, str] = {}
    for table in model.tables:
        if table.kind == "table" and table.role in ("fact", "dimension", "other", None):
            head_of[table.name] = table.name
    for table in model.tables:
        if table.name in head_of or table.kind != "table" or table.role == "bridge":
            continue
        parent = _owner(table, outgoing[table.name])
        if parent:
            head_of[table.name] = parent
    for table in model.tables:  # line tables: InvoiceLine -> Invoice, "Order Details" -> Orders
        if table.role in ("fact", "other") and (owner := _line_owner(table, outgoing[table.name])):
            head_of[table.name] = head_of.get(owner, owner)
    members: dict[str, list[str]] = defaultdict(list)
    for table_name, head in head_of.items():
        members[head_of.get(head, head)].append(table_name)
    by_name = {t.name: t for t in model.tables}
    entities = [_entity(by_name[head], sorted(tables)) for head, tables in members.items() if head in by_name]
    entities.extend(_bridge_entity(t, outgoing[t.name]) for t in model.tables if t.role == "bridge")
    for entity in entities:
        for name in entity.tables:
            if name in by_name and by_name[name].role != "bridge":
                by_name[name].entity = entity.name
    return _unique_names(entities)


def _owner(table: Table, outgoing: list[Relationship]) -> str | None:
    """History and satellite tables belong to the table they reference 1:1 or share a name stem with."""
    stem = table_stem(table.short_name)
    for rel in outgoing:
        parent_stem = table_stem(rel.parent_table.rpartition(".")[2])
        if rel.cardinality == "1:1" or (parent_stem and stem.startswith(parent_stem)):
            return rel.parent_table
    return outgoing[0].parent_table if table.role == "history" and outgoing else None


def _line_owner(table: Table, outgoing: list[Relationship]) -> str | None:
    stem = table_stem(table.short_name)
    for rel in outgoing:
        parent_stem = table_stem(rel.parent_table.rpartition(".")[2])
        if parent_stem and stem != parent_stem and stem.startswith(parent_stem) and rel.cardinality == "N:1":
            return rel.parent_table
    return None


def _entity(head: Table, tables: list[str]) -> Entity:
    return Entity(name=entity_name(head.short_name), tables=tables, sources=["structure"],
                  description=f"{head.role or 'table'} {head.short_name}" + (f" with {len(tables) - 1} related table(s)" if len(tables) > 1 else ""))


def _bridge_entity(table: Table, outgoing: list[Relationship]) -> Entity:
    parents = sorted({rel.parent_table for rel in outgoing})
    sides = " and ".join(p.rpartition(".")[2] for p in parents)
    return Entity(name=entity_name(table.short_name), tables=[table.name], sources=["bridge"],
                  description=f"M:N between {sides} through {table.short_name}", many_to_many=parents)


def _unique_names(entities: list[Entity]) -> list[Entity]:
    seen: dict[str, int] = {}
    for entity in entities:
        count = seen.get(entity.name.lower(), 0)
        seen[entity.name.lower()] = count + 1
        if count:
            entity.name = f"{entity.name}{count + 1}"
    return entities
