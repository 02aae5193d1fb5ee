"""Shared fixtures: a real PostgreSQL server, the demo warehouse and its model scanned once, the ../shared datasets
(optional), and the ``slow`` marker (opt-in: ``--runslow`` or DATAMODELER_SLOW=1).

Under pytest-xdist (``-n auto --dist loadfile``, as scripts/check.sh runs it) the demo is generated and scanned once
for the whole run (the first worker to need it builds it under a file lock, the others read it); each worker that
needs PostgreSQL starts its own server on its own free port, and a module's tests (and its module fixtures) stay on
one worker."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def built_once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    """A folder ``name`` shared by every xdist worker of this test run (the session's own temp folder without
    xdist), held under a file lock: the first worker builds what goes in it, the others find it built."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        folder.mkdir(exist_ok=True)
        yield folder


@pytest.fixture(scope="session")
def built_demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DATAMODELER_HOME holding the generated demo warehouse, generated once per test run; never handed to tests."""
    from datamodeler import demo

    with built_once_per_run(tmp_path_factory, "demo-built") as home, pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATAMODELER_HOME", str(home))
        demo.ensure_demo()
    return home


@pytest.fixture(scope="session")
def demo_home(built_demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This session's DATAMODELER_HOME: the demo generated once per run, hard-linked in (tests may add or remove
    folders in it; the files are only ever read)."""
    home = tmp_path_factory.mktemp("datamodeler-home")
    shutil.copytree(built_demo_home / "demo", home / "demo", copy_function=_link_or_copy, dirs_exist_ok=True)
    return home


def _link_or_copy(source: str, target: str) -> None:
    """A hard link (the demo database is tens of MB), or a copy where the file system has none."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


@pytest.fixture(scope="session")
def demo_paths(demo_home: Path):
    """The bundled demo warehouse in the session's DATAMODELER_HOME (found there, not generated again)."""
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
def demo_scan_once(built_demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> DemoScan:
    """The bundled demo scanned once per test run, as a user does it (CLI, no URL). Read it; never write it:
    a test that changes the model takes ``demo_model`` (a fresh copy) or copies ``demo_model_file``."""
    with built_once_per_run(tmp_path_factory, "demo-scan") as folder:
        said = folder / "cli.json"
        if not said.exists():
            said.write_text(json.dumps(_scan_demo(built_demo_home, folder / "datamodel.json")))
        exit_code, stdout, output = json.loads(said.read_text())
    return DemoScan(folder / "datamodel.json", exit_code, stdout, output)


def _scan_demo(home: Path, out: Path) -> tuple[int, str, str]:
    """``datamodeler scan --out OUT --json`` on the demo in ``home``, no LLM, no config file: exit code, stdout, output."""
    from typer.testing import CliRunner

    from datamodeler.cli import app

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATAMODELER_HOME", str(home))
        for name in (*LLM_ENV, "DATAMODELER_CONFIG"):
            patch.delenv(name, raising=False)
        patch.chdir(out.parent)  # no stray ./datamodeler.toml
        result = CliRunner().invoke(app, ["scan", "--out", str(out), "--json"])
    return result.exit_code, result.stdout, result.output


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
    subprocess.run(_as_postgres_user([initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"]), check=True, capture_output=True)
    port = _start_postgres(pg_ctl, data, sock, base / "log")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _start_postgres(pg_ctl: str, data: Path, sock: Path, log: Path) -> int:
    """Start the server on a free port and return it; another port is tried when one was taken meanwhile (an xdist
    worker starting its own server at the same moment)."""
    for _attempt in range(3):
        port = _free_port()
        options = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements -c fsync=off"
        started = subprocess.run(_as_postgres_user([pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]), capture_output=True)
        if started.returncode == 0:
            return port
    said = log.read_text(errors="replace") if log.exists() else ""
    raise RuntimeError(f"PostgreSQL did not start: {started.stderr.decode(errors='replace')} {said}")


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
