"""Naming strategies: a column named like another table's key points to it.

Strengths (documented in docs/relationships.md): ``table_key`` 0.55 (``customer_id`` -> ``customers.customer_id``
or ``customers.id``; ``ss_item_sk`` -> ``item.i_item_sk`` after prefix stripping), ``same_name`` 0.5 (identical
name to a key), ``qualified_table_key`` 0.5 (``original_language_id`` -> ``language.language_id``), ``suffix`` 0.45 (``manager_staff_id`` -> ``staff.staff_id``), ``table_name`` 0.45 (``Party`` ->
``party.party_id``), ``twin_key`` 0.35 (both tables keyed by one name borrowed from a third: ``employee.party_id``
-> ``person.party_id``, a subtype link only the data can settle), ``token`` 0.2 (``ShipVia`` -> ``Shippers.ShipperID``: a name token that starts the table name).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ...identifiers import (
    KEY_SUFFIXES,
    REFERENCE_SUFFIXES,
    column_prefix,
    is_reference_like,
    normalize,
    singular,
    strip_prefix,
    table_stem,
    table_stems,
    tokens,
)
from ...model import Column, DataModel, Evidence, Relationship, Table
from ...profile import type_family, types_compatible

STRENGTHS = {"table_key": 0.55, "same_name": 0.5, "qualified_table_key": 0.5, "suffix": 0.45, "table_name": 0.45, "table_last_word": 0.4, "twin_key": 0.35,
             "subtype_name": 0.35, "token": 0.2}
BORROWED_PENALTY = 0.1
MAX_TWINS = 8  # tables of one schema keyed by one name past which they are siblings by convention, not twins to pair
_ATTRIBUTE_NAMES = frozenset({"year", "rank", "date", "month", "day", "age", "level", "position", "time", "number", "title", "status", "name"})
_GENERIC_TOKENS = frozenset(KEY_SUFFIXES + REFERENCE_SUFFIXES + ("the", "of", "and", "date", "type", "name", "number"))


@dataclass(frozen=True)
class ParentKey:
    """A single-column key a child column may point to, with its names precomputed."""

    table: Table
    column: Column
    name: str  # normalised key name, table prefix stripped
    stems: frozenset[str]
    borrowed: bool = False  # the key is named after another table (undergoes.patient): a weaker parent


def parent_keys(model: DataModel) -> list[ParentKey]:
    """Every single-column primary key of a table (declared or inferred)."""
    keys = []
    for table in model.tables:
        if table.kind != "table" or len(table.primary_key) != 1 or (column := table.column(table.primary_key[0])) is None:
            continue
        prefix = column_prefix(c.name for c in table.columns)
        keys.append(ParentKey(table, column, normalize(strip_prefix(column.name, prefix)), frozenset(table_stems(table.short_name))))
    named_after = _names_of_tables(keys)
    return [_mark_borrowed(key, named_after) for key in keys]


def _names_of_tables(keys: list[ParentKey]) -> dict[str, list[int]]:
    """Key names that name a table (``school``, ``school_id``, …) -> the ids of the tables they name."""
    names: dict[str, list[int]] = {}
    for key in keys:
        owned = {stem + suffix for stem in key.stems if not stem.startswith("last:") for suffix in KEY_SUFFIXES} | set(key.stems)
        for name in owned:
            names.setdefault(name, []).append(id(key.table))
    return names


def _mark_borrowed(key: ParentKey, named_after: dict[str, list[int]]) -> ParentKey:
    """A key named after another table (``budget.school_id`` while ``school`` exists) is borrowed from it."""
    if owns_column(key.table, key.column):
        return key
    if any(table != id(key.table) for table in named_after.get(key.name, ())):
        return dataclasses.replace(key, borrowed=True)
    return key


def owns_column(table: Table, column: Column) -> bool:
    """The column is named as this table's own key (``customers.customer_id``), so it is no child here."""
    prefix = column_prefix(c.name for c in table.columns)
    name = normalize(strip_prefix(column.name, prefix))
    return name == "id" or any(name == stem + suffix for stem in table_stems(table.short_name) for suffix in KEY_SUFFIXES)


def propose(model: DataModel) -> list[Relationship]:
    """Candidates from column names matched against every table's key."""
    keys = parent_keys(model)
    index = KeyIndex(keys)
    built = {edge.target.lower().rpartition(".")[0] if edge.kind != "table" else edge.target.lower() for edge in model.lineage}
    found = propose_subtype_names(model, keys)
    keyed = keyed_alike(model)
    for table in model.tables:
        if table.kind != "table":
            continue
        derived = table.name.lower() in built
        prefix = column_prefix(c.name for c in table.columns)
        for column in table.columns:
            if _is_own_key(table, column):
                continue
            for key in index.candidates(column, prefix, table.schema_name):
                if key.table is table:
                    continue
                match = match_name(column, prefix, key, table.primary_key, derived)
                if match and _twin_keys(table, column, key, match[0]):
                    if keyed_by_convention(table, column, keyed):
                        continue
                    match = "twin_key", f"{table.short_name} and {key.table.short_name} are both keyed by {column.name}: a subtype only if its keys are a subset"
                if match and types_compatible(column.type, key.column.type) != "incompatible":
                    found.append(_candidate(table, column, key, *match))
    return found


class KeyIndex:
    """Keys by the names a matching column could have, so each column meets a handful of keys, not all of them.

    ``candidates`` returns a superset of the keys ``match_name`` can accept, in the order of ``keys``: the
    index only prunes, ``match_name`` still decides. One exception keeps big warehouses linear: a name that
    more than ``MAX_KEYS_PER_NAME`` keys answer to (``event_id`` as the key of 3,000 fact tables) only
    proposes parents in the child's own schema.

    Each kind of lookup reads only the names its ``match_name`` rule can accept: a column's last word
    (``id`` in ``t5_id``) is looked up among table stems, never among key names, or every table keyed
    ``id`` would meet every ``*_id`` column.
    """

    MIN_SUFFIX = 4  # match_name's shortest key name for "ends with the key name"; also its shortest token
    MAX_KEYS_PER_NAME = 50

    def __init__(self, keys: list[ParentKey]):
        self.keys = keys
        self.exact: dict[str, set[int]] = {}  # whole (normalised) column name -> keys (stems, key names, compounds)
        self.stems: dict[str, set[int]] = {}  # table stems only (a column's head or last word names the table)
        self.key_names: dict[str, set[int]] = {}  # non-generic key names ("ends with the key name")
        self.prefixes: dict[str, set[int]] = {}  # a stem's leading characters (token strategy) -> keys
        self._by_schema: dict[tuple[int, str], dict[str | None, set[int]]] = {}
        for position, key in enumerate(keys):
            self._add(position, key)

    def _add(self, position: int, key: ParentKey) -> None:
        stems = [s for s in key.stems if not s.startswith("last:")]
        names = set(stems) | {key.name, normalize(key.column.name)} | {stem[5:] for stem in key.stems if stem.startswith("last:")}
        if key.name in KEY_SUFFIXES:
            names |= {stem + key.name for stem in stems}
            names |= {stem[5:] + key.name for stem in key.stems if stem.startswith("last:")}
        else:
            self.key_names.setdefault(key.name, set()).add(position)
        for name in names:
            self.exact.setdefault(name, set()).add(position)
        for stem in stems:
            self.stems.setdefault(stem, set()).add(position)
            for end in range(self.MIN_SUFFIX, len(stem) + 1):
                self.prefixes.setdefault(stem[:end], set()).add(position)
        for stem in key.stems:  # a multi-word table's last word (``tv_channel``: ``channel``), for "table_last_word"
            if stem.startswith("last:"):
                self.stems.setdefault(stem[5:], set()).add(position)

    def candidates(self, column: Column, prefix: str | None, schema: str | None = None) -> list[ParentKey]:
        name = re.sub(r"\d+$", "", normalize(strip_prefix(column.name, prefix))) or normalize(column.name)
        parts = tokens(column.name)
        found = set(self._bucket(self.exact, self.exact, name, schema))
        for stem in {_head(column, prefix), singular(parts[-1]) if parts else ""} - {name}:
            found |= self._bucket(self.stems, self.exact, stem, schema)
        ends = {name[i:] for i in range(1, len(name) - self.MIN_SUFFIX + 1)} | word_ends(column, prefix)
        for end in ends - {name}:  # "ends with the key name"
            found |= self._bucket(self.key_names, self.exact, end, schema)
        for token in tokens(strip_prefix(column.name, prefix)):
            found |= self._bucket(self.prefixes, self.prefixes, token, schema)
        return [self.keys[p] for p in sorted(found)]

    def _bucket(self, index: dict[str, set[int]], sizes: dict[str, set[int]], text: str, schema: str | None) -> set[int]:
        """The keys ``index`` files under ``text``; only the child's schema's when ``sizes`` says the name is crowded."""
        bucket = index.get(text, set())
        if len(sizes.get(text, ())) <= self.MAX_KEYS_PER_NAME:
            return bucket
        by_schema = self._by_schema.get((id(index), text))
        if by_schema is None:  # grouped once per crowded name, not once per schema asking
            by_schema = self._by_schema[(id(index), text)] = {}
            for p in bucket:
                by_schema.setdefault(self.keys[p].table.schema_name, set()).add(p)
        return by_schema.get(schema, set())


def propose_subtype_names(model: DataModel, keys: list[ParentKey]) -> list[Relationship]:
    """``premium_customer.id`` -> ``customer.id``: a table named as a kind of another (its last words are the other's
    name, after a qualifier) and keyed alike, with no column of its own naming that table. Only the data can
    settle it (``subtype_name`` is weak); a child key that counts 1..N on its own is rejected by the subtype rules."""
    by_stem: dict[str, list[ParentKey]] = {}
    for key in keys:
        by_stem.setdefault(table_stem(key.table.short_name), []).append(key)
    found = []
    for child in keys:
        words = tokens(child.table.short_name)
        for start in range(1, len(words)):
            stem = "".join(words[start:-1]) + singular(words[-1])
            for parent in by_stem.get(stem, []):
                if parent.table is not child.table and parent.name == child.name and not _names_table(child.table, parent):
                    found.append(_candidate(child.table, child.column, parent, "subtype_name",
                                            f"{child.table.short_name} is a kind of {parent.table.short_name}, keyed alike ({child.column.name})"))
    return found


def _names_table(table: Table, key: ParentKey) -> bool:
    """Another column of ``table`` is named after the key's table (``customer_address.address_id``): a link table."""
    stems = {s for s in key.stems if not s.startswith("last:")}
    own = {c.lower() for c in table.primary_key}
    return any(c.name.lower() not in own and "".join(tokens(c.name)[:-1]) in stems for c in table.columns)


def keyed_alike(model: DataModel) -> Counter[tuple[str | None, str]]:
    """How many tables of each schema have each one-column key name."""
    return Counter((t.schema_name, t.primary_key[0].lower()) for t in model.tables if t.kind == "table" and len(t.primary_key) == 1)


def keyed_by_convention(table: Table, column: Column, keyed: Counter[tuple[str | None, str]]) -> bool:
    """More than ``MAX_TWINS`` tables of the schema are keyed by this name (every fact keyed ``event_id``): siblings by
    convention, not a subtype family; pairing them as twins made k² candidates per schema."""
    return keyed[(table.schema_name, column.name.lower())] > MAX_TWINS


def _twin_keys(table: Table, column: Column, key: ParentKey, strategy: str) -> bool:
    """Both sides are their table's key under the same name: only the base table (``film`` for ``film_text``) is a parent."""
    if strategy != "same_name" or [c.lower() for c in table.primary_key] != [column.name.lower()]:
        return False
    child_stem = table_stem(table.short_name)
    if any(stem in child_stem and child_stem != stem for stem in key.stems):
        return False  # film_text.film_id -> film, publication_keyword.kid -> keyword
    head = "".join(tokens(column.name)[:-1]) or normalize(column.name)[:-2]
    owned_by_parent = bool(head) and any(stem.startswith(head) for stem in key.stems if not stem.startswith("last:"))
    owned_by_child = bool(head) and child_stem.startswith(head)
    return not (owned_by_parent and not owned_by_child)


def _is_own_key(table: Table, column: Column) -> bool:
    return [c.lower() for c in table.primary_key] == [column.name.lower()] and owns_column(table, column)


def match_name(column: Column, prefix: str | None, key: ParentKey, child_key: Sequence[str] = (), derived: bool = False) -> tuple[str, str] | None:
    """(strategy, detail) when the column's name points to ``key``, else None.

    ``derived``: the child table is built from others (a lineage target), where a plural table name such as
    ``payments`` is a measure (a count), not a reference.
    """
    name = re.sub(r"\d+$", "", normalize(strip_prefix(column.name, prefix))) or normalize(column.name)
    generic = key.name in KEY_SUFFIXES
    stems = {s for s in key.stems if not s.startswith("last:")}
    stem_keys = {stem + suffix for stem in stems for suffix in KEY_SUFFIXES}
    if generic and name in {stem + key.name for stem in stems}:
        return "table_key", f"{column.name} = {key.table.short_name} (singular) + {key.column.name}"
    if generic and name in {stem[5:] + key.name for stem in key.stems if stem.startswith("last:")}:
        return "suffix", f"{column.name} = last word of {key.table.short_name} + {key.column.name}"
    if key.name != normalize(key.column.name) and normalize(column.name) == normalize(key.column.name):
        # the parent's columns share a prefix (student.stu_num, stu_fname …) that the child keeps: enroll.stu_num
        return "same_name", f"same name as the key {key.table.short_name}.{key.column.name} (its table's column prefix kept)"
    if not generic and name == key.name and name not in _ATTRIBUTE_NAMES:
        strategy = "table_key" if name in stem_keys else "same_name"
        return strategy, f"same name as the key {key.table.short_name}.{key.column.name}" + (" after prefix stripping" if prefix else "")
    own_key = [c.lower() for c in child_key] == [column.name.lower()]
    subtype_key = own_key and key.name in stem_keys  # purchases.purchase_transaction_id -> transactions.transaction_id
    if not generic and (subtype_key or not own_key) and _ends_with_key(column, prefix, key, name) and is_reference_like(column.name):
        strategy = "qualified_table_key" if key.name in stem_keys else "suffix"
        return strategy, f"{column.name} ends with the key name {key.column.name}"
    if (name in stems and (name == singular(name) or not derived)) or (is_reference_like(column.name) and _head(column, prefix) in stems):
        return "table_name", f"{column.name} names the table {key.table.short_name}"
    last = tokens(column.name)[-1] if tokens(column.name) else ""
    if last == singular(last) and _same_key_type(column, key):
        if last in stems:  # home_team -> team, destairport -> airports
            return "table_name", f"{column.name} ends with the table name {key.table.short_name}"
        if "last:" + last in key.stems:  # cartoon.channel -> tv_channel
            return "table_last_word", f"{column.name} ends with the last word of the table name {key.table.short_name}"
    if not is_reference_like(column.name) or own_key or not (token := _token_match(column, prefix, key)):
        return None  # a table's own key is a reference only to a supertype, whose key it is named after
    return "token", f"'{token}' in {column.name} starts the table name {key.table.short_name}"


def _ends_with_key(column: Column, prefix: str | None, key: ParentKey, name: str) -> bool:
    """The name ends with the key's name: by characters for a key of 4 or more (``manager_staff_id``), by whole
    words for a shorter key of two words (``source_u_id`` -> ``u_id``), so ``paid`` never ends with ``a_id``."""
    if len(key.name) >= 4:
        return name.endswith(key.name)
    return key.name in word_ends(column, prefix)


def word_ends(column: Column, prefix: str | None) -> set[str]:
    """The column's last two or more words joined, short of the whole name (``source_u_id``: ``uid``)."""
    words = tokens(strip_prefix(column.name, prefix))
    return {"".join(words[-n:]) for n in range(2, len(words))} if words and words[-1] in KEY_SUFFIXES else set()


def _same_key_type(column: Column, key: ParentKey) -> bool:
    """Same type as an integer or code key: a role name ending with a table's name holds that table's keys."""
    return types_compatible(column.type, key.column.type) == "same" and type_family(key.column.type) in ("int", "number", "any", "text")


def _head(column: Column, prefix: str | None) -> str:
    parts = tokens(strip_prefix(column.name, prefix))
    return "".join(parts[:-1])


def _token_match(column: Column, prefix: str | None, key: ParentKey) -> str | None:
    for token in tokens(strip_prefix(column.name, prefix)):
        if len(token) >= 4 and token not in _GENERIC_TOKENS and any(stem.startswith(token) for stem in key.stems if not stem.startswith("last:")):
            return token
    return None


def _candidate(table: Table, column: Column, key: ParentKey, strategy: str, detail: str) -> Relationship:
    strength = STRENGTHS[strategy] - (BORROWED_PENALTY if key.borrowed else 0.0)
    if key.borrowed:
        detail += f" (the key is named after another table: -{BORROWED_PENALTY})"
    return Relationship(
        child_table=table.name, child_columns=[column.name], parent_table=key.table.name, parent_columns=[key.column.name],
        sources=["naming"], evidence=[Evidence(kind="naming", detail=detail, strategy=strategy, strength=round(strength, 3))],
    )
