"""The log's fast path: a statement's literal skeleton normalises exactly like the statement itself.

``ShapeCollector`` tokenizes a statement only when its skeleton is new, so equal skeletons must mean equal
normalised text. The invariant checked here, ``normalize_sql(skeleton) == normalize_sql(statement)``, implies it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datamodeler.lineage.fingerprint import literal_skeleton, normalize_sql
from datamodeler.lineage.shapes import ShapeCollector
from datamodeler.querylog import read_logs
from datamodeler.sources.base import LoggedQuery

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"

TRICKY = [
    "select * from t where id = 42 and name in ('a', 'b')",
    "SELECT a FROM t WHERE x IN (1, 2, 3) AND y >= 10.5 ORDER BY 2 LIMIT 10",
    "select a, count(*) from t group by 1 having count(*) > 1 order by 2 desc limit 5 offset 10",
    "select cast(x as decimal(10, 2)) from t where d = DATE '2024-01-01' and s = 'it''s'",
    "select date(created_at + 1) from t where a = 1",
    "select x in (1, 'a') from t group by x in (1, 2)",
    "select * from t order by case when a in (1, 2) then 1 else 2 end",
    "select * from t where a between 1 and 5 or b <> -3 and c != 1e-5 and d = .5",
    "select * from t where a = E'x\\'y'",
    "select \"col 1\" from t where b = 2",
    "select a from t -- 5\nwhere b = 3",
    "select a from t where b = $1 and c = ?",
    "insert into t values (1, 'a'), (2, 'b')",
    "select * from t limit 10, 20",
    "select a from t union (select 1 from u where b = 2)",
    "select varchar(3), a from t where b = 1",
    "select x::decimal(10, 2) from t where y = 7",
    "select a from t where b in ('x') and c in (1)",
    "select a from t where name = 'ends with quote''' and z = 1",
    "select 'unterminated from t where a = 1",
]


def _fixture_statements() -> list[str]:
    statements = list(TRICKY)
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*")):
        if path.suffix in (".sql", ".jsonl", ".csv"):
            try:
                statements.extend(q.text for q in read_logs([path]))
            except Exception:  # noqa: BLE001 - fixtures of bad input are not this test's subject
                continue
    for path in sorted((ROOT / "examples").rglob("*.sql")):
        statements.extend(q.text for q in read_logs([path]))
    return statements


def _invariant_holds(sql: str, dialect: str | None) -> bool:
    skeleton = literal_skeleton(sql, dialect)
    if skeleton is None:
        return True
    try:
        expected = normalize_sql(sql, dialect)
    except Exception:  # noqa: BLE001 - untokenizable statements are never memoised
        return True
    return normalize_sql(skeleton, dialect) == expected


@pytest.mark.parametrize("dialect", [None, "duckdb", "postgres", "sqlite", "snowflake", "bigquery"])
def test_skeletons_normalise_like_their_statements(dialect: str | None) -> None:
    statements = _fixture_statements()
    assert len(statements) > 50
    broken = [sql for sql in statements if not _invariant_holds(sql, dialect)]
    assert broken == []


def test_ordinals_type_sizes_and_quoted_names_stay_apart() -> None:
    assert literal_skeleton("select a from t order by 1") != literal_skeleton("select a from t order by 2")
    assert literal_skeleton("select cast(a as decimal(10, 2)) from t") is None  # type sizes: left to the tokenizer
    assert literal_skeleton('select "a1" from t') is None
    assert literal_skeleton("select date(a + 1) from t") is None


def test_statements_differing_in_literals_share_a_skeleton() -> None:
    left = literal_skeleton("select a from t where b = 1 and c in ('x', 'y') and d >= '2024-01-01' limit 10")
    right = literal_skeleton("select a from t where b = 22 and c in ('z', 'w', 'v') and d >= '2025-02-02' limit 50")
    assert left == right is not None


@pytest.mark.shared
@pytest.mark.skipif(not (DATASETS / "spider" / "dev.json").exists(), reason="../shared/datasets absent")
def test_skeletons_on_spider_and_tpc_queries() -> None:
    statements = [item["query"] for item in json.loads((DATASETS / "spider" / "dev.json").read_text(encoding="utf-8"))]
    statements += [q.text for path in sorted((DATASETS / "tpc").rglob("*.sql")) for q in read_logs([path])]
    assert len(statements) > 1000
    assert [sql for sql in statements if not _invariant_holds(sql, "sqlite")] == []
    assert [sql for sql in statements if not _invariant_holds(sql, "duckdb")] == []


def test_collector_counts_match_with_and_without_the_fast_path() -> None:
    statements = _fixture_statements() * 2
    fast, slow = ShapeCollector("duckdb"), ShapeCollector("duckdb")
    slow._skeletons = _NeverRemembers()
    for sql in statements:
        fast.add(LoggedQuery(text=sql))
        slow.add(LoggedQuery(text=sql))
    assert {k: (v.sql, v.count) for k, v in fast.shapes.items()} == {k: (v.sql, v.count) for k, v in slow.shapes.items()}
    assert fast.total == slow.total


class _NeverRemembers(dict):
    def __setitem__(self, key: str, value: str) -> None:
        pass



