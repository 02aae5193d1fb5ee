"""Table functions and dialect constructs: they parse, give lineage where it is defined, never crash a scan."""

from __future__ import annotations

import pytest

from datamodeler.lineage.catalog import CatalogIndex
from datamodeler.lineage.extract import StatementAnalyzer
from datamodeler.lineage.fingerprint import normalize_sql
from datamodeler.lineage.pipeline import build_lineage
from datamodeler.lineage.shapes import ShapeCollector
from datamodeler.model import Column, Table
from datamodeler.sources.base import LoggedQuery

TABLES = [Table(name=n, columns=[Column(name=c, type="int") for c in cols])
          for n, cols in {"public.a": ["id", "x", "tags"], "public.sales": ["region", "month", "amount"]}.items()]


@pytest.mark.parametrize(("sql", "edges"), [
    ("select d.day from generate_series(1, 10) as d(day)", set()),
    ("select d.day, a.x from a cross join generate_series(a.id, 10) as d(day)",
     {("public.a.id", "v.day", "derived"), ("public.a.x", "v.x", "direct")}),
    ("select a.id, t.tag from a, unnest(a.tags) as t(tag)", {("public.a.id", "v.id", "direct"), ("public.a.tags", "v.tag", "derived")}),
    ("select a.id, l.y from a cross join lateral (select b.amount as y from sales b where b.month = a.id) l",
     {("public.a.id", "v.id", "direct"), ("public.sales.amount", "v.y", "direct")}),
    ("select v.k, v.n from (values (1, 'a'), (2, 'b')) as v(k, n)", set()),
    ("select ct.region, ct.jan from crosstab('select region, month, amount from sales') as ct(region text, jan numeric)", set()),
])
def test_table_functions_give_lineage_where_defined(sql: str, edges: set) -> None:
    analyzer = StatementAnalyzer(CatalogIndex.from_tables(TABLES, "postgres"), "postgres")
    result = analyzer.analyze(normalize_sql(f"create view v as {sql}", "postgres"))
    assert result.failure is None
    assert {e for e in result.edges if e[2] != "table"} == edges


def test_an_internal_error_is_a_counted_failure_with_reason_internal(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self, query):  # stands for a bug in the tracer (an IndexError like sqlglot raised on table functions)
        raise IndexError("list index out of range")

    monkeypatch.setattr("datamodeler.lineage.trace.ScopeTracer.facts", broken)
    collector = ShapeCollector("postgres")
    collector.add(LoggedQuery(text="select x from a"))
    stats = build_lineage(TABLES, collector, "postgres", workers=1).queries
    assert stats.failures_by_reason == {"internal": 1}
    assert stats.failures[0].error == "IndexError: list index out of range"
