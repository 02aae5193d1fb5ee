"""Inclusion of child values in the parent key: one anti-join statement per candidate, built with sqlglot.

    SELECT COUNT(*) AS n, COUNT(<child not null>) AS nn, COUNT(<not null and no parent>) AS orphans,
           COUNT(DISTINCT child) AS d, COUNT(DISTINCT <child with parent>) AS dm
    FROM (child, sampled when large) AS ch LEFT JOIN (SELECT DISTINCT key FROM parent) AS p ON ch.c = p.k

The evidence ``inclusion`` has the ratio of distinct child values found in the parent (rows for composite
keys), the counts and the SQL; the relationship gets ``orphan_rate`` and ``null_rate``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sqlglot import exp

from ...model import Evidence, Relationship, Table
from ...profile import column_expression, count_distinct, is_sampled, is_small, row_source, run_one_row, table_expression, types_compatible
from .checks import VerifyContext, has_evidence


def check_inclusion(rel: Relationship, ctx: VerifyContext) -> None:
    """Measure inclusion, orphan rate and null rate on the data (skipped without a source or when ruled out)."""
    if ctx.source is None or ctx.budget is None or (tables := _measurable(rel, ctx)) is None:
        return
    child, parent = tables
    sql = inclusion_sql(rel, child, parent, ctx.source.dialect, ctx.sample_rows)
    row, error = run_one_row(ctx.source, sql, ctx.budget)
    if row is None:
        rel.evidence.append(Evidence(kind="inclusion_skipped", detail=error, sql=sql))
        return
    _record(rel, row, sql, sampled=is_sampled(child, ctx.sample_rows))


def check_inclusions(rels: list[Relationship], ctx: VerifyContext) -> None:
    """``check_inclusion`` for each candidate; candidates from one child column to several parents (the fitting
    keys of a role-named column) are measured by one statement that joins the column to each parent's keys."""
    if ctx.source is None or ctx.budget is None:
        return
    measurable = [(rel, tables) for rel in rels if (tables := _measurable(rel, ctx)) is not None]
    columns = {(rel.child_table.lower(), tuple(c.lower() for c in rel.child_columns)) for rel, _ in measurable}
    casts = {_casts_to_text(rel, *tables) for rel, tables in measurable}
    if len(measurable) < 2 or len(columns) > 1 or len(casts) > 1 or len(measurable[0][0].child_columns) > 1:
        for rel, _ in measurable:
            check_inclusion(rel, ctx)
        return
    child = measurable[0][1][0]
    sql = shared_inclusion_sql(child, measurable[0][0].child_columns[0], [(p, r.parent_columns[0]) for r, (_, p) in measurable],
                               ctx.source.dialect, ctx.sample_rows, casts.pop())
    row, error = run_one_row(ctx.source, sql, ctx.budget)
    sampled = is_sampled(child, ctx.sample_rows)
    for i, (rel, _) in enumerate(measurable):
        if row is None:
            rel.evidence.append(Evidence(kind="inclusion_skipped", detail=error, sql=sql))
        else:
            _record(rel, {"n": row["n"], "nn": row["nn"], "d": row["d"], "orphans": row[f"orphans{i}"], "dm": row[f"dm{i}"]}, sql, sampled)


def _measurable(rel: Relationship, ctx: VerifyContext) -> tuple[Table, Table] | None:
    """(child, parent) when the inclusion statement should run: not ruled out by the profile's ranges or by
    incompatible types, and a child that may hold rows."""
    if has_evidence(rel, "value_range") or any(e.type_match == "incompatible" for e in rel.evidence if e.kind == "types"):
        return None
    child, parent = ctx.model.table(rel.child_table), ctx.model.table(rel.parent_table)
    if child is None or parent is None or not _may_have_rows(child):
        return None
    return child, parent


def _may_have_rows(table: Table) -> bool:
    return table.row_count is None or table.row_count > 0


def inclusion_sql(rel: Relationship, child: Table, parent: Table, dialect: str, sample_rows: int) -> str:
    """The SQL of ``build_inclusion_query``: sqlglot builds each form of the statement once (per dialect, column
    count, sampling, casting), and each candidate's quoted names are put in place of the form's placeholders; a
    relationships stage checking thousands of candidates spent most of its time building identical trees."""
    cast_text = _casts_to_text(rel, child, parent)
    sampled = is_sampled(child, sample_rows)
    template = _inclusion_template(dialect, len(rel.child_columns), cast_text, is_small(child), child.row_count if sampled else None, sample_rows)
    names = {_placeholder("child"): _table_sql(child.name, dialect), _placeholder("parent"): _table_sql(parent.name, dialect)}
    names |= {_placeholder(f"c{i}"): _identifier_sql(c, dialect) for i, c in enumerate(rel.child_columns)}
    names |= {_placeholder(f"p{i}"): _identifier_sql(c, dialect) for i, c in enumerate(rel.parent_columns)}
    return _fill(template, names, dialect)


def shared_inclusion_sql(child: Table, column: str, parents: list[tuple[Table, str]], dialect: str, sample_rows: int,
                         cast_text: bool) -> str:
    """The SQL of ``build_shared_inclusion_query``, from a template as ``inclusion_sql``."""
    sampled = is_sampled(child, sample_rows)
    template = _shared_template(dialect, len(parents), cast_text, is_small(child), child.row_count if sampled else None, sample_rows)
    names = {_placeholder("child"): _table_sql(child.name, dialect), _placeholder("c0"): _identifier_sql(column, dialect)}
    for i, (parent, key) in enumerate(parents):
        names |= {_placeholder(f"parent{i}"): _table_sql(parent.name, dialect), _placeholder(f"key{i}"): _identifier_sql(key, dialect)}
    return _fill(template, names, dialect)


def _fill(template: str, names: dict[str, str], dialect: str) -> str:
    """Each placeholder of ``template`` (as the dialect quotes it) replaced by its rendered name, in one pass."""
    rendered = {_identifier_sql(k, dialect): v for k, v in names.items()}
    return re.sub("|".join(re.escape(k) for k in rendered), lambda m: rendered[m.group(0)], template)


@lru_cache(maxsize=512)
def _shared_template(dialect: str, parents: int, cast_text: bool, small: bool, row_count: int | None, sample_rows: int) -> str:
    child = _stand_in_child(small, row_count)
    keys = [(Table(name=_placeholder(f"parent{i}")), _placeholder(f"key{i}")) for i in range(parents)]
    return build_shared_inclusion_query(child, _placeholder("c0"), keys, dialect, sample_rows, cast_text).sql(dialect=dialect)


def build_shared_inclusion_query(child: Table, column: str, parents: list[tuple[Table, str]], dialect: str, sample_rows: int,
                                 cast_text: bool) -> exp.Select:
    """One child column against several parent keys: a left join to each parent's distinct keys (``p0``, ``p1``, …;
    distinct keys keep the child's rows) with ``orphans<i>`` and ``dm<i>`` per parent beside ``n``, ``nn``, ``d``."""
    child_source, sampled = row_source(child, dialect, sample_rows)
    query = exp.select(copy=False).from_(exp.select(exp.Star(), copy=False).from_(child_source, copy=False).subquery("ch", copy=False), copy=False)
    ref = _maybe_cast(column_expression(column, "ch"), cast_text)
    not_null = exp.Not(this=exp.Is(this=ref.copy(), expression=exp.Null()))
    small = is_small(child) and not sampled
    projections: list[exp.Expr] = [exp.alias_(exp.Count(this=exp.Star()), "n"),
                                         exp.alias_(exp.Count(this=_case(not_null.copy(), exp.Literal.number(1))), "nn"),
                                         exp.alias_(count_distinct(ref.copy(), dialect, small), "d")]
    for i, (parent, key) in enumerate(parents):
        keys = exp.select(exp.alias_(_maybe_cast(column_expression(key), cast_text), "k0"), copy=False).distinct(copy=False)
        alias = f"p{i}"
        query = query.join(keys.from_(table_expression(parent.name), copy=False).subquery(alias, copy=False),
                           on=exp.EQ(this=ref.copy(), expression=exp.column("k0", table=alias)), join_type="left", copy=False)
        missing = exp.Is(this=exp.column("k0", table=alias), expression=exp.Null())
        projections.append(exp.alias_(exp.Count(this=_case(exp.and_(not_null.copy(), missing), exp.Literal.number(1))), f"orphans{i}"))
        projections.append(exp.alias_(count_distinct(_case(exp.Not(this=missing.copy()), ref.copy()), dialect, small), f"dm{i}"))
    return query.select(*projections, copy=False)


@lru_cache(maxsize=65536)
def _table_sql(name: str, dialect: str) -> str:
    return table_expression(name).sql(dialect=dialect)


@lru_cache(maxsize=65536)
def _identifier_sql(name: str, dialect: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect=dialect)


def _placeholder(role: str) -> str:
    return f"__datamodeler_{role}__"


def _stand_in_child(small: bool, row_count: int | None) -> Table:
    """A placeholder child that is sampled (``row_count``) and small exactly as the real one."""
    return Table(name=_placeholder("child"), row_count=row_count if row_count is not None else (1 if small else None))


@lru_cache(maxsize=512)
def _inclusion_template(dialect: str, columns: int, cast_text: bool, small: bool, row_count: int | None, sample_rows: int) -> str:
    child = _stand_in_child(small, row_count)
    parent = Table(name=_placeholder("parent"))
    rel = Relationship(child_table=child.name, child_columns=[_placeholder(f"c{i}") for i in range(columns)],
                       parent_table=parent.name, parent_columns=[_placeholder(f"p{i}") for i in range(columns)])
    return build_inclusion_query(rel, child, parent, dialect, sample_rows, cast_text).sql(dialect=dialect)


def _casts_to_text(rel: Relationship, child: Table, parent: Table) -> bool:
    """Some key pair compares only as text (an integer against a code)."""
    return any(types_compatible(_type(child, c), _type(parent, p)) == "castable" for c, p in zip(rel.child_columns, rel.parent_columns))


def build_inclusion_query(rel: Relationship, child: Table, parent: Table, dialect: str, sample_rows: int,
                          cast_text: bool | None = None) -> exp.Select:
    """The anti-join statement for one candidate (child sampled when it is large; parent keys all distinct)."""
    child_source, _ = row_source(child, dialect, sample_rows)
    ch = exp.select(exp.Star(), copy=False).from_(child_source, copy=False).subquery("ch", copy=False)
    cast_text = _casts_to_text(rel, child, parent) if cast_text is None else cast_text
    keys = [exp.alias_(_maybe_cast(column_expression(p), cast_text), f"k{i}") for i, p in enumerate(rel.parent_columns)]
    p = exp.select(*keys, copy=False).distinct(copy=False).from_(table_expression(parent.name), copy=False).subquery("p", copy=False)
    child_refs = [_maybe_cast(column_expression(c, "ch"), cast_text) for c in rel.child_columns]
    on = exp.and_(*[exp.EQ(this=ref.copy(), expression=exp.column(f"k{i}", table="p")) for i, ref in enumerate(child_refs)])
    not_null = exp.and_(*[exp.Not(this=exp.Is(this=ref.copy(), expression=exp.Null())) for ref in child_refs])
    missing = exp.Is(this=exp.column("k0", table="p"), expression=exp.Null())
    projections = [
        exp.alias_(exp.Count(this=exp.Star()), "n"),
        exp.alias_(exp.Count(this=_case(not_null, exp.Literal.number(1))), "nn"),
        exp.alias_(exp.Count(this=_case(exp.and_(not_null.copy(), missing), exp.Literal.number(1))), "orphans"),
    ]
    if len(child_refs) == 1:
        found = exp.Not(this=missing.copy())
        small = is_small(child) and not is_sampled(child, sample_rows)
        projections.append(exp.alias_(count_distinct(child_refs[0].copy(), dialect, small), "d"))
        projections.append(exp.alias_(count_distinct(_case(found, child_refs[0].copy()), dialect, small), "dm"))
    return exp.select(*projections, copy=False).from_(ch, copy=False).join(p, on=on, join_type="left", copy=False)


def _case(condition: exp.Expr, value: exp.Expr) -> exp.Case:
    return exp.Case(ifs=[exp.If(this=condition, true=value)])


def _maybe_cast(ref: exp.Expression, cast_text: bool) -> exp.Expression:
    return exp.cast(ref, exp.DataType.build("TEXT")) if cast_text else ref


def _type(table: Table, column: str) -> str:
    found = table.column(column)
    return found.type if found else ""


def _record(rel: Relationship, row: dict, sql: str, sampled: bool) -> None:
    rows, non_null, orphans = int(row["n"] or 0), int(row["nn"] or 0), int(row["orphans"] or 0)
    rel.null_rate = round(1 - non_null / rows, 4) if rows else None
    rel.orphan_rate = round(orphans / non_null, 4) if non_null else None
    if not non_null:
        rel.evidence.append(Evidence(kind="inclusion_empty", count=rows, detail="no non-null child values to check", sql=sql))
        return
    if "d" in row and row["d"]:
        distinct, matched = int(row["d"]), int(row["dm"] or 0)
        ratio, detail = matched / distinct, f"{matched} of {distinct} distinct values found"
    else:
        distinct, ratio, detail = non_null, 1 - orphans / non_null, f"{non_null - orphans} of {non_null} rows found"
    rel.evidence.append(Evidence(kind="inclusion", ratio=round(ratio, 4), count=distinct, sampled=sampled or None,
                                 detail=detail + (" (sample)" if sampled else ""), sql=sql))
