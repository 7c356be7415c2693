#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Compressed dumps -> ISF on 2 threads, against decoding alone (the floor). Target: <= 1.5x.
#   bench/bench_formats.sh [BUILD_DIR] [RUNS]      (RUNS default 2; IC_BENCH_THREADS default 2)
# Images (built once under BUILD_DIR/bench/, a few minutes the first time):
#   bench-1g.kdump  the 1 GiB raw bench image (bench/lib.sh) as makedumpfile -c -d 1 would write it
#                   (bench/mkkdump.py: zlib pages, zero pages excluded; 0.74 GB of pages)
#   bench-1g.avml   the same raw image as AVML v2 (shared/tools/tools/avml-convert.py)
#   vmcore.kdump    the real fx-deb12-6.1-kdump (makedumpfile -c -d 31, 82 MB of pages): small, so
#                   fixed per-image costs (BTF -> ISF, kallsyms) weigh more in its ratio
#   IC_BENCH_EXTRA="IMG ..."  more images to time the same way (e.g. the realistic one-kernel
#                   dumps under /work/bench-real: makedumpfile, QEMU kdump-zlib, AVML of one boot)
# floor   = build/ic_decode_floor IMAGE N: open the image and decode every present byte through the
#           scanner's read path into a buffer, N threads, no carvers (the decompression time alone)
# profile = isfcarve -q -f -j N IMAGE -o x.json (scan, carvers, KASLR, kallsyms, BTF -> ISF, write)
# Both are timed as whole processes with GNU time; best of RUNS for wall and CPU (user+sys)
# separately. On a busy machine judge by the CPU ratio.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
runs=${2:-2}
threads=${IC_BENCH_THREADS:-2}
shared=${IC_SHARED:-$src/../shared}
export IC_SRC=$src IC_BUILD=$build IC_SHARED=$shared IC_FIXTURES=${IC_FIXTURES:-$build/fixtures}
. "$src/bench/lib.sh"
[[ -x /usr/bin/time ]] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 1; }
out=$build/bench/formats-profile.json
imgs=("$(bench_kdump "$build" "$src")" "$(bench_avml "$build" "$src" "$shared")"
      "$(bash "$src/tests/lib/fixture.sh" fx-deb12-6.1-kdump vmcore.kdump)")
for extra in ${IC_BENCH_EXTRA:-}; do
  [[ -s $extra ]] || { echo "bench: IC_BENCH_EXTRA: no such image: $extra" >&2; exit 1; }
  imgs+=("$extra")
done

echo "isfcarve $("$build/isfcarve" --version | head -1 | cut -d' ' -f2), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $threads threads, best of $runs"
printf '%-20s %9s | %8s %8s | %8s %8s | %6s %6s | %s\n' image pages_MB floor_s floor_cpu \
  prof_s prof_cpu wall_x cpu_x "prof RSS"
for img in "${imgs[@]}"; do
  # a warm-up run (file pages into the page cache) that also reports the decoded size
  bytes=$("$build/ic_decode_floor" "$img" "$threads" | sed -E 's/.*, ([0-9]+) bytes decoded.*/\1/')
  read -r fw fc _ < <(measure "$runs" "$build/ic_decode_floor" "$img" "$threads")
  read -r pw pc prss < <(measure "$runs" "$build/isfcarve" -q -f -j "$threads" "$img" -o "$out")
  awk -v n="$(basename "$img")" -v b="$bytes" -v fw="$fw" -v fc="$fc" -v pw="$pw" -v pc="$pc" \
      -v r="$prss" 'BEGIN { printf "%-20s %9.1f | %8.3f %8.3f | %8.3f %8.3f | %6.2f %6.2f | %.0f MiB\n",
      n, b / 1e6, fw, fc, pw, pc, pw / fw, pc / fc, r / 1024 }'
done
rm -f "$out"
echo "wall_x / cpu_x = profile / floor (target <= 1.5 on $threads threads)"
