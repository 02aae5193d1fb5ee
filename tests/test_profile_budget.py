"""Profiling stays inside its time budget and says in one line what it left out."""

from __future__ import annotations

import sqlite3

from datamodeler.profile import Budget, profile_tables
from datamodeler.sources import CatalogFilter, open_source


def make_warehouse(path, n_tables=30):
    conn = sqlite3.connect(path)
    for i in range(n_tables):
        conn.execute(f"CREATE TABLE t{i:02d} (id INTEGER PRIMARY KEY, code TEXT)")
        conn.executemany(f"INSERT INTO t{i:02d} VALUES (?, ?)", [(n, f"c{n % 3}") for n in range(i + 1)])
    conn.commit()
    conn.close()


def test_spent_budget_gives_one_summary_note(tmp_path):
    make_warehouse(tmp_path / "w.db")
    source = open_source(f"sqlite:///{tmp_path / 'w.db'}")
    tables = source.catalog(CatalogFilter())
    notes = profile_tables(source, tables, 1000, Budget(total_s=0.0, statement_s=5))
    assert len(notes) == 1
    assert "30 of 30 tables not profiled" in notes[0] and "profile_budget_s" in notes[0]
    assert all(c.profile is None for t in tables for c in t.columns)


def test_every_table_profiled_within_budget_and_reported(tmp_path):
    make_warehouse(tmp_path / "w.db")
    source = open_source(f"sqlite:///{tmp_path / 'w.db'}")
    tables = source.catalog(CatalogFilter())
    seen = []
    notes = profile_tables(source, tables, 1000, Budget(total_s=60, statement_s=5), on_table=lambda: seen.append(1))
    assert notes == [] and len(seen) == 30
    t05 = next(t for t in tables if t.name == "t05")
    assert t05.column("code").profile.distinct_count == 3
    assert t05.column("id").profile.null_count == 0
