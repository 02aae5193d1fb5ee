#!/usr/bin/env bash
# PostgreSQL server binaries (initdb, pg_ctl) with pg_stat_statements, for tests/conftest.py to start.
set -euo pipefail
if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing PostgreSQL (apt-get install postgresql postgresql-contrib)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null
else
  echo "setup: PostgreSQL not found and cannot install it (not root or no apt-get); PostgreSQL tests will be skipped" >&2
fi
