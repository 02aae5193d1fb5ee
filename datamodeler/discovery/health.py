"""FK health and the one rule that turns it into a status: used by scoring (scan, LLM stage) and by ``check``.

    inclusion                 the share of distinct child values found in the parent; when at most
                              MAX_ORPHAN_RATE of the child rows are orphans, the share of rows found if higher:
                              a few orphan rows in a small table (1 of 12 rows, 1 of 6 distinct values) are a
                              real reference with a health problem of its own size, not a low inclusion
    hard failure (rejected)   incompatible types, value ranges that do not overlap, inclusion < REJECT_INCLUSION
    unhealthy (not verified)  inclusion < MIN_INCLUSION, orphan rate > MAX_ORPHAN_RATE, a parent key with measured
                              duplicates: the scan caps the status at plausible, ``check`` calls an asserted
                              relationship with any of these a contradiction, so a verified one never is
    confidence factor         min(inclusion, 1 - orphan rate): partial inclusion and orphans lower the confidence
    calibration               the score mapped to the share of such candidates that were right on the dev sets

Every threshold lives here; ``health_problems`` and ``hard_failure`` read typed evidence only.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Relationship

VERIFIED_AT = 0.7  # score from which a healthy inferred candidate is verified
PLAUSIBLE_AT = 0.35  # score from which it is plausible (below: rejected)
REJECT_INCLUSION = 0.5  # below this share of child values found in the parent, a candidate is rejected
MIN_INCLUSION = 0.9  # below this, a relationship is not healthy: never verified, and a contradiction when asserted
MAX_ORPHAN_RATE = 0.1  # above this share of child rows without a parent, the same


@dataclass(frozen=True)
class HealthProblem:
    """One reason the data disagrees with a relationship: ``kind`` is stable, ``detail`` is prose."""

    kind: str
    detail: str


def last_ratio(rel: Relationship, kind: str) -> float | None:
    """The ratio of the last evidence of ``kind`` that has one (the latest measurement wins)."""
    ratios = [e.ratio for e in rel.evidence if e.kind == kind and e.ratio is not None]
    return ratios[-1] if ratios else None


def inclusion_ratio(rel: Relationship) -> float | None:
    """Share of child values found in the parent key, when measured: distinct values, or rows when only a few
    rows (at most ``MAX_ORPHAN_RATE``) are orphans and that share is higher."""
    distinct = last_ratio(rel, "inclusion")
    if distinct is None or rel.orphan_rate is None or rel.orphan_rate > MAX_ORPHAN_RATE:
        return distinct
    return max(distinct, 1 - rel.orphan_rate)


def health_problems(rel: Relationship) -> list[HealthProblem]:
    """Everything the data says against ``rel``: low inclusion, orphans, disjoint values, incompatible types,
    measured duplicates in the parent key. Empty for a healthy (or unmeasured) relationship."""
    found = []
    ratio = inclusion_ratio(rel)
    if ratio is not None and ratio < MIN_INCLUSION:
        found.append(HealthProblem("low_inclusion", f"only {ratio:.1%} of child values are found in the parent"))
    if rel.orphan_rate is not None and rel.orphan_rate > MAX_ORPHAN_RATE:
        found.append(HealthProblem("orphans", f"{rel.orphan_rate:.1%} of child rows have no parent"))
    disjoint = next((e for e in rel.evidence if e.kind == "value_range"), None)
    if disjoint is not None:
        found.append(HealthProblem("disjoint_values", f"value ranges do not overlap ({disjoint.detail})"))
    if any(e.kind == "types" and e.type_match == "incompatible" for e in rel.evidence):
        found.append(HealthProblem("incompatible_types", "column types are incompatible"))
    duplicates = last_ratio(rel, "parent_not_unique")  # measured duplicates only; "not a known key" is no data check
    if duplicates is not None:
        found.append(HealthProblem("parent_not_unique", f"the parent key has {duplicates:.1%} duplicate values"))
    return found


def hard_failure(rel: Relationship) -> str | None:
    """Why a candidate must be rejected outright (incompatible types, disjoint ranges, most values missing), else None."""
    if any(e.kind == "types" and e.type_match == "incompatible" for e in rel.evidence):
        return "incompatible types"
    if any(e.kind == "value_range" for e in rel.evidence):
        return "value ranges do not overlap"
    ratio = inclusion_ratio(rel)
    if ratio is not None and ratio < REJECT_INCLUSION:
        return f"only {ratio:.0%} of child values found in the parent"
    return None


def may_be_verified(rel: Relationship) -> bool:
    """The data allows the status ``verified``: no health problem and no parent that is not a known key."""
    return not health_problems(rel) and not any(e.kind == "parent_not_unique" for e in rel.evidence)


def confidence_factor(rel: Relationship) -> float:
    """min(inclusion, 1 - orphan rate), 1.0 when unmeasured: what partial inclusion and orphans take off."""
    ratio = inclusion_ratio(rel)
    factors = [1.0, *([ratio] if ratio is not None else []), *([1 - rel.orphan_rate] if rel.orphan_rate is not None else [])]
    return max(0.0, min(factors))


CALIBRATION = ((0.0, 0.0), (PLAUSIBLE_AT, 0.02), (VERIFIED_AT, 0.05), (0.99, 0.1), (1.0, 1.0))
"""Score -> confidence knots for candidates the data did not let verify, measured on the 157 Spider databases with
data (docs/benchmarks.md, reliability table): short of full naming and inclusion support, none of 31 was right."""
CALIBRATION_VERIFIED = ((VERIFIED_AT, 0.65), (0.99, 0.8), (1.0, 1.0))
"""The same for verified candidates (healthy on the data): short of full support ~3 in 4 were right, full ones ~94%."""
AMBIGUOUS_SHARE = 1
"""n parents that fit alike (a tie) share the verified confidence as 1 / (n + AMBIGUOUS_SHARE): one of them is right,
or none (the column is an attribute that happens to fit); measured ~22% right for mostly 2- and 3-way ties."""


def calibrated(score: float, verified: bool = False) -> float:
    """The share of candidates with this score (and status) that were right on the dev sets, piecewise linear in
    ``CALIBRATION`` or, for a verified candidate, ``CALIBRATION_VERIFIED``."""
    knots = CALIBRATION_VERIFIED if verified and score >= VERIFIED_AT else CALIBRATION
    if score >= knots[-1][0]:
        return knots[-1][1]
    for (x0, y0), (x1, y1) in zip(knots, knots[1:]):
        if score < x1:
            return y0 + (y1 - y0) * (max(score, x0) - x0) / (x1 - x0)
    return knots[-1][1]
