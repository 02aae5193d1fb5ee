"""OpenMetadata's SQL lineage parser (``collate-sqllineage``) on a list of statements; run by benchmarks/lineage.py.

    /tmp/peer-om/bin/python benchmarks/peers/openmetadata_runner.py INPUT.json > RESULT.json

INPUT.json: {"queries": [...], "catalog": {table: [column, ...]}, "dialect": "duckdb", "repeat": 1}.
Each statement goes through the fallback order of OpenMetadata's ``LineageParser``
(ingestion/lineage/parser.py): the sqlglot analyzer, then sqlfluff, then sqlparse; the first whose
``get_column_lineage()`` finishes without an exception is kept, and a column path is reduced to its two
ends as OpenMetadata does. The parser takes no schema; as OpenMetadata's ``sql_lineage`` does when it
resolves names against its catalog, a source column the catalog does not have on that table is dropped. Prints {"tool", "seconds" (best run), "results": [{"tables", "edges", "parser"} | {"error"}]}.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import warnings
from importlib.metadata import version
from pathlib import Path

from collate_sqllineage import SQLPARSE_DIALECT
from collate_sqllineage.core.parser.sqlfluff.analyzer import SqlFluffLineageAnalyzer
from collate_sqllineage.core.parser.sqlglot.analyzer import SqlGlotLineageAnalyzer
from collate_sqllineage.core.parser.sqlparse.analyzer import SqlParseLineageAnalyzer
from collate_sqllineage.runner import LineageRunner

ANALYZERS = (("sqlglot", SqlGlotLineageAnalyzer), ("sqlfluff", SqlFluffLineageAnalyzer), ("sqlparse", SqlParseLineageAnalyzer))


def column_name(column) -> str:
    """``table.column`` of a source column (the bare column when the parser could not place it)."""
    parent = getattr(column.parent, "raw_name", None) if column.parent is not None else None
    name = column.raw_name.lower()
    return f"{parent.split('.')[-1].lower()}.{name}" if parent else name


def known_edges(paths, catalog: dict[str, set[str]]) -> set[tuple[str, str]]:
    """End-to-end pairs whose source column exists on its table in the catalog (OpenMetadata's name resolution)."""
    known = set()
    for path in paths:
        table, _, column = column_name(path[0]).rpartition(".")
        if column in catalog.get(table, ()):
            known.add((f"{table}.{column}", path[-1].raw_name.lower()))
    return known


def analyse(query: str, dialect: str, catalog: dict[str, set[str]]) -> dict:
    """The first analyzer in OpenMetadata's order that finishes; its source tables and end-to-end column pairs."""
    errors = []
    for label, analyzer in ANALYZERS:
        try:
            runner = LineageRunner(query, dialect=SQLPARSE_DIALECT if label == "sqlparse" else dialect, analyzer=analyzer)
            paths = runner.get_column_lineage()
            tables = sorted({str(t.raw_name).split(".")[-1].lower() for t in runner.source_tables})
        except Exception as error:  # noqa: BLE001 - OpenMetadata falls back on any exception; so do we
            errors.append(f"{label}: {type(error).__name__}")
            continue
        edges = sorted({(column_name(p[0]), p[-1].raw_name.lower()) for p in paths} & known_edges(paths, catalog))
        return {"tables": tables, "edges": edges, "parser": label}
    return {"error": "; ".join(errors)}


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    logging.disable(logging.CRITICAL)
    warnings.filterwarnings("ignore")
    catalog = {table.lower(): {c.lower() for c in columns} for table, columns in spec.get("catalog", {}).items()}
    best, results = float("inf"), []
    for _ in range(spec.get("repeat", 1)):
        began = time.perf_counter()
        results = [analyse(q, spec["dialect"], catalog) for q in spec["queries"]]
        best = min(best, time.perf_counter() - began)
    tool = (
        f"collate-sqllineage {version('collate-sqllineage')} (collate-sqlfluff {version('collate-sqlfluff')}, sqlglot {version('sqlglot')})"
    )
    json.dump({"tool": tool, "seconds": best, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
