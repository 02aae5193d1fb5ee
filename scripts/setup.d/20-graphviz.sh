#!/usr/bin/env bash
# Graphviz (`dot`): renders SVG/PNG diagrams and validates DOT output in the exporter tests.
source "$(dirname "$0")/../require.sh"
require_tool Graphviz "command -v dot" graphviz
