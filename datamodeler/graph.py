"""A networkx view of a model: tables, columns, lineage edges and join edges weighted by their evidence.

    graph = build_graph(model)
    graph.upstream("marts.member_ltv.lifetime_value", depth=2)   # where the data comes from
    graph.join_path("events.impressions", "crm.plans")           # how to join, strongest evidence first
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx

from .errors import NotFoundError
from .model import ASSERTED_STATUSES, DataModel, Relationship, RelationshipStatus

Direction = Literal["upstream", "downstream"]


@dataclass
class LineageNode:
    """One node of a lineage tree; ``kind`` is how it connects to its parent (direct, derived, table).

    ``transient``: a table (or its column) the log created for a while only; ``via``: the transient nodes hidden
    between this node and its parent (``hide_transient``), nearest the parent first.
    """

    name: str
    kind: str | None = None
    children: list[LineageNode] = field(default_factory=list)
    cycle: bool = False
    transient: bool = False
    via: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name}
        if self.kind:
            data["kind"] = self.kind
        if self.cycle:
            data["cycle"] = True
        if self.transient:
            data["transient"] = True
        if self.via:
            data["via"] = list(self.via)
        if self.children:
            data["children"] = [child.to_dict() for child in self.children]
        return data


@dataclass
class LineageView:
    """What ``datamodeler lineage`` shows: a node with its upstream and/or downstream trees."""

    node: str
    level: Literal["table", "column"]
    upstream: LineageNode | None = None
    downstream: LineageNode | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"node": self.node, "level": self.level}
        for name in ("upstream", "downstream"):
            tree = getattr(self, name)
            if tree is not None:
                data[name] = [child.to_dict() for child in tree.children]
        return data


@dataclass(frozen=True)
class JoinStep:
    """One hop of a join path, oriented from the previous table to the next."""

    left_table: str
    left_columns: tuple[str, ...]
    right_table: str
    right_columns: tuple[str, ...]
    source: Literal["query_join", "relationship"]
    count: int = 0  # query_join: how often the log ran this join
    status: RelationshipStatus | None = None  # relationship: its status


class ModelGraph:
    """Lineage as a directed graph (table and column nodes), joins and relationships as a weighted undirected one."""

    def __init__(self, model: DataModel, relationships: Iterable[Relationship] | None = None):
        self.lineage = nx.DiGraph()
        self.joins = nx.Graph()
        self.columns: dict[str, str] = {}  # lower-cased node -> node, for tables and columns
        self.transient_tables = set(model.queries.transient_tables)
        self._add_catalog(model)
        self._add_lineage(model)
        self._add_joins(model)
        for relationship in model.relationships if relationships is None else relationships:
            self._add_relationship(relationship)

    # -- building ----------------------------------------------------------------------------

    def _add_catalog(self, model: DataModel) -> None:
        for table in model.tables:
            self._add_node(table.name, "table")
            for column in table.columns:
                self._add_node(f"{table.name}.{column.name}", "column", table=table.name)

    def _add_node(self, name: str, level: str, **attrs: Any) -> None:
        if name not in self.lineage:
            self.lineage.add_node(name, level=level, **attrs)
            self.columns[name.lower()] = name

    def _add_lineage(self, model: DataModel) -> None:
        for edge in model.lineage:
            level = "table" if edge.kind == "table" else "column"
            for node in (edge.source, edge.target):
                self._add_node(node, level, **({"table": node.rpartition(".")[0]} if level == "column" else {}))
            self.lineage.add_edge(edge.source, edge.target, kind=edge.kind, weight=len(edge.queries) or 1)

    def _add_joins(self, model: DataModel) -> None:
        for join in model.joins:
            step = JoinStep(join.left_table, tuple(join.left_columns), join.right_table, tuple(join.right_columns), "query_join", join.count)
            self._add_join_edge(step, weight=1.0 / (1 + join.count) + 0.5)

    def _add_relationship(self, rel: Relationship) -> None:
        if rel.status == "rejected":
            return
        step = JoinStep(rel.child_table, tuple(rel.child_columns), rel.parent_table, tuple(rel.parent_columns), "relationship", status=rel.status)
        self._add_join_edge(step, weight=0.25 if rel.status in ASSERTED_STATUSES else 1.0)

    def _add_join_edge(self, step: JoinStep, weight: float) -> None:
        """Keep the strongest evidence between two tables (lowest weight)."""
        current = self.joins.get_edge_data(step.left_table, step.right_table)
        if current is None or weight < current["weight"]:
            self.joins.add_edge(step.left_table, step.right_table, weight=weight, step=step)

    # -- queries -----------------------------------------------------------------------------

    def resolve(self, name: str) -> str:
        """The node called ``name`` (case-insensitive); NotFoundError with the closest names otherwise."""
        found = self.columns.get(name.lower())
        if found is not None:
            return found
        close = difflib.get_close_matches(name.lower(), list(self.columns), n=8, cutoff=0.6)
        raise NotFoundError("table or column", name, [self.columns[c] for c in close],
                            "run `datamodeler scan` with --query-log, or check the name")

    def tree(self, node: str, direction: Direction, depth: int | None = None, hide_transient: bool = False) -> LineageNode:
        """Upstream (sources) or downstream (consumers) of ``node``, as a tree cut at ``depth`` levels.

        ``hide_transient`` steps over transient tables (temporary, or created and dropped in the log): their
        neighbours become this node's children, with the hidden hops in ``via``.
        """
        level = self.lineage.nodes[node].get("level", "column")
        root = self._subtree(node, direction, depth, level, frozenset({node}), None, hide_transient)
        root.transient = self.is_transient(node)
        return root

    def is_transient(self, node: str) -> bool:
        """A transient table, or a column of one."""
        data = self.lineage.nodes[node] if node in self.lineage else {}
        table = node if data.get("level", "column") == "table" else data.get("table", node.rpartition(".")[0])
        return table in self.transient_tables

    def upstream(self, node: str, depth: int | None = None) -> LineageNode:
        return self.tree(self.resolve(node), "upstream", depth)

    def downstream(self, node: str, depth: int | None = None) -> LineageNode:
        return self.tree(self.resolve(node), "downstream", depth)

    def _subtree(self, node: str, direction: Direction, depth: int | None, level: str, path: frozenset[str], kind: str | None,
                 hide_transient: bool = False, via: tuple[str, ...] = ()) -> LineageNode:
        result = LineageNode(node, kind, transient=self.is_transient(node), via=list(via))
        if depth is not None and depth <= 0:
            return result
        for neighbour, edge_kind, hops in self._neighbours(node, direction, level, path, hide_transient):
            if neighbour in path:
                result.children.append(LineageNode(neighbour, edge_kind, cycle=True, transient=self.is_transient(neighbour), via=list(hops)))
                continue
            child_depth = None if depth is None else depth - 1
            result.children.append(self._subtree(neighbour, direction, child_depth, level, path | {neighbour}, edge_kind,
                                                 hide_transient, hops))
        return result

    def _neighbours(self, node: str, direction: Direction, level: str, path: frozenset[str],
                    hide_transient: bool) -> list[tuple[str, str, tuple[str, ...]]]:
        """``(neighbour, kind, hidden hops)`` one level away; with ``hide_transient``, through transient nodes."""
        found: dict[str, tuple[str, tuple[str, ...]]] = {}
        edges = self.lineage.in_edges(node, data=True) if direction == "upstream" else self.lineage.out_edges(node, data=True)
        for source, target, data in sorted(edges):
            neighbour = source if direction == "upstream" else target
            # an UPDATE of a column from itself says nothing about where data comes from
            if (data["kind"] == "table") != (level == "table") or neighbour == node:
                continue
            beyond = self._neighbours(neighbour, direction, level, path | {neighbour}, hide_transient) \
                if hide_transient and neighbour not in path and self.is_transient(neighbour) else []
            # a transient node that leads nowhere stays: hiding it would hide where the data went
            steps = [(name, _chained(data["kind"], kind), (neighbour, *hops)) for name, kind, hops in beyond] \
                or [(neighbour, data["kind"], ())]
            for name, kind, hops in steps:
                known = found.get(name)
                found[name] = (kind, hops) if known is None else (_chained(known[0], kind), known[1] or hops)
        return [(name, kind, hops) for name, (kind, hops) in found.items()]

    def join_path(self, start: str, end: str) -> list[JoinStep] | None:
        """The cheapest chain of joins from table ``start`` to table ``end`` (None when they do not connect)."""
        start, end = self.resolve(start), self.resolve(end)
        if start not in self.joins or end not in self.joins:
            return None
        try:
            nodes = nx.shortest_path(self.joins, start, end, weight="weight")
        except nx.NetworkXNoPath:
            return None
        return [_oriented(self.joins.edges[a, b]["step"], a) for a, b in zip(nodes, nodes[1:])]


def build_graph(model: DataModel, relationships: Iterable[Relationship] | None = None) -> ModelGraph:
    """The graph of a model; ``relationships`` replaces the model's own (e.g. only verified ones)."""
    return ModelGraph(model, relationships)


def direction_of(upstream: bool, downstream: bool) -> Direction | None:
    """The ``--upstream`` / ``--downstream`` flags as one direction; neither or both: None (both ways)."""
    if upstream == downstream:
        return None
    return "upstream" if upstream else "downstream"


def lineage_view(model: DataModel, name: str, direction: Direction | None = None, depth: int | None = None,
                 hide_transient: bool = False) -> LineageView:
    """Upstream and/or downstream lineage of a table or ``table.column`` (both directions when none is given).

    ``hide_transient`` collapses transient tables (temporary, or created and dropped in the log): the tables on
    either side of one are shown directly, with it listed in ``via``.

    Example: ``lineage_view(model, "marts.member_ltv.lifetime_value", "upstream", depth=2).to_dict()``
    """
    graph = build_graph(model)
    node = graph.resolve(name)
    level = graph.lineage.nodes[node].get("level", "column")
    view = LineageView(node, level)
    if direction in (None, "upstream"):
        view.upstream = graph.tree(node, "upstream", depth, hide_transient)
    if direction in (None, "downstream"):
        view.downstream = graph.tree(node, "downstream", depth, hide_transient)
    return view


def _chained(first: str, second: str) -> str:
    """The kind of two lineage hops in a row: a copy of a copy is direct, anything else derived."""
    if first == second:
        return first
    return "table" if "table" in (first, second) else "derived"


def _oriented(step: JoinStep, first: str) -> JoinStep:
    if step.left_table == first:
        return step
    return JoinStep(step.right_table, step.right_columns, step.left_table, step.left_columns, step.source, step.count, step.status)
