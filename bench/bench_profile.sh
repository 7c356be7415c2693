#!/usr/bin/env bash
# Whole pipeline: 1 GiB raw image -> ISF (.json), warm page cache, against the floor: the plain
# pass over the same file on the same threads (bench/pass.c, -m populate: with advise the fastest
# way in here; bench/bench_scale.sh tries every way each run). Issue target: <= 0.30 s on 2 threads.
#   bench/bench_profile.sh [BUILD_DIR] [RUNS]      (RUNS default 3; IC_BENCH_THREADS default 2)
# Both timed as whole processes with GNU time; best of RUNS for wall and CPU (user+sys)
# separately. On a busy machine judge by the CPU ratio.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
runs=${2:-3}
threads=${IC_BENCH_THREADS:-2}
export IC_SRC=$src IC_BUILD=$build IC_FIXTURES=${IC_FIXTURES:-$build/fixtures}
. "$src/bench/lib.sh"
[[ -x /usr/bin/time ]] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 1; }
img=$(bench_image "$build" "$src")
out=$build/bench/profile.json
cat "$img" >/dev/null # warm the page cache
read -r fw fc _ < <(measure "$runs" "$build/bench/ic_pass" -t "$threads" -m populate "$img")
read -r pw pc prss < <(measure "$runs" "$build/isfcarve" -q -f -j "$threads" "$img" -o "$out")
rm -f "$out"
echo "$(basename "$img"), load $(cut -d' ' -f1-3 /proc/loadavg), best of $runs"
awk -v fw="$fw" -v fc="$fc" -v pw="$pw" -v pc="$pc" -v r="$prss" -v t="$threads" 'BEGIN {
  printf "floor   %.3f s wall  %.3f s CPU\nprofile %.3f s wall  %.3f s CPU (peak RSS %.0f MiB, %d threads)\nratio   %.2f wall  %.2f CPU\n",
         fw, fc, pw, pc, r / 1024, t, pw / fw, pc / fc }'
