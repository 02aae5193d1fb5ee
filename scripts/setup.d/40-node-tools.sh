#!/usr/bin/env bash
# Node.js parsers the exporter tests run: @dbml/core (DBML) and mermaid under jsdom (Mermaid),
# installed from tests/js/package-lock.json into tests/js/node_modules (gitignored).
set -euo pipefail
cd "$(dirname "$0")/../../tests/js"
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Node.js (apt-get install nodejs npm)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "setup: npm not found and cannot install it; DBML/Mermaid parse tests will be skipped" >&2
    exit 0
  fi
fi
if [ -d node_modules/@dbml/core ] && [ -d node_modules/mermaid ] && [ -d node_modules/jsdom ]; then
  exit 0
fi
echo "setup: installing @dbml/core, mermaid and jsdom (npm ci in tests/js)"
npm ci --no-audit --no-fund --loglevel=error
