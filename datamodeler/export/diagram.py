"""What an ER diagram shows, independent of any syntax: tables, keys, relationship ends and styles.

Every diagram exporter (Mermaid, DOT, DBML, PlantUML) draws a ``Diagram`` and asks this module
which columns to list, which key markers they carry, how each end of a relationship looks and
whether the line is solid (asserted) or dashed (plausible). Rejected relationships never get here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..model import Column, Relationship, Table

ColumnsMode = Literal["keys", "all", "none"]
COLUMN_MODES: tuple[str, ...] = ("keys", "all", "none")
Multiplicity = Literal["one", "zero_or_one", "zero_or_many"]
LineStyle = Literal["solid", "dashed"]


@dataclass(frozen=True)
class Collapsed:
    """A widely shared table (a date or time dimension) left out of the drawing and named in a note."""

    table: str
    referenced_by: int


@dataclass
class Diagram:
    """One drawing: its tables, the relationships between them, and what was left out."""

    title: str
    tables: list[Table]
    relationships: list[Relationship]
    columns: ColumnsMode = "keys"
    stubs: frozenset[str] = frozenset()
    collapsed: list[Collapsed] = field(default_factory=list)
    hidden: list[Relationship] = field(default_factory=list)  # the lines to collapsed tables, not drawn
    links: dict[str, str] = field(default_factory=dict)  # table -> URL, where the output format supports links

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)

    def column_mode(self, table: Table) -> ColumnsMode:
        """Stub tables (neighbours from another part of a split model) show their name only."""
        return "none" if table.name in self.stubs else self.columns

    def collapsed_note(self) -> str:
        """One line naming the collapsed shared tables, or '' when none were collapsed."""
        if not self.collapsed:
            return ""
        listed = ", ".join(f"{c.table} ({c.referenced_by} tables)" for c in self.collapsed)
        return f"Shared tables not drawn (referenced by many tables): {listed}"


def key_markers(table: Table, relationships: list[Relationship]) -> dict[str, list[str]]:
    """Column name (lower case) -> its key markers, e.g. ``{"id": ["PK"], "customer_id": ["FK"]}``."""
    markers: dict[str, list[str]] = {}

    def mark(column: str, marker: str) -> None:
        found = markers.setdefault(column.lower(), [])
        if marker not in found:
            found.append(marker)

    for column in table.primary_key:
        mark(column, "PK")
    for rel in relationships:
        if rel.child_table == table.name and rel.cardinality != "M:N":  # an M:N line has no FK column of its own
            for column in rel.child_columns:
                mark(column, "FK")
    for key in table.unique_keys:
        for column in key:
            mark(column, "UK")
    return markers


def shown_columns(diagram: Diagram, table: Table) -> list[tuple[Column, list[str]]]:
    """The columns to list for ``table`` with their key markers, per the diagram's column mode."""
    mode = diagram.column_mode(table)
    if mode == "none":
        return []
    markers = key_markers(table, diagram.relationships + diagram.hidden)
    rows = [(column, markers.get(column.name.lower(), [])) for column in table.columns]
    if mode == "keys":
        rows = [row for row in rows if row[1]]
    return rows


def column_note(column: Column, targets: dict[str, str]) -> str:
    """The short note shown beside a column: a collapsed target, PII flag, then its description."""
    parts = []
    target = targets.get(column.name.lower())
    if target:
        parts.append(f"-> {target} (shared, not drawn)")
    if column.pii:
        parts.append(f"PII: {column.pii}")
    text = column.description or column.comment
    if text:
        parts.append(text)
    return shorten("; ".join(parts), 80)


def collapsed_targets(diagram: Diagram, table: Table) -> dict[str, str]:
    """For ``table``: FK column -> the collapsed shared table it points to (so the reader still sees it)."""
    targets: dict[str, str] = {}
    for rel in diagram.hidden:
        if rel.child_table == table.name:
            for column in rel.child_columns:
                targets[column.lower()] = rel.parent_table
    return targets


def ends(rel: Relationship, child: Table | None) -> tuple[Multiplicity, Multiplicity]:
    """(child end, parent end) of a relationship, crow's-foot style, from its cardinality and nullability."""
    if rel.cardinality == "M:N":
        return "zero_or_many", "zero_or_many"
    nullable = _any_nullable(child, rel.child_columns)
    parent_end: Multiplicity = "zero_or_one" if nullable else "one"
    child_end: Multiplicity = "zero_or_one" if rel.cardinality == "1:1" else "zero_or_many"
    return child_end, parent_end


def _any_nullable(child: Table | None, columns: list[str]) -> bool:
    if child is None:
        return True
    found = [child.column(name) for name in columns]
    return any(column is None or column.nullable for column in found)


def line_style(rel: Relationship) -> LineStyle:
    """Plausible relationships are dashed; declared, verified and accepted ones are solid."""
    return "dashed" if rel.status == "plausible" else "solid"


def status_tag(rel: Relationship) -> str:
    """The status as drawn beside the line: 'declared', 'accepted', 'verified' or 'plausible 0.62'."""
    if rel.status == "plausible":
        return f"plausible {rel.confidence:.2f}"
    return rel.status


def relationship_label(rel: Relationship) -> str:
    """The label on a relationship line, e.g. ``customer_id (declared)``."""
    columns = ", ".join(rel.child_columns)
    if rel.cardinality == "M:N":
        columns = "many-to-many"
    return f"{columns} ({status_tag(rel)})"


def one_line(text: str | None) -> str:
    """Collapse whitespace (newlines, tabs) so that a comment fits on one line of any syntax."""
    return " ".join((text or "").split())


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    flat = one_line(text)
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
