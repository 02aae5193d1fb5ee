"""Rich renderables and progress for the terminal (only cli.py and render.py import rich)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .scan import ScanSummary


class RichProgress:
    """One progress line per scan stage, on stderr so stdout stays clean for ``--json``."""

    def __init__(self, console: Console):
        self.console = console

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Any]:
        columns = [SpinnerColumn(), TextColumn("[bold]{task.description:<18}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        with Progress(*columns, console=self.console, transient=False) as progress:
            task = progress.add_task(name, total=total)
            yield _Task(progress, task)
            progress.update(task, total=progress.tasks[0].completed or 1, completed=progress.tasks[0].completed or 1)


class _Task:
    def __init__(self, progress: Progress, task: Any):
        self.progress, self.task = progress, task

    def advance(self, n: int = 1) -> None:
        self.progress.advance(self.task, n)


def scan_summary(summary: ScanSummary) -> Group:
    """The scan summary: counts, relationships by status, parse statistics, the strongest relationships."""
    counts = Table.grid(padding=(0, 2))
    counts.add_row("source", escape(summary.source))
    counts.add_row("tables / views", f"{summary.tables} / {summary.views}  ({summary.columns} columns)")
    rels = ", ".join(f"{n} {status}" for status, n in summary.relationships.items()) or "none"
    counts.add_row("relationships", rels)
    counts.add_row("entities", str(summary.entities))
    counts.add_row("lineage edges", str(summary.lineage_edges))
    q = summary.queries
    counts.add_row("queries", f"{q.get('total', 0)} total, {q.get('distinct', 0)} distinct, {q.get('parsed', 0)} parsed, {q.get('failed', 0)} failed")
    if q.get("failures_by_reason"):
        counts.add_row("  failed by reason", ", ".join(f"{k}: {v}" for k, v in q["failures_by_reason"].items()))
    counts.add_row("LLM", escape(summary.llm))
    counts.add_row("elapsed", f"{summary.elapsed_s:.1f}s  (" + ", ".join(f"{k} {v:.1f}s" for k, v in summary.timings.items()) + ")")
    counts.add_row("model file", summary.model_path)
    parts: list[Any] = [Panel(counts, title="datamodeler scan", expand=False)]
    if summary.top_relationships:
        parts.append(_relationship_table(summary.top_relationships))
    parts.extend(f"[yellow]warning:[/] {escape(w)}" for w in summary.warnings)
    return Group(*parts)


STATUS_STYLE = {"declared": "cyan", "verified": "green", "accepted": "green", "plausible": "yellow", "rejected": "red"}


def _relationship_table(rows: list[dict[str, Any]]) -> Group:
    """One line per relationship, e.g. ``orders.customer_id → customers.id  N:1  verified 0.98  joins 41, inclusion 100%``."""
    lines: list[Any] = ["[bold]Relationships[/] (strongest first)"]
    for row in rows:
        style = STATUS_STYLE.get(row["status"], "white")
        lines.append(
            f"  {escape(row['label'])}  {row['cardinality']}  [{style}]{row['status']} {row['confidence']:.2f}[/]  [dim]{escape(row['evidence'])}[/]"
        )
    return Group(*lines)


def summary_dict(summary: ScanSummary) -> dict[str, Any]:
    return asdict(summary)


def lineage_tree(view: Any) -> Group:
    """A ``graph.LineageView`` as rich trees: upstream (sources) then downstream (consumers)."""
    from rich.tree import Tree

    parts: list[Any] = []
    for direction in ("upstream", "downstream"):
        root = getattr(view, direction)
        if root is None:
            continue
        tree = Tree(f"[bold]{escape(view.node)}[/] [dim]{direction} ({view.level})[/]")
        _add_lineage_children(tree, root)
        if not root.children:
            tree.add(f"[dim]no {direction} lineage recorded[/]")
        parts.append(tree)
    return Group(*parts)


def _add_lineage_children(branch: Any, node: Any) -> None:
    for child in node.children:
        label = escape(child.name) + (f" [dim]({child.kind})[/]" if child.kind and child.kind != "table" else "")
        if child.transient:
            label += " [magenta](transient)[/]"
        if child.via:
            label += f" [dim]via {escape(' -> '.join(child.via))}[/]"
        if child.cycle:
            label += " [yellow](cycle)[/]"
        _add_lineage_children(branch.add(label), child)


def review_table(relationships: list[Any]) -> Any:
    """Relationships waiting for review: id, relationship, confidence, evidence."""
    if not relationships:
        return "Nothing to review: no plausible relationships."
    table = Table(box=None, padding=(0, 1), title="Waiting for review (plausible)", title_justify="left")
    for column in ("id", "relationship", "card.", "conf.", "evidence"):
        table.add_column(column, overflow="fold")
    for rel in relationships:
        table.add_row(rel.id, escape(rel.label), rel.cardinality, f"{rel.confidence:.2f}", escape(rel.evidence_summary))
    return table


def review_prompt(console: Console, relationships: list[Any], decide: Any, by: str | None) -> list[Any]:
    """Ask a/r/s/q for each relationship; returns the ones decided."""
    from rich.prompt import Prompt

    decided: list[Any] = []
    for number, rel in enumerate(relationships, 1):
        console.print(f"[bold]{number}/{len(relationships)}[/] {escape(rel.label)}  {rel.cardinality}  "
                      f"conf. {rel.confidence:.2f}  [dim]{escape(rel.evidence_summary)}[/]")
        answer = Prompt.ask("  [a]ccept, [r]eject, [s]kip, [q]uit", choices=["a", "r", "s", "q"], default="s", console=console)
        if answer == "q":
            break
        if answer in ("a", "r"):
            decided.append(decide(rel, "accepted" if answer == "a" else "rejected", by))
    return decided


def diff_view(changes: Any) -> Any:
    """The drift between two model files, grouped by kind of change."""
    if changes.empty:
        return "No changes."
    lines: list[Any] = []
    for key, items in changes.to_dict().items():
        if items:
            sign = "+" if key.endswith("added") else "-" if key.endswith("removed") else "~"
            lines.append(f"[bold]{key.replace('_', ' ')}[/] ({len(items)})")
            lines.extend(f"  {sign} {escape(item)}" for item in items)
    return Group(*lines)


def ask_view(answer: Any, max_rows: int = 20) -> Group:
    """An ``ask`` answer: notes, the ranked tables with reasons, the join path, the SQL, and a preview of the rows."""
    from rich.syntax import Syntax

    parts: list[Any] = [f"[yellow]note:[/] {escape(note)}" for note in answer.notes]
    tables = Table(box=None, padding=(0, 1), title="Linked tables", title_justify="left")
    for column in ("table", "score", "why"):
        tables.add_column(column, overflow="fold")
    for entry in answer.linking.matched()[:5]:
        tables.add_row(escape(entry.name), f"{entry.score:.2f}", escape("; ".join(entry.reasons[:3])))
    parts.append(tables if answer.linking.matched() else "[dim]no table matches the question's words[/]")
    if answer.plan.join_path:
        parts.append("[bold]Join path[/]")
        for step in answer.plan.join_path:
            status = step.status or step.source
            parts.append(f"  {escape(step.left_table)}.{escape(','.join(step.left_columns))} = "
                         f"{escape(step.right_table)}.{escape(','.join(step.right_columns))}  [{STATUS_STYLE.get(status, 'white')}]{status}[/]")
    label = "SQL" + (" (checked: SELECT-only, qualifies against the schema, limited)" if answer.runnable else " (NOT runnable)")
    if answer.label == "confident":
        parts.append("[green]confident:[/] built from the question's words over verified relationships")
    elif answer.label == "checked":
        parts.append("[green]checked:[/] the LLM's SQL passed the gate and a dry run on the warehouse; read it: "
                     "whether it answers the question is not proven")
    else:
        parts.append("[yellow]draft:[/] check it before trusting it; it would need " + escape("; ".join(answer.needs) or "a check"))
    parts.append(Panel(Syntax(answer.sql, "sql", word_wrap=True), title=label, title_align="left", expand=False))
    if answer.attempts:
        tokens = f", {answer.tokens['total_tokens']} tokens" if answer.tokens and "total_tokens" in answer.tokens else ""
        parts.append(f"[dim]LLM: {len(answer.attempts)} attempt(s){tokens}[/]")
    if answer.rows is not None:
        parts.append(rows_table(answer.rows, max_rows))
    return Group(*parts)


def rows_table(rows: Any, max_rows: int = 20) -> Any:
    """The first ``max_rows`` rows of a result as a table, with a count line."""
    table = Table(title=f"{len(rows.rows)} row(s)" + (f", first {max_rows} shown" if len(rows.rows) > max_rows else ""),
                  title_justify="left")
    for column in rows.columns:
        table.add_column(escape(str(column)), overflow="fold")
    for row in rows.rows[:max_rows]:
        table.add_row(*("" if value is None else escape(str(value)) for value in row))
    return table


def ask_prompt(console: Console, answer_question: Any, show: Any, recoverable: tuple[type[Exception], ...] = ()) -> int:
    """Ask questions until an empty line or Ctrl-D; a ``recoverable`` error is printed and the loop goes on."""
    from rich.prompt import Prompt

    answered = 0
    while True:
        try:
            question = Prompt.ask("[bold]ask[/] (empty line to quit)", console=console, default="", show_default=False)
        except EOFError:
            break
        if not question.strip():
            break
        try:
            show(answer_question(question))
        except recoverable as exc:
            console.print(f"Error: {exc}", markup=False, highlight=False)
            continue
        answered += 1
    return answered


VERDICT_STYLE = {"explained": "green", "plausible": "yellow", "contradicted": "red", "unexplained": "magenta"}


def check_view(report: Any, max_joins: int = 10) -> Group:
    """A ``check.CheckReport``: join shares by verdict, documentation coverage, unexplained joins, contradictions."""
    replay, docs = report.joins, report.documentation
    grid = Table.grid(padding=(0, 2))
    q = replay.queries
    replayed = "the query log" if replay.source == "query_log" else "the model's recorded joins"
    grid.add_row("replayed", f"{replayed}: {q.total} statements, {q.distinct} distinct, {q.parsed} parsed, {q.failed} failed")
    executions, shares = replay.executions, replay.shares
    for verdict, style in VERDICT_STYLE.items():
        share = "–" if shares[verdict] is None else f"{shares[verdict]:.1%}"
        distinct = sum(1 for j in replay.joins if j.verdict == verdict)
        grid.add_row(f"joins {verdict}", f"[{style}]{share}[/] of join executions ({executions[verdict]}; {distinct} distinct)")
    grid.add_row("documented tables", _coverage_text(docs.tables_documented, docs.tables, docs.table_share, docs.table_sources))
    grid.add_row("documented columns", _coverage_text(docs.columns_documented, docs.columns, docs.column_share, docs.column_sources))
    grid.add_row("contradictions", str(len(report.contradictions)))
    grid.add_row("unlinked personal data", str(len(report.unlinked_personal)))
    parts: list[Any] = [Panel(grid, title="datamodeler check", expand=False)]
    missed = replay.unexplained(max_joins)
    if missed:
        joins = Table(box=None, padding=(0, 1), title="Joins the model does not explain (most executed first)", title_justify="left")
        for column in ("runs", "join", "verdict", "relationship"):
            joins.add_column(column, overflow="fold")
        for j in missed:
            joins.add_row(str(j.count), escape(j.label), f"[{VERDICT_STYLE[j.verdict]}]{j.verdict}[/]", j.relationship or "")
        parts.append(joins)
    if report.contradictions:
        parts.append("[bold]Contradictions[/]")
        parts.extend(f"  [red]{c.kind}[/] {escape(c.label)}: {escape(c.detail)}" for c in report.contradictions)
    if report.unlinked_personal:
        parts.append("[bold]Personal data no subject reaches[/] (an access or erasure request would miss it; see `datamodeler pii`)")
        parts.extend(f"  [red]{escape(p['table'])}.{escape(p['column'])}[/]: {escape(p['category'])}" for p in report.unlinked_personal)
    return Group(*parts)


def _coverage_text(documented: int, total: int, share: float | None, sources: dict[str, int]) -> str:
    by_source = ", ".join(f"{source} {n}" for source, n in sources.items())
    return f"{documented} of {total}" + (f" ({share:.0%})" if share is not None else "") + (f"  [dim]{by_source}[/]" if by_source else "")


def pii_inventory_view(inventory: Any) -> Group:
    """A ``privacy.Inventory``: subjects, then one row per personal column (or subject link) per table."""
    parts: list[Any] = []
    subjects = Table(box=None, padding=(0, 1), title="Data subjects", title_justify="left")
    for column in ("subject", "key", "why"):
        subjects.add_column(column, overflow="fold")
    for s in inventory.subjects:
        subjects.add_row(escape(s.table), escape(", ".join(s.key)), escape(s.reason))
    parts.append(subjects if inventory.subjects else "[yellow]No data subject found[/]: name one with --subject TABLE")
    grid = Table(box=None, padding=(0, 1), title="Personal data by table", title_justify="left")
    for column in ("table", "rows", "column", "category", "found", "subjects", "read by"):
        grid.add_column(column, overflow="fold")
    for entry in inventory.tables:
        rows = "" if entry.row_count is None else f"{entry.row_count:,}"
        subjects_text = escape(", ".join(f"{link.subject} ({link.depth} hop{'s' if link.depth != 1 else ''})" for link in entry.subjects)) or "[red]none[/]"
        readers = escape(", ".join(entry.readers[:4]) + (f" +{len(entry.readers) - 4}" if len(entry.readers) > 4 else ""))
        flags = entry.columns or [None]
        for index, flag in enumerate(flags):
            first = index == 0
            found = "" if flag is None else _pii_origin(flag)
            grid.add_row(escape(entry.table) if first else "", rows if first else "", escape(flag.column) if flag else "[dim](key only)[/]",
                         escape(flag.category) if flag else "", found, subjects_text if first else "", readers if first else "")
    parts.append(grid)
    if inventory.unreached:
        parts.append(f"[red]{len(inventory.unreached)} personal column(s) in tables no subject reaches[/]: "
                     + escape(", ".join(c.node for c in inventory.unreached[:8])))
    return Group(*parts)


def _pii_origin(flag: Any) -> str:
    treatment = " [cyan]pseudonymised[/]" if flag.treatment == "pseudonymised" else ""
    if flag.origin == "direct" and not flag.path:
        return "direct" + treatment
    return f"{flag.origin}{treatment} via {escape(' → '.join(flag.path))}"


def pii_request_view(request: Any) -> Group:
    """A ``privacy.SubjectRequest``: per table the paths and the guarded SQL (and row counts), then the erasure plan."""
    parts: list[Any] = [f"[bold]Rows about {escape(request.subject)} = {escape(request.id)}[/] in {len(request.tables)} table(s)"]
    for table in request.tables:
        count = "" if table.rows is None else f"  [green]{table.rows} row(s)[/]" + (" [red](row limit reached)[/]" if table.truncated else "")
        parts.append(f"\n[bold]{escape(table.table)}[/]{count}")
        parts.extend(f"  [dim]via {escape(' ; '.join(path))}[/]" for path in table.paths if path)
        parts.append(escape(table.sql))
    if request.erasure:
        parts.append("\n[bold]Erasure plan[/] (not executed; children before parents)")
        parts.extend(f"  {n}. {escape(step.table)}: [yellow]{escape(step.action)}[/] — {escape(step.reason)}" for n, step in enumerate(request.erasure, 1))
    return Group(*parts)
