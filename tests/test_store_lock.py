"""One model file, many writers: a review made while a scan runs is never lost, two scans take turns,
the lock gives up with one line, temp files of killed writers are cleaned, outputs follow the umask."""

from __future__ import annotations

import os
import random
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

from datamodeler.cli import app
from datamodeler.review import save_decisions
from datamodeler.scan import ScanOptions, run_scan
from datamodeler.store import (
    dump_model,
    load_model,
    lock_path,
    save_model,
    write_atomic,
)

runner = CliRunner()
ROUNDS = 100


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A small SQLite warehouse with three undeclared relationships, and its scanned model text."""
    root = tmp_path_factory.mktemp("lock-shop")
    db = root / "shop.db"
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT);"
        "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER);"
        "CREATE TABLE order_items (id INTEGER PRIMARY KEY, order_id INTEGER, product_id INTEGER);"
    )
    conn.executemany("INSERT INTO customers VALUES (?, ?)", [(i, f"c{i}@example.com") for i in range(1, 41)])
    conn.executemany("INSERT INTO products VALUES (?, ?)", [(i, f"p{i}") for i in range(1, 21)])
    conn.executemany("INSERT INTO orders VALUES (?, ?)", [(i, 1 + i % 40) for i in range(1, 121)])
    conn.executemany("INSERT INTO order_items VALUES (?, ?, ?)", [(i, 1 + i % 120, 1 + i % 20) for i in range(1, 301)])
    conn.commit()
    conn.close()
    out = root / "datamodel.json"
    model, _ = scan(db, out)
    assert len(model.relationships) >= 3
    return db, out.read_text()


class JitterProgress:
    """Progress that sleeps a random moment at each stage: the scan's stages land at random times."""

    def __init__(self, rng: random.Random, most_s: float):
        self.rng, self.most_s = rng, most_s

    @contextmanager
    def stage(self, name, total=None):
        time.sleep(self.rng.uniform(0, self.most_s))
        yield self
        time.sleep(self.rng.uniform(0, self.most_s))

    def advance(self, n: int = 1) -> None:
        pass


def scan(db, out, progress=None):
    return run_scan(ScanOptions(url=f"sqlite:///{db}", out=out, use_llm=False, history=False), progress)


@pytest.mark.slow  # exhaustive: runs in CI (DATAMODELER_SLOW=1), opt-in locally (--runslow)
def test_reviews_during_scans_are_never_lost(shop, tmp_path):
    """100 interleavings of `review` with one or two scans of the same file: every decision survives."""
    db, scanned = shop
    out = tmp_path / "datamodel.json"
    ids = sorted(r.id for r in load_model_text(scanned, tmp_path).relationships)
    lost, overlapped = [], 0
    for round_ in range(ROUNDS):
        rng = random.Random(round_)
        out.write_text(scanned)
        decisions = {rel_id: rng.choice(["accepted", "rejected"]) for rel_id in rng.sample(ids, rng.randint(1, len(ids)))}
        times: dict[str, float] = {}
        scans = [threading.Thread(target=timed, args=(times, f"scan{n}", scan, db, out, JitterProgress(random.Random(rng.random()), 0.004)))
                 for n in range(1 + (round_ % 4 == 0))]  # every fourth round: two scans race as well
        review = threading.Thread(target=timed, args=(times, "review", delayed_review, out, decisions, rng.uniform(0, 0.08)))
        for thread in (*scans, review):
            thread.start()
        for thread in (*scans, review):
            thread.join(60)
        assert set(times) == {"review", *(f"scan{n}" for n in range(len(scans)))}, f"round {round_}: a writer failed"
        overlapped += times["review"] < max(v for k, v in times.items() if k.startswith("scan"))
        final = {r.id: r.status for r in load_model(out).relationships}
        lost += [(round_, rel_id) for rel_id, status in decisions.items() if final.get(rel_id) != status]
        assert not list(tmp_path.glob(".*.tmp")) and not lock_path(out).exists()
    assert lost == [], f"{len(lost)} decision(s) lost in {ROUNDS} rounds"
    assert overlapped >= ROUNDS // 2, f"only {overlapped} reviews landed while a scan was running: the test does not interleave"


def timed(times: dict[str, float], name: str, work, *args) -> None:
    work(*args)
    times[name] = time.monotonic()


def delayed_review(out, decisions: dict[str, str], delay_s: float) -> None:
    time.sleep(delay_s)
    save_decisions(out, [i for i, s in decisions.items() if s == "accepted"], [i for i, s in decisions.items() if s == "rejected"], "ana")


def load_model_text(text: str, tmp_path):
    path = tmp_path / "probe.json"
    path.write_text(text)
    return load_model(path)


def test_review_and_scan_processes_keep_the_decision(shop, tmp_path):
    """The same race with real processes: the CLI's review while the CLI's scan runs."""
    db, scanned = shop
    out = tmp_path / "datamodel.json"
    out.write_text(scanned)
    rel_id = min(r.id for r in load_model(out).relationships)
    cli = [sys.executable, "-m", "datamodeler"]
    scanner = subprocess.Popen([*cli, "scan", f"sqlite:///{db}", "--out", str(out), "--no-llm", "--no-history", "--json"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    review = subprocess.run([*cli, "review", "--model", str(out), "--reject", rel_id], check=False, capture_output=True, text=True, timeout=120)
    assert scanner.wait(120) == 0, scanner.stderr.read()
    assert review.returncode == 0, review.stderr
    assert load_model(out).relationship(rel_id).status == "rejected"


HOLD_LOCK = textwrap.dedent("""
    import fcntl, os, sys, time
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    print("locked", flush=True)
    sys.stdin.read()
""")


def test_a_held_lock_gives_one_line_after_the_timeout(shop, tmp_path, monkeypatch):
    _, scanned = shop
    out = tmp_path / "datamodel.json"
    out.write_text(scanned)
    rel_id = load_model(out).relationships[0].id
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(lock_path(out))], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"locked"
        monkeypatch.setenv("DATAMODELER_LOCK_TIMEOUT", "0.3")
        began = time.monotonic()
        result = runner.invoke(app, ["review", "--model", str(out), "--reject", rel_id])
        assert result.exit_code == 1 and 0.3 <= time.monotonic() - began < 10
        assert result.stderr.startswith("Error: another datamodeler process holds") and len(result.stderr.strip().splitlines()) == 1
        assert out.read_text() == scanned
    finally:
        holder.communicate(b"", timeout=30)
    result = runner.invoke(app, ["review", "--model", str(out), "--reject", rel_id])
    assert result.exit_code == 0, result.stderr
    assert load_model(out).relationship(rel_id).status == "rejected"


def test_a_bad_lock_timeout_is_a_config_error(shop, tmp_path, monkeypatch):
    _, scanned = shop
    out = tmp_path / "datamodel.json"
    out.write_text(scanned)
    monkeypatch.setenv("DATAMODELER_LOCK_TIMEOUT", "soon")
    result = runner.invoke(app, ["review", "--model", str(out), "--reject", load_model(out).relationships[0].id])
    assert result.exit_code == 1 and result.stderr.startswith("Error: DATAMODELER_LOCK_TIMEOUT='soon' is not a number")


SLOW_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import datamodeler.store as store
    real_fdopen = store.os.fdopen
    def slow_fdopen(*a, **k):
        handle = real_fdopen(*a, **k)
        real_write = handle.write
        def write(data):
            for i in range(0, len(data), 100_000):
                real_write(data[i:i + 100_000]); handle.flush(); time.sleep(0.01)
            return len(data)
        handle.write = write
        return handle
    store.os.fdopen = slow_fdopen
    print("writing", flush=True)
    store.write_atomic(Path(sys.argv[1]), "x" * 10_000_000)
""")


def test_temp_files_of_killed_writers_are_cleaned_and_live_ones_kept(tmp_path):
    path = tmp_path / "erd.dot"
    write_atomic(path, "old\n")
    killed = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(path)], stdout=subprocess.PIPE)
    assert killed.stdout.readline().strip() == b"writing"
    time.sleep(0.3)
    killed.kill()
    killed.wait()
    (abandoned,) = tmp_path.glob(".erd.dot.*.tmp")
    assert abandoned.stat().st_size > 0
    live = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(path)], stdout=subprocess.PIPE)
    try:
        assert live.stdout.readline().strip() == b"writing"
        time.sleep(0.2)
        write_atomic(path, "new\n")  # cleans the killed writer's file, leaves the live writer's alone
        assert not abandoned.exists()
        assert len(list(tmp_path.glob(".erd.dot.*.tmp"))) == 1
    finally:
        assert live.wait(60) == 0
    assert path.read_text() == "x" * 10_000_000 and not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_follow_the_umask(shop, tmp_path, umask, mode):
    _, scanned = shop
    model = tmp_path / "datamodel.json"
    old = os.umask(umask)
    try:
        save_model(load_model_text(scanned, tmp_path), model)
        result = runner.invoke(app, ["docs", "--model", str(model), "--format", "html", "--out", str(tmp_path / "site")])
        assert result.exit_code == 0, result.stderr
        erd = runner.invoke(app, ["erd", "--model", str(model), "--format", "dot", "--out", str(tmp_path / "erd.dot")])
        assert erd.exit_code == 0, erd.stderr
    finally:
        os.umask(old)
    for path in (model, tmp_path / "site" / "index.html", tmp_path / "erd.dot"):
        assert stat.S_IMODE(path.stat().st_mode) == mode, path


def test_a_rewrite_keeps_the_file_mode(shop, tmp_path):
    _, scanned = shop
    model = tmp_path / "datamodel.json"
    save_model(load_model_text(scanned, tmp_path), model)
    model.chmod(0o640)
    save_model(load_model(model), model)
    assert stat.S_IMODE(model.stat().st_mode) == 0o640
    assert dump_model(load_model(model)) == model.read_text()


def test_interactive_answers_are_applied_to_the_file_as_it_is_when_the_prompt_ends(shop, tmp_path):
    """The prompt works on an earlier read; a decision written meanwhile (another review, a scan) is kept."""
    from datamodeler.review import decide, save_reviewed

    _, scanned = shop
    out = tmp_path / "datamodel.json"
    out.write_text(scanned)
    first, second = sorted(load_model(out).relationships, key=lambda r: r.id)[:2]
    earlier = load_model(out)  # what the prompt shows
    save_decisions(out, accept=[first.id], by="bo")  # someone else decides meanwhile
    answered = [decide(earlier.relationship(second.id), "rejected", "ana")]
    save_reviewed(out, answered, "ana")
    final = load_model(out)
    assert final.relationship(first.id).status == "accepted" and final.relationship(second.id).status == "rejected"
    assert [e.detail for e in final.relationship(second.id).evidence if e.kind == "human"] == ["rejected by ana"]
