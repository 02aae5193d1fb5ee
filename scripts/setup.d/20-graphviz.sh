#!/usr/bin/env bash
# Graphviz (`dot`): renders SVG/PNG diagrams and validates DOT output in the exporter tests.
set -euo pipefail
if command -v dot >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing Graphviz (apt-get install graphviz)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
else
  echo "setup: Graphviz (dot) not found and cannot install it (not root or no apt-get); DOT/SVG tests will be skipped" >&2
fi
