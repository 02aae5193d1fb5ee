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

from .catalog import CatalogIndex

Traced = tuple[str, str]  # ("table.column" in catalog spelling, transform: "copy" (direct), "hash", "aggregate", "other")
JoinKey = tuple[str, tuple[str, ...], str, tuple[str, ...]]
_SCOPE_BOUNDARY = (exp.Subquery, exp.Select, exp.SetOperation)
TRANSFORM_RANK = {"copy": 0, "other": 1, "hash": 2, "aggregate": 3}
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


class ScopeTracer:
    """Traces columns of one qualified query; results are memoised per (scope, output column)."""

    def __init__(self, catalog: CatalogIndex):
        self.catalog = catalog
        self._memo: dict[tuple[int, str], list[Traced]] = {}
        self._subquery_scopes: dict[int, Scope] = {}

    def facts(self, query: exp.Expression) -> ScopeFacts:
        root = build_scope(query)
        if root is None:
            return ScopeFacts()
        facts = ScopeFacts()
        scopes = list(root.traverse())
        for scope in scopes:
            for child in scope.subquery_scopes:
                self._subquery_scopes[id(child.expression)] = child
        for scope in scopes:
            for source in scope.sources.values():
                if isinstance(source, exp.Table) and (name := self.table_name(source)):
                    facts.reads.add(name)
            if isinstance(scope.expression, exp.Select):
                self._collect_predicates(scope, facts)
        facts.outputs = [self.trace_output(root, index) for index in range(len(_named_selects(root)))]
        for traced in facts.outputs:
            facts.usage.update((node, "select") for node, _ in traced)
        return facts

    # -- lineage -----------------------------------------------------------------------------

    def table_name(self, table: exp.Table) -> str | None:
        return self.catalog.resolve_table([table.db, table.name])

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
        names = _named_selects(scope)
        return self.trace_output(scope, names.index(name)) if name in names else []

    def trace_expression(self, scope: Scope, expression: exp.Expression) -> list[Traced]:
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
        if isinstance(source, exp.Table):
            table = self.table_name(source)
            return [(f"{table}.{self.catalog.column_name(table, column.name)}", "copy")] if table else []
        if isinstance(source, Scope):
            return self.trace_named_output(source, column.name)
        return []

    # -- joins and usage ---------------------------------------------------------------------

    def _collect_predicates(self, scope: Scope, facts: ScopeFacts) -> None:
        select = scope.expression
        pairs: dict[tuple[str, str, str, str], list[tuple[str, str]]] = {}
        conditions: list[exp.Expression] = [join.args["on"] for join in select.args.get("joins") or [] if join.args.get("on")]
        where = select.args.get("where")
        if where is not None:
            conditions.append(where.this)
        for condition in conditions:
            for conjunct in condition.flatten() if isinstance(condition, exp.And) else [condition]:
                if not self._add_join_pair(scope, conjunct, pairs):
                    self._add_usage(scope, conjunct, "filter", facts)
        for key, columns in pairs.items():
            facts.joins.add(_canonical_join(key[1], key[3], columns))
            for left, right in columns:
                facts.usage.update({(f"{key[1]}.{left}", "join"), (f"{key[3]}.{right}", "join")})
        having = select.args.get("having")
        if having is not None:
            self._add_usage(scope, having.this, "filter", facts)
        group = select.args.get("group")
        if group is not None:
            for expression in group.expressions:
                self._add_usage(scope, expression, "group_by", facts)

    def _add_join_pair(self, scope: Scope, conjunct: exp.Expression, pairs: dict) -> bool:
        """Record ``a.x = b.y`` between two different sources; False when the conjunct is not one."""
        if isinstance(conjunct, exp.Paren):
            conjunct = conjunct.unnest()
        if not isinstance(conjunct, exp.EQ):
            return False
        left, right = conjunct.this, conjunct.expression
        if not (isinstance(left, exp.Column) and isinstance(right, exp.Column)) or not left.table or left.table == right.table:
            return False
        left_base, right_base = self._single_base(scope, left), self._single_base(scope, right)
        if left_base is None or right_base is None:
            return False
        (left_alias, left_node), (right_alias, right_node) = sorted([(left.table, left_base), (right.table, right_base)])
        left_table, _, left_column = left_node.rpartition(".")
        right_table, _, right_column = right_node.rpartition(".")
        pairs.setdefault((left_alias, left_table, right_alias, right_table), []).append((left_column, right_column))
        return True

    def _single_base(self, scope: Scope, column: exp.Column) -> str | None:
        traced = self.trace_column(scope, column)
        return traced[0][0] if len(traced) == 1 and traced[0][1] == "copy" else None

    def _add_usage(self, scope: Scope, expression: exp.Expression, kind: str, facts: ScopeFacts) -> None:
        for column in _own_columns(expression):
            facts.usage.update((node, kind) for node, _ in self.trace_column(scope, column))


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


def _named_selects(scope: Scope) -> list[str]:
    return list(scope.expression.named_selects) if isinstance(scope.expression, (exp.Select, exp.SetOperation)) else []


def _source_of(scope: Scope | None, alias: str) -> exp.Table | Scope | None:
    """The source called ``alias`` in this scope or an enclosing one (correlated subqueries)."""
    while scope is not None:
        if alias in scope.sources:
            return scope.sources[alias]
        scope = scope.parent
    return None


def _own_columns(expression: exp.Expression) -> Iterator[exp.Column]:
    """Columns of this expression, not of the subqueries nested in it (those have their own scopes)."""
    for node in expression.walk(prune=lambda n: isinstance(n, _SCOPE_BOUNDARY) and n is not expression):
        if isinstance(node, exp.Column) and node.table:
            yield node


def _nested_queries(expression: exp.Expression) -> Iterator[exp.Expression]:
    for node in expression.walk(prune=lambda n: isinstance(n, _SCOPE_BOUNDARY) and n is not expression):
        if isinstance(node, (exp.Select, exp.SetOperation)) and node is not expression:
            yield node
        elif isinstance(node, exp.Subquery) and node is not expression:
            yield node.this


def transform_between(node: exp.Expression, root: exp.Expression) -> str:
    """How ``root`` transforms the value of ``node`` inside it: the strongest of the functions on the way up."""
    if node is root:
        return "copy"
    kind, current = "other", node.parent
    while current is not None:
        if isinstance(current, exp.AggFunc) and not isinstance(current, _VALUE_AGGREGATES):
            return "aggregate"
        if _is_hash(current):
            kind = "hash"
        if current is root:
            break
        current = current.parent
    return kind


def _is_hash(node: exp.Expression) -> bool:
    return isinstance(node, _HASH_NODES) or (isinstance(node, exp.Anonymous) and str(node.name).lower() in HASH_FUNCTIONS)


def compose_transforms(outer: str, inner: str) -> str:
    """A transform applied on top of another: the stronger one wins (a hash of a copy is a hash)."""
    return outer if TRANSFORM_RANK[outer] >= TRANSFORM_RANK[inner] else inner


def merge_transforms(kinds: list[str]) -> str:
    """One column reached along several paths: ``copy`` only if every path copies, else the weakest protection."""
    if all(kind == "copy" for kind in kinds):
        return "copy"
    return min((kind if kind != "copy" else "other" for kind in kinds), key=TRANSFORM_RANK.__getitem__)


def _dedupe(traced: list[Traced]) -> list[Traced]:
    seen: dict[str, list[str]] = {}
    for node, kind in traced:
        seen.setdefault(node, []).append(kind)
    return [(node, merge_transforms(kinds)) for node, kinds in seen.items()]
