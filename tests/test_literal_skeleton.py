"""The log's fast path: a statement found by its literal skeleton gets exactly the fingerprint the tokenizer gives.

``ShapeCollector`` tokenizes a statement only when its skeleton (or the values of the literals the tokenizer keeps
under it, such as ORDER BY ordinals) is new. Fingerprints are stored in model files, so the fast path must never
change one: every check here compares it with ``fingerprint_of(normalize_sql(statement))``.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from datamodeler.lineage.fingerprint import FingerprintError, fingerprint_of, literal_skeleton, normalize_sql
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


def _with_other_literals(sql: str, rng: random.Random) -> str:
    """The statement with its digits and the letters inside its '…' strings changed (same shape, other literals)."""
    sql = re.sub(r"'[a-zA-Z ]*'", lambda m: "'" + "".join(rng.choice("xyz w") for _ in range(rng.randint(0, 6))) + "'", sql)
    return re.sub(r"(?<![\w.])\d+(?![\w.])", lambda m: str(rng.randint(0, 999)), sql)


def _wrong_fingerprints(statements: list[str], dialect: str | None) -> list[str]:
    """Statements whose shape from the collector (fast path on) differs from what the tokenizer alone gives."""
    collector = ShapeCollector(dialect)
    wrong = []
    for sql in statements:
        shape = collector.add(LoggedQuery(text=sql))
        try:
            expected = fingerprint_of(normalize_sql(sql, dialect))
        except FingerprintError:
            continue
        if shape is not None and shape.failure is None and shape.fingerprint != expected:
            wrong.append(sql)
    return wrong


@pytest.mark.parametrize("dialect", [None, "duckdb", "postgres", "sqlite", "snowflake", "bigquery", "mysql", "tsql"])
def test_fast_path_fingerprints_equal_the_tokenizers(dialect: str | None) -> None:
    rng = random.Random(7)
    statements = _fixture_statements()
    assert len(statements) > 50
    varied = [_with_other_literals(sql, rng) for sql in statements for _ in range(3)]
    assert _wrong_fingerprints(statements + varied, dialect) == []


def test_ordinals_type_sizes_and_quoted_names_keep_shapes_apart() -> None:
    collector = ShapeCollector("duckdb")
    pairs = [("select a from t order by 1", "select a from t order by 2"),
             ("select a from t group by a, 1 limit 5, 2", "select a from t group by a, 2 limit 5, 2"),
             ("select cast(a as decimal(10, 2)) from t", "select cast(a as decimal(12, 2)) from t"),
             ("select cast(a as character varying(10)) from t", "select cast(a as character varying(20)) from t"),
             ('select "a1" from t', 'select "a2" from t'),
             ("select a from t order by a in (1, 2)", "select a from t order by a in (1, 3)")]
    for left, right in pairs:
        assert collector.add(LoggedQuery(text=left)) is not collector.add(LoggedQuery(text=right))
        assert collector.add(LoggedQuery(text=right)).fingerprint == fingerprint_of(normalize_sql(right, "duckdb"))


def test_what_one_pass_cannot_judge_goes_to_the_tokenizer() -> None:
    assert literal_skeleton("select $$a'b$$ from t", "postgres") is None  # dollar quoting
    assert literal_skeleton("select /*+ parallel(4) */ a from t") is None  # hint
    assert literal_skeleton("select E'x\\'y' from t where a = 1", "postgres") is None  # prefixed string
    assert literal_skeleton("select 'unterminated from t where a = 1") is None
    assert literal_skeleton("select a /* outer /* nested */ */ from t") is None


def test_comments_quoted_names_and_type_sizes_take_the_fast_path() -> None:
    left = literal_skeleton('-- run 1\nselect "Total" as "T", cast(x as decimal(7,2)) from t where d = 7 -- id=9\n')
    right = literal_skeleton('-- run 2\nselect "Total" as "T", cast(x as decimal(7,2)) from t where d = 8 -- id=10\n')
    assert left == right is not None
    assert literal_skeleton("select a from t where b = 1 # note", "mysql") == literal_skeleton("select a from t where b = 2 # other", "mysql")
    assert literal_skeleton("select a from t where b in (1, 2, 3)") == literal_skeleton("select a from t where b in (4, 5)")


def test_statements_differing_in_literals_share_a_skeleton() -> None:
    left = literal_skeleton("select a from t where b = 1 and c in ('x', 'y') and d >= '2024-01-01' limit 10")
    right = literal_skeleton("select a from t where b = 22 and c in ('z', 'w', 'v') and d >= '2025-02-02' limit 50")
    assert left == right is not None


@pytest.mark.slow  # exhaustive: runs in CI (DATAMODELER_SLOW=1), opt-in locally (--runslow)
@pytest.mark.shared
@pytest.mark.skipif(not (DATASETS / "spider" / "dev.json").exists(), reason="../shared/datasets absent")
def test_fast_path_on_spider_and_tpc_queries() -> None:
    statements = [item["query"] for item in json.loads((DATASETS / "spider" / "dev.json").read_text(encoding="utf-8"))]
    statements += [q.text for path in sorted((DATASETS / "tpc").rglob("*.sql")) for q in read_logs([path])]
    assert len(statements) > 1000
    rng = random.Random(11)
    statements += [_with_other_literals(sql, rng) for sql in statements]
    assert _wrong_fingerprints(statements, "sqlite") == []
    assert _wrong_fingerprints(statements, "duckdb") == []


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
    def __setitem__(self, key: str, value: object) -> None:
        pass
