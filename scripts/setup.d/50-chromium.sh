#!/usr/bin/env bash
# Headless Chromium: opens the generated HTML docs site in a test and takes screenshots.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing Chromium (apt-get install chromium)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
else
  echo "setup: Chromium not found and cannot install it (not root or no apt-get); the HTML browser test will be skipped" >&2
fi
