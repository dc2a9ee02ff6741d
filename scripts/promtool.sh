#!/usr/bin/env bash
# Prometheus's promtool, for test/ops (the alerting rules checked and unit-tested by Prometheus itself).
#
#   scripts/promtool.sh fetch    find it, or fetch it once (cached): Debian's prometheus package,
#                                unpacked, never installed (no service, no user, nothing started)
#   scripts/promtool.sh path     print its path (fetching it first if needed)
#
# PROMTOOL, if set, names the binary to use; else `promtool` on PATH; else the cached one.
set -euo pipefail

CACHE="${PUPITRE_CACHE:-$HOME/.cache/pupitre}/promtool"

die() { echo "promtool.sh: $*" >&2; exit 1; }

find_promtool() {
  if [[ -n "${PROMTOOL:-}" ]]; then
    [[ -x "$PROMTOOL" ]] || die "PROMTOOL=$PROMTOOL is not an executable"
    echo "$PROMTOOL"
  elif command -v promtool >/dev/null 2>&1; then
    command -v promtool
  elif [[ -x "$CACHE/promtool" ]]; then
    echo "$CACHE/promtool"
  else
    return 1
  fi
}

fetch() {
  find_promtool >/dev/null && return 0
  command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 ||
    die "promtool not found: install Prometheus's promtool (https://prometheus.io/download/) or set PROMTOOL"
  tmp="$(mktemp -d)"
  trap 'rm -rf "${tmp:-}"' EXIT
  # apt-get download writes to the current directory, as the _apt user when it can.
  chmod 755 "$tmp"
  (cd "$tmp" && apt-get download -qq prometheus 2>/dev/null) ||
    die "apt-get download prometheus failed (run apt-get update first, or set PROMTOOL)"
  dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x"
  mkdir -p "$CACHE"
  install -m 755 "$tmp/x/usr/bin/promtool" "$CACHE/promtool.tmp.$$"
  mv "$CACHE/promtool.tmp.$$" "$CACHE/promtool"
  echo "promtool.sh: $("$CACHE/promtool" --version 2>&1 | head -1) in $CACHE" >&2
}

case "${1:-}" in
  fetch) fetch ;;
  path) fetch && find_promtool ;;
  *) die "usage: scripts/promtool.sh fetch|path" ;;
esac
