"""Mermaid ``erDiagram`` text: crow's-foot ends, dashed plausible lines, PK/FK/UK markers.

Untrusted text (names, comments) goes only inside double-quoted strings, with Mermaid's entity
codes (``#quot;``, ``#lt;`` …) for the characters that would end the string or become markup.
``fits`` checks Mermaid's default limits (maxTextSize 50,000, maxEdges 500).
"""

from __future__ import annotations

import json
import re

from ...model import Relationship
from ..diagram import Diagram, Multiplicity, collapsed_targets, column_note, ends, line_style, relationship_label, shown_columns

MAX_TEXT_SIZE = 50_000
MAX_EDGES = 500

_CHILD_END: dict[Multiplicity, str] = {"one": "||", "zero_or_one": "|o", "zero_or_many": "}o"}
_PARENT_END: dict[Multiplicity, str] = {"one": "||", "zero_or_one": "o|", "zero_or_many": "o{"}
_ENTITY_CODES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;"}


def export(diagram: Diagram) -> str:
    """The diagram as Mermaid ``erDiagram`` source."""
    ids = entity_ids([t.name for t in diagram.tables])
    lines = _front_matter(diagram) + ["erDiagram"]
    for table in diagram.tables:
        lines += _entity(diagram, table, ids[table.name])
    for rel in diagram.relationships:
        lines.append("    " + _relationship(diagram, rel, ids))
    return "\n".join(lines) + "\n"


def fits(diagram: Diagram) -> bool:
    """Whether Mermaid renders the diagram with its default limits (text size in UTF-16 units, as JS counts)."""
    return len(diagram.relationships) <= MAX_EDGES and text_size(export(diagram)) <= MAX_TEXT_SIZE


def text_size(text: str) -> int:
    """The length of ``text`` as JavaScript (and so Mermaid's maxTextSize) counts it."""
    return len(text.encode("utf-16-le")) // 2


def quote(text: str) -> str:
    """A Mermaid double-quoted string: characters that end strings or make markup become entity codes."""
    return '"' + "".join(_ENTITY_CODES.get(ch, ch) for ch in " ".join(text.split())) + '"'


def entity_ids(names: list[str]) -> dict[str, str]:
    """Safe, readable, unique Mermaid identifiers for table names (``sales.orders`` -> ``sales_orders``)."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = _word(name, "t_")
        candidate, n = base, 1
        while candidate.lower() in used:
            n += 1
            candidate = f"{base}_{n}"
        used.add(candidate.lower())
        ids[name] = candidate
    return ids


def _word(text: str, prefix: str) -> str:
    word = re.sub(r"[^A-Za-z0-9_]", "_", text) or "x"
    return word if re.match(r"[A-Za-z_]", word) else prefix + word


def _type_word(text: str) -> str:
    word = re.sub(r"[^A-Za-z0-9_\-\[\]()]", "_", text.replace(",", "-").replace(" ", "_")) or "unknown"
    return word if re.match(r"[A-Za-z_*]", word) else "_" + word


def _front_matter(diagram: Diagram) -> list[str]:
    title = diagram.title
    if diagram.collapsed:
        title += " — " + diagram.collapsed_note()
    return ["---", "title: " + json.dumps(quote(title)[1:-1]), "---"]


def _entity(diagram: Diagram, table, entity_id: str) -> list[str]:
    head = f"    {entity_id}[{quote(table.name)}]"
    rows = shown_columns(diagram, table)
    if not rows:
        return [head]
    targets = collapsed_targets(diagram, table)
    lines = [head + " {"]
    for column, markers in rows:
        name = _word(column.name, "c_")
        note = column_note(column, targets)
        if name != column.name:
            note = f"{column.name}; {note}" if note else column.name
        keys = (" " + ", ".join(markers)) if markers else ""
        lines.append(f"        {_type_word(column.type)} {name}{keys}" + (f" {quote(note)}" if note else ""))
    return lines + ["    }"]


def _relationship(diagram: Diagram, rel: Relationship, ids: dict[str, str]) -> str:
    child_end, parent_end = ends(rel, diagram.table(rel.child_table))
    line = ".." if line_style(rel) == "dashed" else "--"
    arrow = _CHILD_END[child_end] + line + _PARENT_END[parent_end]
    return f"{ids[rel.child_table]} {arrow} {ids[rel.parent_table]} : {quote(relationship_label(rel))}"
