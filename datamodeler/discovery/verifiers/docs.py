"""Docs against profile facts: a column described as unique must be unique, one described as never null
must have no nulls. Claims that cannot be checked (no profile) are left alone.

    check_description(column, text) -> DocsCheck(contradictions, confirmations)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...model import Column

_UNIQUE = re.compile(r"(?<![\w-])(not\s+|non-?|never\s+)?(unique(?:ly)?|primary\s+key)\b", re.IGNORECASE)
_NOT_NULL = re.compile(r"\b(never\s+(?:null|empty|missing)|not\s+null(?:able)?|non-?null(?:able)?|always\s+(?:set|present|filled|populated)|mandatory|required)\b",
                       re.IGNORECASE)
_NEGATED_REQUIRED = re.compile(r"\b(not|never)\s+(required|mandatory)\b", re.IGNORECASE)


@dataclass
class DocsCheck:
    """What the profile says about a description's checkable claims."""

    contradictions: list[str] = field(default_factory=list)
    confirmations: list[str] = field(default_factory=list)


def check_description(column: Column, text: str) -> DocsCheck:
    """Check the uniqueness and not-null claims of ``text`` against ``column.profile``."""
    result = DocsCheck()
    profile = column.profile
    if profile is None or not profile.rows:
        return result
    non_null = profile.rows - (profile.null_count or 0)
    if claims_unique(text) and profile.distinct_count is not None and non_null > 0:
        where = f"{profile.distinct_count} distinct values in {non_null} non-null rows" + (" (sample)" if profile.sampled else "")
        target = result.contradictions if profile.distinct_count < non_null else result.confirmations
        target.append(f"described as unique: {where}")
    if claims_not_null(text) and profile.null_count is not None:
        where = f"{profile.null_count} nulls in {profile.rows} rows" + (" (sample)" if profile.sampled else "")
        target = result.contradictions if profile.null_count > 0 else result.confirmations
        target.append(f"described as never null: {where}")
    return result


def claims_unique(text: str) -> bool:
    """``unique``, ``uniquely identifies``, ``primary key`` — not ``non-unique`` or ``not unique``."""
    return any(match.group(1) is None for match in _UNIQUE.finditer(text))


def claims_not_null(text: str) -> bool:
    """``never null``, ``not null``, ``always set``, ``required`` — not ``not required``."""
    return bool(_NOT_NULL.search(_NEGATED_REQUIRED.sub("", text)))
