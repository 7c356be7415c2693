#!/usr/bin/env bash
# The whole test suite: a normal build and an ASan+UBSan build, both with -Werror, each running
# every ctest (unit, golden vs ../shared/testdata, CLI black-box, fuzz corpus replay).
# Usage: scripts/test.sh [ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
fixtures=${IC_FIXTURE_DIR:-$PWD/build-fixtures}
run() {
  local dir=$1; shift
  cmake -S . -B "$dir" -DIC_WERROR=ON -DIC_FIXTURE_DIR="$fixtures" "$@" >/dev/null
  cmake --build "$dir" -j"$jobs" >/dev/null
  (cd "$dir" && ctest -j"$jobs" --output-on-failure "${ctest_args[@]}")
}
ctest_args=("$@")
echo "== build: release + tests"
run build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== build: ASan+UBSan + tests"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run build-asan -DCMAKE_BUILD_TYPE=Debug -DIC_SANITIZE=address,undefined
