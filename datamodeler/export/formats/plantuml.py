"""PlantUML entity-relationship diagrams (Information Engineering notation): crow's feet, dashed
plausible lines, ``<<PK>>``/``<<FK>>`` stereotypes.

Untrusted text is written with HTML numeric entities for every character PlantUML would read as
markup (``<`` ``>`` ``&`` ``"`` ``~`` ``\\`` ``%`` and doubled creole markers such as ``**``), so a
comment like ``<img:http://…>`` can neither fetch anything nor change the drawing.
"""

from __future__ import annotations

from ...model import Relationship, Table
from ..diagram import Diagram, Multiplicity, collapsed_targets, column_note, ends, line_style, relationship_label, shorten, shown_columns
from .mermaid import entity_ids

_CHILD_END: dict[Multiplicity, str] = {"one": "||", "zero_or_one": "|o", "zero_or_many": "}o"}
_PARENT_END: dict[Multiplicity, str] = {"one": "||", "zero_or_one": "o|", "zero_or_many": "o{"}
_ALWAYS = set('<>&"~\\%')
_WHEN_DOUBLED = set("*_/-=^.[]|#+")
STATUS_COLORS = {"declared": "#1f4e79", "accepted": "#6a1b9a", "verified": "#2e7d32", "plausible": "#8a8a8a"}


def export(diagram: Diagram) -> str:
    """The diagram as PlantUML source (``@startuml`` … ``@enduml``)."""
    ids = entity_ids([t.name for t in diagram.tables])
    lines = ["@startuml", "hide circle", "skinparam linetype ortho", "skinparam shadowing false", f"title {text(diagram.title)}"]
    for table in diagram.tables:
        lines += _entity(diagram, table, ids[table.name])
    lines += [_relationship(diagram, rel, ids) for rel in diagram.relationships]
    if diagram.collapsed:
        lines += ["note as collapsed_tables", text(diagram.collapsed_note()), "end note"]
    return "\n".join(lines + ["@enduml"]) + "\n"


def text(value: str) -> str:
    """PlantUML-safe text: markup characters become numeric entities; whitespace flattened."""
    flat = " ".join(str(value).split())
    out = []
    for i, ch in enumerate(flat):
        doubled = ch in _WHEN_DOUBLED and ((i + 1 < len(flat) and flat[i + 1] == ch) or (i > 0 and flat[i - 1] == ch))
        out.append(f"&#{ord(ch)};" if ch in _ALWAYS or doubled else ch)
    return "".join(out)


def _entity(diagram: Diagram, table: Table, entity_id: str) -> list[str]:
    rows = shown_columns(diagram, table)
    comment = table.description or table.comment
    lines = [f'entity "{text(table.name)}" as {entity_id} {{']
    if comment and table.name not in diagram.stubs:
        lines += [f"  <i>{text(shorten(comment, 60))}</i>", "  --"]
    targets = collapsed_targets(diagram, table)
    keys = [row for row in rows if "PK" in row[1]]
    others = [row for row in rows if "PK" not in row[1]]
    lines += [_column_line(column, markers, targets) for column, markers in keys]
    if keys and others:
        lines.append("  --")
    lines += [_column_line(column, markers, targets) for column, markers in others]
    return lines + ["}"]


def _column_line(column, markers: list[str], targets: dict[str, str]) -> str:
    required = "* " if not column.nullable else ""
    stereotypes = "".join(f" <<{m}>>" for m in markers)
    note = column_note(column, targets)
    suffix = f" -- {text(note)}" if note else ""
    return f"  {required}{text(column.name)} : {text(column.type)}{stereotypes}{suffix}"


def _relationship(diagram: Diagram, rel: Relationship, ids: dict[str, str]) -> str:
    child_end, parent_end = ends(rel, diagram.table(rel.child_table))
    line = ".." if line_style(rel) == "dashed" else "--"
    color = STATUS_COLORS.get(rel.status, "#000000")
    arrow = f"{_CHILD_END[child_end]}{line[0]}[{color}]{line[1]}{_PARENT_END[parent_end]}"
    return f"{ids[rel.child_table]} {arrow} {ids[rel.parent_table]} : {text(relationship_label(rel))}"
