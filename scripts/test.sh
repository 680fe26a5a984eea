#!/usr/bin/env bash
# The whole test suite: installs what is missing, checks formatting, builds
# a normal and an ASan+UBSan build and runs every test in both, and compiles
# a Release build.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/format.sh --check

jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

# Release (-O3) only compiles: its optimiser finds warnings the others miss.
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j"$jobs"

cmake -S . -B build-asan -DTA_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
# every test but the three "heavy" ones (tests/integration/CMakeLists.txt
# says why), which ran in the normal build above
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE heavy
echo "all tests passed"
