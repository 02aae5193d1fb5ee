#!/usr/bin/env bash
# PostgreSQL server binaries (initdb, pg_ctl) with pg_stat_statements, for tests/conftest.py to start.
source "$(dirname "$0")/../require.sh"
require_tool PostgreSQL "command -v initdb || ls /usr/lib/postgresql/*/bin/initdb" postgresql postgresql-contrib
