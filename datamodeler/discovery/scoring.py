"""A transparent score for each relationship candidate, its status, and ambiguity resolution.

    score = naming + query_join + parent_key + types + inclusion        (confidence: clipped to 0..1)

naming: the strongest naming/role strength (0.2 … 0.55); query_join: 0.35 + 0.15·min(1, log10(joins+1)/2);
parent_key: +0.15 declared key, +0.1 inferred and unique on the data, +0.05 inferred from names or unique only; types: +0.1 same, +0.05 castable (int vs text, compared as text);
inclusion (``health.inclusion_ratio``: share of distinct child values found in the parent key, or of rows when only
a few rows are orphans; d distinct values seen): ≥ 0.99 → +0.4·min(1, 0.7 + d/10); ≥ 0.95 → +0.3; ≥ 0.9 → +0.2.
Status (``status_of``): declared stays declared; a hard failure of ``health.hard_failure`` (incompatible types,
inclusion < 0.5, disjoint value ranges) rejects; score ≥ 0.7 and healthy (``health.may_be_verified``: inclusion
≥ 0.9, orphans ≤ 10%, a parent that is a key) → verified; ≥ 0.35 → plausible, else rejected.
Confidence: the calibrated score (``health.calibrated``, by status), times ``health.confidence_factor`` (partial inclusion and
orphans lower it), kept below 0.7 when the status is not verified; n parents left tied (ambiguous) share the verified one: / (n + 1).
See docs/relationships.md.
"""

from __future__ import annotations

import math
from collections import defaultdict

from ..identifiers import table_stem
from ..model import Evidence, Relationship, RelationshipStatus
from .health import (
    AMBIGUOUS_SHARE,
    PLAUSIBLE_AT,
    VERIFIED_AT,
    calibrated,
    confidence_factor,
    hard_failure,
    inclusion_ratio,
    may_be_verified,
)

AMBIGUITY_MARGIN = 0.04
PARENT_KEY_POINTS = {"declared_primary_key": 0.15, "declared_unique": 0.15, "inferred_unique_on_data": 0.1,
                     "inferred_from_names": 0.05, "unique_on_data": 0.05}
TYPE_POINTS = {"same": 0.1, "castable": 0.05}
INCLUSION_POINTS = 0.4  # all of the child values found (the most inclusion can add)
REJECTED_KEPT_PER_CHILD = 2


def score(rel: Relationship) -> tuple[float, str | None]:
    """(score, reason for rejection or None); the score is not clipped, so that strong candidates still rank."""
    total = 0.0
    naming = [e.strength or 0.0 for e in rel.evidence if e.kind in ("naming", "value_sample")]
    total += max(naming, default=0.0)
    joins = sum(e.count or 0 for e in rel.evidence if e.kind == "query_join")
    if any(e.kind == "query_join" for e in rel.evidence):
        total += 0.35 + 0.15 * min(1.0, math.log10(joins + 1) / 2)
    for e in rel.evidence:
        if e.kind == "parent_key":
            total += PARENT_KEY_POINTS.get(e.key_source, 0.05) if e.key_source else 0.05
        elif e.kind == "types":
            total += TYPE_POINTS.get(e.type_match or "", 0.0)
    total += inclusion_points(rel)
    return round(max(0.0, total), 3), hard_failure(rel)


def inclusion_points(rel: Relationship) -> float:
    """≥ 0.99 of the child values found: +0.4·min(1, 0.7 + d/10); ≥ 0.95 (a few orphan rows): +0.3; ≥ 0.9: +0.2."""
    ratio = inclusion_ratio(rel)
    if ratio is None:
        return 0.0
    if ratio >= 0.99:
        seen = next((e.count or 0 for e in reversed(rel.evidence) if e.kind == "inclusion" and e.ratio is not None), 0)
        return INCLUSION_POINTS * min(1.0, 0.7 + seen / 10)
    return 0.3 if ratio >= 0.95 else 0.2 if ratio >= 0.9 else 0.0


def status_of(rel: Relationship, value: float, hard_fail: str | None) -> tuple[RelationshipStatus, str | None]:
    """(status, reason for rejection): the one rule for inferred candidates, shared with the LLM stage."""
    if hard_fail:
        return "rejected", hard_fail
    if value >= VERIFIED_AT and may_be_verified(rel):
        return "verified", None
    if value >= PLAUSIBLE_AT:
        return "plausible", None
    return "rejected", f"score {value:.2f} below {PLAUSIBLE_AT}"


def confidence_of(rel: Relationship, value: float, status: str) -> float:
    """The calibrated score, lowered by partial inclusion and orphans; below ``VERIFIED_AT`` unless verified."""
    confidence = calibrated(value, status == "verified") * confidence_factor(rel)
    if status != "verified":
        confidence = min(confidence, VERIFIED_AT - 0.01)
    return round(confidence, 3)


VERIFIED_POINTS = max(PARENT_KEY_POINTS.values()) + max(TYPE_POINTS.values()) + INCLUSION_POINTS


def upper_bound(rel: Relationship) -> float:
    """The most a not-yet-verified candidate can score: its proposal evidence plus every verifier's best points."""
    return 10.0 if rel.status == "declared" else score(rel)[0] + VERIFIED_POINTS


def alive_score(rel: Relationship) -> float | None:
    """The raw score of a verified candidate that resolution would keep alive, else None (see ``apply_scores``)."""
    if rel.status == "declared":
        return 10.0
    value, hard_fail = score(rel)
    return None if hard_fail or value < PLAUSIBLE_AT else value


def cannot_matter(rel: Relationship, best: float) -> bool:
    """A candidate that loses to an alive score ``best`` whatever the data says, and is not shown when rejected."""
    return rel.status != "declared" and not _meaningful(rel) and upper_bound(rel) < best - AMBIGUITY_MARGIN


def apply_scores(candidates: list[Relationship]) -> dict[str, float]:
    """Set ``confidence`` (the score clipped to 1) and ``status`` on every candidate; return the raw scores by id."""
    raw: dict[str, float] = {}
    for rel in candidates:
        value, hard_fail = score(rel)
        raw[rel.id] = 10.0 if rel.status == "declared" else value
        if rel.status == "declared":
            rel.confidence = 1.0
            continue
        status, why = status_of(rel, value, hard_fail)
        rel.confidence = confidence_of(rel, value, status)
        if why:
            _reject(rel, why)
        else:
            rel.status = status
    return raw


def _reject(rel: Relationship, why: str) -> None:
    rel.status = "rejected"
    if not any(e.kind == "rejected" for e in rel.evidence):
        rel.evidence.append(Evidence(kind="rejected", detail=why))


def resolve_ambiguity(candidates: list[Relationship], raw: dict[str, float]) -> list[Relationship]:
    """Per child column set: the best-supported parent wins; near-ties stay plausible; rejected ones are capped."""
    by_child: dict[tuple[str, tuple[str, ...]], list[Relationship]] = defaultdict(list)
    for rel in candidates:
        by_child[child_key(rel)].append(rel)
    kept: list[Relationship] = []
    for group in by_child.values():
        kept.extend(_resolve_group(group, raw))
    return kept


def child_key(rel: Relationship) -> tuple[str, tuple[str, ...]]:
    """The child column set a candidate competes for (resolution picks one parent per key)."""
    return rel.child_table.lower(), tuple(c.lower() for c in rel.child_columns)


def _resolve_group(group: list[Relationship], raw: dict[str, float]) -> list[Relationship]:
    alive = sorted((r for r in group if r.status != "rejected"), key=lambda r: (-raw[r.id], r.label))
    if len(alive) > 1:
        _prefer_base_table(alive, raw)
        best, runner_up = alive[0], alive[1]
        tie = best.status != "declared" and raw[best.id] - raw[runner_up.id] < AMBIGUITY_MARGIN
        tied = [r for r in alive if r.status != "declared" and raw[best.id] - raw[r.id] < AMBIGUITY_MARGIN] if tie else []
        for rel in alive[1:]:
            if rel.status == "declared":
                continue
            if any(rel is t for t in tied):
                rel.status = "plausible"
                rel.evidence.append(Evidence(kind="ambiguous", detail=f"fits as well as {best.parent_table}"))
            else:
                _reject(rel, f"{best.parent_table} is better supported ({best.confidence:.2f})")
        if tie and best.status == "verified":
            best.status = "plausible"
            best.evidence.append(Evidence(kind="ambiguous", detail=f"fits as well as {runner_up.parent_table}"))
        for rel in tied:  # one of n parents that fit alike, or none
            share = calibrated(raw[rel.id], True) * confidence_factor(rel) / (len(tied) + AMBIGUOUS_SHARE)
            rel.confidence = round(min(share, VERIFIED_AT - 0.01), 3)
    rejected = sorted((r for r in group if r.status == "rejected" and _meaningful(r)), key=lambda r: -r.confidence)
    return [r for r in group if r.status != "rejected"] + rejected[:REJECTED_KEPT_PER_CHILD]


def _prefer_base_table(alive: list[Relationship], raw: dict[str, float]) -> None:
    """Among tied parents, the one whose name starts the others' (``domain`` vs ``domain_author``) is the base table."""
    top = raw[alive[0].id]
    tied = [r for r in alive if top - raw[r.id] < AMBIGUITY_MARGIN and r.status != "declared"]
    if len(tied) < 2:
        return
    stems = {r.id: table_stem(r.parent_table.rpartition(".")[2]) for r in tied}
    base = [r for r in tied if all(stems[o.id].startswith(stems[r.id]) for o in tied)]
    if len(base) == 1:
        raw[base[0].id] = top + AMBIGUITY_MARGIN
        base[0].evidence.append(Evidence(kind="naming", detail=f"{base[0].parent_table} is the base of the other fitting tables"))
        alive.sort(key=lambda r: (-raw[r.id], r.label))


def _meaningful(rel: Relationship) -> bool:
    """Rejected candidates worth showing a human: they had join evidence or a fair naming match."""
    return any(e.kind == "query_join" or (e.kind == "naming" and (e.strength or 0.0) >= 0.45) for e in rel.evidence)
