"""Composite references: a table holding every column of another table's composite key, by name."""

from __future__ import annotations

from ...identifiers import normalize
from ...model import DataModel, Evidence, Relationship


def propose(model: DataModel) -> list[Relationship]:
    """``order_lines(order_id, line_no)`` in ``shipments`` -> ``shipments(order_id, line_no) → order_lines``."""
    found = []
    parents = [t for t in model.tables if t.kind == "table" and len(t.primary_key) >= 2]
    for parent in parents:
        wanted = [normalize(c) for c in parent.primary_key]
        for table in model.tables:
            if table is parent or table.kind != "table":
                continue
            by_name = {normalize(c.name): c.name for c in table.columns}
            if all(w in by_name for w in wanted) and sorted(normalize(c) for c in table.primary_key) != sorted(wanted):
                found.append(Relationship(
                    child_table=table.name, child_columns=[by_name[w] for w in wanted], parent_table=parent.name,
                    parent_columns=list(parent.primary_key), sources=["naming"],
                    evidence=[Evidence(kind="naming", strategy="composite", strength=0.5,
                                       detail=f"all columns of the composite key of {parent.short_name}")],
                ))
    return found
