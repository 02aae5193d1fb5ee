"""LLM proposals: entity names, descriptions, glossary terms and relationship ideas, asked batch by batch.

``propose`` sends one ``describe_entities`` request per entity batch and one ``propose_relationships``
request per batch with open reference-like columns, through any ``LLMClient``. It returns everything the
answers say as unverified ``Proposal`` records, hallucinations included: ``verifiers/proposals.py`` judges them.
"""

from __future__ import annotations

import functools
import itertools
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..model import DataModel, Evidence, Proposal, Relationship
from .client import LLMClient
from .prompts import describe_entities_messages, entity_batches, live_references, parent_keys, propose_relationships_messages
from .templates import Template

TASKS = ("describe_entities", "propose_relationships")


def propose(model: DataModel, client: LLMClient, templates: dict[str, Template],
            on_batch: Callable[[], None] | None = None, concurrency: int = 1) -> list[Proposal]:
    """Every proposal of every batch, in batch order (``templates`` by task name; ``on_batch`` is called after
    each batch). Up to ``concurrency`` batches are asked at once; the first ``LLMError`` stops the rest."""
    references, parents = live_references(model), parent_keys(model)
    ask = functools.partial(_propose_batch, client=client, templates=templates, references=references, parents=parents)
    batches = iter(entity_batches(model))
    proposals: list[Proposal] = []
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="llm") as pool:
        window = deque(pool.submit(ask, batch) for batch in itertools.islice(batches, max(1, concurrency)))
        while window:
            proposals.extend(window.popleft().result())  # an LLMError here stops submitting more
            if on_batch is not None:
                on_batch()
            if (batch := next(batches, None)) is not None:
                window.append(pool.submit(ask, batch))
    return proposals


def _propose_batch(batch: Any, client: LLMClient, templates: dict[str, Template], references: Any, parents: Any) -> list[Proposal]:
    """The docs request for one entity batch, and the relationships request when it has open references."""
    messages = describe_entities_messages(batch, templates["describe_entities"], references)
    found = docs_proposals(client.complete_json(messages, "describe_entities"))
    ideas = propose_relationships_messages(batch, templates["propose_relationships"], references, parents)
    if ideas is not None:
        found.extend(relationship_proposals(client.complete_json(ideas, "propose_relationships")))
    return found


def docs_proposals(answer: dict[str, Any]) -> list[Proposal]:
    """Entity, table, column and glossary proposals from a ``describe_entities`` answer."""
    found = [Proposal(kind="entity", entity=e["entity"], name=e["name"], text=e["description"]) for e in answer.get("entities", [])]
    for table in answer.get("tables", []):
        found.append(Proposal(kind="table_description", table=table["table"], text=table["description"]))
        found.extend(Proposal(kind="column_description", table=table["table"], column=c["column"], text=c["description"])
                     for c in table.get("columns", []))
    found.extend(Proposal(kind="glossary", name=g["term"], text=g["definition"], tables=list(g.get("tables", [])))
                 for g in answer.get("glossary", []))
    return found


def relationship_proposals(answer: dict[str, Any]) -> list[Proposal]:
    """Relationship proposals from a ``propose_relationships`` answer, each a candidate with ``sources: [llm]``."""
    found = []
    for idea in answer.get("relationships", []):
        rel = Relationship(child_table=idea["child_table"], child_columns=list(idea["child_columns"]),
                           parent_table=idea["parent_table"], parent_columns=list(idea["parent_columns"]),
                           sources=["llm"], evidence=[Evidence(kind="llm", detail=idea.get("reason") or "proposed by the LLM")])
        found.append(Proposal(kind="relationship", relationship=rel))
    return found
