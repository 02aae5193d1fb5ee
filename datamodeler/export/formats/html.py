"""A self-contained HTML site in one file (``index.html``): search box, a section per table, and
each table's neighbourhood drawn as inline SVG by Graphviz (a relationship list when ``dot`` is
missing). No network: inline CSS and script only, locked by a Content-Security-Policy; works
from ``file://``. All model text is HTML-escaped.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from html import escape

from ...model import DataModel, Relationship, Table
from ...privacy import Inventory, PersonalColumn, build_inventory
from ..erd import table_diagram
from ..table_facts import TableFacts, evidence_text, gather_facts, page_names
from . import dot, graphviz

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def export(model: DataModel, svg_diagrams: bool | None = None) -> dict[str, str]:
    """``{"index.html": page}``; ``svg_diagrams`` None draws SVG when Graphviz is installed."""
    draw = graphviz.available() if svg_diagrams is None else svg_diagrams
    anchors = page_names(model)
    facts = gather_facts(model)
    diagrams = _svg_diagrams(model, anchors) if draw else {}
    inventory = build_inventory(model)
    sections = [_overview(model, anchors)] + ([_personal_data(inventory, anchors)] if inventory.tables else [])
    sections += [_table_section(t, facts[t.name], anchors, diagrams.get(t.name)) for t in model.tables]
    return {"index.html": _page(model, anchors, "\n".join(sections), personal=bool(inventory.tables))}


def _svg_diagrams(model: DataModel, anchors: dict[str, str]) -> dict[str, str]:
    """Table -> inline SVG of its neighbourhood, nodes linking to their sections (Graphviz runs in parallel)."""

    def draw(table: Table) -> tuple[str, str]:
        diagram = table_diagram(model, table.name)
        diagram.links = {t.name: f"#t-{anchors[t.name]}" for t in diagram.tables}
        return table.name, graphviz.inline_svg(dot.export(diagram))

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        return dict(pool.map(draw, model.tables))


def _page(model: DataModel, anchors: dict[str, str], body: str, personal: bool = False) -> str:
    nav = "\n".join(
        f'<li data-name="{escape(t.name.lower())}"><a href="#t-{anchors[t.name]}">{escape(t.name)}</a></li>' for t in model.tables
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Data model — {escape(model.source.url)}</title>
<style>{_CSS}</style>
</head>
<body>
<nav>
<a class="home" href="#overview">Data model</a>
{'<a class="home" href="#personal-data">Personal data</a>' if personal else ''}
<input id="search" type="search" placeholder="Search tables…" aria-label="Search tables" autocomplete="off">
<ul id="tables">
{nav}
</ul>
</nav>
<main>
{body}
</main>
<script>{_SCRIPT}</script>
</body>
</html>
"""


def _overview(model: DataModel, anchors: dict[str, str]) -> str:
    counts: dict[str, int] = {}
    for rel in model.relationships:
        counts[rel.status] = counts.get(rel.status, 0) + 1
    status_text = ", ".join(f"{n} {escape(s)}" for s, n in sorted(counts.items())) or "none"
    rows = "".join(
        f'<tr><td><a href="#t-{anchors[t.name]}">{escape(t.name)}</a></td><td>{t.kind}</td><td class="num">{_rows(t)}</td>'
        f"<td>{escape(t.entity or '')}</td><td>{escape(t.description or t.comment or '')}</td></tr>"
        for t in model.tables
    )
    entities = "".join(
        f"<li><b>{escape(e.name)}</b> <span class=\"muted\">({escape(e.status)})</span> {escape(e.description or '')}: "
        + ", ".join(f'<a href="#t-{anchors[n]}">{escape(n)}</a>' for n in e.tables if n in anchors)
        + "</li>"
        for e in model.entities
    )
    return f"""<section id="overview" class="page">
<h1>Data model</h1>
<p class="muted">Source {escape(model.source.url)} ({escape(model.source.dialect)}), scanned {escape(model.source.scanned_at)}</p>
<p>{len(model.tables)} tables · {len(model.relationships)} relationships ({status_text}) · {len(model.entities)} entities</p>
{f'<h2>Entities</h2><ul>{entities}</ul>' if entities else ''}
<h2>Tables</h2>
<table class="grid"><thead><tr><th>table</th><th>kind</th><th>rows</th><th>entity</th><th>description</th></tr></thead>
<tbody>{rows}</tbody></table>
</section>"""


def _personal_data(inventory: Inventory, anchors: dict[str, str]) -> str:
    """The personal-data map: a part per data subject (tables, paths to it, categories), then PII no subject reaches."""
    parts = []
    for subject in inventory.subjects:
        rows = []
        for entry in inventory.tables_of(subject.table):
            link = next(s for s in entry.subjects if s.subject == subject.table)
            columns = "<br>".join(_flag_html(flag) for flag in entry.columns) or '<span class="muted">key only</span>'
            paths = "<br>".join(escape(" ; ".join(hop.label for hop in path)) for path in link.paths if path) or "the subject itself"
            name = f'<a href="#t-{anchors[entry.table]}">{escape(entry.table)}</a>' if entry.table in anchors else escape(entry.table)
            count = "" if entry.row_count is None else f"{entry.row_count:,}"
            rows.append(f'<tr><td>{name}</td><td class="num">{count}</td><td>{columns}</td><td>{paths}</td></tr>')
        parts.append(f"<h2>{escape(subject.table)}</h2><p class=\"muted\">key {escape(', '.join(subject.key))} · {escape(subject.reason)}</p>"
                     '<table class="grid"><thead><tr><th>table</th><th>rows</th><th>personal columns</th><th>path to the subject</th></tr></thead>'
                     f"<tbody>{''.join(rows)}</tbody></table>")
    if inventory.unreached:
        items = "".join(f"<li>{escape(flag.node)}: {escape(flag.category)}</li>" for flag in inventory.unreached)
        parts.append(f"<h2>Not linked to any subject</h2><ul>{items}</ul>")
    return f"""<section id="personal-data" class="page">
<p><a href="#overview">← all tables</a></p>
<h1>Personal data</h1>
<p class="muted">PII columns followed through lineage and keys to the people they describe (datamodeler pii)</p>
{''.join(parts) or '<p>No data subject found.</p>'}
</section>"""


def _flag_html(flag: PersonalColumn) -> str:
    extra = ", pseudonymised" if flag.treatment == "pseudonymised" else ""
    via = f", via {escape(' → '.join(flag.path))}" if flag.path else ""
    return f'<span class="pii">{escape(flag.column)}</span> ({escape(flag.category)}{extra}{via})'


def _rows(table: Table) -> str:
    return "" if table.row_count is None else f"{table.row_count:,}"


def _table_section(table: Table, facts: TableFacts, anchors: dict[str, str], svg: str | None) -> str:
    description = table.description or table.comment
    facts_line = " · ".join(
        part
        for part in (
            table.kind,
            f"{_rows(table)} rows" if table.row_count is not None else "",
            f"primary key {escape(', '.join(table.primary_key))}" if table.primary_key else "",
            f"entity {escape(table.entity)}" if table.entity else "",
            f"role {escape(table.role)}" if table.role else "",
        )
        if part
    )
    diagram = f'<div class="diagram">{svg}</div>' if svg else _relationship_list(table, facts, anchors)
    return f"""<section id="t-{anchors[table.name]}" class="page">
<p><a href="#overview">← all tables</a></p>
<h1>{escape(table.name)}</h1>
{f'<p class="description">{escape(description)}</p>' if description else ''}
<p class="muted">{facts_line}</p>
<h2>Diagram</h2>
{diagram}
<h2>Columns</h2>
{_columns(table, facts)}
<h2>Relationships</h2>
{_relationships(facts, anchors)}
{_lineage(facts)}
{_usage(facts)}
</section>"""


def _relationship_list(table: Table, facts: TableFacts, anchors: dict[str, str]) -> str:
    """The fallback when Graphviz is missing: neighbours as a readable list."""
    items = []
    for rel in facts.outgoing + facts.incoming:
        if rel.status == "rejected":
            continue
        other = rel.parent_table if rel.child_table == table.name else rel.child_table
        arrow = "→" if rel.child_table == table.name else "←"
        link = f'<a href="#t-{anchors[other]}">{escape(other)}</a>' if other in anchors else escape(other)
        items.append(f'<li class="{escape(rel.status)}">{arrow} {link} <span class="muted">({escape(", ".join(rel.child_columns))}; {rel.cardinality}, {escape(rel.status)})</span></li>')
    body = "".join(items) or "<li>No relationships.</li>"
    return f'<ul class="neighbours">{body}</ul><p class="muted">Install Graphviz to draw diagrams here.</p>'


def _columns(table: Table, facts: TableFacts) -> str:
    primary = {c.lower() for c in table.primary_key}
    foreign = {c.lower() for rel in facts.outgoing if rel.status != "rejected" for c in rel.child_columns}
    rows = []
    for column in table.columns:
        keys = " ".join(m for m, on in (("PK", column.name.lower() in primary), ("FK", column.name.lower() in foreign)) if on)
        pii = f'<span class="pii">PII: {escape(column.pii)}</span>' if column.pii else ""
        rows.append(
            f"<tr><td><code>{escape(column.name)}</code></td><td>{escape(column.type)}</td><td>{'yes' if column.nullable else 'no'}</td>"
            f'<td class="key">{keys}</td><td>{pii}</td><td>{escape(column.description or column.comment or "")}</td></tr>'
        )
    return (
        '<table class="grid"><thead><tr><th>column</th><th>type</th><th>nullable</th><th>key</th><th>PII</th><th>description</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _relationships(facts: TableFacts, anchors: dict[str, str]) -> str:
    rels = facts.outgoing + facts.incoming
    if not rels:
        return "<p>None found.</p>"
    rows = "".join(_relationship_row(rel, anchors) for rel in rels)
    return (
        '<table class="grid"><thead><tr><th>relationship</th><th>cardinality</th><th>status</th><th>confidence</th><th>evidence</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _relationship_row(rel: Relationship, anchors: dict[str, str]) -> str:
    def table_link(name: str, columns: list[str]) -> str:
        label = escape(f"{name}.{','.join(columns)}")
        return f'<a href="#t-{anchors[name]}">{label}</a>' if name in anchors else label

    evidence = evidence_text(rel.evidence) or ", ".join(rel.sources)
    return (
        f'<tr class="{escape(rel.status)}"><td>{table_link(rel.child_table, rel.child_columns)} → {table_link(rel.parent_table, rel.parent_columns)}</td>'
        f'<td>{rel.cardinality}</td><td><span class="status {escape(rel.status)}">{escape(rel.status)}</span></td>'
        f'<td class="num">{rel.confidence:.2f}</td><td>{escape(evidence)}</td></tr>'
    )


def _lineage(facts: TableFacts) -> str:
    if not (facts.upstream or facts.downstream):
        return ""
    items = [f"<li>{escape(e.source)} → <b>{escape(e.target)}</b> <span class=\"muted\">({e.kind})</span></li>" for e in facts.upstream]
    items += [f"<li><b>{escape(e.source)}</b> → {escape(e.target)} <span class=\"muted\">({e.kind})</span></li>" for e in facts.downstream]
    return f"<h2>Lineage</h2><ul>{''.join(items)}</ul>"


def _usage(facts: TableFacts) -> str:
    if not facts.usage:
        return ""
    rows = "".join(
        f'<tr><td><code>{escape(u.column.rpartition(".")[2])}</code></td><td class="num">{u.filter}</td><td class="num">{u.group_by}</td>'
        f'<td class="num">{u.join}</td><td class="num">{u.select}</td></tr>'
        for u in facts.usage
    )
    return (
        '<h2>Usage in queries</h2><table class="grid"><thead><tr><th>column</th><th>filter</th><th>group by</th><th>join</th><th>select</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


_CSS = """
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1d2330; display: flex; min-height: 100vh; }
nav { width: 260px; flex: none; background: #f4f6f9; border-right: 1px solid #d8dde6; padding: 14px; position: sticky; top: 0; height: 100vh; overflow: auto; }
nav .home { font-weight: 700; font-size: 16px; color: #1f4e79; text-decoration: none; }
#search { width: 100%; margin: 10px 0; padding: 6px 8px; border: 1px solid #b8c0cc; border-radius: 4px; font: inherit; }
nav ul { list-style: none; margin: 0; padding: 0; }
nav li a { display: block; padding: 2px 4px; color: #1d2330; text-decoration: none; border-radius: 3px; overflow-wrap: anywhere; }
nav li a:hover, nav li a.current { background: #dbe8f6; }
main { flex: 1; padding: 18px 28px; min-width: 0; }
h1 { font-size: 22px; margin: 6px 0 8px; overflow-wrap: anywhere; }
h2 { font-size: 16px; margin: 22px 0 8px; border-bottom: 1px solid #e3e7ee; padding-bottom: 3px; }
.muted { color: #667085; }
.description { font-size: 15px; background: #f8f9fb; border-left: 3px solid #1f4e79; padding: 6px 10px; }
table.grid { border-collapse: collapse; width: 100%; }
table.grid th, table.grid td { border: 1px solid #e0e4ea; padding: 4px 8px; text-align: left; vertical-align: top; }
table.grid th { background: #f4f6f9; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.key { color: #b8860b; font-weight: 700; }
.pii { background: #fde8e8; color: #9b1c1c; padding: 0 5px; border-radius: 3px; font-size: 12px; }
.status { padding: 0 6px; border-radius: 3px; font-size: 12px; color: #fff; }
.status.declared { background: #1f4e79; } .status.verified { background: #2e7d32; } .status.accepted { background: #6a1b9a; }
.status.plausible { background: #8a8a8a; } .status.rejected { background: #c62828; }
tr.rejected td { color: #999; text-decoration: line-through; }
.diagram { overflow: auto; border: 1px solid #e0e4ea; border-radius: 4px; padding: 8px; background: #fff; }
.diagram svg { max-width: 100%; height: auto; }
ul.neighbours li.plausible { color: #667085; font-style: italic; }
body.js section.page { display: none; }
body.js section.page.shown { display: block; }
"""

_SCRIPT = """
(function () {
  document.body.classList.add("js");
  var search = document.getElementById("search");
  var items = Array.prototype.slice.call(document.querySelectorAll("#tables li"));
  function show() {
    var id = (location.hash || "#overview").slice(1);
    var target = document.getElementById(id);
    if (!target || !target.classList.contains("page")) { id = "overview"; target = document.getElementById(id); }
    document.querySelectorAll("section.page.shown").forEach(function (s) { s.classList.remove("shown"); });
    target.classList.add("shown");
    items.forEach(function (li) { li.firstChild.classList.toggle("current", li.firstChild.getAttribute("href") === "#" + id); });
    window.scrollTo(0, 0);
  }
  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    items.forEach(function (li) { li.style.display = li.getAttribute("data-name").indexOf(q) === -1 ? "none" : ""; });
  });
  window.addEventListener("hashchange", show);
  show();
})();
"""
