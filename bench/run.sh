#!/usr/bin/env bash
# Builds cimsim_bench (if missing or stale) and runs the whole suite, writing Google
# Benchmark JSON to bench/results/<machine>/<date>.json (and <date>-city-scale.json for the
# one city-scale run, in a process of its own so that its peak memory is its own), then prints
# the target ratios (bench/ratios.py). Run from anywhere:
#   bash bench/run.sh                       # everything, about 10 minutes on 2 cores
#   bash bench/run.sh --benchmark_filter=BM_Tick   # extra arguments go to the binary
# Environment:
#   CIMSIM_MACHINE    results folder name (default: short hostname)
#   CIMSIM_BUILD_DIR  build directory (default: build), must be a Release build
#   CIMSIM_SKIP_CITY=1  skip the city-scale run (minutes)
#   CIMSIM_NO_BUILD=1   use $CIMSIM_BUILD_DIR/bin as it is (a machine without the toolchain,
#                       given binaries built elsewhere)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD="${CIMSIM_BUILD_DIR:-build}"
BIN="$BUILD/bin/cimsim_bench"
MACHINE="${CIMSIM_MACHINE:-$(hostname -s 2>/dev/null || hostname)}"

# --- build if needed: missing binary, or any source / CMake file newer than it.
stale=0
if [ "${CIMSIM_NO_BUILD:-0}" = "1" ]; then
  [ -x "$BIN" ] || { echo "run.sh: CIMSIM_NO_BUILD=1 but $BIN is missing" >&2; exit 1; }
elif [ ! -x "$BIN" ]; then
  stale=1
elif [ -n "$(find engine analysis scenarios bench cmake CMakeLists.txt -newer "$BIN" \
             \( -name '*.cpp' -o -name '*.hpp' -o -name '*.toml' -o -name 'CMakeLists.txt' -o -name '*.cmake' \) \
             -print -quit 2>/dev/null)" ]; then
  stale=1
fi
if [ "$stale" = 1 ]; then
  if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release
  fi
  build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
  sanitize=$(sed -n 's/^CIMSIM_SANITIZE:BOOL=//p' "$BUILD/CMakeCache.txt")
  if [ "$build_type" != "Release" ] || [ "${sanitize:-OFF}" = "ON" ]; then
    echo "run.sh: $BUILD is a '$build_type' build (sanitize=${sanitize:-OFF}); benchmarks need Release" >&2
    echo "run.sh: use another directory, e.g. CIMSIM_BUILD_DIR=build-bench bash bench/run.sh" >&2
    exit 1
  fi
  if ! grep -q '^CIMSIM_BUILD_BENCH:BOOL=ON' "$BUILD/CMakeCache.txt"; then
    cmake -S . -B "$BUILD" -DCIMSIM_BUILD_BENCH=ON
  fi
  cmake --build "$BUILD" --target cimsim_bench
fi

# --- provenance
echo "nproc: $(nproc)"
echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || true)
echo "compiler: $("${cxx:-c++}" --version | head -1)"
echo "git: $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo -dirty)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
if awk '{ exit !($1 > 0.5) }' /proc/loadavg 2>/dev/null; then
  echo "WARNING: the machine is busy (1-minute load above 0.5); multi-thread numbers will be too low." >&2
  echo "WARNING: on a small machine, rerun when it is idle (see bench/README.md)." >&2
fi

# --- run
OUTDIR="bench/results/$MACHINE"
mkdir -p "$OUTDIR"
STEM="$OUTDIR/$(date +%Y-%m-%d)"
[ -e "$STEM.json" ] && STEM="$OUTDIR/$(date +%Y-%m-%d-%H%M%S)"
OUT="$STEM.json"
CITY="$STEM-city-scale.json"
echo "output: $OUT"
# Three repetitions of at least 0.5 s each; the console shows mean/median/stddev/cv, the JSON
# keeps every repetition too. Later arguments override these.
"$BIN" --benchmark_min_time=0.5 --benchmark_repetitions=3 --benchmark_display_aggregates_only=true \
  --benchmark_filter='^BM_(Rng|NeighbourGather|Commit|Observe|Build|Floor|TrafficFloor|Tick|Run|ComputeScaling|Sink|Memory)' \
  --benchmark_out="$OUT" --benchmark_out_format=json "$@"
files=("$OUT")
if [ "${CIMSIM_SKIP_CITY:-0}" != "1" ] && [ $# -eq 0 ]; then
  echo "output: $CITY (one city-scale run: 10^6 citizens, 10 years; minutes)"
  "$BIN" --benchmark_filter='^BM_CityScale' --benchmark_repetitions=1 \
    --benchmark_out="$CITY" --benchmark_out_format=json
  files+=("$CITY")
fi

# --- the default `cimsim run` of the README, as a user runs it (wall time, 3 times)
CLI="$BUILD/bin/cimsim"
if [ -x "$CLI" ] && [ $# -eq 0 ]; then
  tmp=$(mktemp -d)
  for i in 1 2 3; do
    if [ -x /usr/bin/time ]; then
      /usr/bin/time -f "default cimsim run (baseline x 20, all cores): %e s wall, %M KiB peak RSS" \
        "$CLI" run -q -o "$tmp/default.h5" -f >/dev/null
    else  # no GNU time: wall time only
      TIMEFORMAT="default cimsim run (baseline x 20, all cores): %R s wall"
      time "$CLI" run -q -o "$tmp/default.h5" -f >/dev/null
    fi
  done
  rm -rf "$tmp"
fi

echo
python3 bench/ratios.py "${files[@]}"
