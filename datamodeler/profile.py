"""Profiling pushed down to the warehouse: one aggregate statement per table, built with sqlglot, sampled when large.

Per column: non-null count, distinct count, min/max, average text length, and the top values of low-cardinality,
non-PII columns (one more statement per table). Text columns and wide integers are also classified for PII from
``PII_SAMPLE_ROWS`` sampled values (one more statement; the values stay in memory and are never stored). Statements run under a per-statement timeout and a total budget;
tables that do not fit are skipped and named in the returned notes. Whole tables never come back to Python.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from sqlglot import exp

from .model import Column, ColumnProfile, Table, TypeMatch
from .pii import classify_column

TOP_VALUES_MAX_DISTINCT = 20
TOP_VALUES_KEPT = 5
COLUMNS_PER_STATEMENT = 250  # SQLite returns at most 2,000 result columns; 6 aggregates each stays well below
PII_SAMPLE_ROWS = 50  # values per column that value-based PII detection sees (e-mails in a column named `contact`)
PII_INT_DIGITS = 8  # integer columns whose largest value has this many digits may hold phone or card numbers
SMALL_TABLE_ROWS = 10_000  # DuckDB: distinct counts of tables this small use LIST_DISTINCT (see count_distinct)


class ExecutingSource(Protocol):
    """The part of a source that profiling needs."""

    dialect: str

    def execute(self, sql: str, timeout_s: float = 30.0, max_rows: int | None = None) -> Any: ...


@dataclass
class Budget:
    """A total time budget shared by profiling and inclusion checks, and the per-statement timeout."""

    total_s: float
    statement_s: float
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        return self.total_s - (time.monotonic() - self.started)

    def timeout(self) -> float | None:
        """The timeout for the next statement, or None when the budget is spent."""
        left = self.remaining()
        return min(self.statement_s, left) if left > 0.2 else None


@lru_cache(maxsize=4096)  # a warehouse has few distinct type names; discovery asks millions of times
def type_family(type_: str) -> str:
    """int / number / text / date / bool / binary / uuid / other / any, from a declared type."""
    t = (type_ or "").lower()
    if not t:
        return "any"
    for family, words in (("bool", ("bool",)), ("int", ("int", "serial")),
                          ("number", ("dec", "numeric", "number", "real", "float", "double", "money")),
                          ("date", ("date", "time")), ("uuid", ("uuid",)),
                          ("binary", ("blob", "bytea", "binary", "image")),
                          ("text", ("char", "text", "string", "clob", "varchar", "nvarchar"))):
        if any(w in t for w in words):
            return family
    return "other"


@lru_cache(maxsize=16384)
def types_compatible(a: str, b: str) -> TypeMatch:
    """``same`` when values compare directly, ``castable`` when only as text (int vs text), else ``incompatible``."""
    fa, fb = type_family(a), type_family(b)
    numeric = {"int", "number"}
    if fa == fb or "any" in (fa, fb) or (fa in numeric and fb in numeric):
        return "same"
    if {fa, fb} <= numeric | {"text", "uuid"}:
        return "castable"
    return "incompatible"


def table_expression(name: str) -> exp.Table:
    """The quoted table for a catalog name (``schema.table`` or ``table``); quoting keeps case and spaces."""
    schema, _, table = name.rpartition(".")
    return exp.Table(this=exp.to_identifier(table, quoted=True), db=exp.to_identifier(schema, quoted=True) if schema else None)


def column_expression(name: str, table_alias: str | None = None) -> exp.Column:
    return exp.column(exp.to_identifier(name, quoted=True), table=exp.to_identifier(table_alias) if table_alias else None)


def is_sampled(table: Table, sample_rows: int) -> bool:
    """Statements read a sample of the table: it is known to hold more than ``sample_rows`` rows."""
    return bool(table.row_count and table.row_count > sample_rows)


def row_source(table: Table, dialect: str, sample_rows: int) -> tuple[exp.Expression, bool]:
    """The table, or a sample of it when ``is_sampled``; and whether it was sampled."""
    base = table_expression(table.name)
    if not is_sampled(table, sample_rows):
        return base, False
    if dialect == "duckdb":
        base.set("sample", exp.TableSample(method=exp.var("RESERVOIR"), size=exp.Literal.number(sample_rows)))
        return base, True
    if dialect == "postgres":
        rows = table.row_count or sample_rows  # known and above sample_rows: is_sampled
        percent = max(0.01, min(100.0, 100.0 * sample_rows / rows))
        base.set("sample", exp.TableSample(method=exp.var("SYSTEM"), percent=exp.Literal.number(round(percent, 4))))
        return base, True
    limited = exp.select(exp.Star()).from_(base).limit(sample_rows)
    return limited.subquery("sampled"), True


def is_small(table: Table) -> bool:
    """The catalog says the table holds at most ``SMALL_TABLE_ROWS`` rows."""
    return table.row_count is not None and table.row_count <= SMALL_TABLE_ROWS


def count_distinct(ref: exp.Expression, dialect: str, small: bool = False) -> exp.Expression:
    """``COUNT(DISTINCT ref)``; on a small DuckDB table the exact same number as ``LEN(LIST_DISTINCT(LIST(ref)))``.

    DuckDB gives every ``COUNT(DISTINCT)`` its own hash table, about 1.5 ms each even on 50 rows: profiling
    10,000 tiny tables spent most of its budget there. The list form is ~10x faster but holds the values in
    memory, so it is kept for small tables. ``LIST_DISTINCT`` drops NULLs, as ``COUNT(DISTINCT)`` does.
    """
    if dialect == "duckdb" and small:
        listed = exp.Anonymous(this="LIST_DISTINCT", expressions=[exp.ArrayAgg(this=ref)])
        return exp.Coalesce(this=exp.ArraySize(this=listed), expressions=[exp.Literal.number(0)])
    return exp.Count(this=exp.Distinct(expressions=[ref]))


def build_profile_query(table: Table, columns: list[Column], dialect: str, sample_rows: int) -> tuple[exp.Select, bool]:
    """One SELECT computing the row count and per-column aggregates for ``columns`` of ``table``."""
    source, sampled = row_source(table, dialect, sample_rows)
    projections: list[exp.Expr] = [exp.alias_(exp.Count(this=exp.Star()), "n")]
    small = not sampled and is_small(table)
    for i, column in enumerate(columns):
        projections.extend(_column_aggregates(column, f"c{i}", dialect, small))
    return exp.select(*projections).from_(source), sampled


def _column_aggregates(column: Column, alias: str, dialect: str = "", small: bool = False) -> list[exp.Expr]:
    ref = column_expression(column.name)
    family = type_family(column.type)
    aggregates = [exp.alias_(exp.Count(this=ref), f"{alias}_nn")]
    if family not in ("other", "binary"):
        aggregates.append(exp.alias_(count_distinct(ref, dialect, small), f"{alias}_d"))
    if family not in ("other", "binary", "bool", "uuid"):
        aggregates.append(exp.alias_(exp.Min(this=ref), f"{alias}_min"))
        aggregates.append(exp.alias_(exp.Max(this=ref), f"{alias}_max"))
    if family in ("text", "any"):
        length = exp.Length(this=exp.cast(ref, exp.DataType.build("TEXT")))
        aggregates.append(exp.alias_(exp.Avg(this=length), f"{alias}_len"))
    return aggregates


def build_top_values_query(table: Table, columns: list[Column], dialect: str, sample_rows: int) -> exp.Expr:
    """One UNION ALL statement: value counts of each low-cardinality column (at most ~20 rows per column)."""
    parts = []
    for i, column in enumerate(columns):
        source, _ = row_source(table, dialect, sample_rows)
        ref = column_expression(column.name)
        parts.append(
            exp.select(exp.alias_(exp.Literal.number(i), "col"), exp.alias_(exp.cast(ref, exp.DataType.build("TEXT")), "value"),
                       exp.alias_(exp.Count(this=exp.Star()), "n"))
            .from_(source).where(exp.Not(this=exp.Is(this=ref.copy(), expression=exp.Null()))).group_by(ref.copy())
        )
    query: exp.Expr = parts[0]
    for part in parts[1:]:
        query = exp.union(query, part, distinct=False)
    return query


def profile_tables(source: ExecutingSource, tables: list[Table], sample_rows: int, budget: Budget,
                   on_table: Callable[[], None] | None = None) -> list[str]:
    """Fill ``Column.profile`` and ``Column.pii`` for every table that fits the budget (smallest first);
    return notes on what was skipped: one per failed table, one line for all that the budget left out."""
    notes: list[str] = []
    ordered = sorted((t for t in tables if t.kind == "table"), key=lambda t: t.row_count or 0)
    for done, table in enumerate(ordered):
        if budget.timeout() is None:
            notes.append(_budget_note(ordered[done:], len(ordered), budget))
            break
        note = profile_table(source, table, sample_rows, budget)
        if note:
            notes.append(note)
        if on_table:
            on_table()
    _classify_pii(tables)
    return notes


def _budget_note(left_out: list[Table], total: int, budget: Budget) -> str:
    names = ", ".join(t.name for t in left_out[:5]) + (", …" if len(left_out) > 5 else "")
    return (f"profile: budget of {budget.total_s:g}s spent; {len(left_out)} of {total} tables not profiled "
            f"(smallest first: {names}); raise [scan] profile_budget_s to profile them")


def _classify_pii(tables: list[Table]) -> None:
    for table in tables:
        for column in table.columns:
            if column.pii is None and not (column.profile and _wants_value_sample(column)):
                column.pii = classify_column(column.name, column.type, _value_examples(column))  # sampled ones are decided
            if column.pii and column.profile is not None:
                column.profile.min = column.profile.max = None  # keep personal values out of the model file
                column.profile.top_values = None


def profile_table(source: ExecutingSource, table: Table, sample_rows: int, budget: Budget) -> str | None:
    """Profile one table (chunked for very wide tables); a note when it was skipped, else None."""
    for start in range(0, len(table.columns), COLUMNS_PER_STATEMENT):
        chunk = table.columns[start:start + COLUMNS_PER_STATEMENT]
        query, sampled = build_profile_query(table, chunk, source.dialect, sample_rows)
        row, error = run_one_row(source, query, budget)
        if row is None:
            return f"profile: skipped {table.name} ({error})"
        rows = int(row["n"] or 0)
        if not sampled and table.row_count is None:
            table.row_count, table.row_count_exact = rows, True
        for i, column in enumerate(chunk):
            column.profile = _column_profile(row, f"c{i}", rows, sampled)
    note = classify_pii_by_values(source, table, sample_rows, budget)
    return _profile_top_values(source, table, sample_rows, budget) or note


def classify_pii_by_values(source: ExecutingSource, table: Table, sample_rows: int, budget: Budget) -> str | None:
    """Set ``Column.pii`` from the name, else from sampled values, for text and wide-integer columns; a note on failure.

    A column named ``contact`` holding ``Ann Lee <ann@x.io>``, or a BIGINT ``contact_no`` of phone numbers, is
    personal whatever its name says; the sampled values are used here and dropped.
    """
    for column in table.columns:
        if column.pii is None:
            column.pii = classify_column(column.name, column.type)
    candidates = [c for c in table.columns if c.pii is None and _wants_value_sample(c)]
    timeout = budget.timeout()
    if not candidates:
        return None
    if timeout is None:
        for column in candidates:
            column.pii = classify_column(column.name, column.type, _value_examples(column))
        return None
    query = build_value_sample_query(table, candidates, source.dialect, sample_rows)
    try:
        result = source.execute(query.sql(dialect=source.dialect), timeout_s=timeout, max_rows=PII_SAMPLE_ROWS)
    except Exception as exc:  # noqa: BLE001 - a failed statement is a note; min/max classify the columns then
        for column in candidates:
            column.pii = classify_column(column.name, column.type, _value_examples(column))
        return f"profile: PII sample of {table.name} skipped ({_short_error(exc)})"
    for i, column in enumerate(candidates):
        values = [str(row[i]) for row in result.rows if row[i] is not None] + _value_examples(column)
        column.pii = classify_column(column.name, column.type, values)
    return None


def _wants_value_sample(column: Column) -> bool:
    family = type_family(column.type)
    if family in ("text", "any"):
        return True
    profile = column.profile
    widest = max((len(v.lstrip("-")) for v in (profile.min, profile.max) if v), default=0) if profile else 0
    return family == "int" and widest >= PII_INT_DIGITS


def build_value_sample_query(table: Table, columns: list[Column], dialect: str, sample_rows: int) -> exp.Select:
    """``SELECT CAST(c AS TEXT), … FROM t WHERE c1 IS NOT NULL OR … LIMIT PII_SAMPLE_ROWS`` (sampled when large)."""
    source, _ = row_source(table, dialect, sample_rows)
    refs = [column_expression(c.name) for c in columns]
    any_present = exp.or_(*(exp.Not(this=exp.Is(this=ref.copy(), expression=exp.Null())) for ref in refs))
    texts = [exp.alias_(exp.cast(ref, exp.DataType.build("TEXT")), f"v{i}") for i, ref in enumerate(refs)]
    return exp.select(*texts).from_(source).where(any_present).limit(PII_SAMPLE_ROWS)


def _profile_top_values(source: ExecutingSource, table: Table, sample_rows: int, budget: Budget) -> str | None:
    wanted = [c for c in table.columns if _wants_top_values(c)]
    if not wanted:
        return None
    query = build_top_values_query(table, wanted, source.dialect, sample_rows)
    timeout = budget.timeout()
    if timeout is None:
        return f"profile: top values of {table.name} skipped (profile budget spent)"
    try:
        result = source.execute(query.sql(dialect=source.dialect), timeout_s=timeout, max_rows=len(wanted) * (TOP_VALUES_MAX_DISTINCT + 1))
    except Exception as exc:  # noqa: BLE001 - a failed statement is a note, never a crash
        return f"profile: top values of {table.name} skipped ({_short_error(exc)})"
    counts: dict[int, list[tuple[int, str]]] = {}
    for index, value, n in result.rows:
        counts.setdefault(int(index), []).append((int(n), str(value)))
    for index, column in enumerate(wanted):
        ranked = sorted(counts.get(index, []), key=lambda item: (-item[0], item[1]))
        if column.profile is not None:
            column.profile.top_values = [value for _, value in ranked[:TOP_VALUES_KEPT]]
    return None


def _wants_top_values(column: Column) -> bool:
    profile = column.profile
    if profile is None or not profile.distinct_count or profile.distinct_count > TOP_VALUES_MAX_DISTINCT:
        return False
    if profile.rows is not None and profile.distinct_count == profile.rows - (profile.null_count or 0):
        return False  # every value distinct: a key, not a category
    if type_family(column.type) in ("binary", "other") or column.pii:
        return False
    return classify_column(column.name, column.type, _value_examples(column)) is None


def run_one_row(source: ExecutingSource, query: exp.Expression | str, budget: Budget) -> tuple[dict[str, Any] | None, str]:
    """Run a one-row statement (a tree, or SQL already generated for the source's dialect) within the budget:
    (row as a dict, "") or (None, why not)."""
    timeout = budget.timeout()
    if timeout is None:
        return None, "profile budget spent"
    try:
        sql = query if isinstance(query, str) else query.sql(dialect=source.dialect)
        result = source.execute(sql, timeout_s=timeout, max_rows=1)
    except Exception as exc:  # noqa: BLE001 - timeouts and driver errors become notes
        return None, _short_error(exc)
    if not result.rows:
        return None, "no row returned"
    return dict(zip([c.lower() for c in result.columns], result.rows[0])), ""


def _column_profile(row: dict[str, Any], alias: str, rows: int, sampled: bool) -> ColumnProfile:
    non_null = int(row.get(f"{alias}_nn") or 0)
    length = row.get(f"{alias}_len")
    return ColumnProfile(
        sampled=sampled, rows=rows, null_count=rows - non_null,
        distinct_count=int(row[f"{alias}_d"]) if row.get(f"{alias}_d") is not None else None,
        min=_text(row.get(f"{alias}_min")), max=_text(row.get(f"{alias}_max")),
        avg_length=round(float(length), 2) if length is not None else None,
    )


def _value_examples(column: Column) -> list[str]:
    profile = column.profile
    if profile is None:
        return []
    return [v for v in (profile.min, profile.max) if v is not None]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return None
    text = str(value)
    return text if len(text) <= 200 else text[:200]


def _short_error(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "interrupt" in text.lower() or "cancel" in text.lower() or "timeout" in text.lower():
        return "statement timeout"
    return text[:160]


@dataclass(frozen=True)
class Uniqueness:
    """Distinct values against non-null rows on the profile: the one place "unique on the data" is computed."""

    distinct: int
    non_null: int
    nulls: int
    sampled: bool

    @property
    def unique(self) -> bool:
        return self.distinct >= self.non_null

    @property
    def duplicate_share(self) -> float:
        return round(1 - self.distinct / self.non_null, 4) if self.non_null and not self.unique else 0.0


def uniqueness(column: Column | None) -> Uniqueness | None:
    """The column's distinct and non-null counts (None when not profiled or without rows)."""
    profile = column.profile if column is not None else None
    if profile is None or profile.rows is None or profile.distinct_count is None:
        return None
    nulls = profile.null_count or 0
    return Uniqueness(profile.distinct_count, profile.rows - nulls, nulls, profile.sampled)


def is_unique(column: Column) -> bool | None:
    """Whether the data says the column is unique and non-null (None when not profiled or empty)."""
    facts = uniqueness(column)
    if facts is None or not (column.profile and column.profile.rows):
        return None
    return facts.nulls == 0 and facts.unique
