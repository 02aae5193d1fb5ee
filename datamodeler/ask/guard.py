"""The gate every SQL from ``ask`` passes before it is shown as runnable or run.

    guarded = guard_sql("select region, count(*) from catalog.countries group by 1", model, limit=100)
    guarded.sql   # 'SELECT region, COUNT(*) FROM catalog.countries GROUP BY 1 LIMIT 100'

Checked on the sqlglot AST in the model's dialect: it parses; it is exactly one statement; it is a SELECT
(WITH and UNION/INTERSECT/EXCEPT allowed) with no DML, DDL, session or file statement anywhere in the tree
(CTEs included), no ``SELECT … INTO`` or row locks; every function is on the allowlist (``allowlist.py``:
typed sqlglot functions that are not unsafe, plus the dialect's pure functions), called by its bare name,
and only allowlisted table functions stand in FROM; no cast to a catalog type (``regclass``); every table is
a model table (a CTE never hides a catalog table) and every column resolves; comments are dropped and it
gets a LIMIT no larger than ``limit``. Anything else raises ``UnsafeSQLError`` with one line and its reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from ..errors import UnsafeSQLError
from ..lineage.catalog import CatalogIndex
from ..model import DataModel
from .allowlist import (
    CATALOG_TYPES,
    TABLE_FUNCTIONS,
    UNSAFE_TYPED,
    pure_function_names,
    refusal_reason,
)

DEFAULT_LIMIT = 100

FORBIDDEN_NODES: tuple[type[exp.Expression], ...] = tuple(
    getattr(exp, name) for name in (
        "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "TruncateTable", "Command", "Copy", "Pragma",
        "Attach", "Detach", "Install", "Set", "Use", "Transaction", "Commit", "Rollback", "Into", "Lock", "LoadData",
        "Grant", "Revoke", "Analyze", "Kill", "Refresh", "Cache", "Uncache", "Export", "Describe", "Show", "Summarize",
    ) if hasattr(exp, name)
)
"""Statement and clause kinds that write, change the session, touch files or take locks."""

@dataclass(frozen=True)
class GuardedSQL:
    """SQL that passed the gate: rendered in the model's dialect, with the tables it reads and its row limit."""

    sql: str
    tables: tuple[str, ...]
    limit: int


def guard_sql(sql: str, model: DataModel, limit: int = DEFAULT_LIMIT) -> GuardedSQL:
    """The checked, limited form of ``sql``; ``UnsafeSQLError`` says why it is refused."""
    if limit < 1:
        raise UnsafeSQLError(f"row limit {limit} must be at least 1")
    dialect = model.source.dialect or None
    statement = parse_single_select(sql, dialect)
    refuse_forbidden_nodes(statement)
    refuse_unlisted_functions(statement, dialect)
    tables = qualify_against_catalog(statement, model, dialect)
    limited = apply_limit(strip_comments(statement), limit)
    return GuardedSQL(render_checked(limited, dialect), tables, limit)


def parse_single_select(sql: str, dialect: str | None) -> exp.Query:
    """Exactly one statement, and a query (SELECT, WITH … SELECT, or a set operation of them)."""
    if not sql or not sql.strip():
        raise UnsafeSQLError("empty SQL")
    try:
        with _quiet_sqlglot():
            statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as exc:
        raise UnsafeSQLError(f"the SQL does not parse: {_first_line(exc)}") from exc
    except (IndexError, ValueError, KeyError, AttributeError, TypeError, RecursionError) as exc:  # sqlglot parser bugs
        raise UnsafeSQLError(f"the SQL does not parse ({type(exc).__name__})") from exc
    if len(statements) != 1:
        raise UnsafeSQLError(f"expected exactly one statement, got {len(statements)}", "ask runs a single SELECT")
    statement = statements[0]
    while isinstance(statement, exp.Subquery) and isinstance(statement.this, exp.Query):
        statement = statement.this
    if not isinstance(statement, (exp.Select, exp.SetOperation)):
        raise UnsafeSQLError(f"only SELECT statements run from ask, not {statement.key.upper()}")
    return statement


def refuse_forbidden_nodes(statement: exp.Expr) -> None:
    """No write, DDL, session, file or lock node anywhere in the tree (a DELETE inside a CTE included)."""
    for node in statement.walk():
        if isinstance(node, FORBIDDEN_NODES):
            raise UnsafeSQLError(f"only SELECT statements run from ask: found {node.key.upper()} inside the query")


NAMED_FUNCTIONS = (exp.Anonymous, exp.AnonymousAggFunc, exp.CombinedAggFunc, exp.ParameterizedAgg,
                   exp.CombinedParameterizedAgg)
"""Function nodes that carry whatever name the SQL gave them: they pass only by name, from the allowlist."""


def refuse_unlisted_functions(statement: exp.Expr, dialect: str | None) -> None:
    """Every function is allowlisted and called by its bare name; FROM holds only allowlisted table functions."""
    allowed = pure_function_names(dialect)
    for node in statement.walk():
        if isinstance(node, exp.Func):
            refuse_function(node, allowed, dialect)
        elif isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
            raise UnsafeSQLError(f"function {function_name(node.expression)}() is called through a schema or a value; "
                                 "ask only calls built-in functions by their bare name")
        elif isinstance(node, (exp.ObjectIdentifier, exp.DataType)) and node.sql().lower() in CATALOG_TYPES:
            raise UnsafeSQLError(f"type {node.sql().lower()} is not allowed in ask: it reads the system catalog")
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Func):
            name = function_name(node.this)
            if name not in TABLE_FUNCTIONS:
                raise UnsafeSQLError(f"table function {name}() is not allowed in ask: "
                                     f"{refusal_reason(name) if name not in allowed else 'not an allowlisted table function'}")


def refuse_function(node: exp.Func, allowed: frozenset[str], dialect: str | None) -> None:
    """One function call: typed and not unsafe, or named on the dialect's allowlist of pure functions."""
    name = function_name(node)
    if isinstance(node, NAMED_FUNCTIONS):
        if isinstance(node.this, exp.Identifier) and node.this.quoted:
            raise UnsafeSQLError(f'function "{node.this.name}"() is quoted: ask only calls built-in functions by their bare name')
        if name not in allowed:
            raise UnsafeSQLError(f"function {name}() is not allowed in ask: {refusal_reason(name)}",
                                 f"the allowlist for {dialect or 'this dialect'} is in datamodeler/ask/allowlist.py (docs/safety.md)")
        return
    reason = next((why for kind, why in UNSAFE_TYPED.items() if isinstance(node, kind)), None)
    if reason is not None:
        raise UnsafeSQLError(f"function {name}() is not allowed in ask: {reason}")


def function_name(node: exp.Func) -> str:
    """Lower-case name of a function node: ``read_csv_auto`` for ``Anonymous``, ``read_csv`` for ``ReadCSV``."""
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def qualify_against_catalog(statement: exp.Query, model: DataModel, dialect: str | None) -> tuple[str, ...]:
    """Every table is in the catalog and every column resolves; returns the catalog names of the tables read."""
    catalog = CatalogIndex.from_tables(model.tables)
    tables = pin_tables(statement, catalog)
    probe = statement.copy()
    for identifier in probe.find_all(exp.Identifier):
        identifier.set("this", identifier.this.lower())
        identifier.set("quoted", True)
    schema = MappingSchema(catalog.mapping(), dialect=dialect, normalize=False)
    try:
        qualify(probe, dialect=dialect, schema=schema, quote_identifiers=False, identify=False, validate_qualify_columns=True)
    except OptimizeError as exc:
        raise UnsafeSQLError(f"the SQL does not match the schema: {_first_line(exc)}", "check the column names in the model") from exc
    except (SqlglotError, ValueError, KeyError, AttributeError, TypeError) as exc:
        raise UnsafeSQLError(f"the SQL could not be checked against the schema: {_first_line(exc)}") from exc
    return tables


def pin_tables(query: exp.Expr, catalog: CatalogIndex) -> tuple[str, ...]:
    """Point every table reference at its catalog entry (``countries`` -> ``catalog.countries``), in place."""
    found: list[str] = []
    for table in query.find_all(exp.Table):
        if not table.name or isinstance(table.this, exp.Func) or (not table.db and table.name.lower() in visible_ctes(table)):
            continue
        resolved = catalog.resolve_table([table.db, table.name])
        if resolved is None or table.catalog:
            written = ".".join(p for p in (table.catalog, table.db, table.name) if p)
            raise UnsafeSQLError(f"unknown table '{written}' in the SQL", "ask only reads tables of the model")
        schema = resolved.rpartition(".")[0]
        if schema and not table.db:
            table.set("db", exp.to_identifier(schema))
        if resolved not in found:
            found.append(resolved)
    return tuple(found)


def strip_comments(statement: exp.Query) -> exp.Query:
    """A copy without comments: what runs is exactly what was checked, with nothing hidden in a comment."""
    clean = statement.copy()
    for node in clean.walk():
        node.comments = None
    return clean


def render_checked(statement: exp.Query, dialect: str | None) -> str:
    """The SQL text to run, re-parsed and re-checked: it still reads as one query with nothing refused in it."""
    sql = statement.sql(dialect=dialect, pretty=True)
    reparsed = parse_single_select(sql, dialect)
    refuse_forbidden_nodes(reparsed)
    refuse_unlisted_functions(reparsed, dialect)
    return sql


def visible_ctes(node: exp.Expr) -> set[str]:
    """The CTE names a table reference at ``node`` can mean: a CTE's own body sees only the CTEs before it
    (all of them under WITH RECURSIVE), so ``WITH pg_authid AS (SELECT * FROM pg_authid)`` reads the catalog."""
    names: set[str] = set()
    child: exp.Expr | None = node
    parent = node.parent
    while parent is not None:
        if isinstance(parent, exp.With) and isinstance(child, exp.CTE):
            ctes = parent.expressions
            position = next(i for i, cte in enumerate(ctes) if cte is child)
            names.update(cte.alias_or_name.lower() for cte in (ctes if parent.args.get("recursive") else ctes[:position]))
            child = parent.parent  # the query that owns this WITH: its other CTEs are not visible from here
            parent = child.parent if child is not None else None
            continue
        with_ = parent.args.get("with_") or parent.args.get("with")
        if isinstance(with_, exp.With) and child is not with_:
            names.update(cte.alias_or_name.lower() for cte in with_.expressions)
        child, parent = parent, parent.parent
    return names


def apply_limit(statement: exp.Query, limit: int) -> exp.Query:
    """``statement`` with a LIMIT of at most ``limit`` rows (an existing smaller literal limit is kept)."""
    limited = statement.copy()
    current = limited.args.get("limit")
    if (isinstance(current, exp.Limit) and isinstance(current.expression, exp.Literal) and current.expression.is_int
            and int(current.expression.this) <= limit):
        return limited
    limited.set("limit", None)
    if isinstance(current, exp.Fetch) or limited.args.get("fetch") is not None:
        limited.set("fetch", None)
    return limited.limit(limit, copy=False)


@contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    """sqlglot logs a warning when it falls back to a raw Command; the gate reports the refusal itself."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
