"""Pure functions from the model to chat messages: per-entity batches, the data block, the two scan tasks.

The data of a batch goes in one JSON block between ``<data>`` and ``</data>``; ``<`` and ``>`` inside it are
escaped, so no comment or value can close the block and pose as instructions. What a table contributes is
decided by ``redact.table_facts`` (no PII values), and the whole payload passes ``redact.scrub`` in ``fill``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ..identifiers import tokens
from ..model import Column, DataModel, Entity, Relationship, Table
from .client import Message
from .redact import column_facts, comment_facts, scrub, table_facts
from .templates import DATA_PLACEHOLDER, Template

MAX_TABLES_PER_BATCH = 8
MAX_COLUMNS_PER_BATCH = 120
MAX_CANDIDATE_PARENTS = 150
REFERENCE_WORDS = frozenset({"id", "code", "key", "sk", "ref", "no", "uuid", "guid", "fk"})
"""Last name tokens of columns that look like references (``member_id``, ``country_code``, ``profile_ref``)."""


@dataclass
class Batch:
    """Tables documented together: one entity (or a slice of a large one), or tables in no entity."""

    entity: Entity | None
    tables: list[Table]
    first: bool = True  # the first slice of its entity: the one asked to name and describe the entity


def entity_batches(model: DataModel) -> list[Batch]:
    """One batch per entity (split past ``MAX_TABLES_PER_BATCH`` tables or ``MAX_COLUMNS_PER_BATCH`` columns),
    then the tables in no entity."""
    batches: list[Batch] = []
    placed: set[str] = set()
    for entity in sorted(model.entities, key=lambda e: e.name.lower()):
        tables = [t for name in entity.tables if (t := model.table(name)) is not None and t.name not in placed]
        placed.update(t.name for t in tables)
        batches.extend(Batch(entity, chunk, first=i == 0) for i, chunk in enumerate(_chunks(tables)))
    loose = sorted((t for t in model.tables if t.name not in placed), key=lambda t: t.name.lower())
    batches.extend(Batch(None, chunk) for chunk in _chunks(loose))
    return batches


def describe_entities_messages(batch: Batch, template: Template, references: dict[str, list[Relationship]]) -> list[Message]:
    """Messages asking to name and describe the batch's entity, tables and columns (``references``: see
    ``live_references``)."""
    entity = None
    if batch.entity is not None and batch.first:
        entity = {"entity": batch.entity.name, "tables": list(batch.entity.tables), "grouping": batch.entity.description}
    payload = {"entity": entity, "tables": [table_facts(t, references.get(t.name)) for t in batch.tables]}
    return fill(template, payload)


def propose_relationships_messages(batch: Batch, template: Template, references: dict[str, list[Relationship]],
                                   parents: list[ParentKey]) -> list[Message] | None:
    """Messages asking for the parents of the batch's open reference-like columns; None when there are none.

    ``parents`` comes from ``parent_keys(model)``, computed once per scan.
    """
    open_ = [(t, c) for t in batch.tables for c in open_columns(t, references.get(t.name, []))]
    if not open_:
        return None
    parents = candidate_parents(parents, [c.name for _, c in open_])
    payload = {
        "open_columns": [{"table": t.name, **column_facts(c)} for t, c in open_],
        "candidate_parents": [p.facts for p in parents],
    }
    return fill(template, payload)


def fill(template: Template, payload: dict[str, Any]) -> list[Message]:
    """The system message, and the user message with the payload, scrubbed of personal data, as a quoted data block."""
    return [{"role": "system", "content": template.system},
            {"role": "user", "content": template.user.replace(DATA_PLACEHOLDER, render_data(scrub(payload)))}]


def render_data(payload: dict[str, Any]) -> str:
    """The payload as JSON with ``<`` and ``>`` escaped, so nothing inside can end the ``<data>`` block."""
    text = json.dumps(payload, indent=1, ensure_ascii=False, sort_keys=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def live_references(model: DataModel) -> dict[str, list[Relationship]]:
    """Relationships not rejected, by child table."""
    by_child: dict[str, list[Relationship]] = defaultdict(list)
    for rel in model.relationships:
        if rel.status != "rejected":
            by_child[rel.child_table].append(rel)
    return by_child


def open_columns(table: Table, references: list[Relationship]) -> list[Column]:
    """Reference-like columns (``*_id``, ``*_code``, ``*Ref`` …) that no live relationship explains.

    The table's own one-column key and PII columns are left out.
    """
    explained = {c.lower() for rel in references for c in rel.child_columns}
    own_key = {table.primary_key[0].lower()} if len(table.primary_key) == 1 else set()
    return [c for c in table.columns
            if (tokens(c.name) or [""])[-1] in REFERENCE_WORDS and c.name.lower() not in explained | own_key and not c.pii]


@dataclass(frozen=True)
class ParentKey:
    """A table that can be referenced: its facts for the prompt and the words of its name."""

    facts: dict[str, Any]
    words: frozenset[str]


def parent_keys(model: DataModel) -> list[ParentKey]:
    """Every base table with a primary or unique key, as a possible parent."""
    found = []
    for table in sorted(model.tables, key=lambda t: t.name.lower()):
        if table.kind != "table" or not (table.primary_key or table.unique_keys):
            continue
        key = list(table.primary_key or table.unique_keys[0])
        facts: dict[str, Any] = {"table": table.name, "key": key,
                                 "key_types": [c.type if (c := table.column(k)) else "" for k in key]}
        if table.comment:
            facts.update(comment_facts(table.comment, 200))
        found.append(ParentKey(facts, frozenset(tokens(table.name))))
    return found


def candidate_parents(parents: list[ParentKey], column_names: list[str]) -> list[ParentKey]:
    """Those sharing name words with the open columns first (stable otherwise), at most ``MAX_CANDIDATE_PARENTS``."""
    wanted = {word for name in column_names for word in tokens(name)} - REFERENCE_WORDS
    ranked = sorted(parents, key=lambda p: -len(p.words & wanted))
    return ranked[:MAX_CANDIDATE_PARENTS]


def _chunks(tables: list[Table]) -> list[list[Table]]:
    chunks: list[list[Table]] = []
    current: list[Table] = []
    columns = 0
    for table in tables:
        if current and (len(current) >= MAX_TABLES_PER_BATCH or columns + len(table.columns) > MAX_COLUMNS_PER_BATCH):
            chunks.append(current)
            current, columns = [], 0
        current.append(table)
        columns += len(table.columns)
    if current:
        chunks.append(current)
    return chunks
