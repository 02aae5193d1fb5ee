"""F1 of recovered relationships on Chinook, Northwind and Sakila with their foreign keys (and PKs) dropped."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("bench_relationships", REPO / "benchmarks" / "relationships.py")
bench = importlib.util.module_from_spec(spec)
sys.modules["bench_relationships"] = bench  # dataclasses look their module up
spec.loader.exec_module(bench)


@pytest.mark.parametrize("name", ["chinook", "northwind", "sakila"])
@pytest.mark.parametrize("keep_primary_keys", [True, False])
def test_f1_on_sample_databases(datasets: Path, tmp_path: Path, name: str, keep_primary_keys: bool):
    folder = datasets / name
    if not (folder / "declared_fks.json").exists():
        pytest.skip(f"{folder} not present")
    ours, baseline, _ = bench.run_sample_database(folder, keep_primary_keys, tmp_path)
    assert ours.f1 >= 0.95, (ours.precision, ours.recall)
    assert ours.f1 > baseline.f1


def test_f1_on_spider_schemas(datasets: Path):
    path = datasets / "spider" / "tables.json"
    if not path.exists():
        pytest.skip("spider tables.json not present")
    ours, baseline = bench.run_spider(path)
    assert ours.f1 >= 0.85 and ours.f1 > baseline.f1 + 0.2
