"""One walk over a qualified statement's scopes: column lineage, equi-join predicates and column usage.

Columns are traced through aliases, CTEs, derived tables and set operations down to catalog columns;
a projection that is a bare column is ``direct``, anything else (expression, aggregate, CASE, window) ``derived``.
Each traced column also says how the value was transformed (``copy``, ``hash``, ``aggregate`` or ``other``):
the personal-data map needs to tell a hashed email from a count of members.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, build_scope

from ..model import LineageTransform
from .catalog import CatalogIndex

Traced = tuple[str, LineageTransform]  # ("table.column" in catalog spelling, transform: "copy" (direct), "hash", "aggregate", "other")
JoinKey = tuple[str, tuple[str, ...], str, tuple[str, ...]]
_SCOPE_BOUNDARY = (exp.Subquery, exp.Select, exp.SetOperation)
TRANSFORM_RANK: dict[LineageTransform, int] = {"copy": 0, "other": 1, "hash": 2, "aggregate": 3}
_HASH_NODES = tuple(getattr(exp, name) for name in ("MD5", "MD5Digest", "SHA", "SHA2", "SHA2Digest", "SHA1Digest", "StandardHash",
                                                     "FarmFingerprint") if hasattr(exp, name))
HASH_FUNCTIONS = frozenset({"hash", "md5", "sha", "sha1", "sha2", "sha224", "sha256", "sha384", "sha512", "md5_number", "xxhash32",
                            "xxhash64", "xxh3", "murmurhash3", "murmur3", "farm_fingerprint", "hashbytes", "crc32", "fnv_hash",
                            "hash_md5", "hash_sha256", "tokenize", "tokenise", "pseudonymize", "pseudonymise"})
# Aggregates that return one of the input values: max(email) is still an email, count(email) is not.
_VALUE_AGGREGATES = tuple(getattr(exp, name) for name in ("Min", "Max", "AnyValue", "First", "Last", "FirstValue", "LastValue", "ArrayAgg",
                                                          "GroupConcat", "ArgMax", "ArgMin", "Mode", "NthValue", "ArrayUniqueAgg")
                          if hasattr(exp, name))


@dataclass
class ScopeFacts:
    """What one statement's scopes say: output lineage by position, joins, usage and tables read."""

    outputs: list[list[Traced]] = field(default_factory=list)
    joins: set[JoinKey] = field(default_factory=set)
    usage: set[tuple[str, str]] = field(default_factory=set)
    reads: set[str] = field(default_factory=set)
    cast_joins: set[JoinKey] = field(default_factory=set)  # joins whose keys were cast or collated


class ScopeTracer:
    """Traces columns of one qualified query; results are memoised per (scope, output column)."""

    def __init__(self, catalog: CatalogIndex, unknown: dict[tuple[str, str], str] | None = None):
        self.catalog = catalog
        self.unknown = unknown or {}  # (db, name) as folded in the statement -> written name, for tables the catalog lacks
        self.inferred_columns: dict[str, set[str]] = {}  # unknown table -> columns this statement shows it has
        self._memo: dict[tuple[int, str], list[Traced]] = {}
        self._subquery_scopes: dict[int, Scope] = {}
        self._cast_pairs: set[tuple[str, str, str, str]] = set()

    def facts(self, query: exp.Expr) -> ScopeFacts:
        root = build_scope(query)
        if root is None:
            return ScopeFacts()
        facts = ScopeFacts()
        scopes = list(root.traverse())
        for scope in scopes:
            for child in scope.subquery_scopes:
                self._subquery_scopes[id(child.expression)] = child
            if self.unknown:
                self._attribute_unqualified(scope)
        for scope in scopes:
            for source in scope.sources.values():
                if isinstance(source, exp.Table) and (name := self.table_name(source)):
                    facts.reads.add(name)
            if isinstance(scope.expression, exp.Select):
                self._collect_predicates(scope, facts)
        facts.outputs = [self.trace_output(root, index) for index in range(len(_named_selects(root)))]
        for scope in scopes:  # every column placed on an unknown table, also those only filtered or joined on
            for column in scope.columns:
                if column.table:
                    self.trace_column(scope, column)
        for traced in facts.outputs:
            facts.usage.update((node, "select") for node, _ in traced)
        if self.unknown:  # joins and usage describe catalog tables only (relationships are inferred between those)
            facts.usage = {(node, kind) for node, kind in facts.usage if self._known(node.rpartition(".")[0])}
            facts.joins = {join for join in facts.joins if self._known(join[0]) and self._known(join[2])}
        return facts

    def _known(self, table: str) -> bool:
        return table.lower() in self.catalog.tables

    # -- lineage -----------------------------------------------------------------------------

    def table_name(self, table: exp.Table) -> str | None:
        return self.catalog.resolve_table([table.db, table.name]) or self.unknown.get((table.db, table.name))

    def _is_unknown(self, table: exp.Table) -> bool:
        return (table.db, table.name) in self.unknown and self.catalog.resolve_table([table.db, table.name]) is None

    def _is_opaque(self, source: exp.Table | Scope) -> bool:
        """A source whose columns are not known: an unknown table, or a query selecting ``*`` from one."""
        if isinstance(source, exp.Table):
            return self._is_unknown(source)
        return isinstance(source, Scope) and any(_is_star(s) for s in _selects(source))

    def _attribute_unqualified(self, scope: Scope) -> None:
        """Columns no known source holds go to the scope's one source of unknown columns (none when ambiguous)."""
        selected = {alias: source for alias, (_, source) in scope.selected_sources.items()}
        opaque = [alias for alias, source in selected.items() if self._is_opaque(source)]
        if not opaque:
            return
        for column in scope.columns:
            if column.table or isinstance(column.this, exp.Star):
                continue
            if any(self._may_hold(source, column.name) for alias, source in selected.items() if alias not in opaque):
                continue
            owners = opaque if len(opaque) == 1 else [a for a in opaque if self._seen_in_log(selected[a], column.name)]
            if len(owners) == 1:
                column.set("table", exp.to_identifier(owners[0]))

    def _seen_in_log(self, source: exp.Table | Scope, name: str) -> bool:
        """Other statements of the log placed ``name`` on this unknown table unambiguously."""
        table = self.table_name(source) if isinstance(source, exp.Table) else None
        if not table:
            return False
        return name in self.catalog.inferred_columns.get(table.lower(), ())

    def attribute_before_qualify(self, query: exp.Expr) -> None:
        """Place unqualified columns on tables of unknown columns first, so that qualify does not bail out on them."""
        root = build_scope(query)
        for scope in root.traverse() if root is not None else []:
            self._attribute_unqualified(scope)


    def trace_output(self, scope: Scope, index: int) -> list[Traced]:
        """Where output column ``index`` of ``scope`` comes from."""
        key = (id(scope), str(index))
        if key not in self._memo:
            self._memo[key] = []  # guards recursive CTEs
            self._memo[key] = self._trace_output(scope, index)
        return self._memo[key]

    def _trace_output(self, scope: Scope, index: int) -> list[Traced]:
        if isinstance(scope.expression, exp.SetOperation):  # branch scopes are typed SET_OPERATION too
            return _dedupe([t for branch in scope.set_operation_scopes for t in self.trace_output(branch, index)])
        selects = scope.expression.selects if isinstance(scope.expression, exp.Select) else []
        if index >= len(selects):
            return []
        return self.trace_expression(scope, selects[index])

    def trace_named_output(self, scope: Scope, name: str) -> list[Traced]:
        if not isinstance(scope.expression, (exp.Select, exp.SetOperation)):
            return self._trace_table_function(scope, name)
        names = _named_selects(scope)
        if name in names:
            return self.trace_output(scope, names.index(name))
        return self._trace_through_star(scope, name) if self.unknown else []

    def trace_expression(self, scope: Scope, expression: exp.Expr) -> list[Traced]:
        """The catalog columns an expression reads; direct only for a bare (possibly aliased) column."""
        inner = expression.unalias() if isinstance(expression, exp.Alias) else expression
        traced: list[Traced] = []
        for column in _own_columns(inner):
            local = transform_between(column, inner)
            traced.extend((node, compose_transforms(local, kind)) for node, kind in self.trace_column(scope, column))
        for nested in _nested_queries(inner):
            child = self._subquery_scopes.get(id(nested))
            if child is not None:
                local = compose_transforms(transform_between(nested, inner), "other")
                for index in range(len(_named_selects(child))):
                    traced.extend((node, compose_transforms(local, kind)) for node, kind in self.trace_output(child, index))
        return _dedupe(traced)

    def trace_column(self, scope: Scope, column: exp.Column) -> list[Traced]:
        source = _source_of(scope, column.table)
        if isinstance(source, exp.Table) and isinstance(source.this, exp.Func):  # generate_series(…) AS d(day)
            return [(node, "other") for node, _ in self.trace_expression(scope, source.this)]
        if isinstance(source, exp.Table):
            table = self.table_name(source)
            if table and self.unknown and self._is_unknown(source):
                self.inferred_columns.setdefault(table.lower(), set()).add(column.name)
            return [(f"{table}.{self.catalog.column_name(table, column.name)}", "copy")] if table else []
        if isinstance(source, Scope):
            return self.trace_named_output(source, column.name)
        return []

    def _trace_table_function(self, scope: Scope, name: str) -> list[Traced]:
        """UNNEST(…), LATERAL (…), VALUES: a lateral query's own output, else what the function's arguments read."""
        lateral = [source for source in scope.sources.values() if isinstance(source, Scope)]
        if isinstance(scope.expression, exp.Lateral) and lateral:
            return _dedupe([t for child in lateral for t in self.trace_named_output(child, name)])
        return _dedupe([(node, "other") for column in _own_columns(scope.expression) for node, _ in self.trace_column(scope, column)])

    def _trace_through_star(self, scope: Scope, name: str) -> list[Traced]:
        """``name`` read from a query that selects ``*`` over a source of unknown columns (only when unambiguous)."""
        aliases: list[str] = []
        for select in _selects(scope):
            if isinstance(select, exp.Star):
                aliases.extend(scope.selected_sources)
            elif isinstance(select, exp.Column) and isinstance(select.this, exp.Star) and select.table in scope.sources:
                aliases.append(select.table)
        candidates = [a for a in dict.fromkeys(aliases) if self._may_hold(scope.sources[a], name)]
        if len(candidates) != 1:
            return []
        return self.trace_column(scope, exp.column(name, table=candidates[0]))

    def _may_hold(self, source: exp.Table | Scope, name: str) -> bool:
        if self._is_opaque(source):
            return True
        if isinstance(source, exp.Table):
            table = self.table_name(source)
            if not table:
                return False
            return name.lower() in (c.lower() for c in self.catalog.columns.get(table.lower(), []))
        return name in _named_selects(source)

    # -- joins and usage ---------------------------------------------------------------------

    def _collect_predicates(self, scope: Scope, facts: ScopeFacts) -> None:
        select = scope.expression
        pairs: dict[tuple[str, str, str, str], list[tuple[str, str]]] = {}
        conditions: list[exp.Expr] = [join.args["on"] for join in select.args.get("joins") or [] if join.args.get("on")]
        where = select.args.get("where")
        if where is not None:
            conditions.append(where.this)
        for condition in conditions:
            for conjunct in condition.flatten() if isinstance(condition, exp.And) else [condition]:
                if not self._add_join_pair(scope, conjunct, pairs):
                    self._add_usage(scope, conjunct, "filter", facts)
        for key, columns in pairs.items():
            join = _canonical_join(key[1], key[3], columns)
            facts.joins.add(join)
            if key in self._cast_pairs:
                facts.cast_joins.add(join)
            for left, right in columns:
                facts.usage.update({(f"{key[1]}.{left}", "join"), (f"{key[3]}.{right}", "join")})
        having = select.args.get("having")
        if having is not None:
            self._add_usage(scope, having.this, "filter", facts)
        group = select.args.get("group")
        if group is not None:
            for expression in group.expressions:
                self._add_usage(scope, expression, "group_by", facts)

    def _add_join_pair(self, scope: Scope, conjunct: exp.Expr, pairs: dict) -> bool:
        """Record ``a.x = b.y`` between two different sources; False when the conjunct is not one."""
        if isinstance(conjunct, exp.Paren):
            conjunct = conjunct.unnest()
        if not isinstance(conjunct, exp.EQ):
            return False
        (left, left_wrapped), (right, right_wrapped) = _key_column(conjunct.this), _key_column(conjunct.expression)
        if not (isinstance(left, exp.Column) and isinstance(right, exp.Column)) or not left.table or left.table == right.table:
            return False
        left_base, right_base = self._single_base(scope, left), self._single_base(scope, right)
        if left_base is None or right_base is None:
            return False
        (left_alias, left_node), (right_alias, right_node) = sorted([(left.table, left_base), (right.table, right_base)])
        left_table, _, left_column = left_node.rpartition(".")
        right_table, _, right_column = right_node.rpartition(".")
        pairs.setdefault((left_alias, left_table, right_alias, right_table), []).append((left_column, right_column))
        if left_wrapped or right_wrapped:
            self._cast_pairs.add((left_alias, left_table, right_alias, right_table))
        return True

    def _single_base(self, scope: Scope, column: exp.Column) -> str | None:
        traced = self.trace_column(scope, column)
        return traced[0][0] if len(traced) == 1 and traced[0][1] == "copy" else None

    def _add_usage(self, scope: Scope, expression: exp.Expr, kind: str, facts: ScopeFacts) -> None:
        for column in _own_columns(expression):
            facts.usage.update((node, kind) for node, _ in self.trace_column(scope, column))


_KEY_WRAPPERS = (exp.Paren, exp.Cast, exp.TryCast, exp.Collate)  # lower()/trim() change what matches: not keys


def _key_column(expression: exp.Expr) -> tuple[exp.Expr, bool]:
    """The column under casts, COLLATE and parentheses, and whether any was not a parenthesis."""
    wrapped = False
    while isinstance(expression, _KEY_WRAPPERS) and isinstance(expression.this, exp.Expression):
        wrapped = wrapped or not isinstance(expression, exp.Paren)
        expression = expression.this
    return expression, wrapped


def _canonical_join(left_table: str, right_table: str, columns: list[tuple[str, str]]) -> JoinKey:
    """One orientation for a join whichever way round it was written: a.x = b.y and b.y = a.x merge."""
    ordered = sorted(set(columns))
    left = (left_table, tuple(c[0] for c in ordered))
    right = (right_table, tuple(c[1] for c in ordered))
    if (left[0].lower(), left[1]) > (right[0].lower(), right[1]):
        left, right = right, left
        pairs = sorted(zip(left[1], right[1]))
        left = (left[0], tuple(p[0] for p in pairs))
        right = (right[0], tuple(p[1] for p in pairs))
    return (left[0], left[1], right[0], right[1])


def _selects(scope: Scope) -> list[exp.Expr]:
    return scope.expression.selects if isinstance(scope.expression, exp.Select) else []


def _is_star(select: exp.Expr) -> bool:
    return isinstance(select, exp.Star) or (isinstance(select, exp.Column) and isinstance(select.this, exp.Star))


def _named_selects(scope: Scope) -> list[str]:
    return list(scope.expression.named_selects) if isinstance(scope.expression, (exp.Select, exp.SetOperation)) else []


def _source_of(scope: Scope | None, alias: str) -> exp.Table | Scope | None:
    """The source called ``alias`` in this scope or an enclosing one (correlated subqueries)."""
    while scope is not None:
        if alias in scope.sources:
            return scope.sources[alias]
        scope = scope.parent
    return None


def _own_columns(expression: exp.Expr) -> Iterator[exp.Column]:
    """Columns of this expression, not of the subqueries nested in it (those have their own scopes)."""
    for node in expression.walk(prune=lambda n: isinstance(n, _SCOPE_BOUNDARY) and n is not expression):
        if isinstance(node, exp.Column) and node.table:
            yield node


def _nested_queries(expression: exp.Expr) -> Iterator[exp.Expr]:
    for node in expression.walk(prune=lambda n: isinstance(n, _SCOPE_BOUNDARY) and n is not expression):
        if isinstance(node, (exp.Select, exp.SetOperation)) and node is not expression:
            yield node
        elif isinstance(node, exp.Subquery) and node is not expression:
            yield node.this


def transform_between(node: exp.Expr, root: exp.Expr) -> LineageTransform:
    """How ``root`` transforms the value of ``node`` inside it: the strongest of the functions on the way up."""
    if node is root:
        return "copy"
    kind: LineageTransform = "other"
    current = node.parent
    while current is not None:
        if isinstance(current, exp.AggFunc) and not isinstance(current, _VALUE_AGGREGATES):
            return "aggregate"
        if _is_hash(current):
            kind = "hash"
        if current is root:
            break
        current = current.parent
    return kind


def _is_hash(node: exp.Expr) -> bool:
    return isinstance(node, _HASH_NODES) or (isinstance(node, exp.Anonymous) and str(node.name).lower() in HASH_FUNCTIONS)


def compose_transforms(outer: LineageTransform, inner: LineageTransform) -> LineageTransform:
    """A transform applied on top of another: the stronger one wins (a hash of a copy is a hash)."""
    return outer if TRANSFORM_RANK[outer] >= TRANSFORM_RANK[inner] else inner


def merge_transforms(kinds: list[LineageTransform]) -> LineageTransform:
    """One column reached along several paths: ``copy`` only if every path copies, else the weakest protection."""
    if all(kind == "copy" for kind in kinds):
        return "copy"
    return min((kind if kind != "copy" else "other" for kind in kinds), key=TRANSFORM_RANK.__getitem__)


def _dedupe(traced: list[Traced]) -> list[Traced]:
    seen: dict[str, list[LineageTransform]] = {}
    for node, kind in traced:
        seen.setdefault(node, []).append(kind)
    return [(node, merge_transforms(kinds)) for node, kinds in seen.items()]
