"""Table families: date shards, numbered partitions and ``_v2``/``_backup``/``_old`` copies of one table, as one entry.

Warehouses keep many physical copies of one logical table (``events_20240101`` … ``events_20240131``,
``orders_p3``, ``customers_backup``). Linking ranks one representative per family so copies cannot fill the
top of the ranking; the prompt names the other members in one line.

    families = table_families(["events_20240101", "events_20240102", "orders", "orders_backup"])
    families["events_20240102"]   # ['events_20240101', 'events_20240102']
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

COPY_SUFFIX = re.compile(
    r"(?:[_$](?:(?:19|20)\d{2}(?:_?\d{2}){0,2}|\d{8}|p\d+|part\d+|partition\d+|shard\d+|v\d+|backup|bak|old|copy|tmp|"
    r"temp|archive|archived|snapshot|prev|previous|legacy|deprecated)(?:_\d+)?)+$",
    re.IGNORECASE,
)
"""A trailing run of copy markers: a date (``_20240101``, ``_2024_01``, ``_2023``), a partition/shard/version number, a copy word."""


def family_key(name: str) -> str:
    """The logical table a physical name belongs to: ``sales.events_20240101`` -> ``sales.events``."""
    schema, dot, short = name.rpartition(".")
    base = COPY_SUFFIX.sub("", short)
    return f"{schema}{dot}{base or short}".lower()


def table_families(names: Iterable[str]) -> dict[str, list[str]]:
    """``{representative: members}`` for every table name; a family of one is its own representative.

    The representative is the plain name when it exists (``orders`` over ``orders_backup``), else the
    newest-looking shard (the greatest name, so ``events_20240131``).
    """
    groups: dict[str, list[str]] = defaultdict(list)
    for name in names:
        groups[family_key(name)].append(name)
    families: dict[str, list[str]] = {}
    for key, members in groups.items():
        members.sort()
        plain = [m for m in members if m.lower() == key]
        families[plain[0] if plain else members[-1]] = members
    return families
