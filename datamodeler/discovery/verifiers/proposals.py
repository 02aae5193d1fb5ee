"""Verdicts on LLM proposals: each gets ``verified``, ``plausible`` or ``rejected`` with its evidence.

    entity              the entity exists; the proposed name is not another entity's
    table_description   the table exists
    column_description  the column exists; every claim of the text (claims.py) agrees with the profile and catalog (docs.py)
    glossary            every table it names exists
    (every text)        no instructions, SQL or markup (unsafe_text.py): such a proposal is rejected, never stored
    relationship        tables and columns exist; then the same checks as every candidate (VERIFIERS: types,
                        parent key, value range, inclusion) and the same score, without credit for the LLM's say-so

An LLM relationship is ``verified`` only when independent evidence scores it so (it never does on its own);
a hard failure or a parent that is not a key rejects it. Checks never raise.
"""

from __future__ import annotations

from collections.abc import Callable

from ...model import ASSERTED_STATUSES, Evidence, EvidenceKind, Proposal, Relationship, Table
from ..relationships import cardinality
from ..scoring import confidence_of, score, status_of
from . import verify
from .checks import VerifyContext
from .docs import check_description
from .existence import find_table, missing_columns, missing_table
from .unsafe_text import unsafe_reason

MAX_TEXT_CHARS = 1000
MAX_NAME_CHARS = 60


def verify_proposals(proposals: list[Proposal], context: VerifyContext) -> None:
    """Set ``status`` and ``evidence`` on every proposal (relationships also get their own status and evidence)."""
    taken_names: dict[str, str] = {}
    for proposal in proposals:
        if proposal.kind == "entity":
            check_entity(proposal, context, taken_names)
        else:
            CHECKS[proposal.kind](proposal, context)


def check_entity(proposal: Proposal, context: VerifyContext, taken_names: dict[str, str]) -> None:
    """The entity exists and has a description; a proposed name that another entity has is dropped."""
    entities = {e.name.lower(): e for e in context.model.entities}
    entity = entities.get((proposal.entity or "").lower())
    if entity is None:
        reject(proposal, f"unknown entity {proposal.entity}")
        return
    proposal.entity = entity.name
    if not _text_ok(proposal):
        return
    name = " ".join((proposal.name or "").split())[:MAX_NAME_CHARS]
    owner = taken_names.get(name.lower()) or (entities[name.lower()].name if name.lower() in entities else None)
    if not name or (owner is not None and owner != entity.name):
        proposal.evidence.append(Evidence(kind="name_taken", detail=f"name {name!r} is taken by entity {owner}; kept {entity.name}"))
        proposal.name = None
    else:
        proposal.name = name
        taken_names[name.lower()] = entity.name
    proposal.status = "plausible"


def check_table_description(proposal: Proposal, context: VerifyContext) -> None:
    """The table exists (its canonical name is kept) and the text is not empty."""
    table = find_table(context.model, proposal.table)
    if table is None:
        reject(proposal, missing_table(context.model, proposal.table) or "")
        return
    proposal.table = table.name
    if _text_ok(proposal):
        proposal.status = "plausible"


def check_column_description(proposal: Proposal, context: VerifyContext) -> None:
    """The column exists; unique / never-null claims agree with its profile (confirmed claims verify it)."""
    table = find_table(context.model, proposal.table)
    column = table.column(proposal.column or "") if table is not None else None
    if table is None or column is None:
        problem = missing_table(context.model, proposal.table) if table is None else missing_columns(table, [proposal.column or ""])
        reject(proposal, problem or "")
        return
    proposal.table, proposal.column = table.name, column.name
    if not _text_ok(proposal):
        return
    checked = check_description(column, proposal.text or "", table, context.model)
    if checked.contradictions:
        reject(proposal, "; ".join(checked.contradictions), kind="docs_profile")
        return
    proposal.evidence.extend(Evidence(kind="docs_profile", detail=detail) for detail in checked.confirmations)
    proposal.status = "verified" if checked.confirmations else "plausible"


def check_glossary(proposal: Proposal, context: VerifyContext) -> None:
    """A term with a definition whose tables all exist."""
    if not (proposal.name or "").strip():
        reject(proposal, "empty term")
        return
    found = [find_table(context.model, name) for name in proposal.tables]
    for name, table in zip(proposal.tables, found):
        if table is None:
            reject(proposal, f"unknown table {name}")
            return
    proposal.tables = [table.name for table in found if table is not None]
    if _text_ok(proposal):
        proposal.status = "plausible"


def check_relationship(proposal: Proposal, context: VerifyContext) -> None:
    """Existence, then the candidate checks and score; the proposal takes the relationship's status."""
    rel = canonical_relationship(proposal, context)
    if rel is None:
        return
    proposal.relationship = rel
    known = context.model.relationship(rel.id)
    if known is not None:
        proposal.status = "rejected" if known.status == "rejected" else "verified" if known.status in ASSERTED_STATUSES else "plausible"
        proposal.evidence.append(Evidence(kind="known", detail=f"already {known.status} from {', '.join(known.sources) or 'the scan'}"))
        return
    taken = _existing_reference(rel, context)
    if taken is not None:
        _set_relationship_status(proposal, rel, "rejected", f"{rel.child_table}.{','.join(rel.child_columns)} already references "
                                                            f"{taken.parent_table} ({taken.status})")
        return
    verify(rel, context)
    value, hard_fail = score(rel)
    status, why = status_of(rel, value, hard_fail)
    rel.confidence = confidence_of(rel, value, status)
    rel.cardinality = cardinality(context.model, rel)
    if why:
        _set_relationship_status(proposal, rel, "rejected", why)
    elif any(e.kind == "parent_not_unique" for e in rel.evidence):
        _set_relationship_status(proposal, rel, "rejected", f"{rel.parent_table}.{','.join(rel.parent_columns)} is not a key")
    else:
        _set_relationship_status(proposal, rel, status)


def canonical_relationship(proposal: Proposal, context: VerifyContext) -> Relationship | None:
    """The proposed relationship with the model's spelling of every name; None (and rejected) when one is unknown."""
    rel = proposal.relationship
    if rel is None:
        reject(proposal, "no relationship given")
        return None
    child, parent = find_table(context.model, rel.child_table), find_table(context.model, rel.parent_table)
    problem = (missing_table(context.model, rel.child_table) if child is None else
               missing_table(context.model, rel.parent_table) if parent is None else
               missing_columns(child, rel.child_columns) or missing_columns(parent, rel.parent_columns))
    if problem is None and len(rel.child_columns) != len(rel.parent_columns):
        problem = f"{len(rel.child_columns)} child columns for {len(rel.parent_columns)} parent columns"
    if problem is not None or child is None or parent is None:  # a missing table always comes with a problem
        reject(proposal, problem or "")
        return None
    return Relationship(child_table=child.name, child_columns=_spelled(child, rel.child_columns),
                        parent_table=parent.name, parent_columns=_spelled(parent, rel.parent_columns),
                        sources=["llm"], evidence=[_safe_reason(e) for e in rel.evidence])


def _spelled(table: Table, names: list[str]) -> list[str]:
    """The table's own spelling of each column (callers have checked that every one exists)."""
    return [column.name for name in names if (column := table.column(name)) is not None]


def _safe_reason(evidence: Evidence) -> Evidence:
    """The LLM's reason is kept as evidence only when it holds no instructions, SQL or markup."""
    reason = unsafe_reason(evidence.detail) if evidence.kind == "llm" else None
    return evidence if reason is None else Evidence(kind="llm", detail=f"proposed by the LLM (its reason {reason}: not stored)")


def reject(proposal: Proposal, why: str, kind: EvidenceKind = "existence") -> None:
    proposal.status = "rejected"
    proposal.evidence.append(Evidence(kind=kind, detail=why))


def _text_ok(proposal: Proposal) -> bool:
    """Descriptions must say something and hold no instructions, SQL or markup (nor may a proposed name);
    overly long ones are cut."""
    text = " ".join((proposal.text or "").split())
    if not text:
        reject(proposal, "empty description", kind="text")
        return False
    for what, value in (("description", proposal.text), ("name", proposal.name)):
        reason = unsafe_reason(value)
        if reason is not None:
            reject(proposal, f"{what} {reason}: not stored", kind="unsafe_text")
            return False
    proposal.text = text[:MAX_TEXT_CHARS]
    return True


def _existing_reference(rel: Relationship, context: VerifyContext) -> Relationship | None:
    """An asserted relationship from the same child columns to another parent: evidence already settled it."""
    wanted = (rel.child_table.lower(), [c.lower() for c in rel.child_columns])
    for other in context.model.relationships:
        if other.status in ASSERTED_STATUSES and (other.child_table.lower(), [c.lower() for c in other.child_columns]) == wanted:
            return other
    return None


def _set_relationship_status(proposal: Proposal, rel: Relationship, status: str, why: str | None = None) -> None:
    rel.status = status  # type: ignore[assignment]
    if why:
        rel.evidence.append(Evidence(kind="rejected", detail=why))
    proposal.status = status  # type: ignore[assignment]
    proposal.evidence = list(rel.evidence)


CHECKS: dict[str, Callable[[Proposal, VerifyContext], None]] = {
    "table_description": check_table_description,
    "column_description": check_column_description,
    "glossary": check_glossary,
    "relationship": check_relationship,
}
