"""Generate the streaming demo warehouse and its query history.

Usage: python examples/streaming/generate.py OUT_DIR

Runs schema.sql, data.sql and marts.sql (next to this file) against a new
DuckDB database, then writes the query log with query_log.py. The output is
deterministic: the same files on every run. Needs only duckdb.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
SQL_SCRIPTS = ("schema.sql", "data.sql", "marts.sql")
DATABASE_FILE_NAME = "streaming.duckdb"
STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")


def load_query_log_module():
    """Import query_log.py from this folder by path (works from a wheel too)."""
    spec = importlib.util.spec_from_file_location("streaming_demo_query_log", HERE / "query_log.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def log_file_names() -> tuple[str, ...]:
    """File names of the query logs that generate() writes, main log first."""
    query_log = load_query_log_module()
    return (query_log.QUERY_LOG_NAME, query_log.ETL_LOG_NAME)


def split_statements(script: str) -> list[str]:
    """Split a SQL script on semicolons that end a line."""
    return [part.strip() for part in STATEMENT_END.split(script) if part.strip()]


def run_script(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Execute one of the bundled SQL scripts, statement by statement."""
    for statement in split_statements((HERE / name).read_text(encoding="utf-8")):
        try:
            con.execute(statement)
        except duckdb.Error as error:
            raise RuntimeError(f"{name}: {error}\n--- statement ---\n{statement[:500]}") from error


def build_database(database: Path) -> None:
    """Create the warehouse tables, data, marts and views in a new file."""
    if database.exists():
        raise FileExistsError(f"{database} already exists")
    con = duckdb.connect(str(database))
    try:
        for name in SQL_SCRIPTS:
            run_script(con, name)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def write_query_logs(database: Path, log_dir: Path) -> list[Path]:
    """Write the query history for an already generated database."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return load_query_log_module().write_logs(con, log_dir)
    finally:
        con.close()


def generate(database: Path, log_dir: Path) -> None:
    """Build the database at `database` and write the query logs into `log_dir`."""
    database = Path(database)
    build_database(database)
    write_query_logs(database, Path(log_dir))


def main(argv: list[str]) -> int:
    """Command-line entry point: generate into OUT_DIR."""
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    out_dir = Path(argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    generate(out_dir / DATABASE_FILE_NAME, out_dir)
    size_mb = (out_dir / DATABASE_FILE_NAME).stat().st_size / 1e6
    print(f"generated {out_dir / DATABASE_FILE_NAME} ({size_mb:.1f} MB) "
          f"in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
