"""Lineage of one statement: parse in the warehouse's dialect, qualify against the catalog, trace once.

SELECT reads tables; CTAS, CREATE VIEW, INSERT…SELECT, MERGE and UPDATE…FROM also write a target.
MERGE, UPDATE and DELETE are rewritten into an equivalent SELECT (one projection per assigned column)
so that one tracer handles every kind. Failures are returned as data, with a reason, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, SqlglotError, TokenError
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from .catalog import CatalogIndex
from .trace import JoinKey, ScopeTracer, Traced

EdgeRow = tuple[str, str, str]  # (source, target, kind)


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
    transforms: dict[tuple[str, str], str] = field(default_factory=dict)  # (source, target) -> copy/hash/aggregate/other


class LineageFailure(Exception):
    """Raised inside extraction to stop with a reason; always caught and turned into data."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass
class _Plan:
    """A statement reduced to a query to trace and where (if anywhere) its outputs land."""

    kind: str
    query: exp.Expression | None
    target: exp.Table | None = None
    target_columns: list[str] | None = None
    created_columns: list[str] | None = None


class StatementAnalyzer:
    """Analyses statements against one catalog; build once per process (the schema is costly)."""

    def __init__(self, catalog: CatalogIndex, dialect: str | None):
        self.catalog = catalog
        self.dialect = dialect or None
        self.schema = MappingSchema(catalog.mapping(), dialect=self.dialect, normalize=False)

    def add_table(self, name: str, columns: list[str]) -> None:
        """Make a table created in the log (CTAS, CREATE TABLE) resolvable by later statements."""
        self.catalog.add_table(name, columns)
        parts = name.lower().split(".")
        if self.catalog.depth == 2 and len(parts) == 1:
            parts = ["", *parts]
        self.schema.add_table(exp.to_table(".".join(parts), dialect=self.dialect) if len(parts) > 1 else exp.table_(parts[0]),
                              {c.lower(): "unknown" for c in columns}, dialect=self.dialect, normalize=False)

    def analyze(self, sql: str, default_target: str | None = None) -> StatementLineage:
        """Lineage of ``sql``; ``default_target`` names the view whose body a bare SELECT is."""
        try:
            statements = [s for s in sqlglot.parse(sql, read=self.dialect) if s is not None]
        except (ParseError, TokenError) as exc:
            return StatementLineage(failure=("parse_error", _first_line(exc)))
        if not statements:
            return StatementLineage(failure=("parse_error", "empty statement"))
        results = [self._analyze_one(statement, default_target) for statement in statements]
        return _merge(results)

    def _analyze_one(self, statement: exp.Expression, default_target: str | None) -> StatementLineage:
        try:
            plan = plan_statement(statement, self.catalog, default_target)
            if plan.query is None:
                return StatementLineage(kind=plan.kind, created_columns=plan.created_columns,
                                        target=self._target_name(plan.target) if plan.target is not None else None)
            return self._trace(plan)
        except LineageFailure as exc:
            return StatementLineage(failure=(exc.reason, str(exc)))
        except OptimizeError as exc:
            return StatementLineage(failure=("unknown_column", _first_line(exc)))
        except (SqlglotError, RecursionError, ValueError, KeyError, AttributeError, TypeError, IndexError) as exc:
            return StatementLineage(failure=("unsupported", f"{type(exc).__name__}: {_first_line(exc)}"))

    def _trace(self, plan: _Plan) -> StatementLineage:
        query = plan.query
        _fold_identifiers(query)
        self._pin_tables(query)
        query = qualify(query, dialect=self.dialect, schema=self.schema, quote_identifiers=False, identify=False,
                        validate_qualify_columns=True)
        facts = ScopeTracer(self.catalog).facts(query)
        result = StatementLineage(kind=plan.kind, reads=sorted(facts.reads), joins=sorted(facts.joins), usage=sorted(facts.usage))
        if plan.target is not None:
            self._add_target_edges(plan, query, facts.outputs, result)
        return result

    def _add_target_edges(self, plan: _Plan, query: exp.Expression, outputs: list[list[Traced]], result: StatementLineage) -> None:
        target = self._target_name(plan.target)
        names = plan.target_columns or self.catalog.columns.get(target.lower()) or list(query.named_selects)
        result.target = target
        if plan.kind in ("create_table_as", "create_view") and target.lower() not in self.catalog.tables:
            result.created_columns = list(names[: len(outputs)])
        for name, traced in zip(names, outputs):
            column = f"{target}.{self.catalog.column_name(target, name)}"
            result.edges.extend((source, column, "direct" if kind == "copy" else "derived") for source, kind in traced)
            result.transforms.update(((source, column), kind) for source, kind in traced)
        result.edges.extend((table, target, "table") for table in result.reads if table != target)
        result.edges = sorted(set(result.edges))

    def _target_name(self, table: exp.Table) -> str:
        parts = [p for p in (table.catalog, table.db, table.name) if p]
        return self.catalog.resolve_table(parts[-2:]) or ".".join(parts[-2:])

    def _pin_tables(self, query: exp.Expression) -> None:
        """Point every table reference at its catalog entry; an unknown one stops the statement."""
        ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
        for table in query.find_all(exp.Table):
            if not table.name or (not table.db and table.name in ctes) or isinstance(table.this, exp.Func):
                continue
            resolved = self.catalog.resolve_table([table.db, table.name])
            if resolved is None:
                raise LineageFailure("unknown_table", f"unknown table {'.'.join(p for p in (table.db, table.name) if p)}")
            schema, _, _ = resolved.lower().rpartition(".")
            if schema or self.catalog.depth == 2:
                table.set("db", exp.to_identifier(schema, quoted=True))
            table.set("catalog", None)


def plan_statement(statement: exp.Expression, catalog: CatalogIndex, default_target: str | None = None) -> _Plan:
    """What to trace for each kind of statement."""
    if isinstance(statement, (exp.Condition, exp.Alias)):
        raise LineageFailure("parse_error", f"not a SQL statement: {statement.sql()[:60]}")
    if isinstance(statement, exp.Command):
        raise LineageFailure("unsupported", f"unsupported statement {statement.name.upper()}")
    if isinstance(statement, exp.Query):
        target = exp.to_table(default_target) if default_target else None
        return _Plan("create_view" if target is not None else "select", statement, target)
    if isinstance(statement, exp.Create):
        return _plan_create(statement)
    if isinstance(statement, exp.Insert):
        return _plan_insert(statement)
    if isinstance(statement, exp.Merge):
        return _plan_merge(statement)
    if isinstance(statement, exp.Update):
        return _plan_update(statement)
    if isinstance(statement, exp.Delete):
        return _plan_delete(statement)
    return _Plan(type(statement).__name__.lower(), None)


def _plan_create(statement: exp.Create) -> _Plan:
    kind = (statement.args.get("kind") or "").upper()
    this = statement.this
    table = this.this if isinstance(this, exp.Schema) else this
    listed = [c.name for c in this.expressions] if isinstance(this, exp.Schema) else None
    query = statement.expression
    if isinstance(query, exp.Query) and isinstance(table, exp.Table):
        return _Plan("create_view" if kind == "VIEW" else "create_table_as", query, table, listed)
    if kind == "TABLE" and isinstance(table, exp.Table) and listed:
        return _Plan("create_table", None, table, created_columns=listed)
    return _Plan(f"create_{kind.lower() or 'other'}", None)


def _plan_insert(statement: exp.Insert) -> _Plan:
    this = statement.this
    table = this.this if isinstance(this, exp.Schema) else this
    listed = [c.name for c in this.expressions] if isinstance(this, exp.Schema) else None
    query = statement.expression
    if not isinstance(query, exp.Query) or not isinstance(table, exp.Table):
        return _Plan("insert_values", None)
    with_ = statement.args.get("with_")
    if with_ is not None and not query.args.get("with_"):
        query.set("with_", with_)
    return _Plan("insert_select", query, table, listed)


def _plan_merge(statement: exp.Merge) -> _Plan:
    """MERGE INTO t USING s ON c WHEN … -> SELECT <assigned values> FROM t JOIN s ON c."""
    target, using = statement.this, statement.args.get("using")
    columns, values = [], []
    whens = statement.args.get("whens")
    for when in whens.expressions if whens is not None else []:
        then = when.args.get("then")
        if isinstance(then, exp.Update):
            for assignment in then.expressions:
                columns.append(assignment.this.name)
                values.append(assignment.expression)
        elif isinstance(then, exp.Insert) and isinstance(then.this, exp.Tuple) and isinstance(then.expression, exp.Tuple):
            columns.extend(c.name for c in then.this.expressions)
            values.extend(then.expression.expressions)
    select = exp.select(*_aliased(values) or [exp.Literal.number(1)]).from_(target.copy())
    select = select.join(using.copy(), on=statement.args.get("on"))
    return _Plan("merge", select, _bare_table(target), columns)


def _plan_update(statement: exp.Update) -> _Plan:
    """UPDATE t SET a = e FROM s WHERE c -> SELECT e FROM t, s WHERE c."""
    target = statement.this
    columns = [a.this.name for a in statement.expressions]
    select = exp.select(*_aliased([a.expression for a in statement.expressions])).from_(target.copy())
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


def _aliased(values: list[exp.Expression]) -> list[exp.Expression]:
    return [exp.alias_(value.copy(), f"_c{index}") for index, value in enumerate(values)]


def _bare_table(table: exp.Expression) -> exp.Table:
    bare = table.copy()
    bare.set("alias", None)
    return bare


def _fold_identifiers(query: exp.Expression) -> None:
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
    return merged


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
