"""Data-driven candidates for columns no name explains (``winner_id``, ``affirmative``, ``pcp`` -> a person key).

Unary inclusion-dependency discovery in the spirit of SPIDER/BINDER, on the profile first: a child column (an
integer or short code with at least ``MIN_DISTINCT`` distinct values, not yet in any relationship) meets only the
single-column parent keys of the same type family whose profiled min..max covers its own and that hold at least
as many distinct values. Survivors pass a randomness test (after Zhang et al., VLDB 2010) so that dense 1..N
surrogate keys do not match everything: the child's values must look like a sample of the parent's, not like a
counter of their own (``sample_probability``). At most ``MAX_PARENTS`` parents per column, the most specific
(fewest distinct values) first, go on to the pushed-down inclusion check (keys are indexed by type family and
distinct count, and the search per column stops once enough fit, so it does not try every key of the warehouse); when several hold every value and no
word of the column names one of them, they stay plausible (ambiguous). Nothing here runs SQL.
"""

from __future__ import annotations

import bisect
import math

from ...identifiers import is_reference_like, tokens
from ...model import Column, DataModel, Evidence, Relationship, Table
from ...profile import type_family, types_compatible
from .naming import ParentKey, parent_keys

MIN_DISTINCT = 3
MAX_PARENTS = 3
MIN_SAMPLE_PROBABILITY = 0.01
MAX_CODE_LENGTH = 40
STRENGTH = 0.1
NAMED_BONUS = 0.05
Explained = set[tuple[str, str]]


def propose_unexplained(model: DataModel, explained: Explained) -> list[Relationship]:
    """Candidates for every unexplained child column towards the parent keys whose profile could hold its values."""
    index = _KeyIndex([k for k in parent_keys(model) if _bounds(k.column) is not None])
    found = []
    for table in model.tables:
        if table.kind != "table":
            continue
        for column in table.columns:
            if (table.name.lower(), column.name.lower()) in explained or not _wanted_child(table, column):
                continue
            fitting = index.most_specific_fitting(table, column, MAX_PARENTS + 1)
            count = len(fitting)
            found += [_candidate(table, column, key, p, count, rank) for rank, (p, key) in enumerate(fitting[:MAX_PARENTS])]
    return found


class _KeyIndex:
    """Parent keys by type family, fewest distinct values first: a column meets only the keys of its family that
    hold at least as many distinct values, most specific first, and the search stops once enough fit."""

    def __init__(self, keys: list[ParentKey]):
        self.by_family: dict[str, list[ParentKey]] = {}
        for key in sorted(keys, key=lambda k: (key_distinct(k.column), k.table.name)):
            self.by_family.setdefault(type_family(key.column.type), []).append(key)
        self.distincts = {family: [key_distinct(k.column) for k in keys] for family, keys in self.by_family.items()}

    def most_specific_fitting(self, table: Table, column: Column, wanted: int) -> list[tuple[float, ParentKey]]:
        """Up to ``wanted`` (sample probability, key) the column's values fit, fewest distinct values first."""
        family = type_family(column.type)
        keys = self.by_family.get(family, [])
        fitting: list[tuple[float, ParentKey]] = []
        for key in keys[bisect.bisect_left(self.distincts.get(family, []), key_distinct(column)):]:
            if key.table is not table and (p := fits(column, key.column)) is not None:
                fitting.append((p, key))
                if len(fitting) >= wanted:
                    break
        return fitting


def _wanted_child(table: Table, column: Column) -> bool:
    """A reference-like integer or short code, not its table's own one-column key (own surrogate keys 1..N would
    fit every bigger key: accidental inclusions outnumber subtypes there, so those are left to names)."""
    profile = column.profile
    if profile is None or not profile.rows or profile.sampled or (profile.distinct_count or 0) < MIN_DISTINCT or column.pii:
        return False
    if [c.lower() for c in table.primary_key] == [column.name.lower()] or not is_reference_like(column.name):
        return False
    family = type_family(column.type)
    return family == "int" or (family == "text" and (profile.avg_length or 0) <= MAX_CODE_LENGTH)


def key_distinct(column: Column) -> int:
    return column.profile.distinct_count or 0 if column.profile else 0


def _bounds(column: Column) -> tuple[str, str] | None:
    """The profiled min and max of a fully profiled column with values, as the profile wrote them."""
    profile = column.profile
    if profile is None or profile.sampled or profile.min is None or profile.max is None or not profile.distinct_count:
        return None
    return profile.min, profile.max


def _int_bounds(column: Column) -> tuple[int, int] | None:
    bounds = _bounds(column)
    try:
        return (int(float(bounds[0])), int(float(bounds[1]))) if bounds is not None else None
    except ValueError:
        return None


def fits(child: Column, parent: Column) -> float | None:
    """The sample probability when the parent's profile could hold every child value, else None."""
    if type_family(child.type) != type_family(parent.type) or types_compatible(child.type, parent.type) != "same":
        return None
    if key_distinct(child) > key_distinct(parent):
        return None
    if type_family(child.type) != "int":
        c, p = _bounds(child), _bounds(parent)
        return 1.0 if c is not None and p is not None and p[0] <= c[0] and c[1] <= p[1] else None
    ci, pi = _int_bounds(child), _int_bounds(parent)
    if ci is None or pi is None or ci[0] < pi[0] or ci[1] > pi[1]:
        return None
    probability = sample_probability(key_distinct(child), *ci, key_distinct(parent), *pi)
    return probability if probability >= MIN_SAMPLE_PROBABILITY else None


def sample_probability(d: int, cmin: int, cmax: int, n: int, pmin: int, pmax: int) -> float:
    """How likely ``d`` values drawn at random from the parent's ``n`` keys in pmin..pmax span cmin..cmax.

    Two tails, taken from the profile alone: all ``d`` values below the child's max (or above its min) has
    probability q**d; ``d`` contiguous integers (a counter of its own) has (n - d + 1) / C(n, d).
    """
    if pmax <= pmin or d >= n:
        return 1.0
    q_top, q_bottom = (cmax - pmin) / (pmax - pmin), (pmax - cmin) / (pmax - pmin)
    tails = min(q_top, q_bottom) ** d
    if cmax - cmin + 1 == d:
        tails = min(tails, (n - d + 1) / math.comb(n, d))
    return tails


def _several(fitting: int) -> str:
    """How many keys fit, as far as the search looked (it stops past ``MAX_PARENTS``)."""
    return f"{MAX_PARENTS}+" if fitting > MAX_PARENTS else str(fitting)


def _candidate(table: Table, column: Column, key: ParentKey, probability: float, fitting: int, rank: int) -> Relationship:
    """Several fitting parents stay a near-tie (plausible) unless the column's words name one of them."""
    detail = (f"{column.name}'s values fit {key.table.short_name}.{key.column.name} (range and {key_distinct(key.column)} distinct "
              f"values; chance of a random sample looking like this {min(probability, 1.0):.2f})"
              + (f"; the most specific of {_several(fitting)} fitting keys" if rank == 0 and fitting > 1 else ""))
    named = bool(set(tokens(column.name)) & {stem for stem in key.stems if not stem.startswith("last:")})
    strength = STRENGTH + (NAMED_BONUS if named else 0.0)
    return Relationship(
        child_table=table.name, child_columns=[column.name], parent_table=key.table.name, parent_columns=[key.column.name],
        sources=["values"], evidence=[Evidence(kind="value_sample", ratio=round(min(probability, 1.0), 4), strength=round(strength, 3),
                                               count=fitting, detail=detail)],
    )
