#!/usr/bin/env bash
# Install everything the test suite needs, then lint (ruff), type-check (mypy) and test (pytest): the one check
# command, for developers and CI.
#   bash scripts/check.sh            # all tests
#   bash scripts/check.sh -k lineage # pytest arguments pass through
#   bash scripts/check.sh -n 0       # one process (the default runs one pytest-xdist worker per core)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${DATAMODELER_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e '.[test]'

# System tools the tests drive for real (PostgreSQL, Graphviz, …): one script per tool.
for step in scripts/setup.d/*.sh; do
  [ -e "$step" ] || continue
  bash "$step"
done

# Lint and type-check first: both are fast, and a finding fails the check like a failing test.
"$VENV/bin/ruff" check datamodeler tests benchmarks scripts
"$VENV/bin/mypy"

# Test files on a RAM disk when one with room is there (and TMPDIR is not set): scans write and fsync many small
# files (SQLite, DuckDB, model files), tens of milliseconds each on a disk. Only the latest run's files are kept.
ram_disk=()
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] \
   && [ "$(df --output=avail -k /dev/shm 2>/dev/null | tail -1 | tr -d ' ')" -gt 2097152 ] 2>/dev/null; then
  export TMPDIR=/dev/shm
  ram_disk=(-o tmp_path_retention_count=1)
fi

# One worker per core (pytest-xdist); --dist loadfile keeps each test file on one worker, so a module's shared
# fixtures are built once (tests/conftest.py). Arguments given here come after: `-n 0` runs in one process.
exec "$VENV/bin/python" -m pytest -n auto --dist loadfile ${ram_disk[@]+"${ram_disk[@]}"} "$@"
