"""Declared foreign keys from the catalog: status ``declared``."""

from __future__ import annotations

from ...model import DataModel, Evidence, Relationship


def propose(model: DataModel) -> list[Relationship]:
    """One relationship per declared foreign key whose parent table is in the model."""
    found = []
    for table in model.tables:
        for fk in table.foreign_keys:
            parent = model.table(fk.parent_table)
            if parent is None or not fk.parent_columns:
                continue
            found.append(Relationship(
                child_table=table.name, child_columns=list(fk.columns), parent_table=parent.name,
                parent_columns=[_catalog_name(parent, c) for c in fk.parent_columns], status="declared", confidence=1.0,
                sources=["declared"], evidence=[Evidence(kind="declared", detail=fk.name or "foreign key constraint")],
            ))
    return found


def _catalog_name(table, column: str) -> str:
    found = table.column(column)
    return found.name if found else column
