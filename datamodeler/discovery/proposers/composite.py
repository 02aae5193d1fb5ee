"""Composite references: a table holding every column of another table's composite key, by name."""

from __future__ import annotations

from ...identifiers import column_prefix, normalize, strip_prefix
from ...model import DataModel, Evidence, Relationship, Table


def propose(model: DataModel) -> list[Relationship]:
    """``order_lines(order_id, line_no)`` in ``shipments`` -> ``shipments(order_id, line_no) → order_lines``.

    Names are compared without each table's column prefix (``ta_course_id`` in ``takes`` holds ``se_course_id`` of
    ``section``); tables are found through an index of column names, not by trying every table per parent.
    """
    tables = [t for t in model.tables if t.kind == "table"]
    names = {id(t): _column_names(t) for t in tables}
    holding: dict[str, list[Table]] = {}
    for table in tables:
        for name in names[id(table)]:
            holding.setdefault(name, []).append(table)
    found = []
    for parent in (t for t in tables if len(t.primary_key) >= 2):
        wanted = [key for c in parent.primary_key if (key := _key_name(c, names[id(parent)])) is not None]
        if len(wanted) < len(parent.primary_key):
            continue
        rarest = min((holding.get(w, []) for w in wanted), key=len)
        for table in rarest:
            by_name = names[id(table)]
            if table is not parent and all(w in by_name for w in wanted) and not _same_key(table, by_name, wanted):
                found.append(_relationship(table, [by_name[w] for w in wanted], parent))
    return found


def _column_names(table: Table) -> dict[str, str]:
    """Normalised column name (the table's column prefix stripped) -> the column's name."""
    prefix = column_prefix(c.name for c in table.columns)
    return {normalize(strip_prefix(c.name, prefix)): c.name for c in table.columns}


def _key_name(column: str, names: dict[str, str]) -> str | None:
    """The normalised name of the column called ``column``."""
    return next((name for name, original in names.items() if original == column), None)


def _same_key(table: Table, names: dict[str, str], wanted: list[str]) -> bool:
    """The table's own primary key is the composite itself (a twin, not a child)."""
    return sorted(name for name, original in names.items() if original in table.primary_key) == sorted(wanted)


def _relationship(table: Table, child_columns: list[str], parent: Table) -> Relationship:
    return Relationship(
        child_table=table.name, child_columns=child_columns, parent_table=parent.name,
        parent_columns=list(parent.primary_key), sources=["naming"],
        evidence=[Evidence(kind="naming", strategy="composite", strength=0.5,
                           detail=f"all columns of the composite key of {parent.short_name}")],
    )
