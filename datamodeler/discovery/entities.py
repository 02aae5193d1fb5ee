"""Table roles (fact / dimension / bridge / history / aggregate) and business entities, from shape and evidence.

Roles, first rule that holds:
  ``history``    SCD shapes (valid_from/valid_to, is_current) or history words in the name (``*_history``);
  ``aggregate``  tables the query log builds (CTAS, INSERT ... SELECT, MERGE) with GROUP BY or aggregate functions,
                 or whose columns are mostly derived; without build statements, mart-like names (``daily_*``, ``marts.*``);
                 being written by an UPDATE or a plain MERGE is not enough;
  ``bridge``     a key made of references to two or more tables, with a few link attributes (a role, an order, a
                 flag: at most 3 columns, at most one number) and no event timestamp;
  ``dimension``  referenced by other tables (its own line tables aside);
  ``fact``       references plus measures or dates: an event (amount + timestamp) or a row tying several tables;
  ``other``      anything else.
Views: ``aggregate`` when their SQL groups or aggregates, else the role of their one base table, else ``other``.

Entities (every table in at most one): a table heads its own entity unless one of these attaches it to another:
  1:1 satellites and history tables join the table they reference; a bridge joins the side it is named after,
  else its only non-lookup side, else the side it is the only dependant of (its M:N is kept on the entity as
  ``many_to_many``); a table whose references, small lookups (codes, countries, plans, dates) aside, all lead into
  one entity whose head is referenced by two or more tables joins it (chains follow: episodes -> seasons ->
  titles). Hubs (referenced by two or more tables), headers with line tables and tables referencing several
  entities head their own; such multi-entity facts that make up at least half of their schema's entity heads form
  one entity named after the schema. Aggregates join the entity of the table they hold one row of (1:1), else the entity most of their
  lineage comes from; views join the entity most of their base tables belong to.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from ..identifiers import PERSON_TABLE_WORDS, entity_name, singular, table_stem, tokens
from ..model import ASSERTED_STATUSES, DataModel, Entity, ManyToMany, Relationship, Table, TableRole
from ..pii import classify_column
from ..profile import type_family
from .families import logical_tables

HISTORY_WORDS = frozenset({"history", "hist", "scd", "snapshot", "snapshots", "versions", "audit", "log", "changes"})
AGGREGATE_WORDS = frozenset({"agg", "aggregate", "summary", "daily", "weekly", "monthly", "mart", "rollup", "stat", "stats", "kpi",
                             "report", "reporting"})
SCD_COLUMNS = frozenset({"validfrom", "validto", "effectivefrom", "effectiveto", "iscurrent", "currentflag", "dbtvalidfrom", "dbtvalidto", "startdate", "enddate"})
AUDIT_WORDS = frozenset({"update", "updated", "modified", "changed", "loaded", "inserted", "ingested", "etl", "synced"})
"""Tokens of bookkeeping timestamps (``last_update``, ``modified_at``) that say nothing about an event."""
LINE_WORDS = frozenset({"line", "lines", "detail", "details", "item", "items"})
CALENDAR_WORDS = frozenset({"date", "dates", "calendar", "time", "day", "days"})
PERSON_PII = frozenset({"email", "phone", "name", "birth_date", "national_id"})
BUILD_KINDS = frozenset({"create_table_as", "insert_select", "merge", "create_view"})
"""Query shape kinds that build a table's rows (UPDATE and DELETE only touch them)."""
LOOKUP_MAX_ROWS = 1000
BRIDGE_MAX_ATTRIBUTES = 3


# -- roles ---------------------------------------------------------------------------------------


@dataclass
class Build:
    """How the query log builds one table: by aggregating statements, and the share of derived columns."""

    statements: int = 0
    aggregating: int = 0
    derived_columns: set[str] = field(default_factory=set)


def assign_roles(model: DataModel, relationships: list[Relationship]) -> None:
    """Set ``Table.role`` on every table and view from its shape, references, lineage and view SQL; a partition
    or shard takes the role of its logical table."""
    parts = [t for t in model.tables if t.part_of]
    model = model.model_copy(update={"tables": logical_tables(model.tables)})
    _assign_roles(model, relationships)
    for part in parts:
        parent = model.table(part.part_of or "")
        part.role = parent.role if parent is not None else None


def _assign_roles(model: DataModel, relationships: list[Relationship]) -> None:
    views = {t.name for t in model.tables if t.kind == "view"}
    outgoing, incoming = _edges([rel for rel in relationships if rel.child_table not in views])
    builds = build_evidence(model)
    for table in model.tables:
        if table.kind != "view":
            table.role = table_role(table, outgoing[table.name], incoming[table.name], builds.get(table.name.lower()))
    roles = {t.name: t.role for t in model.tables if t.kind != "view"}
    for table in model.tables:
        if table.kind == "view":
            table.role = view_role(table, model, roles)


def table_role(table: Table, outgoing: list[Relationship], incoming: list[Relationship], build: Build | None = None) -> TableRole:
    """The role of one base table (see the module docstring for the rules)."""
    if is_history(table):
        return "history"
    if is_aggregate(table, build):
        return "aggregate"
    if is_bridge(table, outgoing):
        return "bridge"
    if any(not _is_line_of(rel.child_table, table.name) for rel in incoming):
        return "dimension"
    if is_fact(table, outgoing):
        return "fact"
    return "other"


def is_history(table: Table) -> bool:
    """History words in the name, or two SCD columns (valid_from/valid_to, is_current …)."""
    column_names = {"".join(tokens(c.name)) for c in table.columns}
    return bool(set(tokens(table.short_name)) & HISTORY_WORDS) or len(column_names & SCD_COLUMNS) >= 2


def is_aggregate(table: Table, build: Build | None) -> bool:
    """Built by aggregating statements or mostly from derived columns; with no build evidence, a mart-like name
    (``daily_*``, ``*_summary``) or schema (``marts``, ``reporting``)."""
    if build is not None and build.statements:
        return build.aggregating > 0 or len(build.derived_columns) >= max(1, len(table.columns)) / 2
    return bool({singular(t) for t in tokens(table.name)} & AGGREGATE_WORDS)


def is_bridge(table: Table, outgoing: list[Relationship]) -> bool:
    """A key of references to two or more tables, with a few link attributes and no event timestamp."""
    referencing = {c.lower() for rel in outgoing for c in rel.child_columns}
    key = {c.lower() for c in table.primary_key}
    parents = {rel.parent_table for rel in outgoing}
    if len(parents) < 2 or len(key) < 2 or not key <= referencing:
        return False
    attributes = [c for c in table.columns if c.name.lower() not in referencing and not _is_audit(c.name)]
    numbers = [c for c in attributes if type_family(c.type) in ("int", "number")]
    return len(attributes) <= BRIDGE_MAX_ATTRIBUTES and len(numbers) <= 1 and not _event_times(table)


def is_fact(table: Table, outgoing: list[Relationship]) -> bool:
    """Several references with measures or dates, or one reference with an amount and a date (an event)."""
    parents = {rel.parent_table for rel in outgoing}
    measures = [c for c in table.columns if type_family(c.type) in ("number", "int") and not _is_reference(c.name, outgoing, table)]
    dates = [c for c in table.columns if type_family(c.type) == "date" and not _is_audit(c.name)]
    if len(outgoing) >= 2 and (measures or dates):
        return True
    return bool(parents) and bool(measures) and bool(dates)


def view_role(view: Table, model: DataModel, roles: Mapping[str, TableRole | None]) -> TableRole:
    """``aggregate`` for grouping/aggregating view SQL, else the role of its single base table, else ``other``."""
    parsed = _parse(view.view_sql, model.source.dialect)
    if parsed is None:
        return "aggregate" if set(tokens(view.short_name)) & AGGREGATE_WORDS else "other"
    if aggregates(parsed):
        return "aggregate"
    bases = base_tables(parsed, model, view.schema_name)
    if len(bases) == 1 and roles.get(bases[0]):
        return roles[bases[0]] or "other"
    return "other"


def aggregates(statement: exp.Expr) -> bool:
    """True when a statement groups or calls an aggregate function outside a window (``sum(x) over ()`` is not one)."""
    if any(True for _ in statement.find_all(exp.Group)):
        return True
    return any(not isinstance(func.parent, exp.Window) for func in statement.find_all(exp.AggFunc))


def base_tables(statement: exp.Expr, model: DataModel, default_schema: str | None) -> list[str]:
    """The model tables a statement reads (its target and CTE names left out), in order of first use."""
    query = statement.expression if isinstance(statement, exp.Create) else statement
    ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
    found: list[str] = []
    for node in query.find_all(exp.Table) if isinstance(query, exp.Expression) else []:
        if not node.db and node.name.lower() in ctes:
            continue
        table = _resolve(model, node.db or default_schema, node.name)
        if table and table.name not in found:
            found.append(table.name)
    return found


def build_evidence(model: DataModel) -> dict[str, Build]:
    """Per lower-cased table name, the statements of the log that build it (CTAS, INSERT ... SELECT, MERGE)."""
    shapes = {s.fingerprint: s for s in model.queries.shapes}
    verdicts: dict[str, bool] = {}
    builds: dict[str, Build] = defaultdict(Build)
    seen: set[tuple[str, str]] = set()
    for edge in model.lineage:
        target = _edge_table(edge.target, edge.kind)
        statements = [shapes[q] for q in edge.queries if q in shapes and shapes[q].kind in BUILD_KINDS]
        if edge.queries and not statements:
            continue  # only UPDATE/DELETE (or unknown) statements wrote here
        build = builds[target]
        for shape in statements:
            if (target, shape.fingerprint) not in seen:
                seen.add((target, shape.fingerprint))
                build.statements += 1
                if verdicts.setdefault(shape.fingerprint, _aggregating_sql(shape.sql, model.source.dialect)):
                    build.aggregating += 1
        if not edge.queries:
            build.statements = max(build.statements, 1)
        if edge.kind == "derived":
            build.derived_columns.add(edge.target.lower())
    return dict(builds)


def _aggregating_sql(sql: str, dialect: str) -> bool:
    parsed = _parse(sql, dialect)
    return parsed is not None and aggregates(parsed)


def _parse(sql: str | None, dialect: str) -> exp.Expr | None:
    if not sql:
        return None
    try:
        return sqlglot.parse_one(sql, read=dialect or None)
    except (sqlglot.errors.SqlglotError, ValueError):
        return None


def _edge_table(name: str, kind: str) -> str:
    """``schema.table`` of a lineage endpoint (column edges end in ``.column``)."""
    return (name if kind == "table" else name.rpartition(".")[0]).lower()


def _resolve(model: DataModel, schema: str | None, name: str) -> Table | None:
    return (model.table(f"{schema}.{name}") if schema else None) or model.table(name)


def _is_reference(name: str, outgoing: list[Relationship], table: Table) -> bool:
    lowered = name.lower()
    return any(lowered in (c.lower() for c in rel.child_columns) for rel in outgoing) or lowered in (k.lower() for k in table.primary_key)


def _is_audit(name: str) -> bool:
    return bool(set(tokens(name)) & AUDIT_WORDS)


def _event_times(table: Table) -> list[str]:
    """Timestamp columns that record an event (not a bookkeeping ``last_update``)."""
    return [c.name for c in table.columns if any(w in c.type.lower() for w in ("timestamp", "datetime")) and not _is_audit(c.name)]


def _is_line_of(child: str, parent: str) -> bool:
    """``InvoiceLine`` is a line of ``Invoice``, ``Order Details`` of ``Orders``: the child's name extends the parent's."""
    child_stem, parent_stem = table_stem(child.rpartition(".")[2]), table_stem(parent.rpartition(".")[2])
    last = tokens(child.rpartition(".")[2])[-1:]
    return bool(parent_stem) and child_stem != parent_stem and child_stem.startswith(parent_stem) and bool(set(last) & LINE_WORDS)


def _edges(relationships: list[Relationship]) -> tuple[dict[str, list[Relationship]], dict[str, list[Relationship]]]:
    outgoing: dict[str, list[Relationship]] = defaultdict(list)
    incoming: dict[str, list[Relationship]] = defaultdict(list)
    for rel in relationships:
        if rel.status in ASSERTED_STATUSES and rel.child_table != rel.parent_table and rel.cardinality != "M:N":
            outgoing[rel.child_table].append(rel)
            incoming[rel.parent_table].append(rel)
    return outgoing, incoming


# -- entities ------------------------------------------------------------------------------------


@dataclass
class Placement:
    """Where one table goes: ``parent`` is the table it attaches to (None: it heads an entity), with why."""

    parent: str | None
    reason: str
    source: str = "structure"
    multi: bool = False


class _Grouping:
    """The placement of every table, computed lazily so that chains resolve parents first (cycles head)."""

    def __init__(self, model: DataModel, relationships: list[Relationship]) -> None:
        self.model = model
        self.by_name = {t.name: t for t in model.tables}
        self.outgoing, self.incoming = _edges(relationships)
        self.placements: dict[str, Placement] = {}
        self.cluster: dict[str, str] = {}
        self._visiting: set[str] = set()

    # structure -----------------------------------------------------------------------------------

    def is_base(self, name: str) -> bool:
        table = self.by_name.get(name)
        return table is not None and table.kind == "table" and table.role != "aggregate"

    def parents(self, name: str) -> list[str]:
        return sorted({rel.parent_table for rel in self.outgoing[name] if self.is_base(rel.parent_table)})

    def children(self, name: str) -> list[str]:
        return sorted({rel.child_table for rel in self.incoming[name] if self.is_base(rel.child_table)})

    def satellite_of(self, name: str) -> list[str]:
        """Tables ``name`` extends 1:1 through its own key (``member_ltv.member_id``, ``film_text.film_id``)."""
        key = {c.lower() for c in self.by_name[name].primary_key}
        return sorted({rel.parent_table for rel in self.outgoing[name]
                       if rel.cardinality == "1:1" and (not key or {c.lower() for c in rel.child_columns} == key)})

    def is_hub(self, name: str) -> bool:
        return len(self.children(name)) >= 2

    def is_lookup(self, name: str) -> bool:
        """A small code table (countries, plans, genres) or a calendar: shared by everyone, owning nothing."""
        table = self.by_name[name]
        if set(tokens(table.short_name)) & CALENDAR_WORDS:
            return True
        if self.parents(name) or _describes_people(table):
            return False
        if table.row_count is not None:
            return table.row_count <= LOOKUP_MAX_ROWS
        return len([c for c in table.columns if c.name not in table.primary_key]) <= 3

    def root(self, name: str) -> str:
        """The head of the entity ``name`` ends up in (following parents; a cycle makes the table a head)."""
        seen: list[str] = []
        while (parent := self.place(name).parent) is not None and name not in seen:
            seen.append(name)
            name = parent
        return name

    def key(self, name: str) -> str:
        root = self.root(name)
        return self.cluster.get(root, root)

    # base tables ---------------------------------------------------------------------------------

    def place(self, name: str) -> Placement:
        if name in self.placements:
            return self.placements[name]
        if name in self._visiting:
            return Placement(None, "part of a reference cycle")
        self._visiting.add(name)
        try:
            placement = self._place_base(name)
        finally:
            self._visiting.discard(name)
        self.placements[name] = placement
        return placement

    def _place_base(self, name: str) -> Placement:
        table = self.by_name[name]
        one_to_one = [p for p in self.satellite_of(name) if self.is_base(p)]
        if one_to_one:
            return Placement(one_to_one[0], f"one row per {one_to_one[0]}")
        parents = self.parents(name)
        if table.role == "history" and parents:
            return Placement(parents[0], f"history of {parents[0]}")
        if table.role == "bridge":
            return self._place_bridge(name, parents)
        if self.is_hub(name):
            return Placement(None, f"referenced by {len(self.children(name))} tables")
        if any(_is_line_of(child, name) for child in self.children(name)):
            return Placement(None, "a header with line tables")
        lines = [p for p in parents if _is_line_of(name, p)]
        if lines:
            return Placement(lines[0], f"line table of {lines[0]}", "naming")
        return self._place_by_references(name, parents)

    def _place_by_references(self, name: str, parents: list[str]) -> Placement:
        owners = [p for p in parents if not self.is_lookup(p)]
        lookups = [p for p in parents if p not in owners]
        aside = f"; lookups aside: {', '.join(lookups)}" if lookups else ""
        if not owners:
            return Placement(None, "references only lookups" if lookups else "references no other table")
        roots = sorted({self.key(p) for p in owners})
        if len(roots) > 1:
            return Placement(None, f"references {len(roots)} entities ({', '.join(self.root(p) for p in owners)})", multi=True)
        root = self.root(owners[0])
        if not self.is_hub(root):
            return Placement(None, f"references {', '.join(owners)}, whose entity has no other dependants")
        nearest = sorted(owners, key=lambda p: (p == root, p))[0]
        return Placement(nearest, f"references {', '.join(owners)} only{aside}")

    def _place_bridge(self, name: str, parents: list[str]) -> Placement:
        """A bridge joins the side it is named after, else its only non-lookup side, else the side it alone depends on."""
        stem = table_stem(self.by_name[name].short_name)
        named = [p for p in parents if (s := table_stem(p.rpartition(".")[2])) and stem.startswith(s)]
        if named:
            return Placement(named[0], f"bridge named after {named[0]}", "naming")
        owners = [p for p in parents if not self.is_lookup(p)] or parents
        if len(owners) == 1:
            return Placement(owners[0], f"bridge to lookup {', '.join(p for p in parents if p != owners[0])}")
        side = sorted(owners, key=lambda p: (len(self.children(p)), p))[0]
        return Placement(side, f"bridge; the only dependant of {side}" if len(self.children(side)) == 1 else f"bridge, nearest side {side}")

    # fact clusters, aggregates, views -----------------------------------------------------------

    def cluster_facts(self) -> None:
        """Multi-entity facts that make up at least half of their schema's entity heads form one entity per schema."""
        by_schema: dict[str, list[str]] = defaultdict(list)
        for name, placement in self.placements.items():
            schema = self.by_name[name].schema_name
            if placement.multi and schema:
                by_schema[schema].append(name)
        heads = Counter(self.by_name[n].schema_name for n, placement in self.placements.items() if placement.parent is None)
        for schema, facts in by_schema.items():
            if len(facts) >= 2 and len(facts) * 2 >= heads[schema]:  # counted once, not once per schema
                for fact in facts:
                    self.cluster[fact] = f"schema:{schema}"

    def place_aggregate(self, name: str) -> Placement:
        one_to_one = [p for p in self.satellite_of(name) if p in self.placements]
        if one_to_one:
            return Placement(one_to_one[0], f"aggregate with one row per {one_to_one[0]}")
        sources = self._lineage_sources(name)
        counts = Counter(self.key(s) for s in sources)
        if counts:
            key, count = counts.most_common(1)[0]
            if count * 2 > sum(counts.values()):
                source = sorted(s for s in sources if self.key(s) == key)[0]
                return Placement(source, f"aggregate built mostly from {', '.join(sorted({s for s in sources if self.key(s) == key}))}", "lineage")
        parents = sorted({rel.parent_table for rel in self.outgoing[name] if rel.parent_table in self.placements})
        if len({self.key(p) for p in parents}) == 1:
            return Placement(parents[0], f"aggregate referencing {', '.join(parents)}")
        return Placement(None, "aggregate")

    def _lineage_sources(self, name: str) -> list[str]:
        """Source tables of the columns built into ``name`` (one entry per column edge), else of its table edges."""
        lowered = name.lower()
        column_sources: list[str] = []
        table_sources: list[str] = []
        for edge in self.model.lineage:
            source = _edge_table(edge.source, edge.kind)
            if _edge_table(edge.target, edge.kind) != lowered or source == lowered:
                continue
            table = self.model.table(source)
            if table and table.name in self.placements:
                (table_sources if edge.kind == "table" else column_sources).append(table.name)
        return column_sources or table_sources

    def place_view(self, view: Table) -> Placement | None:
        parsed = _parse(view.view_sql, self.model.source.dialect)
        bases = [b for b in base_tables(parsed, self.model, view.schema_name) if b in self.placements] if parsed is not None else []
        counts = Counter(self.key(b) for b in bases)
        if not counts:
            return None
        key, count = counts.most_common(1)[0]
        if count * 2 <= len(bases):
            return None
        base = next(b for b in bases if self.key(b) == key)
        return Placement(base, f"view over {', '.join(b for b in bases if self.key(b) == key)}", "view_sql")


def _describes_people(table: Table) -> bool:
    """Person data (names, emails, phones) or a person-like name: never a mere lookup."""
    if {singular(t) for t in tokens(table.short_name)} & {singular(w) for w in PERSON_TABLE_WORDS}:
        return True
    return any((c.pii or classify_column(c.name, c.type)) in PERSON_PII for c in table.columns)


def group_entities(model: DataModel, relationships: list[Relationship]) -> list[Entity]:
    """Business entities: hubs with their satellites, chains and bridges; fact clusters; aggregates and views.
    Partitions and shards are never entities of their own: their logical table stands for them."""
    model = model.model_copy(update={"tables": logical_tables(model.tables)})
    grouping = _Grouping(model, relationships)
    for table in model.tables:
        if grouping.is_base(table.name):
            grouping.place(table.name)
    grouping.cluster_facts()
    for table in model.tables:
        if table.kind == "table" and table.role == "aggregate":
            grouping.placements[table.name] = grouping.place_aggregate(table.name)
    for table in model.tables:
        if table.kind == "view" and (placement := grouping.place_view(table)):
            grouping.placements[table.name] = placement
    return _assemble(grouping)


def _assemble(grouping: _Grouping) -> list[Entity]:
    members: dict[str, list[str]] = defaultdict(list)
    for name in grouping.placements:
        members[grouping.key(name)].append(name)
    entities = [_entity(grouping, key, sorted(tables)) for key, tables in members.items()]
    entities.sort(key=lambda e: e.name.lower())
    _unique_names(entities)
    for entity in entities:
        for name in entity.tables:
            grouping.by_name[name].entity = entity.name
    return entities


def _entity(grouping: _Grouping, key: str, tables: list[str]) -> Entity:
    by_name, placements = grouping.by_name, grouping.placements
    if key.startswith("schema:"):
        schema = key.partition(":")[2]
        heads = [t for t in tables if placements[t].parent is None]
        name = entity_name(schema)
        summary = f"facts of schema {schema} that each reference several entities ({', '.join(heads)})"
    else:
        head = by_name[key]
        heads = [key]
        name = entity_name(head.short_name)
        summary = f"{head.role or 'table'} {key} heads it ({placements[key].reason})"
    attached = [f"{t} ({placements[t].reason})" for t in tables if t not in heads]
    description = summary + ("; with " + "; ".join(attached) if attached else "")
    sources = sorted({"structure"} | {placements[t].source for t in tables})
    entity = Entity(name=name, tables=tables, sources=sources, description=description)
    bridges = [_bridge_note(grouping, t) for t in tables if by_name[t].role == "bridge"]
    if bridges:
        entity.many_to_many = bridges
    return entity


def _bridge_note(grouping: _Grouping, bridge: str) -> ManyToMany:
    sides = sorted({rel.parent_table for rel in grouping.outgoing[bridge]})
    return ManyToMany(bridge=bridge, between=sides)


def _unique_names(entities: list[Entity]) -> list[Entity]:
    seen: dict[str, int] = {}
    for entity in entities:
        count = seen.get(entity.name.lower(), 0)
        seen[entity.name.lower()] = count + 1
        if count:
            entity.name = f"{entity.name}{count + 1}"
    return entities
