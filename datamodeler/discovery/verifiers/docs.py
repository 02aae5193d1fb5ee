"""Docs against facts: each claim a text makes about a column (``claims.read_claims``) is checked against the
column's profile and the catalog (keys, constraints, relationships). Claims that cannot be checked are left alone.

    check_description(column, text, table, model) -> DocsCheck(contradictions, confirmations, checks)

Evidence names the claim and the measured fact: ``described as unique: 2 distinct values in 240 non-null rows``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ...model import ASSERTED_STATUSES, Column, ColumnProfile, DataModel, Table
from ...profile import uniqueness
from .claims import Claim, read_claims

Verdict = Literal["confirmed", "contradicted", "unchecked"]


@dataclass
class ClaimCheck:
    """One claim and what the facts say about it."""

    claim: Claim
    verdict: Verdict
    fact: str = ""

    @property
    def detail(self) -> str:
        return f"described as {self.claim.label}: {self.fact}"


@dataclass
class DocsCheck:
    """What the facts say about a text's checkable claims."""

    contradictions: list[str] = field(default_factory=list)
    confirmations: list[str] = field(default_factory=list)
    checks: list[ClaimCheck] = field(default_factory=list)


@dataclass
class ColumnFacts:
    """Where a column's facts live: its profile and constraints, its table's keys, the model's relationships."""

    column: Column
    table: Table | None = None
    model: DataModel | None = None

    @property
    def profile(self) -> ColumnProfile | None:
        profile = self.column.profile
        return profile if profile is not None and profile.rows else None

    @property
    def sample_note(self) -> str:
        return " (sample)" if self.profile is not None and self.profile.sampled else ""


def check_description(column: Column, text: str, table: Table | None = None, model: DataModel | None = None) -> DocsCheck:
    """Check every claim of ``text`` against the facts of ``column`` (its ``table`` and ``model`` when given)."""
    facts = ColumnFacts(column, table, model)
    result = DocsCheck()
    for claim in read_claims(text):
        checked = CLAIM_CHECKS[claim.kind](claim, facts)
        result.checks.append(checked)
        if checked.verdict == "contradicted":
            result.contradictions.append(checked.detail)
        elif checked.verdict == "confirmed":
            result.confirmations.append(checked.detail)
    return result


def check_unique(claim: Claim, facts: ColumnFacts) -> ClaimCheck:
    """Distinct values against non-null rows; a declared one-column key settles it too. ``not unique`` is
    contradicted only by a declared key (a unique sample proves nothing)."""
    declared = _declared_unique(facts)
    if claim.negated:
        return ClaimCheck(claim, "contradicted", declared) if declared else ClaimCheck(claim, "unchecked")
    measured = uniqueness(facts.column)
    if measured is not None and measured.non_null > 0:
        fact = f"{measured.distinct} distinct values in {measured.non_null} non-null rows{facts.sample_note}"
        return ClaimCheck(claim, "confirmed" if measured.unique else "contradicted", fact)
    return ClaimCheck(claim, "confirmed", declared) if declared else ClaimCheck(claim, "unchecked")


def check_not_null(claim: Claim, facts: ColumnFacts) -> ClaimCheck:
    """Nulls in the profile contradict it; a NOT NULL constraint or a null-free profile confirms it.
    ``may be null`` is never contradicted: a column can allow what it does not yet hold."""
    if claim.negated:
        return ClaimCheck(claim, "unchecked")
    profile = facts.profile
    if profile is not None and profile.null_count is not None:
        fact = f"{profile.null_count} nulls in {profile.rows} rows{facts.sample_note}"
        return ClaimCheck(claim, "contradicted" if profile.null_count > 0 else "confirmed", fact)
    if not facts.column.nullable:
        return ClaimCheck(claim, "confirmed", "the column is declared NOT NULL")
    return ClaimCheck(claim, "unchecked")


def check_key(claim: Claim, facts: ColumnFacts) -> ClaimCheck:
    """A key is unique and never null; ``the primary key`` must also be (part of) a declared one, when one is declared."""
    declared_key = _declared_primary_key(facts)
    name = facts.column.name.lower()
    if claim.negated:
        if declared_key == [name]:
            return ClaimCheck(claim, "contradicted", f"{facts.column.name} is the declared primary key")
        return ClaimCheck(claim, "unchecked")
    if claim.primary and declared_key and name not in declared_key and facts.table is not None:
        return ClaimCheck(claim, "contradicted", f"the declared primary key of {facts.table.name} is ({', '.join(declared_key)})")
    parts = [check_unique(Claim("unique", claim.phrase), facts), check_not_null(Claim("not_null", claim.phrase), facts)]
    failed = [part.fact for part in parts if part.verdict == "contradicted"]
    if failed:
        return ClaimCheck(claim, "contradicted", "; ".join(failed))
    if all(part.verdict == "confirmed" for part in parts):
        return ClaimCheck(claim, "confirmed", "; ".join(part.fact for part in parts))
    return ClaimCheck(claim, "unchecked")


def check_range(claim: Claim, facts: ColumnFacts) -> ClaimCheck:
    """The profile's min and max (numbers only) must lie within the claimed bounds."""
    profile = facts.profile
    if profile is None:
        return ClaimCheck(claim, "unchecked")
    low, high = _as_number(profile.min), _as_number(profile.max)
    if low is None or high is None:
        return ClaimCheck(claim, "unchecked")
    fact = f"values run from {profile.min} to {profile.max}{facts.sample_note}"
    below = claim.low is not None and (low < claim.low or (low == claim.low and not claim.low_inclusive))
    above = claim.high is not None and (high > claim.high or (high == claim.high and not claim.high_inclusive))
    return ClaimCheck(claim, "contradicted" if below or above else "confirmed", fact)


def check_allowed_values(claim: Claim, facts: ColumnFacts) -> ClaimCheck:
    """Observed top values outside the list contradict it, and so do more distinct values than the list has."""
    profile = facts.profile
    if profile is None:
        return ClaimCheck(claim, "unchecked")
    allowed = {_value_key(v) for v in claim.values}
    seen = [str(v) for v in profile.top_values or []]
    outside = [v for v in seen if _value_key(v) not in allowed]
    if outside:
        return ClaimCheck(claim, "contradicted", f"the column also holds {', '.join(repr(v) for v in outside[:5])}{facts.sample_note}")
    if profile.distinct_count is not None and profile.distinct_count > len(allowed):
        return ClaimCheck(claim, "contradicted", f"{profile.distinct_count} distinct values for {len(allowed)} allowed{facts.sample_note}")
    complete = seen and profile.distinct_count is not None and profile.distinct_count <= len(seen)
    return ClaimCheck(claim, "confirmed", f"values seen: {', '.join(seen)}") if complete else ClaimCheck(claim, "unchecked")


def _declared_unique(facts: ColumnFacts) -> str:
    """``order_id is the declared primary key`` when a declared one-column key covers the column, else empty."""
    table, name = facts.table, facts.column.name.lower()
    if table is None:
        return ""
    if _declared_primary_key(facts) == [name]:
        return f"{facts.column.name} is the declared primary key"
    if any([c.lower() for c in key] == [name] for key in table.unique_keys):
        return f"{facts.column.name} has a unique constraint"
    return ""


def _declared_primary_key(facts: ColumnFacts) -> list[str]:
    table = facts.table
    if table is None or not table.primary_key or table.primary_key_source == "inferred":
        return []
    return [c.lower() for c in table.primary_key]


def _as_number(value: object) -> float | None:
    try:
        return float(str(value)) if value is not None else None
    except ValueError:
        return None


def _value_key(value: str) -> str:
    """Values compare case-folded, and numbers by value (``1`` = ``1.0``)."""
    number = _as_number(value)
    return repr(number) if number is not None else str(value).strip().casefold()


def check_references(claim: Claim, facts: ColumnFacts) -> ClaimCheck:
    """The named table (and column) must exist; a relationship the model settled for this column decides the rest,
    and value ranges that do not overlap the parent's contradict it."""
    if facts.model is None or facts.table is None:
        return ClaimCheck(claim, "unchecked")
    parent, parent_column, problem = resolve_target(facts.model, claim.target or "")
    if problem:
        return ClaimCheck(claim, "contradicted", problem)
    if parent is None or parent.name == facts.table.name:
        return ClaimCheck(claim, "unchecked")
    settled = _settled_relationship(facts, parent, parent_column)
    if settled is not None:
        return settled if settled.claim == claim else ClaimCheck(claim, settled.verdict, settled.fact)
    target_column = parent.column(parent_column) if parent_column else (parent.column(parent.primary_key[0]) if len(parent.primary_key) == 1 else None)
    return _compare_ranges(claim, facts, parent, target_column)


def resolve_target(model: DataModel, target: str) -> tuple[Table | None, str | None, str]:
    """``(table, column, problem)`` for ``schema.table.column``, ``table.column``, ``schema.table`` or ``table``
    (plural or singular). A dotted name that matches nothing is a problem; a bare word may just be English."""
    parts = target.split(".")
    splits = [(".".join(parts[:cut]), ".".join(parts[cut:]) or None) for cut in range(len(parts), 0, -1)]
    for table_name, column_name in splits:
        table = _table_by_word(model, table_name)
        if table is not None and (column_name is None or "." not in column_name):
            if column_name is not None and table.column(column_name) is None:
                return None, None, f"{table.name} has no column {column_name}"
            return table, column_name, ""
    return None, None, (f"nothing called {target} in the catalog" if len(parts) > 1 else "")


def _table_by_word(model: DataModel, word: str) -> Table | None:
    for name in (word, word + "s", word + "es", word[:-1] + "ies" if word.endswith("y") else "", word[:-1] if word.endswith("s") else ""):
        table = model.table(name) if name else None
        if table is not None:
            return table
    return None


def _settled_relationship(facts: ColumnFacts, parent: Table, parent_column: str | None) -> ClaimCheck | None:
    """An asserted relationship from the column to this parent confirms; one to another parent, or a rejected one
    to this parent, contradicts."""
    if facts.model is None or facts.table is None:  # check_references has made sure they are given
        return None
    mine = [r for r in facts.model.relationships
            if r.child_table == facts.table.name and [c.lower() for c in r.child_columns] == [facts.column.name.lower()]]
    fits = [r for r in mine if r.parent_table == parent.name and (parent_column is None or [c.lower() for c in r.parent_columns] == [parent_column.lower()])]
    claim = Claim("references", "", target=parent.name)
    if any(r.status in ASSERTED_STATUSES for r in fits):
        rel = next(r for r in fits if r.status in ASSERTED_STATUSES)
        return ClaimCheck(claim, "confirmed", f"relationship {rel.label} is {rel.status}")
    other = next((r for r in mine if r.status in ASSERTED_STATUSES and r.parent_table != parent.name), None)
    if other is not None:
        return ClaimCheck(claim, "contradicted", f"the column references {other.parent_table}.{','.join(other.parent_columns)} ({other.status})")
    rejected = next((r for r in fits if r.status == "rejected"), None)
    if rejected is not None:
        why = "; ".join(e.detail or e.short_text for e in rejected.evidence[-2:]) or "no evidence kept"
        return ClaimCheck(claim, "contradicted", f"relationship {rejected.label} was rejected: {why}")
    return None


def _compare_ranges(claim: Claim, facts: ColumnFacts, parent: Table, target: Column | None) -> ClaimCheck:
    """Child values entirely outside the parent key's range cannot reference it."""
    child, key = facts.profile, target.profile if target is not None else None
    if target is None or child is None or key is None:
        return ClaimCheck(claim, "unchecked")
    low, high, key_low, key_high = (_as_number(v) for v in (child.min, child.max, key.min, key.max))
    if low is None or high is None or key_low is None or key_high is None:
        return ClaimCheck(claim, "unchecked")
    if high < key_low or low > key_high:
        return ClaimCheck(claim, "contradicted", f"values {child.min}..{child.max} lie outside {parent.name}.{target.name} "
                                                 f"{key.min}..{key.max}{facts.sample_note}")
    return ClaimCheck(claim, "unchecked")


CLAIM_CHECKS: dict[str, Callable[[Claim, ColumnFacts], ClaimCheck]] = {
    "unique": check_unique,
    "not_null": check_not_null,
    "key": check_key,
    "range": check_range,
    "allowed_values": check_allowed_values,
    "references": check_references,
}

__all__ = ["CLAIM_CHECKS", "ClaimCheck", "ColumnFacts", "DocsCheck", "check_description"]
