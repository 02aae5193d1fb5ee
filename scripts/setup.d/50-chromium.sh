#!/usr/bin/env bash
# Headless Chromium: opens the generated HTML docs site in a test and takes screenshots.
source "$(dirname "$0")/../require.sh"
require_tool Chromium "command -v chromium || command -v chromium-browser" chromium fonts-dejavu-core
