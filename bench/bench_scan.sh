#!/usr/bin/env bash
# Scan speed vs the floor (bench/pass.c: the plain pass on the same threads, MAP_POPULATE) on a
# 1 GiB raw image, warm page cache.
#   bench/bench_scan.sh [BUILD_DIR] [RUNS]
# Builds BUILD_DIR/bench/scan-1g.raw once from fx-deb12-6.1/mem.lime (LiME -> raw with
# tests/lib/imgconv.py, then the 256 MiB raw concatenated 4x). Prints min wall times and the ratio.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
runs=${2:-3}
threads=${IC_BENCH_THREADS:-2}
export IC_SRC=$src IC_BUILD=$build IC_FIXTURES=${IC_FIXTURES:-$build/fixtures}
. "$src/bench/lib.sh"
img=$(bench_image "$build" "$src")
bytes=$(stat -c %s "$img")
cat "$img" >/dev/null # warm the page cache
floor=$(for _ in $(seq "$runs"); do "$build/bench/ic_pass" -t "$threads" -m populate "$img" | awk '{print $1}'; done | best)
scan=$(for _ in $(seq "$runs"); do
  /usr/bin/time -f %e "$build/isfcarve" scan -q -j "$threads" "$img" 2>&1 >/dev/null | tail -1
done | best)
awk -v f="$floor" -v s="$scan" -v b="$bytes" -v t="$threads" 'BEGIN {
  printf "image %.0f MiB, %d threads\nfloor %.3f s (%.2f GiB/s)\nscan  %.3f s (%.2f GiB/s)\nratio %.2f (target <= 2)\n",
         b / 1048576, t, f, b / f / 1073741824, s, b / s / 1073741824, s / f }'
