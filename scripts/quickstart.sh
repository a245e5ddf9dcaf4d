#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build in build/, run the default scenario.
# Extra arguments are passed to `cimsim run` (e.g. -r 100 -o my.h5).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
echo "== build/bin/cimsim run $*"
exec build/bin/cimsim run "$@"
