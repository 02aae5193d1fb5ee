"""Lineage of one statement: parse in the warehouse's dialect, qualify against the catalog, trace once.

SELECT reads tables; CTAS, CREATE VIEW, INSERT…SELECT, MERGE and UPDATE…FROM also write a target.
MERGE, UPDATE and DELETE are rewritten into an equivalent SELECT (one projection per assigned column)
so that one tracer handles every kind. Failures are returned as data, with a reason, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, SqlglotError, TokenError
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from ..model import LineageTransform
from .catalog import CatalogIndex, Resolution
from .trace import JoinKey, ScopeTracer, Traced

EdgeKind = Literal["direct", "derived", "table"]
EdgeRow = tuple[str, str, EdgeKind]  # (source, target, kind)


@dataclass
class StatementLineage:
    """What one statement contributes to the model (or why it could not)."""

    kind: str = "other"
    target: str | None = None
    reads: list[str] = field(default_factory=list)
    edges: list[EdgeRow] = field(default_factory=list)
    joins: list[JoinKey] = field(default_factory=list)
    usage: list[tuple[str, str]] = field(default_factory=list)
    created_columns: list[str] | None = None
    failure: tuple[str, str] | None = None  # (reason, one-line error)
    transforms: dict[tuple[str, str], LineageTransform] = field(default_factory=dict)  # (source, target) -> copy/hash/aggregate/other
    unknown_tables: list[str] = field(default_factory=list)  # read but not in the catalog: the result is partial
    resolutions: dict[EdgeRow, Resolution] = field(default_factory=dict)  # edges not resolved by the catalog: log / inferred
    inferred_columns: dict[str, list[str]] = field(default_factory=dict)  # unknown table -> columns placed on it
    cast_joins: list[JoinKey] = field(default_factory=list)  # joins (of ``joins``) whose keys were cast or collated
    temporary: bool = False  # the target is a temporary table (CREATE TEMP, SELECT INTO TEMP, T-SQL ``#name``)
    dropped: list[str] = field(default_factory=list)  # tables a DROP TABLE removes


class LineageFailure(Exception):
    """Raised inside extraction to stop with a reason; always caught and turned into data."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass
class _Plan:
    """A statement reduced to a query to trace and where (if anywhere) its outputs land."""

    kind: str
    query: exp.Expr | None
    target: exp.Table | None = None
    target_columns: list[str] | None = None
    created_columns: list[str] | None = None
    expression_names: list[str | None] = field(default_factory=list)  # unnamed outputs: their SQL text
    temporary: bool = False  # the target lives for the session only
    dropped: list[exp.Table] = field(default_factory=list)


MAX_SCHEMA_CACHE = 2_000  # sqlglot schema lookups kept (see StatementAnalyzer._bound_schema_caches)


class StatementAnalyzer:
    """Analyses statements against one catalog; build once per process (the schema is costly)."""

    def __init__(self, catalog: CatalogIndex, dialect: str | None):
        self.catalog = catalog
        self.dialect = dialect or None
        self.schema = MappingSchema(catalog.mapping(), dialect=self.dialect, normalize=False)

    def add_table(self, name: str, columns: list[str]) -> None:
        """Make a table created in the log (CTAS, CREATE TABLE) resolvable by later statements."""
        self.catalog.add_table(name, columns, from_log=True)
        parts = name.lower().split(".")
        if self.catalog.depth == 2 and len(parts) == 1:
            parts = ["", *parts]
        self.schema.add_table(exp.to_table(".".join(parts), dialect=self.dialect) if len(parts) > 1 else exp.table_(parts[0]),
                              {c.lower(): "unknown" for c in columns}, dialect=self.dialect, normalize=False)

    def analyze(self, sql: str, default_target: str | None = None) -> StatementLineage:
        """Lineage of ``sql``; ``default_target`` names the view whose body a bare SELECT is."""
        self._bound_schema_caches()
        try:
            statements = [s for s in sqlglot.parse(sql, read=self.dialect) if s is not None]
        except (ParseError, TokenError) as exc:
            return StatementLineage(failure=("parse_error", _first_line(exc)))
        if not statements:
            return StatementLineage(failure=("parse_error", "empty statement"))
        for statement in statements:
            _name_session_tables(statement)
        results = [self._analyze_one(statement, default_target) for statement in statements]
        return _merge(results)

    def _bound_schema_caches(self) -> None:
        """Empty sqlglot's per-table lookup caches when they grow past ``MAX_SCHEMA_CACHE``.

        ``MappingSchema`` caches lookups keyed by the ``exp.Table`` node of the statement that asked first, and a
        node keeps its whole parse tree alive through its parents: on a log touching 100,000 tables each worker
        held about 3 GiB of dead statements. Bounded, the caches still serve the statements of a batch.
        """
        for name in ("_normalized_table_cache", "_find_cache"):
            cache = vars(self.schema).get(name)
            if isinstance(cache, dict) and len(cache) > MAX_SCHEMA_CACHE:
                cache.clear()

    def _analyze_one(self, statement: exp.Expr, default_target: str | None) -> StatementLineage:
        try:
            plan = plan_statement(statement, self.catalog, default_target)
            if plan.query is None:
                return StatementLineage(kind=plan.kind, created_columns=plan.created_columns, temporary=plan.temporary,
                                        target=self._target_name(plan.target) if plan.target is not None else None,
                                        dropped=[self._target_name(table) for table in plan.dropped])
            result = self._trace(plan, plan.query)
            result.temporary = plan.temporary
            return result
        except LineageFailure as exc:
            return StatementLineage(failure=(exc.reason, str(exc)))
        except OptimizeError as exc:
            return StatementLineage(failure=("unknown_column", _first_line(exc)))
        except (SqlglotError, RecursionError) as exc:
            return StatementLineage(failure=("unsupported", f"{type(exc).__name__}: {_first_line(exc)}"))
        except Exception as exc:  # a bug here or in sqlglot: counted, never a traceback
            return StatementLineage(failure=("internal", f"{type(exc).__name__}: {_first_line(exc)}"))

    def _trace(self, plan: _Plan, query: exp.Expr) -> StatementLineage:
        written = _written_names(query)
        plan.expression_names = _expression_names(query, self.dialect)
        _fold_identifiers(query)
        _flatten_join_trees(query)
        unknown = self._pin_tables(query, written)
        if unknown:
            ScopeTracer(self.catalog, unknown).attribute_before_qualify(query)
        query = qualify(query, dialect=self.dialect, schema=self.schema, quote_identifiers=False, identify=False,
                        validate_qualify_columns=not unknown)
        tracer = ScopeTracer(self.catalog, unknown)
        facts = tracer.facts(query)
        result = StatementLineage(kind=plan.kind, reads=sorted(facts.reads), joins=sorted(facts.joins), usage=sorted(facts.usage),
                                  unknown_tables=sorted(set(unknown.values())),
                                  inferred_columns={t: sorted(c) for t, c in tracer.inferred_columns.items()},
                                  cast_joins=sorted(facts.cast_joins & facts.joins))
        if plan.target is not None:
            self._add_target_edges(plan, plan.target, query, facts.outputs, result)
            self._record_resolutions(plan, result)
        return result

    def _record_resolutions(self, plan: _Plan, result: StatementLineage) -> None:
        """Each edge's weakest end: a table the statement creates counts as ``log``, an unknown one as ``inferred``."""
        creates = plan.kind in ("create_table_as", "create_view") or bool(plan.target_columns)
        rank = {"catalog": 0, "log": 1, "inferred": 2}
        for edge in result.edges:
            ends = [self._resolution_of(edge[0], edge[2] == "table"), self._resolution_of(edge[1], edge[2] == "table")]
            if ends[1] == "inferred" and creates:
                ends[1] = "log"
            weakest = max(ends, key=rank.__getitem__)
            if weakest != "catalog":
                result.resolutions[edge] = weakest

    def _resolution_of(self, node: str, is_table: bool) -> Resolution:
        return self.catalog.resolution(node if is_table else node.rpartition(".")[0])

    def _add_target_edges(self, plan: _Plan, target_table: exp.Table, query: exp.Expr, outputs: list[list[Traced]],
                          result: StatementLineage) -> None:
        target = self._target_name(target_table)
        selected = list(query.named_selects) if isinstance(query, exp.Query) else []
        starred = "*" in selected  # a ``*`` over a table of unknown columns: map by name, never by position
        names = (None if starred else plan.target_columns or self.catalog.columns.get(target.lower())) or _named_outputs(selected, plan)
        result.target = target
        if plan.kind in ("create_table_as", "create_view") and target.lower() not in self.catalog.tables and not starred:
            result.created_columns = list(names[: len(outputs)])
        for name, traced in zip(names, outputs):
            if name == "*":
                continue
            column = f"{target}.{self.catalog.column_name(target, name)}"
            result.edges.extend((source, column, "direct" if kind == "copy" else "derived") for source, kind in traced)
            result.transforms.update(((source, column), kind) for source, kind in traced)
        result.edges.extend((table, target, "table") for table in result.reads if table != target)
        result.edges = sorted(set(result.edges))

    def _target_name(self, table: exp.Table) -> str:
        parts = [p for p in (table.catalog, table.db, table.name) if p]
        return self.catalog.resolve_table(parts[-2:]) or ".".join(parts[-2:])

    def _pin_tables(self, query: exp.Expr, written: dict[int, str]) -> dict[tuple[str, str], str]:
        """Point every table reference at its catalog entry; return the unknown ones, ``(db, name)`` -> written name."""
        ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
        unknown: dict[tuple[str, str], str] = {}
        for table in query.find_all(exp.Table):
            if not table.name or (not table.db and table.name in ctes) or isinstance(table.this, exp.Func):
                continue
            resolved = self.catalog.resolve_table([table.db, table.name])
            if resolved is None:
                unknown[(table.db, table.name)] = written.get(id(table)) or ".".join(p for p in (table.db, table.name) if p)
                table.set("catalog", None)
                continue
            schema, _, _ = resolved.lower().rpartition(".")
            if schema or self.catalog.depth == 2:
                table.set("db", exp.to_identifier(schema, quoted=True))
            table.set("catalog", None)
        return unknown


def plan_statement(statement: exp.Expr, catalog: CatalogIndex, default_target: str | None = None) -> _Plan:
    """What to trace for each kind of statement."""
    if isinstance(statement, (exp.Condition, exp.Alias)):
        raise LineageFailure("parse_error", f"not a SQL statement: {statement.sql()[:60]}")
    if isinstance(statement, exp.Command):
        raise LineageFailure("unsupported", f"unsupported statement {statement.name.upper()}")
    if isinstance(statement, exp.Select) and isinstance(statement.args.get("into"), exp.Into):
        return _plan_select_into(statement)
    if isinstance(statement, exp.Query):
        target = exp.to_table(default_target) if default_target else None
        return _Plan("create_view" if target is not None else "select", statement, target)
    if isinstance(statement, exp.Create):
        return _plan_create(statement)
    if isinstance(statement, exp.Insert):
        return _plan_insert(statement)
    if isinstance(statement, exp.Merge):
        return _plan_merge(statement, catalog)
    if isinstance(statement, exp.Update):
        return _plan_update(statement)
    if isinstance(statement, exp.Delete):
        return _plan_delete(statement)
    if isinstance(statement, exp.Drop) and (statement.args.get("kind") or "").upper() == "TABLE":
        return _Plan("drop_table", None, dropped=[t for t in statement.args.get("tables") or [statement.this] if isinstance(t, exp.Table)])
    return _Plan(type(statement).__name__.lower(), None)


def _plan_create(statement: exp.Create) -> _Plan:
    kind = (statement.args.get("kind") or "").upper()
    this = statement.this
    table = this.this if isinstance(this, exp.Schema) else this
    listed = [c.name for c in this.expressions] if isinstance(this, exp.Schema) else None
    query = _unwrap(statement.expression)
    temporary = isinstance(table, exp.Table) and (_is_session_name(table) or statement.find(exp.TemporaryProperty) is not None)
    if isinstance(query, exp.Query) and isinstance(table, exp.Table):
        return _Plan("create_view" if kind == "VIEW" else "create_table_as", query, table, listed, temporary=temporary)
    if kind == "TABLE" and isinstance(table, exp.Table) and listed:
        return _Plan("create_table", None, table, created_columns=listed, temporary=temporary)
    return _Plan(f"create_{kind.lower() or 'other'}", None)


def _plan_select_into(statement: exp.Select) -> _Plan:
    """SELECT … INTO [TEMP] t FROM … creates ``t`` like CREATE TABLE t AS SELECT … does."""
    into = statement.args["into"]
    query = statement.copy()
    query.set("into", None)
    table = into.this
    if not isinstance(table, exp.Table):
        return _Plan("select", query)
    return _Plan("create_table_as", query, _bare_table(table), temporary=bool(into.args.get("temporary")) or _is_session_name(table))


def _name_session_tables(statement: exp.Expr) -> None:
    """T-SQL ``#t`` / ``##t`` keep their ``#`` in the name: they are other tables than ``t`` and live for the session."""
    for identifier in statement.find_all(exp.Identifier):
        if identifier.args.get("temporary") or identifier.args.get("global_"):
            prefix = "##" if identifier.args.get("global_") else "#"
            identifier.set("this", prefix + identifier.this.lstrip("#"))
            identifier.set("temporary", None)
            identifier.set("global_", None)
            identifier.set("quoted", True)


def _is_session_name(table: exp.Table) -> bool:
    return table.name.startswith("#")


def _plan_insert(statement: exp.Insert) -> _Plan:
    this = statement.this
    table = this.this if isinstance(this, exp.Schema) else this
    listed = [c.name for c in this.expressions] if isinstance(this, exp.Schema) else None
    query = _unwrap(statement.expression)
    if not isinstance(query, exp.Query) or not isinstance(table, exp.Table):
        return _Plan("insert_values", None)
    with_ = statement.args.get("with_")
    if with_ is not None and not query.args.get("with_"):
        query.set("with_", with_)
    return _Plan("insert_select", query, table, listed)


def _positional_columns(target: exp.Expr, count: int, catalog: CatalogIndex) -> list[str]:
    """The first ``count`` columns of the target table in catalog order ([] when the catalog lacks it)."""
    table = catalog.resolve_table([target.db, target.name]) if isinstance(target, exp.Table) else None
    return (catalog.columns.get(table.lower(), []) if table else [])[:count]


def _plan_merge(statement: exp.Merge, catalog: CatalogIndex) -> _Plan:
    """MERGE INTO t USING s ON c WHEN … -> SELECT <assigned values> FROM t JOIN s ON c."""
    target, using = statement.this, statement.args["using"]  # USING is required: the parser refuses a MERGE without it
    columns, values = [], []
    whens = statement.args.get("whens")
    for when in whens.expressions if whens is not None else []:
        then = when.args.get("then")
        if isinstance(then, exp.Update):
            for assignment in then.expressions:
                columns.append(assignment.this.name)
                values.append(assignment.expression)
        elif isinstance(then, exp.Insert) and isinstance(then.expression, exp.Tuple):
            inserted = then.expression.expressions
            listed = [c.name for c in then.this.expressions] if isinstance(then.this, exp.Tuple) else None
            names = listed or _positional_columns(target, len(inserted), catalog)  # INSERT VALUES (…) maps by position
            columns.extend(names)
            values.extend(inserted[: len(names)])
    select = exp.select(*_aliased(values) or [exp.Literal.number(1)]).from_(target.copy())
    select = select.join(using.copy(), on=statement.args.get("on"))
    return _Plan("merge", select, _bare_table(target), columns)


def _plan_update(statement: exp.Update) -> _Plan:
    """UPDATE t SET a = e FROM s WHERE c -> SELECT e FROM t, s WHERE c."""
    target = statement.this
    columns = [a.this.name for a in statement.expressions]
    select = exp.select(*_aliased([a.expression for a in statement.expressions])).from_(target.copy())
    if statement.args.get("with_") is not None:
        select.set("with_", statement.args["with_"].copy())
    from_ = statement.args.get("from_")
    for source in ([from_.this, *from_.expressions] if from_ is not None else []):
        select = select.join(source.copy())
    for join in statement.args.get("joins") or []:
        select = select.join(join.copy())
    if statement.args.get("where") is not None:
        select.set("where", statement.args["where"].copy())
    return _Plan("update", select, _bare_table(target), columns)


def _plan_delete(statement: exp.Delete) -> _Plan:
    """DELETE FROM t USING s WHERE c -> SELECT 1 FROM t, s WHERE c (reads, filters and joins, no lineage)."""
    select = exp.select(exp.Literal.number(1)).from_(statement.this.copy())
    for source in statement.args.get("using") or []:
        select = select.join(source.copy())
    if statement.args.get("where") is not None:
        select.set("where", statement.args["where"].copy())
    return _Plan("delete", select)


def _aliased(values: list[exp.Expr]) -> list[exp.Expr]:
    return [exp.alias_(value.copy(), f"_c{index}") for index, value in enumerate(values)]


def _bare_table(table: exp.Table) -> exp.Table:
    bare = table.copy()
    bare.set("alias", None)
    return bare


def _expression_names(query: exp.Expr, dialect: str | None) -> list[str | None]:
    """The SQL text of each unnamed output (``max(col1)``), as Spark names them; None for named outputs."""
    while isinstance(query, exp.SetOperation):
        query = query.this
    selects = query.selects if isinstance(query, exp.Select) else []
    return [None if s.output_name else s.sql(dialect=dialect).lower() for s in selects]


def _named_outputs(selected: list[str], plan: _Plan) -> list[str]:
    """Output names, with qualify's ``_col_N`` placeholders replaced by the expression's text."""
    names = plan.expression_names
    texts = [names[i] if i < len(names) else None for i in range(len(selected))]
    return [text if text and name.startswith("_col_") else name for name, text in zip(selected, texts)]


def _unwrap(query: exp.Expr) -> exp.Expr:
    """``((SELECT …))`` -> ``SELECT …`` (a parenthesised query without an alias)."""
    while isinstance(query, exp.Subquery) and not query.alias and isinstance(query.this, exp.Query):
        query = query.this
    return query


def _flatten_join_trees(query: exp.Expr) -> None:
    """``FROM ((a JOIN b ON …) JOIN c ON …)`` -> ``FROM a JOIN b ON … JOIN c ON …`` (how PostgreSQL prints views)."""
    for select in list(query.find_all(exp.Select)):
        from_, joins = select.args.get("from_"), select.args.get("joins") or []
        inner: list[exp.Join] = []
        if from_ is not None and _is_join_tree(from_.this):
            base, inner = _flattened(from_.this)
            from_.set("this", base)
        if inner or any(_is_join_tree(join.this) for join in joins):
            select.set("joins", [*inner, *_flattened_joins(joins)])


def _is_join_tree(node: exp.Expr) -> bool:
    """A parenthesised join without an alias (a derived table with an alias is a query, not a tree)."""
    if isinstance(node, exp.Subquery) and not node.alias and isinstance(node.this, (exp.Table, exp.Subquery)):
        return True
    return isinstance(node, exp.Table) and bool(node.args.get("joins"))


def _flattened(node: exp.Expr) -> tuple[exp.Expr, list[exp.Join]]:
    own = list(node.args.get("joins") or [])
    if isinstance(node, exp.Subquery) and _is_join_tree(node):
        base, inner = _flattened(node.this)
    elif isinstance(node, exp.Table) and own:
        base, inner = node, []
    else:
        return node, []
    node.set("joins", None)
    return base, [*inner, *_flattened_joins(own)]


def _flattened_joins(joins: list[exp.Join]) -> list[exp.Join]:
    """Joins whose right side is itself a parenthesised join tree, spelled out."""
    out: list[exp.Join] = []
    for join in joins:
        if _is_join_tree(join.this):
            base, inner = _flattened(join.this)
            join.set("this", base)
            out.extend([join, *inner])
        else:
            out.append(join)
    return out


def _written_names(query: exp.Expr) -> dict[int, str]:
    """Each table reference's name as written (``schema.table``; quoted parts keep their case), by node id."""
    return {id(table): ".".join(p for p in (table.db, table.name) if p) for table in query.find_all(exp.Table) if table.name}


def _fold_identifiers(query: exp.Expr) -> None:
    """Lower-case every identifier and mark it quoted so no dialect re-normalises it (the catalog is folded too)."""
    for identifier in query.find_all(exp.Identifier):
        identifier.set("this", identifier.this.lower())
        identifier.set("quoted", True)


def _merge(results: list[StatementLineage]) -> StatementLineage:
    if len(results) == 1:
        return results[0]
    failed = next((r for r in results if r.failure), None)
    if failed:
        return failed
    merged = StatementLineage(kind=";".join(r.kind for r in results))
    for result in results:
        merged.reads.extend(result.reads)
        merged.edges.extend(result.edges)
        merged.transforms.update(result.transforms)
        merged.joins.extend(result.joins)
        merged.usage.extend(result.usage)
        merged.target = merged.target or result.target
        merged.created_columns = merged.created_columns or result.created_columns
        merged.temporary = merged.temporary or result.temporary
        merged.dropped.extend(result.dropped)
        merged.unknown_tables = sorted(set(merged.unknown_tables) | set(result.unknown_tables))
    return merged


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
