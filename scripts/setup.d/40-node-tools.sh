#!/usr/bin/env bash
# Node.js parsers the exporter tests run: @dbml/core (DBML) and mermaid under jsdom (Mermaid),
# installed from tests/js/package-lock.json into tests/js/node_modules (gitignored).
source "$(dirname "$0")/../require.sh"
require_tool "Node.js and npm" "command -v npm" nodejs npm
command -v npm >/dev/null 2>&1 || exit 0
cd "$(dirname "$0")/../../tests/js"
if [ -d node_modules/@dbml/core ] && [ -d node_modules/mermaid ] && [ -d node_modules/jsdom ]; then
  exit 0
fi
echo "setup: installing @dbml/core, mermaid and jsdom (npm ci in tests/js)"
npm ci --no-audit --no-fund --loglevel=error
