"""Column-lineage throughput on the TPC-H and TPC-DS query logs: datamodeler vs sqllineage vs sqlglot parse+qualify.

    python benchmarks/lineage.py [--datasets ../shared/datasets] [--repeat 3] [--sqllineage-dialect ansi]
    python benchmarks/lineage.py --giant-statement-mb 1024     # peak memory reading a log that is one statement
    python benchmarks/lineage.py --log-statements 1000000 --workers 1,2   # reading + fingerprinting a TPC-DS log

Every tool gets the same statements (``INSERT INTO lineage_probe <query>``, so that column lineage has a
target) and the same schema where it takes one; each runs on one core. The sqlglot floor is parse + qualify
alone, without any lineage extraction; datamodeler includes fingerprinting, parse, qualify and the trace.
"""

from __future__ import annotations

import argparse
import platform
import random
import re
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datamodeler.lineage.catalog import CatalogIndex  # noqa: E402
from datamodeler.lineage.extract import StatementAnalyzer  # noqa: E402
from datamodeler.lineage.fingerprint import normalize_sql  # noqa: E402
from datamodeler.model import Column, Table  # noqa: E402

DIALECT = "duckdb"
SUITES = {"TPC-H": ("tpch", "dss.ddl.sql"), "TPC-DS": ("tpcds", "tpcds.sql")}


def load_suite(datasets: Path, folder: str, ddl: str) -> tuple[list[Table], list[str]]:
    """The suite's catalog (from its DDL) and its queries wrapped as INSERT … SELECT."""
    base = datasets / "tpc" / folder
    tables = []
    for statement in sqlglot.parse((base / ddl).read_text(), read=DIALECT):
        if isinstance(statement, exp.Create) and isinstance(statement.this, exp.Schema):
            columns = [Column(name=c.name, type="unknown") for c in statement.this.expressions if isinstance(c, exp.ColumnDef)]
            tables.append(Table(name=statement.this.this.name, columns=columns))
    queries = ["insert into lineage_probe " + p.read_text().strip().rstrip(";") for p in sorted((base / "queries").glob("*.sql"))]
    return tables, queries


def run_datamodeler(tables: list[Table], queries: list[str]) -> int:
    analyzer = StatementAnalyzer(CatalogIndex.from_tables(tables), DIALECT)
    return sum(analyzer.analyze(normalize_sql(q, DIALECT)).failure is None for q in queries)


def run_sqlglot_floor(tables: list[Table], queries: list[str]) -> int:
    schema = StatementAnalyzer(CatalogIndex.from_tables(tables), DIALECT).schema
    done = 0
    for query in queries:
        try:
            statement = sqlglot.parse_one(query, read=DIALECT)
            qualify(statement.expression, dialect=DIALECT, schema=schema)
            done += 1
        except sqlglot.errors.SqlglotError:
            pass
    return done


def run_sqllineage(dialect: str) -> Callable[[list[Table], list[str]], int]:
    def run(tables: list[Table], queries: list[str]) -> int:
        from sqllineage.runner import LineageRunner

        done = 0
        for query in queries:
            try:
                LineageRunner(query, dialect=dialect).get_column_lineage()
                done += 1
            except Exception:  # noqa: BLE001 - count what sqllineage cannot handle, keep timing the rest
                pass
        return done

    return run


def measure(run: Callable[[list[Table], list[str]], int], tables: list[Table], queries: list[str], repeat: int) -> tuple[float, int]:
    """Best wall time of ``repeat`` runs and the statements handled."""
    best, done = float("inf"), 0
    for _ in range(repeat):
        began = time.perf_counter()
        done = run(tables, queries)
        best = min(best, time.perf_counter() - began)
    return best, done


def giant_statement(megabytes: int) -> None:
    """Stream a log holding one statement of ``megabytes`` MB (no ``;``) through the reader and shape collector."""
    import resource
    import tempfile

    from datamodeler.lineage.shapes import ShapeCollector
    from datamodeler.querylog import read_logs

    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "giant.sql"
        line = "select " + "x + " * 16_000 + "1\n"  # 64 KB lines; one statement, never ended by ';'
        with log.open("w") as out:
            for _ in range(megabytes * 1024 * 1024 // len(line)):
                out.write(line)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        collector = ShapeCollector(DIALECT)
        for query in read_logs([log]):
            collector.add(query)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        failures = sorted({s.failure[0] for s in collector.shapes.values() if s.failure})
        print(f"log of {log.stat().st_size / 2**20:.0f} MiB, one statement: read in {seconds:.1f}s, "
              f"peak RSS {peak:.0f} MiB (before reading {before:.0f} MiB), statements {collector.total}, failures {failures}")


def vary_literals(query: str, rng: random.Random) -> str:
    """The query with other string contents and other numbers after comparisons (the same shape, as a log has it)."""
    query = re.sub(r"'[^']*'", lambda m: "'" + "".join(rng.choice("abcdefgh") for _ in range(rng.randint(1, 9))) + "'", query)
    return re.sub(r"(?<=[=<>] )\d+\b", lambda m: str(rng.randint(1, 3000)), query)


def log_throughput(datasets: Path, statements: int, worker_counts: list[int]) -> None:
    """Write a .sql log of the TPC-DS queries repeated with varied literals; time reading + fingerprinting it."""
    import tempfile

    from datamodeler.lineage.logworkers import collect_shapes
    from datamodeler.lineage.shapes import ShapeCollector
    from datamodeler.querylog import read_logs

    _, queries = load_suite(datasets, "tpcds", "tpcds.sql")
    queries = [q.removeprefix("insert into lineage_probe ") for q in queries]
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "tpcds.sql"
        with log.open("w") as out:
            for i in range(statements):
                out.write(vary_literals(queries[i % len(queries)], rng) + ";\n")
        print(f"log: {statements:,} statements ({len(queries)} TPC-DS shapes, varied literals), {log.stat().st_size / 2**20:.0f} MiB\n")
        print("| workers | seconds | statements/s | speed-up | shapes |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        base = None
        for workers in worker_counts:
            collector = ShapeCollector(DIALECT)
            began = time.perf_counter()
            collect_shapes(read_logs([log]), collector, workers)
            seconds = time.perf_counter() - began
            base = base or seconds
            print(f"| {workers} | {seconds:.1f} | {collector.total / seconds:,.0f} | {base / seconds:.2f}x | {len(collector.shapes)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"), help="folder holding tpc/ (default ../shared/datasets)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool; the best is reported (sqllineage runs once)")
    parser.add_argument("--sqllineage-dialect", default="ansi", help="sqllineage (sqlfluff) dialect (default ansi)")
    parser.add_argument("--giant-statement-mb", type=int, default=0,
                        help="instead: write a log of one statement of this many MB without ';' and report peak RSS while reading it")
    parser.add_argument("--log-statements", type=int, default=0,
                        help="instead: time reading + fingerprinting a TPC-DS log of this many statements with varied literals")
    parser.add_argument("--workers", default="1,2", help="with --log-statements: worker counts to compare (default 1,2)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.log_statements:
        log_throughput(args.datasets, args.log_statements, [int(w) for w in args.workers.split(",")])
        return
    if args.giant_statement_mb:
        giant_statement(args.giant_statement_mb)
        return
    if not (args.datasets / "tpc").is_dir():
        parser.error(f"{args.datasets}/tpc not found: pass --datasets")
    import sqllineage

    print(f"python {platform.python_version()}, sqlglot {sqlglot.__version__}, sqllineage {sqllineage.VERSION}, one core\n")
    print("| log | statements | tool | handled | seconds | statements/s | time relative to datamodeler |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for label, (folder, ddl) in SUITES.items():
        tables, queries = load_suite(args.datasets, folder, ddl)
        ours, ours_done = measure(run_datamodeler, tables, queries, args.repeat)
        floor, floor_done = measure(run_sqlglot_floor, tables, queries, args.repeat)
        theirs, theirs_done = measure(run_sqllineage(args.sqllineage_dialect), tables, queries, 1)
        n = len(queries)
        rows = [("datamodeler", ours_done, ours), ("sqlglot parse+qualify (floor)", floor_done, floor),
                ("sqllineage column lineage", theirs_done, theirs)]
        for tool, done, seconds in rows:
            print(f"| {label} | {n} | {tool} | {done} | {seconds:.2f} | {n / seconds:.1f} | {seconds / ours:.2f}x |")


if __name__ == "__main__":
    main()
