"""Ctrl-C during a scan: exit 130, one line, and the previous model file untouched."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path


def test_ctrl_c_mid_scan_keeps_the_previous_model(demo_env, tmp_path):
    script = shutil.which("datamodeler", path=str(Path(sys.executable).parent))
    out = tmp_path / "datamodel.json"
    out.write_text('{"format_version": 1, "source": {"url": "old", "dialect": "duckdb", "scanned_at": "then"}}\n')
    before = out.read_text()
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    child = subprocess.Popen([script, "scan", "--out", str(out)], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
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
