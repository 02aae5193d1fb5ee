"""Role names: ``created_by``, ``opened_by``, ``buyer_id``, ``SupportRepId``, ``manager_id``, ``ReportsTo``.

A role word points to person-like tables (employees, staff, users, customers, …) of a compatible key type;
``manager``/``supervisor``/``reports to``/``parent`` point back into the same table first (self-references).
The data (inclusion) and query joins decide between several fitting tables.
"""

from __future__ import annotations

from ...identifiers import ROLE_WORDS, SELF_ROLE_WORDS, is_reference_like, role_words, table_stems
from ...model import DataModel, Evidence, Relationship, Table
from ...profile import types_compatible
from .naming import ParentKey, parent_keys

SELF_STRENGTH = 0.45
FIRST_CHOICE_STRENGTH = 0.45
OTHER_STRENGTH = 0.25


def propose(model: DataModel) -> list[Relationship]:
    """Candidates for columns carrying a role word, towards person-like (or the same) tables."""
    keys = parent_keys(model)
    found = []
    for table in model.tables:
        if table.kind != "table":
            continue
        for column in table.columns:
            roles = role_words(column.name)
            if not roles or not is_reference_like(column.name) and "reports_to" not in roles:
                continue
            if [c.lower() for c in table.primary_key] == [column.name.lower()]:
                continue
            for key in keys:
                strength = _strength(roles, table, key)
                if strength and types_compatible(column.type, key.column.type) != "incompatible":
                    found.append(Relationship(
                        child_table=table.name, child_columns=[column.name], parent_table=key.table.name,
                        parent_columns=[key.column.name], sources=["role"],
                        evidence=[Evidence(kind="naming", strategy="role", strength=strength,
                                           detail=f"role '{roles[0]}' in {column.name} -> {key.table.short_name}")],
                    ))
    return found


def _strength(roles: list[str], table: Table, key: ParentKey) -> float:
    if key.table is table:
        return SELF_STRENGTH if any(r in SELF_ROLE_WORDS or r == "reports_to" for r in roles) else 0.0
    best = 0.0
    for role in roles:
        words = ROLE_WORDS.get(role, ())
        for rank, word in enumerate(words):
            if _names_kind(key.table, word):
                best = max(best, FIRST_CHOICE_STRENGTH if rank < 3 else OTHER_STRENGTH)
                break
    return best


def _names_kind(table: Table, word: str) -> bool:
    return any(stem == word or stem.endswith(word) for stem in table_stems(table.short_name))
