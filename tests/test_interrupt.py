"""Ctrl-C during a scan: exit 130, one line, and the previous model file untouched."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def default_ctrl_c() -> None:
    """In the child: Ctrl-C handled as in a terminal, even when pytest itself runs with SIGINT ignored (in the background)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_mid_scan_keeps_the_previous_model(demo_env, tmp_path):
    script = shutil.which("datamodeler", path=str(Path(sys.executable).parent))
    out = tmp_path / "datamodel.json"
    out.write_text('{"format_version": 1, "source": {"url": "old", "dialect": "duckdb", "scanned_at": "then"}}\n')
    before = out.read_text()
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    child = subprocess.Popen([script, "scan", "--out", str(out)], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
                             preexec_fn=default_ctrl_c)
    for line in child.stderr:  # stage lines are printed as each stage ends: interrupt once lineage is done
        if "lineage" in line or "relationships" in line:
            break
    child.send_signal(signal.SIGINT)
    _, rest = child.communicate(timeout=120)
    assert child.returncode == 130, rest
    assert "Interrupted: no file was changed." in rest
    assert "Traceback" not in rest
    assert out.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["datamodel.json"]


STATEMENTS = 3000  # distinct statements: seconds of lineage on two idle workers, read in well under a second


@pytest.mark.parametrize("delay", [0.2, 0.4, 0.6, pytest.param(1.0, marks=pytest.mark.slow)])  # 1.0: workers busy, waits for a chunk
def test_ctrl_c_during_parallel_lineage_stops_promptly(demo_env, tmp_path, delay):
    """Ctrl-C reaches the whole process group, lineage workers included: no hang (even while the worker pool
    starts, where an interrupted worker used to leave the pool waiting forever), no worker tracebacks."""
    script = shutil.which("datamodeler", path=str(Path(sys.executable).parent))
    log = tmp_path / "many.sql"
    log.write_text("".join(f"SELECT m.member_id AS a{i}, count(*) AS n{i} FROM crm.members m "
                           "JOIN crm.profiles p ON p.member_id = m.member_id GROUP BY 1;\n" for i in range(STATEMENTS)))
    out = tmp_path / "datamodel.json"
    env = {**os.environ, "NO_COLOR": "1", "DATAMODELER_WORKERS": "2"}
    child = subprocess.Popen([script, "scan", "-q", str(log), "--out", str(out)], stderr=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=env, start_new_session=True, preexec_fn=default_ctrl_c)
    for line in child.stderr:  # the query-log line is printed when reading ends and lineage starts
        if "read query logs" in line:
            break
    time.sleep(delay)
    os.killpg(child.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    try:
        _, rest = child.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        pytest.fail(f"scan hung after Ctrl-C {delay}s into lineage")
    assert child.returncode == 130, rest
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest
    assert f"{STATEMENTS}/{STATEMENTS}" not in rest, "lineage had ended before the Ctrl-C: the log is too short to test it"
    assert not out.exists()


def test_ctrl_c_while_workers_start_is_held_then_raised_and_children_start_deaf_to_it():
    """The pool start-up is not interruptible (a worker the pool does not know yet is never joined and dies with a
    traceback); the Ctrl-C is raised right after it, and processes started meanwhile inherit SIGINT blocked."""
    from datamodeler.lineage.runner import _ctrl_c_held

    ask_mask = "import signal; print(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))"
    outer = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, even if pytest runs in the background
    finished = False
    try:
        with pytest.raises(KeyboardInterrupt), _ctrl_c_held():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.1)  # an unheld Ctrl-C would have been raised by now
            child_mask = subprocess.run([sys.executable, "-c", ask_mask], capture_output=True, text=True, timeout=60).stdout.strip()
            finished = True
        assert finished and child_mask == "True"
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, outer)
