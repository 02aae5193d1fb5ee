"""Every TPC-H, TPC-DS and Spider dev gold query parses, qualifies and yields lineage against its schema."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from datamodeler.lineage.catalog import CatalogIndex
from datamodeler.lineage.extract import StatementAnalyzer
from datamodeler.lineage.fingerprint import normalize_sql
from datamodeler.model import Column, Table


def tables_from_ddl(path: Path, dialect: str) -> list[Table]:
    """Catalog records from a file of CREATE TABLE statements."""
    tables = []
    for statement in sqlglot.parse(path.read_text(), read=dialect):
        if isinstance(statement, exp.Create) and isinstance(statement.this, exp.Schema):
            columns = [Column(name=c.name, type="unknown") for c in statement.this.expressions if isinstance(c, exp.ColumnDef)]
            tables.append(Table(name=statement.this.this.name, columns=columns))
    return tables


def _check_all(analyzer: StatementAnalyzer, queries: list[tuple[str, str]], dialect: str) -> None:
    failures = []
    for name, sql in queries:
        result = analyzer.analyze("create table lineage_probe as " + normalize_sql(sql, dialect))
        # a count(*)-only query has no column edges, but its joins and filters still show as column usage
        if result.failure or not result.reads or not result.usage:
            failures.append((name, result.failure))
    assert failures == []


@pytest.mark.parametrize(("suite", "ddl", "count"), [("tpch", "dss.ddl.sql", 22), ("tpcds", "tpcds.sql", 99)])
def test_tpc_queries_all_yield_lineage(datasets: Path, suite: str, ddl: str, count: int) -> None:
    folder = datasets / "tpc" / suite
    queries = [(p.name, p.read_text()) for p in sorted((folder / "queries").glob("*.sql"))]
    assert len(queries) == count
    _check_all(StatementAnalyzer(CatalogIndex.from_tables(tables_from_ddl(folder / ddl, "duckdb")), "duckdb"), queries, "duckdb")


def spider_catalogs(path: Path) -> dict[str, list[Table]]:
    catalogs = {}
    for database in json.loads(path.read_text()):
        columns = defaultdict(list)
        for table_index, name in database["column_names_original"]:
            if table_index >= 0:
                columns[table_index].append(Column(name=name, type="unknown"))
        catalogs[database["db_id"]] = [Table(name=n, columns=columns[i]) for i, n in enumerate(database["table_names_original"])]
    return catalogs


@pytest.mark.slow  # exhaustive: runs in CI (DATAMODELER_SLOW=1), opt-in locally (--runslow)
def test_spider_dev_gold_queries_all_parse_and_qualify(datasets: Path) -> None:
    folder = datasets / "spider"
    catalogs = spider_catalogs(folder / "tables.json")
    analyzers = {db: StatementAnalyzer(CatalogIndex.from_tables(tables), "sqlite") for db, tables in catalogs.items()}
    examples = json.loads((folder / "dev.json").read_text())
    assert len(examples) == 1034
    failures = [(e["query"], r.failure) for e in examples
                if (r := analyzers[e["db_id"]].analyze(normalize_sql(e["query"], "sqlite"))).failure or not r.reads]
    assert failures == []
