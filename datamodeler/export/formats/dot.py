"""Graphviz DOT: one HTML-like table per node, crow's-foot arrow ends, dashed plausible lines.

Identifiers and attribute strings are double-quoted with ``\\`` and ``"`` escaped; text inside the
HTML-like labels is HTML-escaped, so a comment such as ``<script>`` stays text.
"""

from __future__ import annotations

from html import escape

from ...model import Relationship, Table
from ..diagram import Diagram, Multiplicity, collapsed_targets, column_note, ends, line_style, relationship_label, shorten, shown_columns

FONT = "Helvetica"
STATUS_COLORS = {"declared": "#1f4e79", "accepted": "#6a1b9a", "verified": "#2e7d32", "plausible": "#8a8a8a"}
_ARROWS: dict[Multiplicity, str] = {"one": "teetee", "zero_or_one": "teeodot", "zero_or_many": "crowodot"}


def export(diagram: Diagram) -> str:
    """The diagram as a DOT ``digraph``."""
    lines = [
        "digraph erd {",
        f"  graph [rankdir=LR, fontname={quote(FONT)}, fontsize=12, labelloc=t, label={quote(diagram.title)}, nodesep=0.35, ranksep=0.9];",
        f"  node [shape=plain, fontname={quote(FONT)}, fontsize=10];",
        f"  edge [fontname={quote(FONT)}, fontsize=8, dir=both, arrowsize=0.8];",
    ]
    ports = {t.name: _column_ports(diagram, t) for t in diagram.tables}
    lines += [f"  {quote(t.name)} [{_node_attributes(diagram, t, ports[t.name])}];" for t in diagram.tables]
    lines += [f"  {_edge(diagram, rel, ports)};" for rel in diagram.relationships]
    if diagram.collapsed:
        lines.append(f"  \"__collapsed\" [shape=note, fontsize=9, style=filled, fillcolor=\"#fff8dc\", label={quote(diagram.collapsed_note())}];")
    return "\n".join(lines + ["}"]) + "\n"


def quote(text: str) -> str:
    """A DOT double-quoted string (whitespace flattened, backslashes and quotes escaped)."""
    flat = " ".join(str(text).split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _column_ports(diagram: Diagram, table: Table) -> dict[str, str]:
    return {column.name.lower(): f"c{i}" for i, (column, _) in enumerate(shown_columns(diagram, table))}


def _node_attributes(diagram: Diagram, table: Table, ports: dict[str, str]) -> str:
    attributes = [f"label=<{_label(diagram, table, ports)}>", f"tooltip={quote(shorten(table.description or table.comment or table.name, 200))}"]
    link = diagram.links.get(table.name)
    if link:
        attributes.append(f"URL={quote(link)}")
    return ", ".join(attributes)


def _label(diagram: Diagram, table: Table, ports: dict[str, str]) -> str:
    stub = table.name in diagram.stubs
    header = "#eeeeee" if stub else "#dbe8f6"
    rows = [f'<tr><td colspan="3" bgcolor="{header}"><b>{escape(table.name)}</b></td></tr>']
    comment = table.description or table.comment
    if comment and not stub:
        rows.append(f'<tr><td colspan="3" align="left"><font point-size="8" color="#555555"><i>{escape(shorten(comment, 60))}</i></font></td></tr>')
    targets = collapsed_targets(diagram, table)
    for column, markers in shown_columns(diagram, table):
        note = column_note(column, targets)
        name = escape(column.name) + (f' <font point-size="7" color="#777777">{escape(shorten(note, 40))}</font>' if note else "")
        rows.append(
            f'<tr><td align="left">{_markers(markers)}</td>'
            f'<td align="left" port="{ports[column.name.lower()]}">{name}</td>'
            f'<td align="left"><font color="#666666">{escape(column.type)}</font></td></tr>'
        )
    return f'<table border="1" cellborder="0" cellspacing="0" cellpadding="3" color="#555555">{"".join(rows)}</table>'


def _markers(markers: list[str]) -> str:
    """Key markers in bold gold; nothing at all for a plain column (Graphviz rejects an empty <b></b>)."""
    return f'<font color="#b8860b"><b>{escape(" ".join(markers))}</b></font>' if markers else " "


def _edge(diagram: Diagram, rel: Relationship, ports: dict[str, dict[str, str]]) -> str:
    child_end, parent_end = ends(rel, diagram.table(rel.child_table))
    tail = _endpoint(rel.child_table, rel.child_columns, ports)
    head = _endpoint(rel.parent_table, rel.parent_columns, ports)
    color = STATUS_COLORS.get(rel.status, "#000000")
    attributes = [
        f"arrowtail={_ARROWS[child_end]}",
        f"arrowhead={_ARROWS[parent_end]}",
        f"color={quote(color)}",
        f"fontcolor={quote(color)}",
        f"label={quote(relationship_label(rel))}",
        f"tooltip={quote(rel.label)}",
    ]
    if line_style(rel) == "dashed":
        attributes.append("style=dashed")
    if rel.status in ("declared", "accepted"):
        attributes.append("penwidth=1.6")
    return f"{tail} -> {head} [{', '.join(attributes)}]"


def _endpoint(table: str, columns: list[str], ports: dict[str, dict[str, str]]) -> str:
    port = ports.get(table, {}).get(columns[0].lower()) if columns else None
    return f"{quote(table)}:{port}" if port else quote(table)
