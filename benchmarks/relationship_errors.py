"""Error analysis for the relationship benchmark: each false negative and false positive with its cause.

A miss (declared FK not asserted) and an extra (asserted, not declared) are explained from the scanned model
(its inferred keys and the candidates it kept, rejected ones included) against the declared schema. Causes:

misses  ``wrong PK inferred`` (the parent column is the declared key but not the inferred one),
        ``parent not a key`` (the declared FK points at a column that is not the parent's declared key),
        ``lost to another parent`` / ``ambiguous (plausible)`` / ``plausible only`` / ``rejected by the data`` /
        ``score too low`` (a candidate existed), ``no key word in the child name`` (no candidate, the name has no
        key or reference word), ``name matches no key`` (no candidate although the name is reference-like).
extras  ``wrong parent`` (the column is declared, to another parent), ``reverse of a declared FK``,
        ``parent not the declared key`` (inferred or unique column), ``undeclared self-reference``,
        ``undeclared key-to-key``, ``undeclared, named after the parent`` (self-evident: see ``self_evident``),
        ``undeclared, other``.
"""

from __future__ import annotations

from collections import Counter

from datamodeler.identifiers import is_reference_like
from datamodeler.model import DataModel, Relationship

Pair = tuple[str, str, str, str]
SELF_EVIDENT_STRATEGIES = ("table_key", "same_name")


def _child_candidates(model: DataModel, table: str, column: str) -> list[Relationship]:
    return [r for r in model.relationships if r.child_table.lower() == table and column in [c.lower() for c in r.child_columns]]


def _pk(model: DataModel, table: str) -> list[str]:
    found = next((t for t in model.tables if t.name.lower() == table), None)
    return sorted(c.lower() for c in found.primary_key) if found else []


def miss_cause(model: DataModel, pair: Pair, declared_keys: dict[str, list[str]]) -> str:
    """Why a declared (child, column) -> (parent, column) pair was not asserted."""
    child, column, parent, parent_column = pair
    declared = declared_keys.get(parent, [])
    if parent_column not in declared:
        return "parent not a key"
    if parent_column not in _pk(model, parent):
        return "wrong PK inferred"
    candidates = _child_candidates(model, child, column)
    right = [r for r in candidates if r.parent_table.lower() == parent and parent_column in [p.lower() for p in r.parent_columns]]
    if right:
        rel = right[0]
        if rel.status == "plausible":
            return "ambiguous (plausible)" if any(e.kind == "ambiguous" for e in rel.evidence) else "plausible only"
        why = next((e.detail or "" for e in rel.evidence if e.kind == "rejected"), "")
        if "better supported" in why or "most specific" in why:
            return "lost to another parent"
        return "score too low" if "below" in why else "rejected by the data"
    if any(r.status in ("verified", "accepted", "plausible") for r in candidates):
        return "lost to another parent"
    return "name matches no key" if is_reference_like(pair[1]) else "no key word in the child name"


def extra_cause(model: DataModel, pair: Pair, truth: set[Pair], declared_keys: dict[str, list[str]]) -> str:
    """Why an asserted pair is not among the declared ones."""
    child, column, parent, parent_column = pair
    if any(t[0] == child and t[1] == column for t in truth):
        return "wrong parent"
    if (parent, parent_column, child, column) in truth:
        return "reverse of a declared FK"
    if parent_column not in declared_keys.get(parent, []):
        return "parent not the declared key"
    if child == parent:
        return "undeclared self-reference"
    if declared_keys.get(child) == [column]:
        return "undeclared key-to-key"
    return "undeclared, named after the parent" if self_evident(model, pair) else "undeclared, other"


def self_evident(model: DataModel, pair: Pair) -> bool:
    """An undeclared reference whose column is named exactly as the parent's key or ``<parent>_<key word>``
    (naming ``table_key``/``same_name``), every child value found in the parent: a reference by any reading."""
    rel = next((r for r in _child_candidates(model, pair[0], pair[1]) if r.parent_table.lower() == pair[2]), None)
    if rel is None:
        return False
    named = any(e.kind == "naming" and e.strategy in SELF_EVIDENT_STRATEGIES for e in rel.evidence)
    included = any(e.kind == "inclusion" and (e.ratio or 0.0) >= 0.99 for e in rel.evidence)
    return named and included


def explain(model: DataModel, found: set[Pair], truth: set[Pair], declared_keys: dict[str, list[str]]) -> list[tuple[str, str, Pair]]:
    """(MISS|EXTRA, cause, pair) for every error of one database."""
    out = [("MISS", miss_cause(model, p, declared_keys), p) for p in sorted(truth - found)]
    out += [("EXTRA", extra_cause(model, p, truth, declared_keys), p) for p in sorted(found - truth)]
    return out


def summary(errors: list[tuple[str, str, str, Pair]]) -> str:
    """Errors counted by (kind, cause), biggest groups first, with two examples each."""
    counts = Counter((kind, cause) for _, kind, cause, _ in errors)
    lines = ["| error | cause | count | examples |", "| --- | --- | ---: | --- |"]
    for (kind, cause), n in counts.most_common():
        examples = [f"{db}: {p[0]}.{p[1]} → {p[2]}.{p[3]}" for db, k, c, p in errors if (k, c) == (kind, cause)][:2]
        lines.append(f"| {kind} | {cause} | {n} | {'; '.join(examples)} |")
    return "\n".join(lines)
