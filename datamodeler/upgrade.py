"""Readers for older model files: each ``upgrade_vN`` turns a version-N file into version N+1, as plain data.

Version 1 kept a few fields undeclared and wrote some facts only as prose in ``Evidence.detail``; version 2
declares every field and types the evidence (``type_match``, ``key_source``, ``sampled``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Data = dict[str, Any]


def upgrade(data: Data, to_version: int) -> Data:
    """``data`` read at its own ``format_version`` and upgraded step by step to ``to_version``."""
    while isinstance(data.get("format_version"), int) and data["format_version"] < to_version:
        step = UPGRADES.get(data["format_version"])
        if step is None:
            return data
        data = step(data)
    return data


def upgrade_v1(data: Data) -> Data:
    """Version 1 -> 2: typed facts out of evidence prose; entity bridges and glossary entries stay as they were."""
    for table in data.get("tables", []):
        table["primary_key_evidence"] = [_evidence(e) for e in table.get("primary_key_evidence", [])]
    for rel in data.get("relationships", []):
        rel["evidence"] = [_evidence(e) for e in rel.get("evidence", [])]
    for proposal in data.get("rejected_proposals", []):
        proposal["evidence"] = [_evidence(e) for e in proposal.get("evidence", [])]
        if isinstance(proposal.get("relationship"), dict):
            relationship = proposal["relationship"]
            relationship["evidence"] = [_evidence(e) for e in relationship.get("evidence", [])]
    return {**data, "format_version": 2}


def _evidence(item: Data) -> Data:
    """One version-1 evidence record with its typed fields filled from the prose it used to carry."""
    item = dict(item)
    detail = item.get("detail") or ""
    if item.get("kind") == "types" and detail in ("same", "castable", "incompatible"):
        item["type_match"] = detail
    elif item.get("kind") in ("parent_key", "parent_not_unique"):
        source = _key_source(detail)
        if source:
            item["key_source"] = source
    elif item.get("kind") == "inclusion" and detail.endswith("(sample)"):
        item["sampled"] = True
    return item


def _key_source(detail: str) -> str | None:
    """The key source version 1 wrote as words (``declared primary key``, ``inferred (unique on data) …``)."""
    for words, source in (("declared unique", "declared_unique"), ("declared", "declared_primary_key"),
                          ("inferred (unique on data)", "inferred_unique_on_data"),
                          ("inferred (names only)", "inferred_from_names"), ("unique on the data", "unique_on_data")):
        if detail.startswith(words):
            return source
    return None


UPGRADES: dict[int, Callable[[Data], Data]] = {1: upgrade_v1}
