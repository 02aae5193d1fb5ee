"""A transparent score for each relationship candidate, its status, and ambiguity resolution.

    score = naming + query_join + parent_key + types + inclusion        (confidence: clipped to 0..1)

naming: the strongest naming/role strength (0.2 … 0.55); query_join: 0.35 + 0.15·min(1, log10(joins+1)/2);
parent_key: +0.15 declared key, +0.1 inferred and unique on the data, +0.05 inferred from names or unique only; types: +0.1 same, +0.05 castable (int vs text, compared as text);
inclusion (share of distinct child values found in the parent key, d distinct values seen):
≥ 0.99 → +0.4·min(1, 0.7 + d/10); ≥ 0.9 → +0.2; < 0.5 → rejected.
Status: declared stays declared; a hard fail (incompatible types, inclusion < 0.5, disjoint value ranges)
rejects; score ≥ 0.7 → verified, ≥ 0.35 → plausible, else rejected. A parent that is not unique caps the status
at plausible. See docs/relationships.md.
"""

from __future__ import annotations

import math
from collections import defaultdict

from ..model import Evidence, Relationship
from ..identifiers import table_stem

VERIFIED_AT = 0.7
PLAUSIBLE_AT = 0.35
AMBIGUITY_MARGIN = 0.04
PARENT_KEY_POINTS = {"declared_primary_key": 0.15, "declared_unique": 0.15, "inferred_unique_on_data": 0.1,
                     "inferred_from_names": 0.05, "unique_on_data": 0.05}
TYPE_POINTS = {"same": 0.1, "castable": 0.05}
REJECTED_KEPT_PER_CHILD = 2


def score(rel: Relationship) -> tuple[float, str | None]:
    """(score, reason for rejection or None); the score is not clipped, so that strong candidates still rank."""
    total, hard_fail = 0.0, None
    naming = [e.strength or 0.0 for e in rel.evidence if e.kind == "naming"]
    total += max(naming, default=0.0)
    joins = sum(e.count or 0 for e in rel.evidence if e.kind == "query_join")
    if any(e.kind == "query_join" for e in rel.evidence):
        total += 0.35 + 0.15 * min(1.0, math.log10(joins + 1) / 2)
    for e in rel.evidence:
        if e.kind == "parent_key":
            total += PARENT_KEY_POINTS.get(e.key_source, 0.05) if e.key_source else 0.05
        elif e.kind == "types":
            total += TYPE_POINTS.get(e.type_match or "", 0.0)
            if e.type_match == "incompatible":
                hard_fail = "incompatible types"
        elif e.kind == "value_range":
            hard_fail = "value ranges do not overlap"
        elif e.kind == "inclusion" and e.ratio is not None:
            if e.ratio >= 0.99:
                total += INCLUSION_POINTS * min(1.0, 0.7 + (e.count or 0) / 10)
            elif e.ratio >= 0.9:
                total += 0.2
            elif e.ratio < 0.5:
                hard_fail = f"only {e.ratio:.0%} of child values found in the parent"
    return round(max(0.0, total), 3), hard_fail


INCLUSION_POINTS = 0.4
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
        rel.confidence = min(1.0, value)
        if hard_fail:
            _reject(rel, hard_fail)
        elif value >= VERIFIED_AT and not _capped(rel):
            rel.status = "verified"
        elif value >= PLAUSIBLE_AT:
            rel.status = "plausible"
        else:
            _reject(rel, f"score {value:.2f} below {PLAUSIBLE_AT}")
    return raw


def _capped(rel: Relationship) -> bool:
    return any(e.kind == "parent_not_unique" for e in rel.evidence)


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
        for rel in alive[1:]:
            if rel.status == "declared":
                continue
            if tie and raw[best.id] - raw[rel.id] < AMBIGUITY_MARGIN:
                rel.status = "plausible"
                rel.evidence.append(Evidence(kind="ambiguous", detail=f"fits as well as {best.parent_table}"))
            else:
                _reject(rel, f"{best.parent_table} is better supported ({best.confidence:.2f})")
        if tie and best.status == "verified":
            best.status = "plausible"
            best.evidence.append(Evidence(kind="ambiguous", detail=f"fits as well as {runner_up.parent_table}"))
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
