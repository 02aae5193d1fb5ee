"""The bad-input corpus: every case gives exactly one `Error: …` line, exit 1, no traceback, and the model file intact."""

from __future__ import annotations

import gzip
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from datamodeler.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A scanned SQLite shop, its model file, and a collection of broken inputs."""
    root = tmp_path_factory.mktemp("bad-inputs")
    db = root / "shop.db"
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT);"
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER);"
        "INSERT INTO customers VALUES (1, 'a@example.com'); INSERT INTO orders VALUES (1, 1);"
    )
    conn.commit()
    conn.close()
    model = root / "datamodel.json"
    assert runner.invoke(app, ["scan", f"sqlite:///{db}", "--out", str(model)]).exit_code == 0
    (root / "corrupt.json").write_text('{"format_version": 1, "tables": [')
    (root / "future.json").write_text('{"format_version": 99}')
    (root / "not-a-model.json").write_text("[1, 2, 3]")
    (root / "bad.jsonl").write_text('{"query": "select 1"}\n{not json}\n')
    (root / "noquery.csv").write_text("user,duration\nann,3\n")
    (root / "binary.sql").write_bytes(b"\xff\xfe\x00select")
    (root / "bad.gz").write_bytes(b"not gzip at all")
    with gzip.open(root / "ok.sql.gz", "wt") as handle:
        handle.write("select * from orders;")
    (root / "bad.toml").write_text("[llm\nmodel = 1")
    (root / "notes.txt").write_text("not a database, just notes\n" * 100)
    os.mkfifo(root / "pipe")
    return root


CASES = {
    "missing database file": ["scan", "sqlite:///{root}/absent.db", "--out", "{root}/datamodel.json"],
    "unknown driver": ["scan", "oracle+nodriver://u@h/db", "--out", "{root}/datamodel.json"],
    "not a URL": ["scan", "::::", "--out", "{root}/datamodel.json"],
    "unreachable server": ["scan", "postgresql+psycopg://u@127.0.0.1:1/db", "--out", "{root}/datamodel.json"],
    "missing query log": ["scan", "sqlite:///{root}/shop.db", "-q", "{root}/absent.sql", "--out", "{root}/datamodel.json"],
    "log with a bad JSON line": ["scan", "sqlite:///{root}/shop.db", "-q", "{root}/bad.jsonl", "--out", "{root}/datamodel.json"],
    "csv log without a query column": ["scan", "sqlite:///{root}/shop.db", "-q", "{root}/noquery.csv", "--out", "{root}/datamodel.json"],
    "log that is not text": ["scan", "sqlite:///{root}/shop.db", "-q", "{root}/binary.sql", "--out", "{root}/datamodel.json"],
    "broken gzip": ["scan", "sqlite:///{root}/shop.db", "-q", "{root}/bad.gz", "--out", "{root}/datamodel.json"],
    "invalid config": ["scan", "sqlite:///{root}/shop.db", "--config", "{root}/bad.toml", "--out", "{root}/datamodel.json"],
    "output folder missing": ["scan", "sqlite:///{root}/shop.db", "--out", "{root}/no/such/dir/m.json"],
    "text file as a SQLite database": ["scan", "sqlite:///{root}/notes.txt", "--out", "{root}/datamodel.json"],
    "scan into a FIFO": ["scan", "sqlite:///{root}/shop.db", "--out", "{root}/pipe"],
    "erd into a FIFO": ["erd", "--model", "{root}/datamodel.json", "--format", "dot", "--out", "{root}/pipe"],
    "review of a FIFO": ["review", "--model", "{root}/pipe", "--list"],
    "scan over a corrupt model": ["scan", "sqlite:///{root}/shop.db", "--out", "{root}/corrupt.json"],
    "erd of a missing model": ["erd", "--model", "{root}/absent.json"],
    "erd of a corrupt model": ["erd", "--model", "{root}/corrupt.json"],
    "docs of a future model": ["docs", "--model", "{root}/future.json", "--out", "{root}/docs"],
    "lineage of a non-model": ["lineage", "orders", "--model", "{root}/not-a-model.json"],
    "erd unknown table": ["erd", "--model", "{root}/datamodel.json", "--table", "ordrs"],
    "erd unknown format": ["erd", "--model", "{root}/datamodel.json", "--format", "visio"],
    "docs unknown format": ["docs", "--model", "{root}/datamodel.json", "--format", "pdf", "--out", "{root}/docs"],
    "lineage unknown table": ["lineage", "nosuch", "--model", "{root}/datamodel.json"],
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gives_one_line_and_keeps_the_model(workspace, name):
    model = workspace / "datamodel.json"
    before = model.read_text()
    args = [arg.format(root=workspace) for arg in CASES[name]]
    result = runner.invoke(app, args)
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.lstrip().startswith(("⠋", "━"))]
    errors = [line for line in lines if line.startswith("Error: ")]
    assert result.exit_code == 1, (name, result.output, result.stderr)
    assert len(errors) == 1, (name, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert model.read_text() == before
    assert not [p for p in workspace.rglob("*.tmp")]


def test_gzip_logs_are_read(workspace):
    result = runner.invoke(app, ["scan", f"sqlite:///{workspace}/shop.db", "-q", str(workspace / "ok.sql.gz"),
                                 "--out", str(workspace / "gz.json"), "--json"])
    assert result.exit_code == 0, result.stderr
    assert '"total": 1' in result.stdout


def test_log_columns_can_be_named(workspace):
    log = workspace / "custom.csv"
    log.write_text('who,sql_body\nann,"select o.id from orders o join customers c on c.id = o.customer_id"\n')
    result = runner.invoke(app, ["scan", f"sqlite:///{workspace}/shop.db", "-q", str(log), "--log-column", "query=sql_body",
                                 "--log-column", "user=who", "--out", str(workspace / "custom.json"), "--json"])
    assert result.exit_code == 0, result.stderr
    assert '"parsed": 1' in result.stdout
    bad = runner.invoke(app, ["scan", f"sqlite:///{workspace}/shop.db", "-q", str(log), "--log-column", "sql_body",
                              "--out", str(workspace / "custom.json")])
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: --log-column 'sql_body' is not FIELD=COLUMN")


def test_a_text_file_is_not_a_sqlite_database(workspace):
    result = runner.invoke(app, ["scan", f"sqlite:///{workspace}/notes.txt", "--out", str(workspace / "t.json")])
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert "notes.txt is not a SQLite database" in line and "SQL:" not in result.stderr and "sqlalche.me" not in result.stderr


def read_only_folder(tmp_path):
    """A folder this process cannot write in: a chmod 555 folder, or a read-only mount when running as root."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    for candidate in (folder, "/sys", "/proc/sys"):
        probe = os.path.join(candidate, ".dm-probe")
        try:
            os.close(os.open(probe, os.O_CREAT | os.O_WRONLY, 0o600))
            os.unlink(probe)
        except OSError:
            return candidate
    pytest.skip("no read-only folder available")


@pytest.mark.parametrize("folder", ["missing", "read-only"])
def test_an_unwritable_output_folder_is_refused_before_the_scan(workspace, tmp_path, folder):
    where = tmp_path / "no" / "such" if folder == "missing" else read_only_folder(tmp_path)
    # The database does not exist either: the folder is checked first, so its error is the one shown.
    result = runner.invoke(app, ["scan", f"sqlite:///{workspace}/absent.db", "--out", f"{where}/m.json"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {'folder' if folder == 'missing' else 'cannot write to folder'} {where}"), result.stderr
    assert "crawl catalog" not in result.stderr and "unexpected" not in result.stderr


@pytest.mark.slow  # exhaustive: runs in CI (DATAMODELER_SLOW=1), opt-in locally (--runslow)
def test_ctrl_c_during_start_up_exits_130_quietly(tmp_path):
    """SIGINT at several moments while `python -m datamodeler` imports and starts: no traceback, ever."""
    command = [sys.executable, "-m", "datamodeler", "--version"]
    began = time.monotonic()
    subprocess.run(command, check=True, capture_output=True)
    start_up = time.monotonic() - began
    interrupted = 0
    for share in (0.3, 0.45, 0.6, 0.75, 0.9):
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(start_up * share)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
        assert child.returncode in (0, 130, -signal.SIGINT), (share, child.returncode, err)
        assert "Traceback" not in err and "KeyboardInterrupt" not in err, (share, err)
        interrupted += child.returncode != 0
    assert interrupted >= 2, "the signal never landed during start-up"


def test_postgres_driver_warnings_become_scan_notes(pg_database, tmp_path):
    """A column type SQLAlchemy does not know: a note in the model and the summary, no `SAWarning` lines."""
    pg_database.run("CREATE TABLE stores (id integer PRIMARY KEY, location point, lsn pg_lsn)")
    out = tmp_path / "m.json"
    result = runner.invoke(app, ["scan", pg_database.url, "--out", str(out), "--no-llm", "--json"])
    assert result.exit_code == 0, result.stderr
    assert "SAWarning" not in result.stderr + result.stdout
    from datamodeler.store import load_model

    notes = load_model(out).notes
    assert "catalog: Did not recognize type 'point' of column 'location'" in notes
    assert "catalog: Did not recognize type 'pg_lsn' of column 'lsn'" in notes
    assert "Did not recognize type 'point'" in result.stdout  # the summary's warnings
