#!/usr/bin/env bash
# PlantUML: the exporter tests render every PlantUML diagram with it to prove it parses.
source "$(dirname "$0")/../require.sh"
require_tool PlantUML "command -v plantuml" --no-install-recommends plantuml default-jre-headless graphviz
