"""Equi-joins seen in the query log (``model.joins``), oriented child -> parent by which side is a key."""

from __future__ import annotations

from ...identifiers import normalize, table_stems
from ...model import DataModel, Evidence, JoinStat, Relationship, Table
from ...profile import is_unique


def propose(model: DataModel) -> list[Relationship]:
    """One candidate per joined column set; the side holding a key (declared, inferred or unique on data) is the parent."""
    found = []
    for join in model.joins:
        left, right = model.table(join.left_table), model.table(join.right_table)
        if left is None or right is None or not join.left_columns or len(join.left_columns) != len(join.right_columns):
            continue
        child, child_cols, parent, parent_cols = _orient(join, left, right)
        if (child.name, child_cols) == (parent.name, parent_cols):
            continue
        found.append(Relationship(
            child_table=child.name, child_columns=child_cols, parent_table=parent.name, parent_columns=parent_cols,
            sources=["query_join"], evidence=[Evidence(kind="query_join", count=join.count, detail=f"{len(join.queries)} query shapes" if join.queries else None)],
        ))
    return found


def side_is_key(table: Table, columns: list[str]) -> bool:
    """True when ``columns`` are the table's primary key, a unique key, or one column unique on the data."""
    wanted = [c.lower() for c in columns]
    keys = [table.primary_key, *table.unique_keys]
    if any([k.lower() for k in key] == wanted or sorted(k.lower() for k in key) == sorted(wanted) for key in keys if key):
        return True
    if len(columns) == 1 and (column := table.column(columns[0])) is not None:
        return bool(is_unique(column))
    return False


def _orient(join: JoinStat, left: Table, right: Table) -> tuple[Table, list[str], Table, list[str]]:
    left_key, right_key = side_is_key(left, join.left_columns), side_is_key(right, join.right_columns)
    if left_key and not right_key:
        return right, list(join.right_columns), left, list(join.left_columns)
    if left_key and right_key and _owns(right, join.right_columns) and not _owns(left, join.left_columns):
        return left, list(join.left_columns), right, list(join.right_columns)
    if left_key and right_key:
        return right, list(join.right_columns), left, list(join.left_columns)
    return left, list(join.left_columns), right, list(join.right_columns)


def _owns(table: Table, columns: list[str]) -> bool:
    """The columns are named after the table (``customers.customer_id``), so it is the natural parent."""
    return len(columns) == 1 and any(normalize(columns[0]) in (stem + "id", stem + "key", "id") for stem in table_stems(table.short_name))
