#!/usr/bin/env bash
# Times `isfcarve --dwarf VMLINUX --map System.map` on a real debug vmlinux (Debian -dbg): wall,
# CPU (user+sys) and peak RSS (GNU time), best and median of N runs (default 3), then checks the
# ISF against the fixture's dwarf2json ISF (tests/scripts/test_golden_dwarf.py --compare).
# Target (issue 17): <= 10 s and <= 1.5 GiB on this 2-core machine (dwarf2json: 48 s, 3.7 GiB).
#   bench/bench_dwarf.sh VMLINUX FIXTURE [BUILD_DIR] [RUNS]
# e.g. (the fixture kernel's own debug package; keep the 0.6 GiB file out of git):
#   cd /work/dbg && apt-get download linux-image-6.1.0-56-amd64-dbg &&
#   dpkg-deb --fsys-tarfile linux-image-6.1.0-56-amd64-dbg_*.deb | tar -x --wildcards '*vmlinux*'
#   bench/bench_dwarf.sh /work/dbg/usr/lib/debug/boot/vmlinux-6.1.0-56-amd64 fx-deb12-6.1
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
vmlinux=${1:?usage: bench_dwarf.sh VMLINUX FIXTURE [BUILD_DIR] [RUNS]}
F=${2:?usage: bench_dwarf.sh VMLINUX FIXTURE [BUILD_DIR] [RUNS]}
build=${3:-$src/build}; runs=${4:-3}
bin=$build/isfcarve
export IC_SRC=$src IC_BUILD=$build IC_FIXTURES=${IC_FIXTURES:-$build/fixtures}
fx() { bash "$src/tests/lib/fixture.sh" "$@"; }
[[ -x /usr/bin/time ]] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
map=$(fx "$F" System.map)

echo "isfcarve $("$bin" --version | head -1 | cut -d' ' -f2), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: $vmlinux ($(du -h --apparent-size "$vmlinux" | cut -f1)), $F System.map"
# warm the page cache once, so every run reads the same way (the file is 0.6-1 GiB)
cat "$vmlinux" > /dev/null
walls=() cpus=() rss=0
for ((r = 0; r < runs; r++)); do
  rm -f "$tmp/out.json"
  /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$bin" -q --dwarf "$vmlinux" --map "$map" \
    -o "$tmp/out.json"
  read -r w m u s < "$tmp/time"
  walls+=("$w"); cpus+=("$(echo "$u + $s" | bc -l)"); (( m > rss )) && rss=$m
done
mapfile -t walls < <(printf '%s\n' "${walls[@]}" | sort -n)
mapfile -t cpus < <(printf '%s\n' "${cpus[@]}" | sort -n)
printf '%s --dwarf + System.map: wall best %5.2f s median %5.2f s | CPU best %5.2f s | peak RSS %5.1f MiB (%d runs, %s JSON)\n' \
  "$F" "${walls[0]}" "${walls[$((runs / 2))]}" "${cpus[0]}" "$(echo "$rss / 1024" | bc -l)" "$runs" \
  "$(du -h "$tmp/out.json" | cut -f1)"
awk -v w="${walls[0]}" -v m="$rss" 'BEGIN {
  printf "target  %.2fx of 10 s wall, %.2fx of 1.5 GiB RSS\n", w / 10, m / 1024 / 1536 }'
d2j=$(fx "$F" dwarf2json.isf.json)
python3 "$src/tests/scripts/test_golden_dwarf.py" --compare "$F" "$tmp/out.json" "$d2j" "$map" || true
