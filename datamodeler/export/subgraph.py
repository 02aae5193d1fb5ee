"""Which tables a diagram shows: entity, table neighbourhood or schema selection, shared-table
collapsing, and the split of a large model into parts (entities, else graph communities).

Pure functions over a ``DataModel``; networkx does the graph work.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
from networkx.algorithms.community import louvain_communities

from ..errors import NotFoundError
from ..model import ASSERTED_STATUSES, DataModel, Relationship

SMALL_PART = 3  # communities smaller than this are pooled per schema instead of getting their own part


@dataclass(frozen=True)
class Part:
    """One piece of a split model: a readable name and its tables."""

    name: str
    tables: list[str]


def drawable_relationships(model: DataModel, include_plausible: bool = True) -> list[Relationship]:
    """Relationships a diagram may draw: never rejected ones; plausible ones only when asked; both ends known."""
    names = {t.name for t in model.tables}
    allowed = ASSERTED_STATUSES | ({"plausible"} if include_plausible else set())
    return [r for r in model.relationships if r.status in allowed and r.child_table in names and r.parent_table in names]


def relationship_graph(tables: Iterable[str], relationships: list[Relationship]) -> nx.Graph:
    """Undirected graph: one node per table, an edge wherever a relationship joins two tables."""
    graph = nx.Graph()
    graph.add_nodes_from(tables)
    for rel in relationships:
        if rel.child_table != rel.parent_table:
            weight = graph.get_edge_data(rel.child_table, rel.parent_table, {}).get("weight", 0)
            graph.add_edge(rel.child_table, rel.parent_table, weight=weight + 1)
    return graph


def select_tables(
    model: DataModel,
    relationships: list[Relationship],
    *,
    entity: str | None = None,
    table: str | None = None,
    schema: str | None = None,
    depth: int = 1,
) -> list[str]:
    """The tables to draw, in model order: an entity's tables, a table's neighbourhood, a schema, or all.

    ``entity`` and ``table`` are the focus; ``depth`` relationship hops around it are drawn too.
    ``schema`` keeps only that schema's tables (focus tables always stay).
    """
    names = [t.name for t in model.tables]
    start = entity_tables(model, entity) if entity is not None else []
    if table is not None:
        start = [*start, table_full_name(model, table)]
    chosen = neighbourhood(relationship_graph(names, relationships), start, depth) if start else set(names)
    if schema is not None:
        schemas = {_schema_of(n) for n in names}
        if schema.lower() not in {s.lower() for s in schemas}:
            raise NotFoundError("schema", schema, schemas)
        chosen = {n for n in chosen if _schema_of(n).lower() == schema.lower()} | set(start)
    return [n for n in names if n in chosen]


def table_full_name(model: DataModel, name: str) -> str:
    """The full name of table ``name`` (full or short name); NotFoundError lists the valid ones."""
    found = model.table(name)
    if found is None:
        raise NotFoundError("table", name, [t.name for t in model.tables])
    return found.name


def entity_tables(model: DataModel, name: str) -> list[str]:
    """The tables of entity ``name`` (from the entity list or the tables' ``entity`` field)."""
    groups = entity_groups(model)
    match = next((key for key in groups if key.lower() == name.lower()), None)
    if match is None:
        raise NotFoundError("entity", name, groups)
    return groups[match]


def entity_groups(model: DataModel) -> dict[str, list[str]]:
    """Entity name -> its tables (model order), merging ``model.entities`` with each table's ``entity``."""
    known = {t.name for t in model.tables}
    groups: dict[str, set[str]] = {}
    for ent in model.entities:
        groups.setdefault(ent.name, set()).update(n for n in ent.tables if n in known)
    for table in model.tables:
        if table.entity:
            groups.setdefault(table.entity, set()).add(table.name)
    order = {t.name: i for i, t in enumerate(model.tables)}
    return {name: sorted(tables, key=order.__getitem__) for name, tables in groups.items() if tables}


def neighbourhood(graph: nx.Graph, start: Iterable[str], depth: int) -> set[str]:
    """``start`` plus every table at most ``depth`` relationship hops away."""
    found: set[str] = set()
    for node in start:
        found |= set(nx.single_source_shortest_path_length(graph, node, cutoff=max(depth, 0)))
    return found


def shared_tables(relationships: list[Relationship], tables: Iterable[str], min_referrers: int) -> dict[str, int]:
    """Tables referenced by at least ``min_referrers`` distinct other tables among ``tables`` (date, time ...)."""
    inside = set(tables)
    referrers: dict[str, set[str]] = {}
    for rel in relationships:
        if rel.child_table in inside and rel.parent_table in inside and rel.child_table != rel.parent_table:
            referrers.setdefault(rel.parent_table, set()).add(rel.child_table)
    return {name: len(children) for name, children in sorted(referrers.items()) if len(children) >= min_referrers}


def split_into_parts(model: DataModel, relationships: list[Relationship], tables: list[str], max_tables: int) -> list[Part]:
    """Split ``tables`` into parts of at most ``max_tables``: by entity when the model has entities,
    else by community (Louvain, fixed seed) on the relationship graph; leftovers pooled by schema."""
    inside = set(tables)
    graph = relationship_graph(tables, [r for r in relationships if r.child_table in inside and r.parent_table in inside])
    groups = _entity_parts(model, tables) or []
    grouped = {name for part in groups for name in part.tables}
    rest = [name for name in tables if name not in grouped]
    groups += _community_parts(graph.subgraph(rest), max_tables)
    sized = [piece for part in groups for piece in _cap(part, graph, max_tables)]
    return _pool_small(sized, max_tables)


def _entity_parts(model: DataModel, tables: list[str]) -> list[Part]:
    inside = set(tables)
    taken: set[str] = set()
    parts = []
    for name, members in sorted(entity_groups(model).items()):
        mine = [t for t in members if t in inside and t not in taken]
        taken.update(mine)
        if mine:
            parts.append(Part(name, mine))
    return parts


def _community_parts(graph: nx.Graph, max_tables: int) -> list[Part]:
    if graph.number_of_nodes() == 0:
        return []
    communities = louvain_communities(graph, weight="weight", seed=7)
    order = {name: i for i, name in enumerate(graph.nodes)}
    parts = []
    for community in sorted(communities, key=lambda c: min(order[n] for n in c)):
        members = sorted(community, key=order.__getitem__)
        parts.append(Part(_hub_name(graph, members), members))
    return parts


def _hub_name(graph: nx.Graph, members: list[str]) -> str:
    """Name a community after its best-connected table."""
    hub = max(members, key=lambda n: (graph.degree(n), -members.index(n)))
    return hub.rpartition(".")[2] if len(members) > 1 else _schema_of(hub) or hub


def _cap(part: Part, graph: nx.Graph, max_tables: int) -> list[Part]:
    """Cut a part larger than ``max_tables`` into communities, then into consecutive runs."""
    if len(part.tables) <= max_tables:
        return [part]
    sub = graph.subgraph(part.tables)
    inner = louvain_communities(sub, weight="weight", seed=7) if sub.number_of_edges() else []
    if len(inner) > 1:
        order = {name: i for i, name in enumerate(part.tables)}
        pieces = [Part(part.name, sorted(c, key=order.__getitem__)) for c in sorted(inner, key=lambda c: min(order[n] for n in c))]
        return [p for piece in pieces for p in _cap(piece, graph, max_tables)]
    return chunk(part, max_tables)


def chunk(part: Part, max_tables: int) -> list[Part]:
    """Consecutive runs of at most ``max_tables`` tables, named '<name> (1)', '<name> (2)' ..."""
    runs = [part.tables[i : i + max_tables] for i in range(0, len(part.tables), max_tables)]
    if len(runs) == 1:
        return [part]
    return [Part(f"{part.name} ({i})", run) for i, run in enumerate(runs, 1)]


def _pool_small(parts: list[Part], max_tables: int) -> list[Part]:
    """Merge parts with fewer than SMALL_PART tables into pools per schema, so 500 loners make few files."""
    big = [p for p in parts if len(p.tables) >= SMALL_PART]
    pools: dict[str, list[str]] = {}
    for part in parts:
        if len(part.tables) < SMALL_PART:
            for name in part.tables:
                pools.setdefault(_schema_of(name) or "tables", []).append(name)
    pooled = [piece for schema, names in sorted(pools.items()) for piece in chunk(Part(f"other {schema}", names), max_tables)]
    return _unique_names(big + pooled)


def _unique_names(parts: list[Part]) -> list[Part]:
    seen: Counter[str] = Counter()
    named = []
    for part in parts:
        seen[part.name] += 1
        named.append(part if seen[part.name] == 1 else Part(f"{part.name} {seen[part.name]}", part.tables))
    return named


def _schema_of(name: str) -> str:
    return name.rpartition(".")[0]
