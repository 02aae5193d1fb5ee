"""The bad-input corpus: every case gives exactly one `Error: …` line, exit 1, no traceback, and the model file intact."""

from __future__ import annotations

import gzip
import sqlite3

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
