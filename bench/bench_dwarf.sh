#!/usr/bin/env bash
# Times `isfcarve --dwarf VMLINUX --map System.map` and `isfcarve IMAGE --dwarf VMLINUX` (the
# fixture's image) on a real debug vmlinux (Debian -dbg): wall, CPU (user+sys) and peak RSS (GNU
# time), best and median of N runs (default 3), then checks the --map ISF against the fixture's
# dwarf2json ISF, or, for a fixture without one, against the ISF of its truth BTF and System.map
# (tests/scripts/test_golden_dwarf.py --compare; tests/scripts/test_dwarf_dbg.py checks more).
# Target (issue 17): <= 10 s and <= 1.5 GiB on this 2-core machine (dwarf2json: 48 s, 3.7 GiB).
#   bench/bench_dwarf.sh VMLINUX FIXTURE [BUILD_DIR] [RUNS]
# e.g. (the fixture kernel's own debug package; keep the 0.6 GiB file out of git):
#   cd /work/dbg && apt-get download linux-image-6.1.0-56-amd64-dbg &&
#   dpkg-deb --fsys-tarfile linux-image-6.1.0-56-amd64-dbg_*.deb | tar -x --wildcards '*vmlinux*'
#   bench/bench_dwarf.sh /work/dbg/usr/lib/debug/boot/vmlinux-6.1.0-56-amd64 fx-deb12-6.1
# (a Debian testing/stable-security -dbg package not in apt's sources: download the .deb from
# deb.debian.org/debian/pool/main/l/linux/ or debian-security/pool/updates/main/l/linux/ with
# curl, same commands)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
vmlinux=${1:?usage: bench_dwarf.sh VMLINUX FIXTURE [BUILD_DIR] [RUNS]}
F=${2:?usage: bench_dwarf.sh VMLINUX FIXTURE [BUILD_DIR] [RUNS]}
build=${3:-$src/build}; runs=${4:-3}
bin=$build/isfcarve
export IC_SRC=$src IC_BUILD=$build IC_FIXTURES=${IC_FIXTURES:-$build/fixtures}
fx() { bash "$src/tests/lib/fixture.sh" "$@"; }
. "$src/bench/lib.sh"
[[ -x /usr/bin/time ]] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
map=$(fx "$F" System.map)

echo "isfcarve $("$bin" --version | head -1 | cut -d' ' -f2), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: $vmlinux ($(du -hL --apparent-size "$vmlinux" | cut -f1)), $F System.map"
# warm the page cache once, so every run reads the same way (the file is 0.6-1 GiB)
cat "$vmlinux" > /dev/null
# timed RUNS LABEL ARGS...: best/median wall, best CPU, peak RSS of RUNS runs of isfcarve ARGS
timed() {
  local n=$1 label=$2 w med c rss
  shift 2
  read -r w med c rss < <(runs "$n" "$bin" -q -f "$@" -o "$tmp/out.json")
  printf '%s %s: wall best %5.2f s median %5.2f s | CPU best %5.2f s | peak RSS %5.1f MiB (%d runs, %s JSON)\n' \
    "$F" "$label" "$w" "$med" "$c" "$(echo "$rss / 1024" | bc -l)" "$n" "$(du -h "$tmp/out.json" | cut -f1)"
  awk -v w="$w" -v m="$rss" 'BEGIN {
    printf "target  %.2fx of 10 s wall, %.2fx of 1.5 GiB RSS\n", w / 10, m / 1024 / 1536 }'
}
image=$(fx "$F" mem.lime 2>/dev/null || fx "$F" mem.elf)
timed "$runs" "IMAGE --dwarf" "$image" --dwarf "$vmlinux"
timed "$runs" "--dwarf + System.map" --dwarf "$vmlinux" --map "$map"
if [[ -e ${IC_SHARED:-$src/../shared}/testdata/$F/dwarf2json.isf.json.xz ]]; then
  ref=$(fx "$F" dwarf2json.isf.json)
  echo "against dwarf2json's ISF:"
else
  # no dwarf2json ISF: the pahole BTF of the same build (the kernel's own .BTF) with System.map
  ref=$tmp/btf.json
  "$bin" -q --btf "$(fx "$F" truth/btf_vmlinux)" --map "$map" \
    --banner "$(cat "$(fx "$F" truth/version)")" -o "$ref"
  echo "against the ISF of truth/btf_vmlinux + System.map (no dwarf2json ISF):"
fi
python3 "$src/tests/scripts/test_golden_dwarf.py" --compare "$F" "$tmp/out.json" "$ref" "$map" || true
