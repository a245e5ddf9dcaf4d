#!/usr/bin/env bash
# Quick start, command 2: install what is missing, build with warnings as errors and run the
# whole test suite; then build it again with AddressSanitizer + UndefinedBehaviorSanitizer
# (build-asan/) and run it there too, less the statistical validation tests. Exits non-zero on
# the first failure.
# The ASan pass runs the parser fuzz pass longer (CIMSIM_FUZZ_ITERATIONS); then a
# ThreadSanitizer build of the thread tests (build-tsan/: determinism, ensemble, executor),
# only with CIMSIM_TSAN=1 (not yet run through once; see below).
#   CIMSIM_SKIP_SANITIZERS=1 scripts/test.sh   skips the sanitizer passes (local use).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
bash scripts/setup.sh

echo "== release build (warnings are errors)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCIMSIM_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
echo "== tests (release)"
ctest --test-dir build -j "$jobs" --output-on-failure --timeout 600

if [ "${CIMSIM_SKIP_SANITIZERS:-0}" != "1" ]; then
  echo "== ASan+UBSan build"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCIMSIM_WERROR=ON \
    -DCIMSIM_SANITIZE=ON -DCIMSIM_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j "$jobs"
  echo "== tests (ASan+UBSan)"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # The statistical validation tests run in the release pass only: under ASan they take
  # many times longer and check the same code paths as the other tests.
  # Two reliability tests are left out here (they run in the release pass): LeakSanitizer
  # reports HDF5 allocations left behind after a failed write and on damaged files (issue 15,
  # item 12, still open).
  CIMSIM_FUZZ_ITERATIONS=${CIMSIM_FUZZ_ITERATIONS:-20000} \
    ctest --test-dir build-asan -j "$jobs" --output-on-failure --timeout 900 -LE validation \
      -E '^ReliabilityTest\.(FailingWritesLeaveNoFileAndKeepTheOldOne|DamagedFilesAreRefusedCleanly)$'

fi
# ThreadSanitizer build of the thread tests (build-tsan/: determinism, ensemble, executor). Opt-in
# (CIMSIM_TSAN=1) until it has been run through once: TBB itself is not instrumented, and a report
# from inside it would fail every run until suppressions are written.
if [ "${CIMSIM_TSAN:-0}" = "1" ]; then
  echo "== ThreadSanitizer build (thread tests only)"
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCIMSIM_WERROR=ON \
    -DCIMSIM_SANITIZE_THREAD=ON -DCIMSIM_BUILD_BENCH=OFF >/dev/null
  cmake --build build-tsan -j "$jobs" --target test_threads
  echo "== tests (TSan)"
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest --test-dir build-tsan -j "$jobs" --output-on-failure --timeout 900 -L threads
fi
echo "== all tests passed"
