"""Shared fixtures: a real PostgreSQL server, the demo warehouse and its model scanned once, the ../shared datasets
(optional), and the ``slow`` marker (opt-in: ``--runslow`` or DATAMODELER_SLOW=1)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

import pytest

REPO = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--datasets",
        default=os.environ.get("DATAMODELER_DATASETS", str(REPO.parent / "shared" / "datasets")),
        help="Folder of public sample databases (Chinook, Northwind, Sakila, Spider, TPC); tests using it skip when absent.",
    )
    parser.addoption("--runslow", action="store_true", default=False, help="Also run the tests marked slow (or set DATAMODELER_SLOW=1).")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked ``slow`` unless asked for: the default run stays fast enough to run on every change."""
    if config.getoption("--runslow") or os.environ.get("DATAMODELER_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow or DATAMODELER_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


LLM_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DATAMODELER_LLM_BASE_URL", "DATAMODELER_LLM_API_KEY", "DATAMODELER_LLM_MODEL",
           "DATAMODELER_LLM_TIMEOUT")


@pytest.fixture(autouse=True)
def no_ambient_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own OPENAI_API_KEY must not make test scans call a real LLM (tests/test_llm.py uses a local one)."""
    for name in LLM_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def datasets(request: pytest.FixtureRequest) -> Path:
    """The shared datasets folder; skips the test when it is not there (a user's fresh clone has none)."""
    path = Path(request.config.getoption("--datasets"))
    if not path.is_dir():
        pytest.skip(f"datasets folder {path} not present")
    return path


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory) -> Path:
    """A DATAMODELER_HOME for the whole test session, so the demo warehouse is generated once."""
    return tmp_path_factory.mktemp("datamodeler-home")


@pytest.fixture(scope="session")
def demo_paths(demo_home: Path):
    """The bundled demo warehouse, generated once into the session's DATAMODELER_HOME."""
    from datamodeler import demo

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATAMODELER_HOME", str(demo_home))
        return demo.ensure_demo()


@pytest.fixture()
def demo_env(demo_paths, demo_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point DATAMODELER_HOME at the session's demo so `datamodeler scan` (no URL) reuses it."""
    monkeypatch.setenv("DATAMODELER_HOME", str(demo_home))
    return demo_home


class DemoScan(NamedTuple):
    """The demo scanned once by ``datamodeler scan --out FILE --json`` (no URL, no LLM): the file and what the CLI said."""

    model_file: Path
    exit_code: int
    stdout: str
    output: str


@pytest.fixture(scope="session")
def demo_scan_once(demo_paths, demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> DemoScan:
    """The bundled demo scanned once per session, as a user does it (CLI, no URL). Read it; never write it:
    a test that changes the model takes ``demo_model`` (a fresh copy) or copies ``demo_model_file``."""
    from typer.testing import CliRunner

    from datamodeler.cli import app

    folder = tmp_path_factory.mktemp("demo-scan")
    out = folder / "datamodel.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATAMODELER_HOME", str(demo_home))
        for name in (*LLM_ENV, "DATAMODELER_CONFIG"):
            patch.delenv(name, raising=False)
        patch.chdir(folder)  # no stray ./datamodeler.toml
        result = CliRunner().invoke(app, ["scan", "--out", str(out), "--json"])
    return DemoScan(out, result.exit_code, result.stdout, result.output)


@pytest.fixture(scope="session")
def demo_model_file(demo_scan_once: DemoScan):
    """The session's scanned demo model file: read it, never write it (checked when the session ends)."""
    assert demo_scan_once.exit_code == 0, demo_scan_once.output
    before = demo_scan_once.model_file.read_bytes()
    yield demo_scan_once.model_file
    assert demo_scan_once.model_file.read_bytes() == before, "a test changed the shared demo model file: copy it, or use demo_model"


@pytest.fixture()
def demo_model(demo_model_file: Path):
    """A fresh ``DataModel`` of the scanned demo for one test: change it freely."""
    from datamodeler.store import load_model

    return load_model(demo_model_file)


# -- PostgreSQL ---------------------------------------------------------------------------------


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    return str(candidates[0]) if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the unprivileged ``postgres`` user then."""
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--", *cmd]
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(cmd)]


@pytest.fixture(scope="session")
def pg_server():
    """A throw-away PostgreSQL server with pg_stat_statements loaded; yields its base URL (no database)."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries not found in CI: scripts/setup.d/10-postgresql.sh should install them")
        pytest.skip("PostgreSQL (initdb, pg_ctl) not installed")
    base = Path(tempfile.mkdtemp(prefix="dm-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        shutil.chown(sock, "postgres", "postgres")
    port = _free_port()
    subprocess.run(_as_postgres_user([initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"]), check=True, capture_output=True)
    options = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements -c fsync=off"
    subprocess.run(_as_postgres_user([pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


class PgDatabase(NamedTuple):
    """A test database: its URL and an engine that can write."""

    url: str
    engine: Any

    def run(self, script: str) -> None:
        """Run a ``;``-separated SQL script (no ``;`` inside statements)."""
        with self.engine.connect() as conn:
            for statement in script.split(";"):
                if statement.strip():
                    conn.exec_driver_sql(statement)


@pytest.fixture()
def pg_database(pg_server: str, request: pytest.FixtureRequest):
    """A fresh, empty database on the test server (a ``PgDatabase``: URL, writing engine, ``run(script)``)."""
    import sqlalchemy as sa

    name = "t_" + "".join(ch for ch in request.node.name.lower() if ch.isalnum())[:40] + f"_{int(time.time() * 1000) % 100000}"
    admin = sa.create_engine(f"{pg_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    url = f"{pg_server}/{name}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        yield PgDatabase(url, engine)
    finally:
        engine.dispose()
        admin = sa.create_engine(f"{pg_server}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
