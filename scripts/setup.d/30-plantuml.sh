#!/usr/bin/env bash
# PlantUML: the exporter tests render every PlantUML diagram with it to prove it parses.
set -euo pipefail
if command -v plantuml >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing PlantUML (apt-get install plantuml)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends plantuml default-jre-headless graphviz >/dev/null
else
  echo "setup: PlantUML not found and cannot install it (not root or no apt-get); PlantUML tests will be skipped" >&2
fi
