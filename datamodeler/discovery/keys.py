"""Primary keys: declared ones kept; otherwise inferred from uniqueness on the data and name hints.

A single column is a key when it is unique and non-null on the data and its name looks like a key (``id``,
``<table>_id``, ``*_key``, ``*_sk``, ``*_no``, ``*_code``); a bridge or line table gets a composite key of two
key-like columns when the pair is unique (checked with one GROUP BY statement). A link table — no column named as
its own key, two or more named after other tables — gets the unique pair first, even when one of them happens to
be unique on a small sample (``station_company(station_id, company_id)``). Empty or unprofiled tables get
a key from names alone. Inferred keys carry ``primary_key_source = "inferred"`` and ``primary_key_evidence``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Container
from itertools import combinations

from sqlglot import exp

from ..identifiers import (
    KEY_SUFFIXES,
    column_prefix,
    is_key_like,
    normalize,
    schema_vocabulary,
    singular,
    strip_prefix,
    table_stems,
    tokens,
)
from ..model import Column, Evidence, Table
from ..profile import Budget, ExecutingSource, column_expression, is_unique, row_source, run_one_row, type_family

MAX_COMPOSITE_CANDIDATES = 6
NATURAL_KEY_FAMILIES = ("text", "int", "date", "any", "other")
NATURAL_KEY_WORDS = frozenset({"name", "code", "ssn", "abbreviation", "abbr", "symbol", "isbn", "iso"})


def key_name_score(table: Table, column: Column) -> int:
    """How much a column's name says "I am this table's key": 3 own key, 2 first key-like column, 1 key-like, 0 none."""
    prefix = column_prefix(c.name for c in table.columns)
    name = normalize(strip_prefix(column.name, prefix))
    stems = table_stems(table.short_name)
    if name == "id" or any(name == stem + suffix for stem in stems for suffix in KEY_SUFFIXES):
        return 3
    parts = tokens(strip_prefix(column.name, prefix))
    head = "".join(parts[:-1])
    if prefix and is_key_like(column.name) and head and any(stem.startswith(head) for stem in stems if len(head) >= 3):
        return 3  # TPC-H style: customer.c_custkey
    if not is_key_like(column.name):
        return 0
    return 2 if table.columns and table.columns[0] is column else 1


def infer_primary_keys(source: ExecutingSource | None, tables: list[Table], budget: Budget | None) -> None:
    """Give every keyless table an inferred primary key where the data and names support one."""
    with schema_vocabulary(name for table in tables for name in (table.short_name, *(c.name for c in table.columns))):
        stems = {id(t): {s for s in table_stems(t.short_name) if not s.startswith("last:")} for t in tables if t.kind == "table"}
        tables_named = Counter(stem for own in stems.values() for stem in own)
        for table in tables:
            _infer_key(source, table, budget, StemsElsewhere(tables_named, stems.get(id(table), set())))


class StemsElsewhere(Container[str]):
    """The name stems of every table but one, as a membership test: counting each stem's tables once keeps this
    linear (uniting every other table's stems per table was quadratic: hours at 100,000 tables)."""

    def __init__(self, tables_named: Counter[str], own: set[str]):
        self.tables_named, self.own = tables_named, own

    def __contains__(self, stem: object) -> bool:
        return isinstance(stem, str) and self.tables_named[stem] > (1 if stem in self.own else 0)


def _infer_key(source: ExecutingSource | None, table: Table, budget: Budget | None, other_stems: Container[str]) -> None:
    if table.primary_key or table.kind != "table":
        return
    links = link_columns(table, other_stems)
    found = (_composite_key(source, table, budget, links) if len(links) >= 2 else None) \
        or _single_column_key(table) or _composite_key(source, table, budget) or _natural_key(table, other_stems) or _name_only_key(table)
    if found:
        columns, evidence = found
        table.primary_key, table.primary_key_source = columns, "inferred"
        table.primary_key_evidence = evidence


def link_columns(table: Table, other_stems: Container[str]) -> list[Column]:
    """Key-like columns named after other tables (``station_company.station_id``, ``.company_id``) in a table with no
    key of its own (named as its key, or a unique key-like column not named after another table): a link table,
    whose key is the pair even when one column is unique on small data."""
    if any(key_name_score(table, c) == 3 for c in table.columns):
        return []
    named = [c for c in table.columns if is_key_like(c.name) and "".join(tokens(c.name)[:-1]) in other_stems]
    surrogate = [c for c in table.columns if is_key_like(c.name) and c not in named and is_unique(c)]
    return [] if surrogate else named  # a unique key-like column of its own (fnol_id, person_address_id) wins


def _has_data(table: Table) -> bool:
    return any(c.profile is not None and c.profile.rows for c in table.columns)


def _single_column_key(table: Table) -> tuple[list[str], list[Evidence]] | None:
    unique = [c for c in table.columns if is_unique(c)]
    return _best_unique_column(table, unique, key_name_score, lambda column, score: f"name hint {score}/3 ({column.name})")


def _best_unique_column(table: Table, unique: list[Column], score_of: Callable[[Table, Column], int],
                        explain: Callable[[Column, int], str]) -> tuple[list[str], list[Evidence]] | None:
    """The best-scored of ``unique`` (score > 0; the earlier column on a tie) as a key, with its evidence."""
    chosen = {id(c) for c in unique}
    scored = [(score_of(table, c), -i, c) for i, c in enumerate(table.columns) if id(c) in chosen]
    scored = [s for s in scored if s[0] > 0]
    if not scored:
        return None
    score, _, column = max(scored, key=lambda s: (s[0], s[1]))
    sampled = column.profile is not None and column.profile.sampled
    rows = column.profile.rows if column.profile is not None else None
    evidence = [
        Evidence(kind="unique", count=rows, ratio=1.0, detail="unique on a sample" if sampled else "unique on all rows"),
        Evidence(kind="naming", detail=explain(column, score)),
    ]
    return [column.name], evidence


def natural_key_score(table: Table, column: Column) -> int:
    """How much a unique column without a key word reads as a natural key: 3 it names the table's own thing
    (``artist.artist_name``, ``ref_calendar.calendar_date``, ``chip_model.model_name``), 2 an identifying word
    (``dept_name``, ``cname``, ``ssn``), 1 the first column (where keys are conventionally declared), else 0."""
    words = tokens(column.name)
    table_words = {w for part in tokens(table.short_name) for w in (part, singular(part)) if len(w) >= 3}
    if any(w in table_words or singular(w) in table_words for w in words):
        return 3
    if words and (words[-1] in NATURAL_KEY_WORDS or any(words[-1].endswith(w) for w in ("name", "code"))):
        return 2
    return 1 if table.columns and table.columns[0] is column else 0


def _natural_key(table: Table, other_stems: Container[str]) -> tuple[list[str], list[Evidence]] | None:
    """A table with no key-like unique column (``department(dept_name, building, budget)``) is keyed by the unique,
    non-null column that names what it holds; numbers with fractions and booleans never are keys. A table with two
    or more columns named after other tables (``undergoes(patient, procedure, stay, date)``) links them: no
    natural key of its own; nor has a table whose column named as its key (``products.product_id``) holds duplicates."""
    if sum(1 for c in table.columns if _names_other_table(c, other_stems)) >= 2 or any(key_name_score(table, c) == 3 for c in table.columns):
        return None
    unique = [c for c in table.columns if type_family(c.type) in NATURAL_KEY_FAMILIES and is_unique(c)
              and c.profile is not None and (c.profile.rows or 0) >= 2]
    return _best_unique_column(table, unique, natural_key_score,
                               lambda column, points: f"natural key: no key-like unique column; {column.name} reads as one ({points}/3)")


def _names_other_table(column: Column, other_stems: Container[str]) -> bool:
    words = tokens(column.name)
    return normalize(column.name) in other_stems or singular(normalize(column.name)) in other_stems \
        or (len(words) > 1 and "".join(words[:-1]) in other_stems)


def _composite_key(source: ExecutingSource | None, table: Table, budget: Budget | None,
                   columns: list[Column] | None = None) -> tuple[list[str], list[Evidence]] | None:
    if source is None or budget is None or not _has_data(table):
        return None
    candidates = [c for c in (table.columns if columns is None else columns)
                  if is_key_like(c.name) and (c.profile is None or c.profile.null_count == 0)]
    for left, right in list(combinations(candidates, 2))[:MAX_COMPOSITE_CANDIDATES]:
        query = build_duplicate_query(table, [left.name, right.name], source.dialect, 10**9)
        row, _ = run_one_row(source, query, budget)
        if row is not None and int(row.get("duplicates") or 0) == 0:
            sql = query.sql(dialect=source.dialect)
            return [left.name, right.name], [Evidence(kind="unique", ratio=1.0, detail="column pair unique on all rows", sql=sql)]
    return None


def build_duplicate_query(table: Table, columns: list[str], dialect: str, sample_rows: int) -> exp.Select:
    """``SELECT COUNT(*) AS duplicates`` over the groups of ``columns`` that occur more than once."""
    source, _ = row_source(table, dialect, sample_rows)
    refs = [column_expression(c) for c in columns]
    groups = (exp.select(*[r.copy() for r in refs]).from_(source).group_by(*[r.copy() for r in refs])
              .having(exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(1))))
    return exp.select(exp.alias_(exp.Count(this=exp.Star()), "duplicates")).from_(groups.subquery("dup"))


def _name_only_key(table: Table) -> tuple[list[str], list[Evidence]] | None:
    """Tables without data (or without a unique column): a key from names alone."""
    if _has_data(table):
        own = [c for c in table.columns if key_name_score(table, c) == 3 and is_unique(c) is not False]
    else:
        key_like = [c for c in table.columns if is_key_like(c.name)]
        if len(key_like) >= 2 and len(key_like) >= len(table.columns) - 1 and not any(key_name_score(table, c) == 3 for c in key_like):
            return [c.name for c in key_like[:2]], [Evidence(kind="naming", detail="bridge-like: key-like columns only, no data")]
        own = sorted((c for c in table.columns if key_name_score(table, c) >= 2), key=lambda c: -key_name_score(table, c))
    if not own:
        return None
    return [own[0].name], [Evidence(kind="naming", detail=f"name hint only ({own[0].name}), no data to check")]
