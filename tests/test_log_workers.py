"""Reading a log on several cores gives the same shapes, counts, users and time range as reading it in one."""

from __future__ import annotations

import random

from datamodeler.lineage import logworkers
from datamodeler.lineage.logworkers import collect_shapes
from datamodeler.lineage.shapes import ShapeCollector
from datamodeler.sources.base import LoggedQuery

SHAPES = [
    "select a, b from t where id = {n} and name = '{s}'",
    "select count(*) from orders o join customers c on o.cid = c.id where c.region in ('{s}', 'x') group by 1 order by 1",
    "insert into mart select * from staging where day = '{s}' limit {n}",
    "select cast(x as decimal(10, 2)) from t -- run {n}\nwhere y > {n}",
    "select 'unterminated {s} from t",
]


def _log(count: int) -> list[LoggedQuery]:
    rng = random.Random(5)
    return [LoggedQuery(text=rng.choice(SHAPES).format(n=rng.randint(0, 99), s=rng.choice("abcdef")),
                        user=f"u{rng.randint(1, 3)}", start_time=f"2024-01-{rng.randint(10, 28)}") for _ in range(count)]


def _summary(collector: ShapeCollector) -> dict[str, tuple]:
    return {k: (s.sql, s.count, frozenset(s.users), s.first_seen, s.last_seen, s.first_position, s.last_position)
            for k, s in collector.shapes.items()}


def test_two_workers_count_like_one(monkeypatch) -> None:
    monkeypatch.setattr(logworkers, "SERIAL_STATEMENTS", 500)
    monkeypatch.setattr(logworkers, "BATCH_STATEMENTS", 300)
    queries = _log(4_000)
    one, two = ShapeCollector("duckdb"), ShapeCollector("duckdb")
    collect_shapes(queries, one, workers=1)
    advanced: list[int] = []
    collect_shapes(iter(queries), two, workers=2, on_done=advanced.append)
    assert _summary(one) == _summary(two)
    assert one.total == two.total == sum(advanced) == 4_000
    assert any(s.failure for s in two.shapes.values())  # the unterminated one, counted as a failure in a worker too
