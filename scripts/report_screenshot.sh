#!/usr/bin/env bash
# Screenshot of the report's first effect chart (progress: all scenarios, and the difference from
# the baseline over time), as in the README: docs/img/report-difference.png.
# Usage: bash scripts/report_screenshot.sh [REPLICATES]   (needs build/bin/cimsim and chromium)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$root/build/bin/cimsim" run baseline coordinator-leaves coordinator-leaves-with-successor -r "${1:-100}" -q -o "$tmp/c.h5"
"$root/build/bin/cimsim" report "$tmp/c.h5" -o "$tmp/c.html"
# Only the effects section's first figure.
sed 's|</head>|<style>header, section:not(#effects) {display:none} figure:not(:first-of-type) {display:none}</style></head>|' \
  "$tmp/c.html" > "$tmp/only.html"
timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --user-data-dir="$tmp/profile" \
  --virtual-time-budget=30000 --window-size=1100,820 --screenshot="$root/docs/img/report-difference.png" "$tmp/only.html" 2>/dev/null
echo "wrote docs/img/report-difference.png"
