"""Table families: date shards, numbered partitions and ``_v2``/``_backup``/``_old`` copies of one table, as one entry.

Warehouses keep many physical copies of one logical table (``events_20240101`` … ``events_20240131``,
``orders_p3``, ``customers_backup``). ``ask`` linking ranks one representative per family so copies cannot fill
the top of the ranking; discovery (``mark_partitions``) makes a family whose members have identical columns one
logical table: the representative lists its parts in ``Table.partitions``, each part names it in ``Table.part_of``,
and relationships, keys and entities are found on the representative only. Declared partitions (PostgreSQL
``pg_inherits``) are set by the source and kept.

    families = table_families(["events_20240101", "events_20240102", "orders", "orders_backup"])
    families["events_20240102"]   # ['events_20240101', 'events_20240102']
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from ..model import Table

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


def mark_partitions(tables: list[Table]) -> None:
    """Name-sharded families of tables with identical columns become one logical table (declared parts kept)."""
    by_name = {t.name: t for t in tables if t.kind == "table"}
    declared = {t.name for t in tables if t.partitions or t.part_of}
    for representative, members in table_families(n for n in by_name if n not in declared).items():
        parts = [m for m in members if m != representative]
        if parts and all(_same_columns(by_name[representative], by_name[p]) for p in parts):
            by_name[representative].partitions = sorted(parts)
            for part in parts:
                by_name[part].part_of = representative


def _same_columns(left: Table, right: Table) -> bool:
    """The same column names and types, in any order: copies of one table, not tables that merely share a stem."""
    def shape(table: Table) -> set[tuple[str, str]]:
        return {(c.name.lower(), c.type.lower()) for c in table.columns}
    return bool(left.columns) and shape(left) == shape(right)


def logical_tables(tables: list[Table]) -> list[Table]:
    """The tables discovery works on: partitions and shards left out (their parent stands for them)."""
    return [t for t in tables if not t.part_of]
