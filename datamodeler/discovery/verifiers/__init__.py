"""Relationship verifiers, run in the order of ``VERIFIERS``: each adds Evidence to a candidate and never raises.

    types -> parent_key -> value_range -> inclusion

``value_range`` is the cheap pre-filter (min/max from the profile) that spares the inclusion statement.
"""

from __future__ import annotations

from collections.abc import Callable

from ...model import Relationship
from .checks import VerifyContext, check_parent_key, check_types, check_value_range
from .inclusion import check_inclusion, check_inclusions

Verifier = Callable[[Relationship, VerifyContext], None]

VERIFIERS: tuple[tuple[str, Verifier], ...] = (
    ("types", check_types),
    ("parent_key", check_parent_key),
    ("value_range", check_value_range),
    ("inclusion", check_inclusion),
)


QUERYING = frozenset({"inclusion"})  # verifiers that send a statement to the warehouse


def verify(candidate: Relationship, context: VerifyContext, on_data: bool = True) -> None:
    """Run every verifier on one candidate (each appends its evidence); ``on_data=False`` skips ``QUERYING``."""
    for name, check in VERIFIERS:
        if on_data or name not in QUERYING:
            check(candidate, context)


def verify_together(candidates: list[Relationship], context: VerifyContext) -> None:
    """``verify`` for candidates of one child column, the statements they send batched: one inclusion statement
    for a column and all its parents instead of one each."""
    for candidate in candidates:
        verify(candidate, context, on_data=False)
    check_inclusions(candidates, context)


__all__ = ["VERIFIERS", "VerifyContext", "verify", "verify_together"]
