"""Cheap checks from the catalog and the profile: type compatibility, the parent side is a key, value ranges."""

from __future__ import annotations

from dataclasses import dataclass

from ...model import DataModel, Evidence, KeySource, Relationship, Table, TypeMatch
from ...profile import Budget, ExecutingSource, is_unique, type_family, types_compatible, uniqueness


@dataclass
class VerifyContext:
    """What verifiers need: the model, the source (None for schema-only runs), the sample size and the budget."""

    model: DataModel
    source: ExecutingSource | None = None
    sample_rows: int = 100_000
    budget: Budget | None = None


def has_evidence(rel: Relationship, kind: str) -> bool:
    return any(e.kind == kind for e in rel.evidence)


def check_types(rel: Relationship, ctx: VerifyContext) -> None:
    """``types``: same / castable (int vs text) / incompatible, over each column pair."""
    child, parent = ctx.model.table(rel.child_table), ctx.model.table(rel.parent_table)
    verdicts: list[TypeMatch] = []
    for c, p in zip(rel.child_columns, rel.parent_columns):
        cc, pc = child.column(c) if child else None, parent.column(p) if parent else None
        if cc is None or pc is None:
            verdicts.append("incompatible")
            continue
        verdicts.append(types_compatible(cc.type, pc.type))
    worst: TypeMatch = "incompatible" if "incompatible" in verdicts else "castable" if "castable" in verdicts else "same"
    rel.evidence.append(Evidence(kind="types", type_match=worst, detail=worst))


def check_parent_key(rel: Relationship, ctx: VerifyContext) -> None:
    """``parent_key``: the parent columns are a declared or inferred key, unique on the data, or not unique."""
    parent = ctx.model.table(rel.parent_table)
    if parent is None:
        return
    wanted = sorted(c.lower() for c in rel.parent_columns)
    if sorted(c.lower() for c in parent.primary_key) == wanted:
        key_source = _primary_key_source(parent)
        words = KEY_SOURCE_WORDS[key_source]
        duplicates = _duplicates(parent, rel.parent_columns)
        if duplicates:
            rel.evidence.append(Evidence(kind="parent_not_unique", ratio=duplicates, key_source=key_source,
                                         detail=f"{words} key has duplicate values on the data"))
            return
        rel.evidence.append(Evidence(kind="parent_key", key_source=key_source, detail=f"{words} primary key"))
        return
    if any(sorted(c.lower() for c in key) == wanted for key in parent.unique_keys):
        rel.evidence.append(Evidence(kind="parent_key", key_source="declared_unique", detail="declared unique key"))
        return
    column = parent.column(rel.parent_columns[0]) if len(rel.parent_columns) == 1 else None
    unique = is_unique(column) if column is not None else None
    if unique:
        rel.evidence.append(Evidence(kind="parent_key", key_source="unique_on_data", detail="unique on the data"))
    else:
        rel.evidence.append(Evidence(kind="parent_not_unique", detail="parent columns are not a known key"))


KEY_SOURCE_WORDS: dict[KeySource, str] = {
    "declared_primary_key": "declared", "inferred_unique_on_data": "inferred (unique on data)",
    "inferred_from_names": "inferred (names only)", "declared_unique": "declared unique", "unique_on_data": "unique on the data",
}


def _primary_key_source(parent: Table) -> KeySource:
    """How the parent's primary key is known: declared, inferred with uniqueness measured, or from names only."""
    if parent.primary_key_source != "inferred":
        return "declared_primary_key"
    measured = any(e.kind == "unique" for e in parent.primary_key_evidence)
    return "inferred_unique_on_data" if measured else "inferred_from_names"


def _duplicates(parent: Table, columns: list[str]) -> float | None:
    """Share of duplicate values when a one-column key is measurably not unique, else None."""
    facts = uniqueness(parent.column(columns[0])) if len(columns) == 1 else None
    return facts.duplicate_share if facts is not None and facts.non_null and not facts.unique else None


def check_value_range(rel: Relationship, ctx: VerifyContext) -> None:
    """``value_range``: numeric child values outside the parent's min..max cannot be included (no SQL needed)."""
    if len(rel.child_columns) != 1:
        return
    child, parent = ctx.model.table(rel.child_table), ctx.model.table(rel.parent_table)
    cc = child.column(rel.child_columns[0]) if child else None
    pc = parent.column(rel.parent_columns[0]) if parent else None
    if cc is None or pc is None or cc.profile is None or pc.profile is None or pc.profile.sampled:
        return
    if type_family(cc.type) not in ("int", "number") or type_family(pc.type) not in ("int", "number"):
        return
    cmin, cmax, pmin, pmax = (_number(v) for v in (cc.profile.min, cc.profile.max, pc.profile.min, pc.profile.max))
    if cmin is None or cmax is None or pmin is None or pmax is None:
        return
    if cmax < pmin or cmin > pmax:
        rel.evidence.append(Evidence(kind="value_range", ratio=0.0, detail=f"child {cmin:g}..{cmax:g} outside parent {pmin:g}..{pmax:g}"))


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
