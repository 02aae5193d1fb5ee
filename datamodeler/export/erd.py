"""Plan the ER diagrams for a request: select tables, collapse shared dimensions, split large models.

    select (entity / table + depth / schema) -> collapse shared tables -> split into parts -> Diagrams

Pure: returns ``PlannedDiagram`` records that any exporter can draw. A ``fits`` callback (Mermaid's
size limits) makes a part drop columns, then halve, until every drawing fits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..errors import NotFoundError
from ..model import DataModel, Relationship
from .diagram import COLUMN_MODES, Collapsed, ColumnsMode, Diagram
from .subgraph import drawable_relationships, entity_tables, select_tables, shared_tables, split_into_parts, table_full_name

SPLIT_ABOVE = 60  # a request drawing more tables than this is split into parts
PART_SIZE = 40  # at most this many tables per part (neighbour stubs come on top)
MAX_STUBS = 30  # a part with more outside neighbours than this lists them in the index instead
AUTO_COLLAPSE_REFERRERS = 10  # by default, a table referenced by this many tables is collapsed into a note
SHARED_REFERRERS = 4  # with --collapse-shared, this many referrers are enough

Fits = Callable[[Diagram], bool]


@dataclass
class ErdOptions:
    """What to draw; the defaults draw the whole model, keys only, plausible relationships dashed."""

    entity: str | None = None
    table: str | None = None
    schema: str | None = None
    depth: int = 1
    columns: ColumnsMode = "keys"
    include_plausible: bool = True
    collapse_shared: bool | None = None  # None: automatic above AUTO_COLLAPSE_REFERRERS
    split_above: int = SPLIT_ABOVE
    part_size: int = PART_SIZE


@dataclass
class PlannedDiagram:
    """A diagram with the file stem it is written under when a request yields several."""

    stem: str
    diagram: Diagram


def plan_diagrams(model: DataModel, options: ErdOptions, fits: Fits | None = None) -> list[PlannedDiagram]:
    """The diagrams for ``options``: one, or one per part (entity or community) of a large selection."""
    if options.columns not in COLUMN_MODES:
        raise NotFoundError("--columns mode", options.columns, COLUMN_MODES)
    relationships = drawable_relationships(model, options.include_plausible)
    tables = select_tables(model, relationships, entity=options.entity, table=options.table, schema=options.schema, depth=options.depth)
    focus = _focus_tables(model, options)
    collapsed = _collapsed(relationships, tables, focus, options)
    title = _title(model, options)
    if len(tables) <= options.split_above:
        diagram = build_diagram(model, title, tables, relationships, options.columns, collapsed)
        return [PlannedDiagram("erd", d) for d in fit(diagram, model, relationships, collapsed, fits)]
    parts = split_into_parts(model, relationships, [t for t in tables if t not in collapsed], options.part_size)
    planned = []
    for part in parts:
        diagram = build_diagram(model, f"{title}: {part.name}", part.tables, relationships, options.columns, collapsed, stubs=True)
        planned += [PlannedDiagram("", d) for d in fit(diagram, model, relationships, collapsed, fits)]
    return [replace(p, stem=f"{i:03d}-{slug(p.diagram.title.rpartition(': ')[2])}") for i, p in enumerate(planned, 1)]


def table_diagram(model: DataModel, table: str, columns: ColumnsMode = "keys", fits: Fits | None = None) -> Diagram:
    """The neighbourhood (one hop) of one table, as used on documentation pages; widely shared tables collapsed."""
    options = ErdOptions(table=table, depth=1, columns=columns)
    return plan_diagrams(model, options, fits)[0].diagram


def build_diagram(
    model: DataModel,
    title: str,
    tables: list[str],
    relationships: list[Relationship],
    columns: ColumnsMode,
    collapsed: dict[str, int],
    stubs: bool = False,
) -> Diagram:
    """A Diagram of ``tables``; with ``stubs`` their outside neighbours are drawn as name-only boxes."""
    inside = [t for t in tables if t not in collapsed]
    inside_set = set(inside)
    outside = _neighbours(relationships, inside_set, collapsed) if stubs else []
    drawn = inside_set | set(outside)
    lines = [r for r in relationships if r.child_table in drawn and r.parent_table in drawn and (r.child_table in inside_set or r.parent_table in inside_set)]
    hidden = [r for r in relationships if r.child_table in inside_set and r.parent_table in collapsed]
    notes = [Collapsed(name, collapsed[name]) for name in sorted({r.parent_table for r in hidden})]
    by_name = {t.name: t for t in model.tables}
    return Diagram(
        title=title,
        tables=[by_name[n] for n in inside + outside],
        relationships=lines,
        columns=columns,
        stubs=frozenset(outside),
        collapsed=notes,
        hidden=hidden,
    )


def fit(diagram: Diagram, model: DataModel, relationships: list[Relationship], collapsed: dict[str, int], fits: Fits | None) -> list[Diagram]:
    """``diagram`` as drawings that pass ``fits``: fewer columns first, then halves of its tables."""
    if fits is None or fits(diagram):
        return [diagram]
    if diagram.columns != "none":
        fewer: ColumnsMode = "keys" if diagram.columns == "all" else "none"
        return fit(replace(diagram, columns=fewer), model, relationships, collapsed, fits)
    inside = [t.name for t in diagram.tables if t.name not in diagram.stubs]
    if len(inside) <= 1:
        return [diagram]  # nothing left to cut: the caller reports it
    half = len(inside) // 2
    pieces = []
    for n, names in enumerate((inside[:half], inside[half:]), 1):
        piece = build_diagram(model, f"{diagram.title} ({n})", names, relationships, "none", collapsed, stubs=bool(diagram.stubs))
        pieces += fit(piece, model, relationships, collapsed, fits)
    return pieces


def slug(text: str) -> str:
    """A file-name-safe form of ``text``: ``Store sales (2)`` -> ``store-sales-2``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "part"


def _focus_tables(model: DataModel, options: ErdOptions) -> set[str]:
    focus = set(entity_tables(model, options.entity)) if options.entity else set()
    if options.table:
        focus.add(table_full_name(model, options.table))
    return focus


def _collapsed(relationships: list[Relationship], tables: list[str], focus: set[str], options: ErdOptions) -> dict[str, int]:
    if options.collapse_shared is False:
        return {}
    threshold = SHARED_REFERRERS if options.collapse_shared else AUTO_COLLAPSE_REFERRERS
    return {name: n for name, n in shared_tables(relationships, tables, threshold).items() if name not in focus}


def _neighbours(relationships: list[Relationship], inside: set[str], collapsed: dict[str, int]) -> list[str]:
    found: list[str] = []
    for rel in relationships:
        for here, there in ((rel.child_table, rel.parent_table), (rel.parent_table, rel.child_table)):
            if here in inside and there not in inside and there not in collapsed and there not in found:
                found.append(there)
    return found if len(found) <= MAX_STUBS else []


def _title(model: DataModel, options: ErdOptions) -> str:
    focus = [f"entity {options.entity}" if options.entity else "", f"table {options.table}" if options.table else "", f"schema {options.schema}" if options.schema else ""]
    chosen = ", ".join(f for f in focus if f)
    if chosen and (options.entity or options.table):
        chosen += f", depth {options.depth}"
    return f"ER diagram of {chosen}" if chosen else "ER diagram"
