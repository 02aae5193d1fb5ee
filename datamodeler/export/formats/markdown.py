"""Markdown docs: ``index.md`` plus ``tables/<page>.md`` per table with columns, keys, relationships
and their evidence, lineage, usage, PII flags and a Mermaid diagram of the table's neighbourhood.

All model text is escaped (HTML-escaped, Markdown punctuation backslash-escaped) so a comment
cannot inject HTML, links or table cells.
"""

from __future__ import annotations

from html import escape as html_escape

from ...model import DataModel, Table
from ...privacy import Inventory, PersonalColumn, build_inventory
from ..erd import table_diagram
from ..table_facts import TableFacts, evidence_text, gather_facts, page_names
from . import mermaid

_MARKDOWN_PUNCTUATION = "\\`*_[]{}|~#!"


def export(model: DataModel) -> dict[str, str]:
    """The docs as ``{relative path: Markdown text}``."""
    pages = page_names(model)
    facts = gather_facts(model)
    inventory = build_inventory(model)
    files = {"index.md": _index(model, pages, inventory)}
    if inventory.tables:
        files["personal-data.md"] = personal_data_page(inventory, {name: f"tables/{page}.md" for name, page in pages.items()})
    for table in model.tables:
        files[f"tables/{pages[table.name]}.md"] = _table_page(model, table, facts[table.name], pages)
    return files


def text(value: object) -> str:
    """Model text made safe for Markdown: one line, HTML-escaped, Markdown punctuation escaped."""
    flat = " ".join(str(value if value is not None else "").split())
    escaped = html_escape(flat, quote=False)
    return "".join("\\" + ch if ch in _MARKDOWN_PUNCTUATION else ch for ch in escaped)


def _link(label: str, target: str) -> str:
    return f"[{text(label)}]({target})"


def _index(model: DataModel, pages: dict[str, str], inventory: Inventory) -> str:
    by_status: dict[str, int] = {}
    for rel in model.relationships:
        by_status[rel.status] = by_status.get(rel.status, 0) + 1
    lines = [
        "# Data model",
        "",
        f"Source: {text(model.source.url)} ({text(model.source.dialect)}), scanned {text(model.source.scanned_at)}.",
        "",
        f"{len(model.tables)} tables, {len(model.relationships)} relationships ("
        + (", ".join(f"{n} {s}" for s, n in sorted(by_status.items())) or "none")
        + f"), {len(model.entities)} entities.",
    ]
    if model.entities:
        lines += ["", "## Entities", ""]
        for ent in model.entities:
            tables = ", ".join(_link(t, f"tables/{pages[t]}.md") for t in ent.tables if t in pages)
            lines.append(f"- **{text(ent.name)}** ({text(ent.status)}): {text(ent.description or '')} {tables}".rstrip())
    if inventory.tables:
        lines += ["", "## Personal data", "",
                  f"[{len(inventory.subjects)} data subject(s), {len(inventory.tables)} table(s) holding personal data](personal-data.md)"]
    lines += ["", "## Tables", "", "| table | kind | rows | entity | description |", "| --- | --- | --- | --- | --- |"]
    for table in model.tables:
        rows = "" if table.row_count is None else f"{table.row_count:,}"
        description = text(table.description or table.comment or "")
        lines.append(f"| {_link(table.name, f'tables/{pages[table.name]}.md')} | {table.kind} | {rows} | {text(table.entity or '')} | {description} |")
    return "\n".join(lines) + "\n"


def _table_page(model: DataModel, table: Table, facts: TableFacts, pages: dict[str, str]) -> str:
    lines = [f"# {text(table.name)}", "", "[Index](../index.md)", ""]
    description = table.description or table.comment
    if description:
        lines += [f"> {text(description)}", ""]
    lines += _summary(table) + _diagram(model, table) + _columns(table, facts)
    lines += _relationships(facts, pages) + _lineage(facts) + _usage(facts)
    return "\n".join(lines).rstrip() + "\n"


def _summary(table: Table) -> list[str]:
    items = [f"kind: {table.kind}"]
    if table.row_count is not None:
        items.append(f"rows: {table.row_count:,}" + ("" if table.row_count_exact else " (estimate)"))
    if table.primary_key:
        items.append(f"primary key: {text(', '.join(table.primary_key))}" + (f" ({table.primary_key_source})" if table.primary_key_source else ""))
    if table.entity:
        items.append(f"entity: {text(table.entity)}")
    if table.role:
        items.append(f"role: {table.role}")
    return [" · ".join(items), ""]


def _diagram(model: DataModel, table: Table) -> list[str]:
    source = mermaid.export(table_diagram(model, table.name, fits=mermaid.fits))
    return ["## Diagram", "", "```mermaid", source.rstrip(), "```", ""]


def _columns(table: Table, facts: TableFacts) -> list[str]:
    foreign = {c.lower() for rel in facts.outgoing if rel.status != "rejected" for c in rel.child_columns}
    primary = {c.lower() for c in table.primary_key}
    lines = ["## Columns", "", "| column | type | nullable | key | PII | description |", "| --- | --- | --- | --- | --- | --- |"]
    for column in table.columns:
        keys = " ".join(m for m, on in (("PK", column.name.lower() in primary), ("FK", column.name.lower() in foreign)) if on)
        pii = f"⚠ {text(column.pii)}" if column.pii else ""
        lines.append(f"| {text(column.name)} | {text(column.type)} | {'yes' if column.nullable else 'no'} | {keys} | {pii} | {text(column.description or column.comment or '')} |")
    return lines + [""]


def _relationships(facts: TableFacts, pages: dict[str, str]) -> list[str]:
    rels = facts.outgoing + facts.incoming
    if not rels:
        return ["## Relationships", "", "None found.", ""]
    lines = ["## Relationships", "", "| relationship | other table | cardinality | status | confidence | evidence |", "| --- | --- | --- | --- | --- | --- |"]
    for rel in rels:
        other = rel.parent_table if rel in facts.outgoing else rel.child_table
        status = f"~~{rel.status}~~" if rel.status == "rejected" else rel.status
        link = _link(other, f"{pages[other]}.md") if other in pages else text(other)
        lines.append(f"| {text(rel.label)} | {link} | {rel.cardinality} | {status} | {rel.confidence:.2f} | {text(evidence_text(rel.evidence) or ', '.join(rel.sources))} |")
    return lines + [""]


def _lineage(facts: TableFacts) -> list[str]:
    if not (facts.upstream or facts.downstream):
        return []
    lines = ["## Lineage", ""]
    lines += [f"- {text(e.source)} → **{text(e.target)}** ({e.kind})" for e in facts.upstream]
    lines += [f"- **{text(e.source)}** → {text(e.target)} ({e.kind})" for e in facts.downstream]
    return lines + [""]


def _usage(facts: TableFacts) -> list[str]:
    if not facts.usage:
        return []
    lines = ["## Usage in queries", "", "| column | filter | group by | join | select |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {text(u.column.rpartition('.')[2])} | {u.filter} | {u.group_by} | {u.join} | {u.select} |" for u in facts.usage]
    return lines + [""]



def personal_data_page(inventory: Inventory, links: dict[str, str] | None = None) -> str:
    """The personal-data map as Markdown: a section per subject (tables, paths, categories), then unreached PII.

    ``links`` maps table names to their pages (the docs link them; ``datamodeler pii --format markdown`` does not).
    """
    links = links or {}
    name = lambda table: _link(table, links[table]) if table in links else text(table)  # noqa: E731
    lines = ["# Personal data", "", "PII columns followed through lineage and keys to the people they describe (`datamodeler pii`).", ""]
    if not inventory.subjects:
        lines += ["No data subject found: name one with `datamodeler pii --subject TABLE`.", ""]
    for subject in inventory.subjects:
        lines += [f"## {text(subject.table)}", "", f"Key: {text(', '.join(subject.key))} · {text(subject.reason)}", "",
                  "| table | rows | personal columns | path to the subject |", "| --- | --- | --- | --- |"]
        for entry in inventory.tables_of(subject.table):
            link = next(s for s in entry.subjects if s.subject == subject.table)
            columns = "; ".join(_flag_text(flag) for flag in entry.columns) or "key only"
            paths = "<br>".join(text(" ; ".join(hop.label for hop in path)) for path in link.paths if path) or "the subject itself"
            rows = "" if entry.row_count is None else f"{entry.row_count:,}"
            lines.append(f"| {name(entry.table)} | {rows} | {columns} | {paths} |")
        lines.append("")
    unreached = inventory.unreached
    if unreached:
        lines += ["## Not linked to any subject", ""]
        lines += [f"- {text(flag.node)}: {text(flag.category)}" for flag in unreached]
        lines.append("")
    return "\n".join(lines)


def _flag_text(flag: PersonalColumn) -> str:
    words = f"{text(flag.column)} ({text(flag.category)}"
    words += ", pseudonymised" if flag.treatment == "pseudonymised" else ""
    words += f", via {text(' → '.join(flag.path))}" if flag.path else ""
    return words + ")"
