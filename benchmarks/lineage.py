"""Column-lineage throughput on the TPC-H and TPC-DS query logs: datamodeler vs sqllineage vs sqlglot parse+qualify,
and optionally DataHub's and OpenMetadata's SQL parsers, each run from its own virtual environment.

    python benchmarks/lineage.py [--datasets ../shared/datasets] [--repeat 3] [--sqllineage-dialect ansi]
        [--peer-python datahub=/tmp/peer-datahub/bin/python] [--peer-python openmetadata=/tmp/peer-om/bin/python]
    python benchmarks/lineage.py --giant-statement-mb 1024     # peak memory reading a log that is one statement
    python benchmarks/lineage.py --log-statements 1000000 --workers 1,2   # reading + fingerprinting a TPC-DS log

Every tool gets the same statements (``INSERT INTO lineage_probe <query>``, so that column lineage has a
target) and the same schema where it takes one; each runs on one core. The sqlglot floor is parse + qualify
alone, without any lineage extraction; datamodeler includes fingerprinting, parse, qualify and the trace.
A peer runs as a subprocess (benchmarks/peers/NAME_runner.py) under the given interpreter, times itself
and prints each statement's source tables and column edges; a second table compares every tool's tables
and edges with datamodeler's, statement by statement. A peer not given, or not importable, is skipped.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
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
PEERS_DIR = Path(__file__).resolve().parent / "peers"
PEER_IMPORTS = {"datahub": "datahub.sql_parsing.sqlglot_lineage", "openmetadata": "collate_sqllineage.runner"}


@dataclass(frozen=True)
class Lineage:
    """One statement's source tables and (source table.column, target column) pairs, lower-case."""

    tables: frozenset[str]
    edges: frozenset[tuple[str, str]]


Results = list[Lineage | None]  # None: the tool failed on that statement


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


def run_datamodeler(tables: list[Table], queries: list[str]) -> Results:
    analyzer = StatementAnalyzer(CatalogIndex.from_tables(tables), DIALECT)
    return [datamodeler_lineage(analyzer.analyze(normalize_sql(q, DIALECT))) for q in queries]


def datamodeler_lineage(result) -> Lineage | None:
    if result.failure is not None:
        return None
    edges = {(source.lower(), target.rsplit(".", 1)[-1].lower()) for source, target, kind in result.edges if kind != "table"}
    return Lineage(frozenset(t.lower() for t in result.reads), frozenset(edges))


def run_sqlglot_floor(tables: list[Table], queries: list[str]) -> Results:
    """Parse + qualify only: no lineage, so an empty one for each statement that qualifies."""
    schema = StatementAnalyzer(CatalogIndex.from_tables(tables), DIALECT).schema
    done: Results = []
    for query in queries:
        try:
            statement = sqlglot.parse_one(query, read=DIALECT)
            qualify(statement.expression, dialect=DIALECT, schema=schema)
            done.append(Lineage(frozenset(), frozenset()))
        except sqlglot.errors.SqlglotError:
            done.append(None)
    return done


def run_sqllineage(dialect: str) -> Callable[[list[Table], list[str]], Results]:
    def run(tables: list[Table], queries: list[str]) -> Results:
        from sqllineage.runner import LineageRunner

        done: Results = []
        for query in queries:
            try:
                runner = LineageRunner(query, dialect=dialect)
                done.append(sqllineage_lineage(runner.source_tables, runner.get_column_lineage()))
            except Exception:  # noqa: BLE001 - count what sqllineage cannot handle, keep timing the rest
                done.append(None)
        return done

    return run


def sqllineage_lineage(source_tables, paths) -> Lineage:
    """Source tables and each column path's two ends (the same reduction as the OpenMetadata runner)."""
    def source(column) -> str:
        parent = getattr(column.parent, "raw_name", None) if column.parent is not None else None
        return f"{parent.split('.')[-1]}.{column.raw_name}".lower() if parent else column.raw_name.lower()

    edges = {(source(path[0]), path[-1].raw_name.lower()) for path in paths}
    return Lineage(frozenset(str(t.raw_name).split(".")[-1].lower() for t in source_tables), frozenset(edges))


def measure(run: Callable[[list[Table], list[str]], Results], tables: list[Table], queries: list[str], repeat: int) -> tuple[float, Results]:
    """Best wall time of ``repeat`` runs and the lineage of the last one."""
    best, done = float("inf"), []
    for _ in range(repeat):
        began = time.perf_counter()
        done = run(tables, queries)
        best = min(best, time.perf_counter() - began)
    return best, done


def peer_python(values: list[str]) -> dict[str, str]:
    """``--peer-python NAME=PATH`` options as {name: interpreter}; unknown names are refused."""
    peers = {}
    for value in values:
        name, _, python = value.partition("=")
        if name not in PEER_IMPORTS or not python:
            raise SystemExit(f"--peer-python takes NAME=PATH with NAME one of {', '.join(PEER_IMPORTS)}: got {value!r}")
        peers[name] = python
    return peers


def usable_peers(peers: dict[str, str]) -> dict[str, str]:
    """The peers whose interpreter imports their parser; one line for each peer skipped and why."""
    usable = {}
    for name, module in PEER_IMPORTS.items():
        if name not in peers:
            print(f"skipped {name}: no --peer-python {name}=PATH (see docs/benchmarks.md for its venv)")
            continue
        try:
            check = subprocess.run([peers[name], "-c", f"import {module}"], capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as error:
            print(f"skipped {name}: {peers[name]} cannot run ({type(error).__name__})")
            continue
        if check.returncode != 0:
            last = (check.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"skipped {name}: {peers[name]} cannot import {module} ({last})")
            continue
        usable[name] = peers[name]
    return usable


def run_peer(name: str, python: str, tables: list[Table], queries: list[str], repeat: int) -> tuple[str, float, Results] | None:
    """Run a peer's runner script on the queries; (tool label, best seconds, lineage) or None, with a line, if it failed."""
    spec = {"queries": queries, "catalog": {t.name: [c.name for c in t.columns] for t in tables}, "dialect": DIALECT, "repeat": repeat}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as spec_file:
        json.dump(spec, spec_file)
        spec_file.flush()
        done = subprocess.run([python, str(PEERS_DIR / f"{name}_runner.py"), spec_file.name], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"skipped {name}: its runner failed ({(done.stderr.strip().splitlines() or ['no output'])[-1]})")
        return None
    report = json.loads(done.stdout)
    results = [None if "error" in r else Lineage(frozenset(r["tables"]), frozenset(map(tuple, r["edges"]))) for r in report["results"]]
    return report["tool"], report["seconds"], results


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
    parser.add_argument("--peer-python", action="append", default=[], metavar="NAME=PATH",
                        help="run a peer parser under this interpreter: datahub=/tmp/peer-datahub/bin/python, "
                             "openmetadata=/tmp/peer-om/bin/python (repeatable; a peer not given is skipped)")
    args = parser.parse_args()
    given_peers = peer_python(args.peer_python)
    warnings.filterwarnings("ignore")
    if args.log_statements:
        log_throughput(args.datasets, args.log_statements, [int(w) for w in args.workers.split(",")])
        return
    if args.giant_statement_mb:
        giant_statement(args.giant_statement_mb)
        return
    if not (args.datasets / "tpc").is_dir():
        parser.error(f"{args.datasets}/tpc not found: pass --datasets")
    print_suites(args, usable_peers(given_peers))


def print_suites(args: argparse.Namespace, peers: dict[str, str]) -> None:
    """The throughput table of every tool on both suites, then their agreement with datamodeler."""
    import sqllineage

    print(f"python {platform.python_version()}, sqlglot {sqlglot.__version__}, sqllineage {sqllineage.VERSION}, one core\n")
    print("| log | statements | tool | handled | seconds | statements/s | time relative to datamodeler |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    compared, versions = [], {}
    for label, (folder, ddl) in SUITES.items():
        tables, queries = load_suite(args.datasets, folder, ddl)
        rows = suite_rows(tables, queries, args, peers, versions)
        ours = rows[0][2]
        for tool, done, seconds in rows:
            handled = sum(r is not None for r in done)
            print(f"| {label} | {len(queries)} | {tool} | {handled} | {seconds:.2f} | {len(queries) / seconds:.1f} | {seconds / ours:.2f}x |")
        compared += [(label, tool, rows[0][1], done) for tool, done, _ in rows[1:] if tool != FLOOR]
    for tool, version in versions.items():
        print(f"\n{tool}: {version}", end="")
    print_agreement(compared)


FLOOR = "sqlglot parse+qualify (floor)"
PEER_LABELS = {"datahub": "DataHub sqlglot_lineage", "openmetadata": "OpenMetadata LineageParser (collate-sqllineage)"}


def suite_rows(tables: list[Table], queries: list[str], args: argparse.Namespace, peers: dict[str, str],
               versions: dict[str, str]) -> list[tuple[str, Results, float]]:
    """(tool, lineage, best seconds) for every tool on one suite, datamodeler first."""
    ours, ours_done = measure(run_datamodeler, tables, queries, args.repeat)
    floor, floor_done = measure(run_sqlglot_floor, tables, queries, args.repeat)
    theirs, theirs_done = measure(run_sqllineage(args.sqllineage_dialect), tables, queries, 1)
    rows = [("datamodeler", ours_done, ours), (FLOOR, floor_done, floor), ("sqllineage column lineage", theirs_done, theirs)]
    for name, python in peers.items():
        ran = run_peer(name, python, tables, queries, args.repeat)
        if ran is not None:
            versions[PEER_LABELS[name]] = ran[0]
            rows.append((PEER_LABELS[name], ran[2], ran[1]))
    return rows


def print_agreement(compared: list[tuple[str, str, Results, Results]]) -> None:
    """Each tool's source tables and column edges against datamodeler's, over statements both handled."""
    print("\n\nAgreement with datamodeler (statements both handled; edges are source table.column -> target column)\n")
    print("| log | tool | compared | same source tables | same column edges | datamodeler's edges it finds "
          "| its edges datamodeler has | datamodeler's source columns it finds | its source columns datamodeler has |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, tool, ours, theirs in compared:
        pairs = [(a, b) for a, b in zip(ours, theirs) if a is not None and b is not None]
        same_tables = sum(a.tables == b.tables for a, b in pairs)
        same_edges = sum(a.edges == b.edges for a, b in pairs)
        edges = overlap([(a.edges, b.edges) for a, b in pairs])
        columns = overlap([({e[0] for e in a.edges}, {e[0] for e in b.edges}) for a, b in pairs])
        n = len(pairs)
        print(f"| {label} | {tool} | {n} | {same_tables}/{n} | {same_edges}/{n} | {edges[0]} | {edges[1]} | {columns[0]} | {columns[1]} |")


def overlap(sets: list[tuple[set, set]]) -> tuple[str, str]:
    """Summed over statements: the share of ours the tool found and the share of the tool's we have, as 'n/N (p%)'."""
    shared = sum(len(ours & theirs) for ours, theirs in sets)
    ours_total, theirs_total = sum(len(o) for o, _ in sets), sum(len(t) for _, t in sets)
    share = lambda part, whole: f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "–"  # noqa: E731
    return share(shared, ours_total), share(shared, theirs_total)

if __name__ == "__main__":
    main()
