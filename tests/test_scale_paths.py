"""Fast paths added for 10,000-table warehouses give exactly what the slow, obvious code gives."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest

from datamodeler.discovery.keys import infer_primary_keys
from datamodeler.discovery.proposers import naming
from datamodeler.model import Column, DataModel, SourceInfo, Table
from datamodeler.profile import count_distinct

ROOT = Path(__file__).resolve().parents[1]
SPIDER = ROOT.parent / "shared" / "datasets" / "spider" / "tables.json"


def _brute_force_naming(model: DataModel) -> list[tuple]:
    """The naming proposer with no index: every column against every key (same rules as ``naming.propose``)."""
    keys = naming.parent_keys(model)
    built = {e.target.lower().rpartition(".")[0] if e.kind != "table" else e.target.lower() for e in model.lineage}
    found = naming.propose_subtype_names(model, keys)
    keyed = naming.keyed_alike(model)
    for table in model.tables:
        if table.kind != "table":
            continue
        derived, prefix = table.name.lower() in built, naming.column_prefix(c.name for c in table.columns)
        for column in table.columns:
            if naming._is_own_key(table, column):
                continue
            for key in keys:
                if key.table is table:
                    continue
                match = naming.match_name(column, prefix, key, table.primary_key, derived)
                if match and naming._twin_keys(table, column, key, match[0]):
                    if naming.keyed_by_convention(table, column, keyed):
                        continue
                    match = "twin_key", "twin keys"
                if match and naming.types_compatible(column.type, key.column.type) != "incompatible":
                    found.append(naming._candidate(table, column, key, *match))
    return [(r.id, r.evidence[0].strategy, r.evidence[0].strength) for r in found]


def _indexed_naming(model: DataModel) -> list[tuple]:
    return [(r.id, r.evidence[0].strategy, r.evidence[0].strength) for r in naming.propose(model)]


def test_key_index_finds_what_the_full_comparison_finds() -> None:
    tables = [
        Table(name="s.customers", primary_key=["id"], columns=[Column(name=n, type="int") for n in ("id", "name", "staff_id")]),
        Table(name="s.Orders", primary_key=["OrderID"], columns=[Column(name=n, type="int") for n in ("OrderID", "CustomerId", "ShipVia", "EmployeeID2")]),
        Table(name="s.dim_product", primary_key=["product_key"], columns=[Column(name=n, type="int") for n in ("product_key", "label")]),
        Table(name="s.order_lines", columns=[Column(name=n, type="int") for n in ("order_id", "product_key", "line_no", "original_language_id")]),
        Table(name="s.staff", primary_key=["staff_id"], columns=[Column(name=n, type="int") for n in ("staff_id", "manager_staff_id")]),
        Table(name="s.Shippers", primary_key=["ShipperID"], columns=[Column(name=n, type="int") for n in ("ShipperID", "CompanyName")]),
        Table(name="s.payments", primary_key=["payment_id"], columns=[Column(name=n, type="int") for n in ("payment_id", "customer_id", "payments")]),
        Table(name="s.film", primary_key=["film_id"], columns=[Column(name=n, type="int") for n in ("film_id", "language_id")]),
        Table(name="s.film_text", primary_key=["film_id"], columns=[Column(name=n, type="int") for n in ("film_id", "title")]),
        Table(name="s.language", primary_key=["language_id"], columns=[Column(name=n, type="int") for n in ("language_id", "name")]),
    ]
    model = DataModel(source=SourceInfo(url="x", dialect="duckdb", scanned_at="t"), tables=tables)
    assert _indexed_naming(model) == _brute_force_naming(model) != []


@pytest.mark.slow  # exhaustive: runs in CI (DATAMODELER_SLOW=1), opt-in locally (--runslow)
@pytest.mark.shared
@pytest.mark.skipif(not SPIDER.exists(), reason="../shared/datasets absent")
def test_key_index_matches_the_full_comparison_on_spider() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from spider import spider_model

    for db in json.loads(SPIDER.read_text()):
        model = spider_model(db)
        infer_primary_keys(None, model.tables, None)
        assert _indexed_naming(model) == _brute_force_naming(model), db["db_id"]


def test_small_table_distinct_counts_equal_count_distinct() -> None:
    from sqlglot import exp

    conn = duckdb.connect()
    conn.execute("CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a'), (1, NULL), (2, 'b'), (NULL, 'b')) v(x, y)")
    conn.execute("CREATE TABLE e (x INTEGER)")
    for table in ("t", "e"):
        for column in ("x",) + (("y",) if table == "t" else ()):
            ref = exp.column(column)
            fast = exp.select(count_distinct(ref, "duckdb", small=True)).from_(table).sql("duckdb")
            slow = exp.select(count_distinct(ref, "duckdb", small=False)).from_(table).sql("duckdb")
            assert "LIST_DISTINCT" in fast and "DISTINCT" in slow
            assert conn.execute(fast).fetchone() == conn.execute(slow).fetchone()


def test_shape_list_is_capped_keeping_writes_cited_and_most_run_shapes() -> None:
    from datamodeler.lineage.evidence import ShapeOutcome, query_stats
    from datamodeler.lineage.shapes import Shape

    shapes = [Shape("a", "select 1", count=5), Shape("b", "select 2", count=50), Shape("c", "create table x as select 3", count=1),
              Shape("d", "select 4", count=2), Shape("e", "select 5", count=9)]
    results = {s.fingerprint: ShapeOutcome(kind="create_table_as" if s.fingerprint == "c" else "select") for s in shapes}
    stats = query_stats(shapes, results, total=67, keep={"d"}, max_shapes=3)
    assert [s.fingerprint for s in stats.shapes] == ["c", "d", "b"]
    assert (stats.distinct, stats.parsed, stats.omitted_shapes, stats.omitted_executions) == (5, 5, 2, 14)


def test_a_key_name_shared_by_many_tables_proposes_parents_in_the_same_schema_only() -> None:
    tables = [Table(name=f"s{n % 3}.events_{n}", primary_key=["event_id"], columns=[Column(name="event_id", type="int")])
              for n in range(naming.KeyIndex.MAX_KEYS_PER_NAME + 10)]
    tables.append(Table(name="s1.audit", columns=[Column(name="event_id", type="int"), Column(name="note", type="text")]))
    model = DataModel(source=SourceInfo(url="x", dialect="duckdb", scanned_at="t"), tables=tables)
    parents = {r.parent_table for r in naming.propose(model) if r.child_table == "s1.audit"}
    assert parents and all(p.startswith("s1.") for p in parents)


def _shared_key_work(tmp_path: Path, tables: int) -> tuple[int, int, int]:
    """(keys the naming index hands to match_name, candidate pairs, inclusion statements) on the shared-key shape."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from datamodeler.discovery.proposers import propose_all
    from datamodeler.discovery.relationships import verify_candidates
    from datamodeler.discovery.verifiers import VerifyContext
    from datamodeler.profile import Budget
    from datamodeler.sources import CatalogFilter, open_source

    from scale import build_shape_warehouse, shape_tables

    path = tmp_path / f"shared_{tables}.db"
    build_shape_warehouse(path, shape_tables("shared_key", tables), rows=5)
    source = open_source(f"sqlite:///{path}")
    model = DataModel(source=SourceInfo(url="x", dialect="sqlite", scanned_at="t"), tables=source.catalog(CatalogFilter()))
    index = naming.KeyIndex(naming.parent_keys(model))
    met = sum(len(index.candidates(c, None, t.schema_name)) for t in model.tables for c in t.columns if not naming._is_own_key(t, c))
    candidates = propose_all(model)
    verify_candidates(candidates, VerifyContext(model=model, source=source, budget=Budget(600, 30)))
    source.close()
    statements = sum(1 for c in candidates for e in c.evidence if e.kind in ("inclusion", "inclusion_empty", "inclusion_skipped"))
    return met, len(candidates), statements


@pytest.mark.slow  # exhaustive: runs in CI (DATAMODELER_SLOW=1), opt-in locally (--runslow)
def test_work_grows_linearly_when_every_table_shares_the_key_name(tmp_path: Path) -> None:
    """Every table keyed ``id`` with ``t<k//2>_id``: each column meets a bounded handful of keys (not all of them), and
    the warehouse runs a bounded few inclusion statements per reference, though ``t100_id`` also names ``t1000``…``t1009``."""
    small, large = _shared_key_work(tmp_path, 400), _shared_key_work(tmp_path, 1600)
    assert large[1] > 4.4 * small[1]  # candidate pairs grow faster (table-name prefixes) ...
    # ... but statements stay a bounded few per reference column (the strongest few of each are always measured)
    assert 399 <= small[2] <= 3 * 399 and 1599 <= large[2] <= 3 * 1599
    assert small[0] < 2 * 400 and large[0] < 2 * 1600  # keys met per column stay a handful (every key: 1,600 each)


def test_stems_elsewhere_answers_like_the_union_of_every_other_tables_stems() -> None:
    """Key inference asks, per table, whether a word names another table: a counted membership test answers as
    uniting every other table's stems would (that union per table was quadratic in the table count)."""
    from collections import Counter

    from datamodeler.discovery.keys import StemsElsewhere

    stems = {1: {"order", "orders"}, 2: {"customer"}, 3: {"customer", "client"}, 4: set()}
    counted = Counter(stem for own in stems.values() for stem in own)
    for table, own in stems.items():
        union = set().union(*(v for k, v in stems.items() if k != table))
        elsewhere = StemsElsewhere(counted, own)
        assert {w for w in ("order", "orders", "customer", "client", "nothing") if w in elsewhere} == union


def test_tables_keyed_alike_by_convention_are_not_paired_as_twins() -> None:
    """Dozens of tables in one schema keyed by one name (every fact keyed ``event_id``) are siblings by convention:
    pairing them as possible subtypes made k² candidates per schema (22,821 for 2,000 tables, 90 % of them rejected).
    A small family still is paired, its subset decided on the data."""
    def model(count: int) -> DataModel:
        tables = [Table(name=f"s.events_{n:02d}", primary_key=["event_id"], columns=[Column(name="event_id", type="int")])
                  for n in range(count)]
        return DataModel(source=SourceInfo(url="x", dialect="duckdb", scanned_at="t"), tables=tables)

    many = [r for r in naming.propose(model(naming.MAX_TWINS + 4)) if r.child_columns == ["event_id"]]
    few = [r for r in naming.propose(model(3)) if r.child_columns == ["event_id"]]
    assert many == []
    assert few and all(any(e.strategy == "twin_key" for e in r.evidence) for r in few)
