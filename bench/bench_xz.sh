#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What compressing the ISF costs: IMAGE -> .json, .json.gz, .json.xz, interleaved, on 2 threads.
#   bench/bench_xz.sh [BUILD_DIR] [RUNS] [IMAGE]   (RUNS default 5; IMAGE default fx-deb12-6.1 mem.lime)
# IC_BENCH_OLD=BIN adds "BIN -o x.json.xz" to each round (e.g. a build from before a change).
# Prints min/median wall and CPU (user+sys, GNU time) per output and the file sizes; the load
# average before and after. --symbols-dir writes .json.xz, so that row is what a responder waits for.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
runs=${2:-5}
export IC_SRC=$src IC_BUILD=$build IC_FIXTURES=${IC_FIXTURES:-$build/fixtures}
img=${3:-$(bash "$src/tests/lib/fixture.sh" fx-deb12-6.1 mem.lime)}
[[ -x /usr/bin/time ]] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rows=("$build/isfcarve json" "$build/isfcarve json.gz" "$build/isfcarve json.xz")
[[ -n ${IC_BENCH_OLD:-} ]] && rows+=("$IC_BENCH_OLD json.xz")
cat "$img" >/dev/null
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $runs rounds; image $img"
for ((r = 0; r < runs; r++)); do
  for i in "${!rows[@]}"; do
    read -r bin ext <<<"${rows[$i]}"
    /usr/bin/time -f '%e %U %S' -o "$tmp/t" "$bin" -q -f -j 2 "$img" -o "$tmp/x$i.$ext" >/dev/null 2>&1
    read -r w u s <"$tmp/t"
    echo "$w" >>"$tmp/w$i"; echo "$u + $s" | bc -l >>"$tmp/c$i"
  done
done
stats() { sort -g "$1" | awk '{ v[NR] = $1 } END { printf "%.2f / %.2f", v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
printf '%-40s %-16s %-16s %s\n' output "wall min / med" "CPU min / med" bytes
for i in "${!rows[@]}"; do
  read -r bin ext <<<"${rows[$i]}"
  printf '%-40s %-16s %-16s %s\n' "$(basename "$bin") .$ext" "$(stats "$tmp/w$i")" "$(stats "$tmp/c$i")" \
    "$(stat -c %s "$tmp/x$i.$ext")"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
