"""The ask gate against a corpus of hostile and benign SQL answers, on the gate and through ``ask --run``.

tests/data/hostile_sql.txt must be refused in every dialect with a one-line reason; tests/data/benign_sql.txt
must pass and run. On real SQLite, DuckDB and PostgreSQL (as superuser with --allow-privileged, and as the
read-only role docs/safety.md creates) every hostile answer is fed to ``ask --run`` as the LLM's SQL: the
tables stay the same, no file, large object, notification or advisory lock appears, and no hostile function
reaches the server (pg_stat_statements). A canary proves the detectors see damage when the gate is bypassed.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from datamodeler.ask import AskOptions, ask_question
from datamodeler.ask.guard import guard_sql
from datamodeler.cli import app
from datamodeler.errors import UnsafeSQLError
from datamodeler.model import DataModel, SourceInfo
from datamodeler.sources import CatalogFilter, open_source
from datamodeler.store import save_model

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
DIALECTS = ("postgres", "duckdb", "sqlite")
QUESTION = "orders per status"
runner = CliRunner()


def read_corpus(name: str) -> list[tuple[str, str]]:
    """``(label, sql)`` pairs from a ``label | sql`` file; ``\\n`` in the SQL is a newline."""
    entries = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, _, sql = line.partition(" | ")
            entries.append((label.strip(), sql.replace("\\n", "\n")))
    return entries


HOSTILE = read_corpus("hostile_sql.txt")
BENIGN = read_corpus("benign_sql.txt")


def benign_for(dialect: str) -> list[str]:
    return [sql for dialects, sql in BENIGN if dialects == "all" or dialect in dialects.split(",")]


def fill(sql: str, out: Path, conninfo: str = "dbname=x") -> str:
    return sql.replace("{out}", str(out)).replace("{conninfo}", conninfo)


def gate_model(dialect: str) -> DataModel:
    """The corpus schema as a model, without a database: customers and orders (in schema shop, but SQLite)."""
    from datamodeler.model import Column, Table

    prefix = "" if dialect == "sqlite" else "shop."
    columns = {"customers": "id INTEGER, name TEXT, country TEXT, created_at TIMESTAMP",
               "orders": "id INTEGER, customer_id INTEGER, amount DECIMAL, status TEXT, ordered_at TIMESTAMP"}
    tables = [Table(name=prefix + name, columns=[Column(name=c.split()[0], type=c.split()[1]) for c in spec.split(", ")])
              for name, spec in columns.items()]
    return DataModel(source=SourceInfo(url=f"{dialect}://", dialect=dialect, scanned_at="now"), tables=tables)


# -- the corpus ------------------------------------------------------------------------------------


def test_corpus_has_at_least_150_hostile_answers_of_every_kind():
    assert len(HOSTILE) >= 150
    assert {kind for kind, _ in HOSTILE} == {"damage", "side-effect", "leak", "state"}
    assert len({sql for _, sql in HOSTILE}) == len(HOSTILE), "duplicate hostile answers"
    assert all(len(benign_for(d)) >= 40 for d in DIALECTS)


# -- the gate alone --------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_gate_refuses_every_hostile_answer_with_a_one_line_reason(dialect, tmp_path):
    model = gate_model(dialect)
    passed, badly_worded = [], []
    for _, sql in HOSTILE:
        try:
            guarded = guard_sql(fill(sql, tmp_path), model)
        except UnsafeSQLError as exc:
            text = str(exc)
            if "\n" in text or len(exc.message) < 20:
                badly_worded.append((sql, text))
        else:
            passed.append((sql, guarded.sql))
    assert passed == [], f"{len(passed)} hostile answers passed the {dialect} gate"
    assert badly_worded == []


@pytest.mark.parametrize(("sql", "reason"), [
    ("SELECT pg_read_file('/etc/passwd')", "reads or writes files"),
    ("SELECT dblink_exec('x', 'DROP TABLE shop.orders')", "opens another database connection"),
    ("SELECT query_to_xml('select 1', true, true, '')", "runs SQL passed as text"),
    ("SELECT pg_notify('dm_probe', 'x')", "sends notifications"),
    ("SELECT pg_advisory_lock(1)", "takes locks"),
    ("SELECT pg_switch_wal()", "touches the WAL"),
    ("SELECT current_setting('data_directory')", "reads server settings"),
    ("SELECT current_user", "reads session or server information"),
    ("SELECT frobnicate(amount) FROM orders", "not on the allowlist of pure functions"),
    ("SELECT * FROM pg_authid", "unknown table 'pg_authid'"),
    ("WITH pg_authid AS (SELECT * FROM pg_authid) SELECT * FROM pg_authid", "unknown table 'pg_authid'"),
    ("SELECT 'pg_authid'::regclass", "type regclass is not allowed in ask: it reads the system catalog"),
    ("SELECT public.lower(name) FROM customers", "called through a schema or a value"),
    ("SELECT * FROM orders FOR UPDATE", "found LOCK inside the query"),
    ("SELECT * FROM pg_ls_dir('.')", "table function pg_ls_dir() is not allowed in ask"),
])
def test_refusals_name_the_reason(sql, reason):
    with pytest.raises(UnsafeSQLError) as caught:
        guard_sql(sql, gate_model("postgres"))
    assert reason in str(caught.value)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_gate_passes_legitimate_analytic_sql(dialect):
    model = gate_model(dialect)
    refused = []
    for sql in benign_for(dialect):
        try:
            guard_sql(sql, model)
        except UnsafeSQLError as exc:
            refused.append((sql, exc.message))
    assert refused == []


def test_comments_never_reach_the_warehouse():
    guarded = guard_sql("SELECT id /* hidden */ FROM orders -- trailing", gate_model("postgres"))
    assert "hidden" not in guarded.sql and "trailing" not in guarded.sql and "/*" not in guarded.sql


# -- real engines ------------------------------------------------------------------------------------

CUSTOMERS = [(1, "Ada Lovelace", "GB", "2024-01-02 10:00:00"), (2, "Blaise Pascal", "FR", "2024-02-03 11:00:00"),
             (3, "Carl Gauss", "DE", "2024-03-04 12:00:00"), (4, "Emmy Noether", "DE", "2024-04-05 13:00:00")]
ORDERS = [(i, 1 + i % 4, 10.5 * i, ("paid", "open", "refunded")[i % 3], f"2024-{1 + i % 12:02d}-{1 + i:02d} 09:30:00")
          for i in range(1, 13)]
CREATE = ["CREATE TABLE {s}customers (id INTEGER PRIMARY KEY, name TEXT, country TEXT, created_at TIMESTAMP)",
          ("CREATE TABLE {s}orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES {s}customers (id), "
           "amount DECIMAL(10, 2), status TEXT, ordered_at TIMESTAMP)")]
SECRET_MARKERS = ("pg_read", "pg_ls_", "pg_stat_file", "pg_file", "lo_", "dblink", "_to_xml", "ts_stat", "ts_rewrite",
                  "switch_wal", "restore_point", "pg_notify", "advisory", "current_setting", "set_config", "pg_sleep",
                  "terminate", "nextval", "setval", "pg_authid", "pg_shadow", "information_schema", "pg_settings",
                  "as regclass", "xmlparse", "txid", "inet_server")
"""Text that only a hostile answer would send to PostgreSQL (the role check and the fingerprints use none)."""


class ScriptedLLM:
    """A chat model that gives the same SQL to every request (the first answer and each repair)."""

    def __init__(self, sql: str):
        self.sql = sql

    def complete_json(self, messages, schema_name):
        return {"sql": self.sql}


@dataclass
class Engine:
    """A seeded warehouse: how ``ask`` reaches it, its model, and the detectors of damage and side effects."""

    name: str
    url: str
    model: DataModel
    out: Path
    fingerprint: Callable[[], Any]
    side_effects: Callable[[], list[str]]
    conninfo: str = "dbname=x"
    privileged: bool = False


def model_of(url: str, schemas: tuple[str, ...] = ()) -> DataModel:
    source = open_source(url)
    try:
        tables = source.catalog(CatalogFilter(schemas=schemas))
    finally:
        source.close()
    return DataModel(source=SourceInfo(url=url, dialect=source.dialect, scanned_at=datetime.now(UTC).isoformat()),
                     tables=tables)


def watched_folder(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o777)  # the PostgreSQL server (user postgres) could write here if a hostile answer got through
    return out


def files_in(out: Path) -> list[str]:
    return [f"file written: {p}" for p in out.rglob("*")]


def file_fingerprint(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture()
def sqlite_engine(tmp_path) -> Engine:
    db = tmp_path / "db" / "shop.db"
    db.parent.mkdir()
    with sqlite3.connect(db) as conn:
        for statement in CREATE:
            conn.execute(statement.format(s=""))
        conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?)", CUSTOMERS)
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", ORDERS)
    conn.close()
    url, out = f"sqlite:///{db}", watched_folder(tmp_path)
    return Engine("sqlite", url, model_of(url), out, lambda: file_fingerprint(db.parent), lambda: files_in(out))


@pytest.fixture()
def duckdb_engine(tmp_path) -> Engine:
    db = tmp_path / "db" / "warehouse.duckdb"
    db.parent.mkdir()
    conn = duckdb.connect(str(db))
    conn.execute("CREATE SCHEMA shop")
    for statement in CREATE:
        conn.execute(statement.format(s="shop."))
    conn.executemany("INSERT INTO shop.customers VALUES (?, ?, ?, ?)", CUSTOMERS)
    conn.executemany("INSERT INTO shop.orders VALUES (?, ?, ?, ?, ?)", ORDERS)
    conn.close()
    url, out = f"duckdb:///{db}", watched_folder(tmp_path)
    return Engine("duckdb", url, model_of(url), out, lambda: file_fingerprint(db.parent), lambda: files_in(out))


PG_FINGERPRINT = """
SELECT n.nspname, c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1, 2
"""
PG_STATEMENTS = """
SELECT query FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


def seed_postgres(pg_database) -> None:
    pg_database.run("CREATE EXTENSION dblink; CREATE EXTENSION adminpack; CREATE EXTENSION pg_stat_statements; CREATE SCHEMA shop")
    with pg_database.engine.connect() as conn:
        for statement in CREATE:
            conn.exec_driver_sql(statement.format(s="shop."))
        conn.exec_driver_sql("CREATE SEQUENCE shop.orders_id_seq")
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:
            cursor.executemany("INSERT INTO shop.customers VALUES (%s, %s, %s, %s)", CUSTOMERS)
            cursor.executemany("INSERT INTO shop.orders VALUES (%s, %s, %s, %s, %s)", ORDERS)


def postgres_fingerprint(pg_database) -> Callable[[], Any]:
    def fingerprint() -> Any:
        with pg_database.engine.connect() as conn:
            relations = [tuple(r) for r in conn.exec_driver_sql(PG_FINGERPRINT)]
            rows = {t: conn.exec_driver_sql(f"SELECT * FROM shop.{t} ORDER BY id").fetchall()
                    for t in ("customers", "orders") if ("shop", t, "r") in relations}
            sequence = conn.exec_driver_sql("SELECT last_value, is_called FROM shop.orders_id_seq").first()
        return relations, rows, tuple(sequence)
    return fingerprint


def postgres_side_effects(pg_database, out: Path, listener) -> Callable[[], list[str]]:
    heard: list[str] = []
    listener.add_notify_handler(lambda notify: heard.append(f"notification on {notify.channel}: {notify.payload}"))

    def side_effects() -> list[str]:
        listener.execute("SELECT 1")  # delivers pending notifications to the handler
        found = files_in(out) + heard
        with pg_database.engine.connect() as conn:
            if conn.exec_driver_sql("SELECT count(*) FROM pg_largeobject_metadata").scalar():
                found.append("large objects created")
            if conn.exec_driver_sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").scalar():
                found.append("advisory locks held")
            if conn.exec_driver_sql("SELECT count(*) FROM pg_replication_slots").scalar():
                found.append("replication slot created")
            statements = [q for (q,) in conn.exec_driver_sql(PG_STATEMENTS)]
        found.extend(f"reached the server: {q}" for q in statements if any(m in q.lower() for m in SECRET_MARKERS))
        return found
    return side_effects


@pytest.fixture()
def pg_listener(pg_database):
    import psycopg

    conninfo = pg_database.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("LISTEN dm_probe")
        yield conn


def postgres_engine(pg_database, pg_listener, tmp_path, url: str, name: str, privileged: bool) -> Engine:
    out = watched_folder(tmp_path)
    engine_url = pg_database.engine.url
    conninfo = f"host={engine_url.host} port={engine_url.port} user=postgres dbname={engine_url.database}"
    engine = Engine(name, url, model_of(pg_database.url, ("shop",)), out, postgres_fingerprint(pg_database),
                    postgres_side_effects(pg_database, out, pg_listener), conninfo, privileged)
    pg_database.run("SELECT pg_stat_statements_reset()")
    return engine


def reader_role_sql() -> str:
    """The CREATE ROLE … block of docs/safety.md, as a user would paste it."""
    text = (ROOT / "docs" / "safety.md").read_text(encoding="utf-8")
    return re.search(r"```sql\n(CREATE ROLE.*?)```", text, re.DOTALL).group(1)


@pytest.fixture()
def pg_superuser(pg_database, pg_listener, tmp_path) -> Engine:
    seed_postgres(pg_database)
    return postgres_engine(pg_database, pg_listener, tmp_path, pg_database.url, "postgres-superuser", True)


@pytest.fixture()
def pg_reader(pg_database, pg_listener, tmp_path) -> Engine:
    seed_postgres(pg_database)
    database = pg_database.engine.url.database
    role = f"reader_{database}"[:60]
    script = reader_role_sql().replace("datamodeler_reader", role).replace("warehouse", database)
    pg_database.run(script.replace("\n", " "))
    url = pg_database.engine.url.set(username=role, password="change-me").render_as_string(hide_password=False)
    return postgres_engine(pg_database, pg_listener, tmp_path, url, "postgres-reader", False)


ENGINES = ["sqlite_engine", "duckdb_engine", "pg_superuser", "pg_reader"]


def ask_with(engine: Engine, sql: str):
    options = AskOptions(run=True, url=engine.url, llm=ScriptedLLM(sql), allow_privileged=engine.privileged, limit=50)
    return ask_question(QUESTION, engine.model, options)


@pytest.mark.slow  # exhaustive: runs in CI (DATAMODELER_SLOW=1), opt-in locally (--runslow)
@pytest.mark.parametrize("engine_name", ENGINES)
def test_hostile_answers_do_no_damage_through_ask_run(engine_name, request):
    engine: Engine = request.getfixturevalue(engine_name)
    before = engine.fingerprint()
    ran = []
    for _, sql in HOSTILE:
        answer = ask_with(engine, fill(sql, engine.out, engine.conninfo))
        refused = bool(answer.attempts) and all(attempt.get("stage") == "gate" and attempt.get("error") for attempt in answer.attempts)
        if answer.generated_by != "skeleton" or not refused or answer.rows is None:
            ran.append((sql, answer.generated_by, answer.notes))
    assert ran == [], f"{len(ran)} hostile answers ran on {engine.name}"
    assert engine.fingerprint() == before, "a table, relation or sequence changed"
    assert engine.side_effects() == []


@pytest.mark.slow  # exhaustive: runs in CI (DATAMODELER_SLOW=1), opt-in locally (--runslow)
@pytest.mark.parametrize("engine_name", ENGINES)
def test_benign_answers_run_through_ask_run(engine_name, request):
    engine: Engine = request.getfixturevalue(engine_name)
    failed = []
    for sql in benign_for(engine.model.source.dialect):
        answer = ask_with(engine, sql)
        if answer.generated_by != "llm" or answer.rows is None:
            failed.append((sql, answer.notes))
    assert failed == []
    assert engine.side_effects() == []


def test_canary_the_detectors_see_damage_when_the_gate_is_bypassed(pg_superuser):
    """Run straight through the read-only source, hostile SQL still harms: the gate is what stops it."""
    engine = pg_superuser
    before = engine.fingerprint()
    source = open_source(engine.url)
    try:
        for sql in ("SELECT pg_advisory_lock(42)", "SELECT dblink_exec('{conninfo}', 'DROP TABLE shop.orders')"):
            source.execute(fill(sql, engine.out, engine.conninfo))
        found = engine.side_effects()
    finally:
        source.close()
    assert engine.fingerprint() != before  # the read-only transaction did not stop dblink's own connection
    assert "advisory locks held" in found, found
    assert any("dblink_exec" in f for f in found)


# -- the CLI, with the real openai client against the local LLM server -------------------------------

CLI_SUBSET = [
    "SELECT dblink_exec('{conninfo}', 'DROP TABLE shop.orders')",
    "SELECT query_to_xml('select pg_read_file(''/etc/passwd'')', true, true, '')",
    "SELECT lo_export(lo_from_bytea(0, 'x'), '{out}/lo.txt')",
    "SELECT pg_notify('dm_probe', 'pwned')",
    "SELECT current_setting('data_directory')",
    "WITH pg_authid AS (SELECT * FROM pg_authid) SELECT * FROM pg_authid",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT writefile('{out}/x.txt', 'pwned')",
    "WITH gone AS (DELETE FROM orders RETURNING *) SELECT * FROM gone",
    "COPY orders TO '{out}/copy.csv'",
]


def ask_cli(engine: Engine, tmp_path: Path, reply_sql: str, *flags: str):
    llm_server = pytest.importorskip("tests.llm_server")
    model_path = tmp_path / f"model-{engine.name}.json"
    save_model(engine.model, model_path)
    reply = json.dumps({"sql": reply_sql})
    with llm_server.LLMServer(lambda request: llm_server.Reply(content=reply)) as server, pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_BASE_URL", server.url)
        patch.setenv("OPENAI_API_KEY", "test")
        patch.chdir(tmp_path)
        return runner.invoke(app, ["ask", QUESTION, engine.url, "--model", str(model_path), "--run", "--json", *flags])


@pytest.mark.slow  # exhaustive: runs in CI (DATAMODELER_SLOW=1), opt-in locally (--runslow)
@pytest.mark.parametrize("engine_name", ENGINES)
def test_cli_ask_run_refuses_hostile_llm_answers(engine_name, request, tmp_path):
    pytest.importorskip("datamodeler.llm.client")
    engine: Engine = request.getfixturevalue(engine_name)
    before = engine.fingerprint()
    flags = ("--allow-privileged",) if engine.privileged else ()
    for sql in CLI_SUBSET:
        result = ask_cli(engine, tmp_path, fill(sql, engine.out, engine.conninfo), *flags)
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["generated_by"] == "skeleton" and data["rows"]["rows"], sql
        refusal = next(note for note in data["notes"] if "gate:" in note)
        assert "\n" not in refusal and "(" in refusal
        assert data["attempts"] and all(a["stage"] == "gate" and "\n" not in a["error"] for a in data["attempts"])
    assert engine.fingerprint() == before
    assert engine.side_effects() == []


def test_cli_ask_run_refuses_a_superuser_without_allow_privileged(pg_superuser, tmp_path):
    pytest.importorskip("datamodeler.llm.client")
    result = ask_cli(pg_superuser, tmp_path, "SELECT status, count(*) FROM orders GROUP BY status")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("Error: not running: the session's role is privileged")
    assert "superuser" in result.output and "--allow-privileged" in result.output
    allowed = ask_cli(pg_superuser, tmp_path, "SELECT status, count(*) FROM orders GROUP BY status", "--allow-privileged")
    assert allowed.exit_code == 0, allowed.output
    assert any(note.startswith("WARNING: running as a privileged role (superuser") for note in json.loads(allowed.stdout)["notes"])


def test_the_documented_reader_role_runs_without_allow_privileged(pg_reader, tmp_path):
    pytest.importorskip("datamodeler.llm.client")
    result = ask_cli(pg_reader, tmp_path, "SELECT status, count(*) AS n FROM orders GROUP BY status")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["generated_by"] == "llm" and sorted(row[0] for row in data["rows"]["rows"]) == ["open", "paid", "refunded"]
    assert not any(note.startswith("WARNING") for note in data["notes"])


def test_a_role_that_can_write_is_named_in_the_refusal(pg_reader, pg_database):
    reader = pg_reader.url.split("//")[1].split(":")[0]
    pg_database.run(f"GRANT INSERT ON shop.orders TO {reader}; GRANT CREATE ON SCHEMA shop TO {reader}")
    with pytest.raises(UnsafeSQLError) as caught:
        ask_question(QUESTION, pg_reader.model, AskOptions(run=True, url=pg_reader.url, use_llm=False))
    assert "can write shop.orders" in caught.value.message and "CREATE in schema shop" in caught.value.message


# -- no false refusals on public analytic SQL ----------------------------------------------------------


def public_benchmark_sql(datasets: Path) -> list[tuple[str, str, str]]:
    """``(set, dialect, sql)`` for Spider and BIRD dev gold SQL (SQLite) and the TPC-H/TPC-DS queries."""
    found = []
    for name, key in (("spider/dev.json", "query"), ("bird_dev/dev.json", "SQL")):
        if (datasets / name).exists():
            found += [(name, "sqlite", item[key]) for item in json.loads((datasets / name).read_text(encoding="utf-8"))]
    for folder in ("tpc/tpch/queries", "tpc/tpcds/queries"):
        for path in sorted((datasets / folder).glob("*.sql")) if (datasets / folder).is_dir() else []:
            found += [(folder, dialect, path.read_text(encoding="utf-8")) for dialect in ("duckdb", "postgres")]
    return found


@pytest.mark.slow  # exhaustive: runs in CI (DATAMODELER_SLOW=1), opt-in locally (--runslow)
@pytest.mark.shared
def test_the_allowlist_refuses_no_function_or_clause_of_public_benchmark_sql(datasets):
    """Spider, BIRD and TPC queries use the functions real analytic SQL uses: the statement and function checks pass them all."""
    from datamodeler.ask.guard import (
        parse_single_select,
        refuse_forbidden_nodes,
        refuse_unlisted_functions,
    )

    queries = public_benchmark_sql(datasets)
    if len(queries) < 1000:
        pytest.skip("Spider/BIRD/TPC queries not present")
    refused = []
    for name, dialect, sql in queries:
        try:
            statement = parse_single_select(sql, dialect)
            refuse_forbidden_nodes(statement)
            refuse_unlisted_functions(statement, dialect)
        except UnsafeSQLError as exc:
            refused.append((name, dialect, exc.message))
    assert refused == []
