"""PII categories followed along column lineage into the tables and views built from them.

A copy keeps the category; a hash or tokenisation keeps it but marks it ``pseudonymised``; an aggregate
(count, sum, avg…) stops it. Every propagated flag keeps its lineage path as evidence.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Literal

from ..model import DataModel, LineageEdge

Treatment = Literal["clear", "pseudonymised"]


@dataclass(frozen=True)
class PersonalColumn:
    """One personal-data flag on a column: its category, where it was found and how it is held."""

    table: str
    column: str
    category: str
    origin: Literal["direct", "propagated"]  # direct: the scan flagged this column itself
    treatment: Treatment = "clear"
    path: tuple[str, ...] = ()  # lineage from the flagged source column to this one (empty for a direct flag alone)

    @property
    def node(self) -> str:
        return f"{self.table}.{self.column}"

    def to_dict(self) -> dict[str, object]:
        return {"column": self.column, "category": self.category, "origin": self.origin,
                "treatment": self.treatment, "path": list(self.path)}


def edge_transform(edge: LineageEdge) -> str:
    """The edge's transform; model files written before it existed: direct is a copy, derived is ``other``."""
    return edge.transform or ("copy" if edge.kind == "direct" else "other")


def propagate_pii(model: DataModel) -> dict[str, list[PersonalColumn]]:
    """Every personal column of the model by table name: the scan's flags, and those reached through lineage."""
    direct = {f"{t.name}.{c.name}": c.pii for t in model.tables for c in t.columns if c.pii}
    reached = _follow_lineage(model.lineage, direct)
    flags: dict[tuple[str, str], PersonalColumn] = {}
    for node, category in direct.items():
        table, _, column = node.rpartition(".")
        found = reached.get((node, category))
        treatment, path = found if found else ("clear", ())
        flags[(node, category)] = PersonalColumn(table, column, category, "direct", treatment, path)
    for (node, category), (treatment, path) in reached.items():
        if (node, category) not in flags:
            table, _, column = node.rpartition(".")
            flags[(node, category)] = PersonalColumn(table, column, category, "propagated", treatment, path)
    by_table: dict[str, list[PersonalColumn]] = defaultdict(list)
    for flag in sorted(flags.values(), key=lambda f: (f.table, f.column, f.category)):
        by_table[flag.table].append(flag)
    return dict(by_table)


def _follow_lineage(lineage: list[LineageEdge], seeds: dict[str, str]) -> dict[tuple[str, str], tuple[Treatment, tuple[str, ...]]]:
    """Breadth-first from every flagged column: (column, category) -> (treatment, path); clear beats pseudonymised."""
    downstream: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for edge in lineage:
        if edge.kind != "table" and edge.source != edge.target:
            downstream[edge.source].append((edge.target, edge_transform(edge)))
    best: dict[tuple[str, str], tuple[Treatment, tuple[str, ...]]] = {}
    queue: deque[tuple[str, str, Treatment, tuple[str, ...]]] = deque((node, category, "clear", (node,)) for node, category in seeds.items())
    seen: set[tuple[str, str, str]] = set()
    while queue:
        node, category, treatment, path = queue.popleft()
        for target, transform in downstream.get(node, ()):
            if transform == "aggregate":
                continue  # a count or a sum of personal values is not personal
            next_treatment: Treatment = "pseudonymised" if transform == "hash" or treatment == "pseudonymised" else "clear"
            if (target, category, next_treatment) in seen or target in path:
                continue
            seen.add((target, category, next_treatment))
            step = (*path, target)
            known = best.get((target, category))
            if known is None or (known[0] == "pseudonymised" and next_treatment == "clear"):
                best[(target, category)] = (next_treatment, step)
            queue.append((target, category, next_treatment, step))
    return best
