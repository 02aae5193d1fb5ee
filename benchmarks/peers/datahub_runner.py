"""DataHub's SQL parser (``acryl-datahub[sql-parser]``) on a list of statements; run by benchmarks/lineage.py.

    /tmp/peer-datahub/bin/python benchmarks/peers/datahub_runner.py INPUT.json > RESULT.json

INPUT.json: {"queries": [...], "catalog": {table: [column, ...]}, "dialect": "duckdb", "repeat": 3}.
The catalog is loaded into DataHub's ``SchemaResolver`` (the schema-aware path its ingestion uses); every
statement goes through ``sqlglot_lineage``. Its result cache is cleared before each run, so a repeat is
not a cache hit. Prints {"tool", "version", "seconds" (best run), "results": [{"tables", "edges"} | {"error"}]}.
"""

from __future__ import annotations

import json
import sys
import time
from importlib.metadata import version
from pathlib import Path

from datahub.emitter.mce_builder import make_dataset_urn
from datahub.metadata.urns import DatasetUrn
from datahub.sql_parsing import sqlglot_lineage as parser
from datahub.sql_parsing.schema_resolver import SchemaResolver


def table_name(urn: str) -> str:
    """``urn:li:dataset:(urn:li:dataPlatform:duckdb,main.store,PROD)`` -> ``store``."""
    return DatasetUrn.from_string(urn).name.split(".")[-1].lower()


def schema_resolver(catalog: dict[str, list[str]], dialect: str) -> SchemaResolver:
    """The catalog under lower-case names: unquoted names are case-insensitive in the dialect, as a crawled URN is."""
    resolver = SchemaResolver(platform=dialect)
    for table, columns in catalog.items():
        resolver.add_raw_schema_info(make_dataset_urn(dialect, table.lower()), {column.lower(): "varchar" for column in columns})
    return resolver


def summarise(result) -> dict:
    """Source tables and (source table.column, target column) pairs of one parse, or its error."""
    error = result.debug_info.table_error
    if error is not None:
        return {"error": f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"}
    edges = set()
    for info in result.column_lineage or []:
        for upstream in info.upstreams:
            edges.add((f"{table_name(upstream.table)}.{upstream.column.lower()}", info.downstream.column.lower()))
    column_error = result.debug_info.column_error
    return {
        "tables": sorted({table_name(u) for u in result.in_tables}),
        "edges": sorted(edges),
        "column_error": None if column_error is None else type(column_error).__name__,
    }


def run_once(queries: list[str], resolver: SchemaResolver, dialect: str) -> list[dict]:
    parser._sqlglot_lineage_cached.cache_clear()
    return [summarise(parser.sqlglot_lineage(q, schema_resolver=resolver, override_dialect=dialect)) for q in queries]


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    resolver = schema_resolver(spec["catalog"], spec["dialect"])
    best, results = float("inf"), []
    for _ in range(spec.get("repeat", 1)):
        began = time.perf_counter()
        results = run_once(spec["queries"], resolver, spec["dialect"])
        best = min(best, time.perf_counter() - began)
    tool = f"acryl-datahub {version('acryl-datahub')} (sqlglot {version('sqlglot')})"
    json.dump({"tool": tool, "seconds": best, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
