#!/usr/bin/env bash
# require_tool NAME CHECK PACKAGE...: install Debian PACKAGEs when the shell test CHECK fails.
# Sourced by scripts/setup.d/*.sh. Without root or apt-get it prints a note; tests then skip (or fail under CI=true).
set -euo pipefail

require_tool() {
  local name="$1" check="$2"
  shift 2
  if eval "$check" >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: $name not found and cannot install it (not root or no apt-get); tests that need it will be skipped" >&2
    return 0
  fi
  echo "setup: installing $name (apt-get install $*)"
  if [ -z "${DATAMODELER_APT_UPDATED:-}" ]; then
    apt-get update -qq >/dev/null
    export DATAMODELER_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
