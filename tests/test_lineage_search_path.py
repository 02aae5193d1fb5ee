"""Unqualified names resolve through the source's own default schema / search path, as the warehouse would."""

from __future__ import annotations

from pathlib import Path

import duckdb

from datamodeler.lineage.pipeline import build_lineage
from datamodeler.lineage.shapes import ShapeCollector
from datamodeler.model import Column, Table
from datamodeler.scan import ScanOptions, run_scan
from datamodeler.sources.base import LoggedQuery
from datamodeler.sources.duckdb import DuckDBSource

SETUP = """
CREATE SCHEMA staging;
CREATE SCHEMA mart;
CREATE TABLE public.customer (id int, name text);
CREATE TABLE staging.customer (id int, name text, segment text);
CREATE TABLE mart.report (name text)
"""


def _column_sources(model, target: str) -> set[str]:
    return {e.source for e in model.lineage if e.target == target}


def test_postgres_search_path_picks_the_schema_the_warehouse_would(pg_database, tmp_path: Path) -> None:
    pg_database.run(SETUP)
    name = pg_database.url.rsplit("/", 1)[1]
    pg_database.run(f'ALTER DATABASE "{name}" SET search_path = staging, public')
    log = tmp_path / "etl.sql"
    log.write_text("INSERT INTO mart.report (name) SELECT c.name FROM customer c WHERE c.id > 10;\n")
    model, _ = run_scan(ScanOptions(url=pg_database.url, query_logs=[str(log)], out=tmp_path / "m.json", use_llm=False))
    assert _column_sources(model, "mart.report.name") == {"staging.customer.name"}
    assert model.queries.partial == 0


def test_postgres_default_search_path_keeps_public(pg_database, tmp_path: Path) -> None:
    pg_database.run(SETUP)
    log = tmp_path / "etl.sql"
    log.write_text("INSERT INTO mart.report (name) SELECT c.name FROM customer c;\n")
    model, _ = run_scan(ScanOptions(url=pg_database.url, query_logs=[str(log)], out=tmp_path / "m.json", use_llm=False))
    assert _column_sources(model, "mart.report.name") == {"public.customer.name"}


def test_duckdb_source_reports_its_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    source = DuckDBSource(f"duckdb:///{path}")
    try:
        assert source.default_schemas() == ["main"]
    finally:
        source.close()


def test_given_default_schemas_override_the_dialects_usual_one() -> None:
    tables = [Table(name=f"{schema}.customer", columns=[Column(name="name", type="text")]) for schema in ("public", "staging")]
    tables.append(Table(name="mart.report", columns=[Column(name="name", type="text")]))
    collector = ShapeCollector("postgres")
    collector.add(LoggedQuery("insert into mart.report select name from customer"))
    sources = {schemas: {e.source for e in build_lineage(tables, collector, "postgres", workers=1, default_schemas=schemas).lineage
                         if e.target == "mart.report.name"}
               for schemas in (None, ("Staging", "public"), ("elsewhere",))}
    assert sources == {None: {"public.customer.name"}, ("Staging", "public"): {"staging.customer.name"},
                       ("elsewhere",): set()}  # on neither schema's path: the warehouse would refuse it, so no guess
