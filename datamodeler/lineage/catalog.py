"""The crawled catalog as sqlglot sees it: a case-folded MappingSchema plus the way back to catalog spelling.

Every identifier in a statement is lower-cased before qualification and every catalog name is stored
lower-cased, so resolution is case-insensitive in every dialect; results are spelled as the catalog spells them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..model import Table

Resolution = Literal["catalog", "log", "inferred"]  # crawled, created in the log, or inferred from use

# Where a warehouse looks for an unqualified name when two schemas hold it (its default schema / search path).
DEFAULT_SCHEMAS: dict[str, tuple[str, ...]] = {
    "postgres": ("public",), "redshift": ("public",), "duckdb": ("main",), "sqlite": ("main",),
    "snowflake": ("public",), "tsql": ("dbo",), "databricks": ("default",), "spark": ("default",),
}


@dataclass
class CatalogIndex:
    """Tables and columns keyed by lower-cased ``schema.table``; picklable so worker processes can share it."""

    tables: dict[str, str] = field(default_factory=dict)  # folded name -> catalog name
    columns: dict[str, list[str]] = field(default_factory=dict)  # folded name -> columns in catalog spelling
    short_names: dict[str, list[str]] = field(default_factory=dict)  # folded short name -> folded full names
    from_log: set[str] = field(default_factory=set)  # folded names of tables created by statements in the log
    inferred_columns: dict[str, set[str]] = field(default_factory=dict)  # table it lacks -> columns the log shows it has
    default_schemas: tuple[str, ...] = ()  # folded; searched in order for an unqualified name found in two schemas

    @classmethod
    def from_tables(cls, tables: Iterable[Table], dialect: str | None = None,
                    default_schemas: Sequence[str] | None = None) -> CatalogIndex:
        """The index of ``tables``; ``default_schemas`` is the source's search path (the dialect's usual one if None)."""
        searched = DEFAULT_SCHEMAS.get(dialect or "", ()) if default_schemas is None else default_schemas
        index = cls(default_schemas=tuple(schema.lower() for schema in searched))
        for table in tables:
            index.add_table(table.name, [c.name for c in table.columns])
        return index

    def add_table(self, name: str, columns: list[str], from_log: bool = False) -> None:
        """Add (or replace) a table, e.g. one created by a CTAS in the log (``from_log``)."""
        folded = name.lower()
        if from_log:
            self.from_log.add(folded)
        self.tables[folded] = name
        self.columns[folded] = list(columns)
        short = folded.rpartition(".")[2]
        if folded not in self.short_names.setdefault(short, []):
            self.short_names[short].append(folded)

    @property
    def depth(self) -> int:
        """Name parts of the catalog's tables: 1 (``table``) or 2 (``schema.table``)."""
        return 2 if any("." in name for name in self.tables) else 1

    def mapping(self) -> dict[str, Any]:
        """The nested ``{schema: {table: {column: type}}}`` mapping for ``sqlglot.schema.MappingSchema``."""
        nested: dict[str, Any] = {}  # one level per name part, then {column: type}
        depth = self.depth
        for folded, columns in self.columns.items():
            parts = folded.split(".", 1) if depth == 2 else [folded]
            if len(parts) != depth:
                parts = ["", *parts]
            level = nested
            for part in parts[:-1]:
                level = level.setdefault(part, {})
            level[parts[-1]] = {c.lower(): "unknown" for c in columns}
        return nested

    def resolve_table(self, parts: list[str]) -> str | None:
        """The catalog name for ``[schema, table]`` or ``[table]`` (folded), or None when unknown."""
        parts = [p for p in parts if p]
        folded = ".".join(parts).lower()
        if folded in self.tables:
            return self.tables[folded]
        if len(parts) != 1:
            return None
        candidates = self.short_names.get(folded, [])
        if len(candidates) == 1:
            return self.tables[candidates[0]]
        preferred = (f"{schema}.{folded}" for schema in self.default_schemas)
        return next((self.tables[name] for name in preferred if name in candidates), None)

    def resolution(self, table: str) -> Resolution:
        """How a table name was resolved: ``catalog`` (crawled), ``log`` (created in the log) or ``inferred``."""
        folded = table.lower()
        if folded not in self.tables:
            return "inferred"
        return "log" if folded in self.from_log else "catalog"

    def column_name(self, table: str, column: str) -> str:
        """``column`` as the catalog spells it in ``table`` (unchanged when unknown)."""
        lowered = column.lower()
        return next((c for c in self.columns.get(table.lower(), []) if c.lower() == lowered), column)
