"""DBML (dbdiagram.io, @dbml/core): tables with every column, composite keys, refs with status comments.

DBML has no dashed lines, so each ref carries its status in a ``//`` comment and plausible refs are
named ``plausible_…``. Every column is listed whatever ``--columns`` says: refs must name real columns.
Identifiers are double-quoted (a ``"`` inside a name becomes ``'``: DBML has no escape for it);
notes are single-quoted with ``\\`` and ``'`` escaped.
"""

from __future__ import annotations

from ...model import Relationship, Table
from ..diagram import Diagram, key_markers, one_line

_OPERATORS = {"N:1": ">", "1:1": "-", "M:N": "<>"}


def export(diagram: Diagram) -> str:
    """The diagram as DBML source."""
    lines = [f"// {one_line(diagram.title)}"]
    if diagram.collapsed:
        lines.append(f"// {diagram.collapsed_note()}")
    for table in diagram.tables:
        lines += [""] + _table(diagram, table)
    if diagram.relationships:
        lines.append("")
    drawn: set[frozenset[tuple[str, tuple[str, ...]]]] = set()
    for rel in diagram.relationships:
        ends = frozenset({(rel.child_table, tuple(rel.child_columns)), (rel.parent_table, tuple(rel.parent_columns))})
        if ends in drawn:  # DBML refuses two references between the same columns (one each way, say)
            lines.append(f"// skipped {one_line(rel.label)}: these columns are already linked above")
            continue
        ref = _ref(diagram, rel)
        drawn |= {ends} if ref else set()
        lines += ref or [f"// skipped {one_line(rel.label)}: a column is missing from the table"]
    return "\n".join(lines) + "\n"


def identifier(name: str) -> str:
    """A DBML double-quoted identifier."""
    return '"' + one_line(name).replace('"', "'") + '"'


def table_identifier(name: str) -> str:
    """``schema.table`` as ``"schema"."table"`` (DBML's schema-qualified form)."""
    schema, _, table = name.rpartition(".")
    return f"{identifier(schema)}.{identifier(table)}" if schema else identifier(table)


def note(text: str) -> str:
    """A DBML single-quoted string."""
    return "'" + one_line(text).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _table(diagram: Diagram, table: Table) -> list[str]:
    comment = table.description or table.comment
    settings = f" [note: {note(comment)}]" if comment else ""
    lines = [f"Table {table_identifier(table.name)}{settings} {{"]
    markers = key_markers(table, diagram.relationships + diagram.hidden)
    single_pk = len(table.primary_key) == 1
    for column in table.columns:
        lines.append(f"  {identifier(column.name)} {_type(column.type)}{_column_settings(column, markers.get(column.name.lower(), []), single_pk)}")
    if len(table.primary_key) > 1:
        keys = ", ".join(identifier(c) for c in table.primary_key)
        lines += ["", "  Indexes {", f"    ({keys}) [pk]", "  }"]
    return lines + ["}"]


def _type(type_name: str) -> str:
    flat = one_line(type_name) or "unknown"
    if all(ch.isalnum() or ch in "_()" for ch in flat):
        return flat
    return identifier(flat)


def _column_settings(column, markers: list[str], single_pk: bool) -> str:
    settings = []
    if "PK" in markers and single_pk:
        settings.append("pk")
    if not column.nullable:
        settings.append("not null")
    text = "; ".join(part for part in (f"PII: {column.pii}" if column.pii else "", column.description or column.comment or "") if part)
    if text:
        settings.append(f"note: {note(text)}")
    return f" [{', '.join(settings)}]" if settings else ""


def _ref(diagram: Diagram, rel: Relationship) -> list[str]:
    """The Ref line of ``rel``; [] when a table or column it names is missing from the diagram."""
    prefix = "plausible_" if rel.status == "plausible" else ""
    name = identifier(f"{prefix}{rel.id}")
    child = _endpoint(diagram.table(rel.child_table), rel.child_columns)
    parent = _endpoint(diagram.table(rel.parent_table), rel.parent_columns)
    if child is None or parent is None:
        return []
    return [f"// {rel.status}, confidence {rel.confidence:.2f}, {rel.cardinality}", f"Ref {name}: {child} {_OPERATORS[rel.cardinality]} {parent}"]


def _endpoint(table: Table | None, columns: list[str]) -> str | None:
    """``table.column`` or ``table.(a, b)``; None when the table or one of the columns is missing."""
    if table is None:
        return None
    found = [column for c in columns if (column := table.column(c)) is not None]
    if len(found) != len(columns):
        return None
    names = [identifier(column.name) for column in found]  # the table's own spelling of each column
    if len(names) == 1:
        return f"{table_identifier(table.name)}.{names[0]}"
    return f"{table_identifier(table.name)}.({', '.join(names)})"
