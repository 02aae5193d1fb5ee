#!/usr/bin/env bash
# Screenshots of the HTML docs in headless Chromium (no network):
#   bash scripts/screenshot_docs.sh SITE_DIR OUT_DIR [TABLE_ANCHOR]
# writes OUT_DIR/html-index.png and OUT_DIR/html-table.png (the page of #t-TABLE_ANCHOR).
set -euo pipefail
site="$(cd "$1" && pwd)"; out="$2"; anchor="${3:-}"
mkdir -p "$out"
browser="$(command -v chromium || command -v chromium-browser)"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
shoot() {
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" \
    --window-size=1400,1000 --virtual-time-budget=3000 --screenshot="$2" "$1" >/dev/null 2>&1
}
shoot "file://$site/index.html" "$out/html-index.png"
if [ -n "$anchor" ]; then
  shoot "file://$site/index.html#t-$anchor" "$out/html-table.png"
fi
