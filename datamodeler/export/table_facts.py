"""What the documentation says about each table, gathered once: its relationships (with evidence),
lineage and column usage, plus a unique page name per table. Pure; used by the docs exporters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import ColumnUsage, DataModel, Evidence, LineageEdge, Relationship


@dataclass
class TableFacts:
    """The relationships, lineage and usage that touch one table."""

    outgoing: list[Relationship] = field(default_factory=list)
    incoming: list[Relationship] = field(default_factory=list)
    upstream: list[LineageEdge] = field(default_factory=list)
    downstream: list[LineageEdge] = field(default_factory=list)
    usage: list[ColumnUsage] = field(default_factory=list)


def gather_facts(model: DataModel) -> dict[str, TableFacts]:
    """Table name -> its facts; rejected relationships are listed too (docs say what was ruled out)."""
    facts = {t.name: TableFacts() for t in model.tables}
    for rel in model.relationships:
        if rel.child_table in facts:
            facts[rel.child_table].outgoing.append(rel)
        if rel.parent_table in facts and rel.parent_table != rel.child_table:
            facts[rel.parent_table].incoming.append(rel)
    for edge in model.lineage:
        target, source = _table_of(edge.target, facts), _table_of(edge.source, facts)
        if target:
            facts[target].upstream.append(edge)
        if source and source != target:
            facts[source].downstream.append(edge)
    for usage in model.usage:
        owner = _table_of(usage.column, facts)
        if owner:
            facts[owner].usage.append(usage)
    return facts


def _table_of(ref: str, facts: dict[str, TableFacts]) -> str | None:
    """The table a ``schema.table.column`` or ``schema.table`` reference belongs to."""
    if ref in facts:
        return ref
    owner = ref.rpartition(".")[0]
    return owner if owner in facts else None


def page_names(model: DataModel) -> dict[str, str]:
    """Table name -> a unique, file- and anchor-safe page name (``sales.orders`` -> ``sales-orders``)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for table in model.tables:
        base = re.sub(r"[^a-z0-9]+", "-", table.name.lower()).strip("-") or "table"
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}-{n}"
        used.add(candidate)
        names[table.name] = candidate
    return names


def evidence_text(evidence: list[Evidence]) -> str:
    """Evidence in a few words: ``query_join ×12; inclusion 99.8%; naming``."""
    return "; ".join(_one_evidence(e) for e in evidence)


def _one_evidence(item: Evidence) -> str:
    parts: list[str] = [item.kind]
    if item.count is not None:
        parts.append(f"×{item.count}")
    if item.ratio is not None:
        parts.append(f"{item.ratio:.1%}")
    if item.detail:
        parts.append(f"({item.detail})")
    return " ".join(parts)
