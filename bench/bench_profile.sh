#!/usr/bin/env bash
# Whole pipeline: 1 GiB raw image -> ISF (.json), warm page cache, against the floor (one plain
# pass over the same file). Issue target: <= 0.30 s on 2 threads.
#   bench/bench_profile.sh [BUILD_DIR] [RUNS]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
runs=${2:-3}
threads=${IC_BENCH_THREADS:-2}
export IC_SRC=$src IC_BUILD=$build IC_FIXTURES=${IC_FIXTURES:-$build/fixtures}
. "$src/bench/lib.sh"
img=$(bench_image "$build" "$src")
out=$build/bench/profile.json
cat "$img" >/dev/null # warm the page cache
floor=$(for _ in $(seq "$runs"); do "$build/bench/ic_floor" "$img" | awk '{print $1}'; done | best)
prof=$(for _ in $(seq "$runs"); do
  /usr/bin/time -f '%e %M' "$build/isfcarve" -q -f -j "$threads" "$img" -o "$out" 2>&1 >/dev/null | tail -1
done | sort -g | head -1)
awk -v f="$floor" -v p="${prof% *}" -v r="${prof#* }" -v t="$threads" 'BEGIN {
  printf "floor   %.3f s\nprofile %.3f s (peak RSS %.0f MiB, %d threads)\nratio   %.2f\n", f, p, r / 1024, t, p / f }'
rm -f "$out"
