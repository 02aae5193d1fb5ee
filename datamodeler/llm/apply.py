"""Put verified and plausible LLM proposals into the model; keep the rejected ones, with their evidence, aside.

    descriptions      Table/Column ``description`` with ``description_source: "llm"`` and ``description_status``
                      (human-written ones are never replaced)
    entities          ``description`` (the grouping reason moves to ``grouping``), a different name as ``proposed_name``
    glossary          ``DataModel.glossary``: term, definition, tables, status, sources
    relationships     new candidates join ``relationships`` (rejected ones too, as other rejected candidates do);
                      a known one gains ``llm`` in its sources
    rejected          ``DataModel.rejected_proposals``: what the LLM said that the checks refused, and why; a text
                      refused as unsafe (instructions, SQL, markup) is left out, only the reason is kept
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import Column, DataModel, Entity, Evidence, GlossaryTerm, Proposal, Table


def apply_proposals(model: DataModel, proposals: list[Proposal]) -> None:
    """Apply every proposal to ``model`` according to its verdict."""
    rejected: list[Proposal] = []
    for proposal in proposals:
        if proposal.status == "rejected":
            rejected.append(rejected_record(proposal))
            if proposal.kind != "relationship" or any(e.kind == "existence" for e in proposal.evidence):
                continue
        APPLY[proposal.kind](model, proposal)
    model.rejected_proposals = rejected


def rejected_record(proposal: Proposal) -> Proposal:
    """The proposal as stored among the rejected ones; an unsafe text (and name) is never stored, even there."""
    record = proposal.model_copy(deep=True)
    if any(e.kind == "unsafe_text" for e in proposal.evidence):
        record.text = record.name = None
    return record


def apply_table_description(model: DataModel, proposal: Proposal) -> None:
    table = model.table(proposal.table or "")
    if table is not None and table.description_source != "human" and not _described_by_llm(table):
        table.description = proposal.text
        table.description_source = "llm"
        table.description_status = proposal.status


def apply_column_description(model: DataModel, proposal: Proposal) -> None:
    table = model.table(proposal.table or "")
    column = table.column(proposal.column or "") if table is not None else None
    if column is not None and column.description_source != "human" and not _described_by_llm(column):
        column.description = proposal.text
        column.description_source = "llm"
        column.description_status = proposal.status


def apply_entity(model: DataModel, proposal: Proposal) -> None:
    entity = next((e for e in model.entities if e.name == proposal.entity), None)
    if entity is None or _described_by_llm(entity):
        return
    if entity.description:
        entity.grouping = entity.description
    entity.description = proposal.text
    entity.description_source = "llm"
    if proposal.name and proposal.name != entity.name:
        entity.proposed_name = proposal.name
    if "llm" not in entity.sources:
        entity.sources.append("llm")


def apply_glossary(model: DataModel, proposal: Proposal) -> None:
    if not proposal.name or any(entry.term.lower() == proposal.name.lower() for entry in model.glossary):
        return
    model.glossary.append(GlossaryTerm(term=proposal.name, definition=proposal.text, tables=list(proposal.tables),
                                       status=proposal.status, sources=list(proposal.sources)))
    model.glossary.sort(key=lambda entry: entry.term.lower())


def apply_relationship(model: DataModel, proposal: Proposal) -> None:
    rel = proposal.relationship
    if rel is None:
        return
    known = model.relationship(rel.id)
    if known is None:
        model.relationships.append(rel)
        return
    if "llm" not in known.sources:
        known.sources = sorted({*known.sources, "llm"})
        known.evidence.extend(e for e in rel.evidence if e.kind == "llm")
    if not any(e.kind == "llm" for e in known.evidence):
        known.evidence.append(Evidence(kind="llm", detail="also proposed by the LLM"))


def _described_by_llm(item: Table | Column | Entity) -> bool:
    """The first proposal for an item wins (a large entity is asked in several batches)."""
    return item.description_source == "llm"


APPLY: dict[str, Callable[[DataModel, Proposal], None]] = {
    "entity": apply_entity,
    "table_description": apply_table_description,
    "column_description": apply_column_description,
    "glossary": apply_glossary,
    "relationship": apply_relationship,
}
