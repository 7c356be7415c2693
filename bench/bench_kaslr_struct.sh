#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# KASLR by page-table structure alone on a large image, against the plain pass over the same file.
#   bench/bench_kaslr_struct.sh [BUILD_DIR] [GIB]      (GIB default 40)
# The image: fx-deb12-6.1's LiME ranges as they are, plus one LiME range of GIB GiB of zeros at
# 4 GiB physical, written sparse (it takes the base's 256 MiB of disk, not GIB). It is what a
# large machine's dump looks like to the structure scan: every page is looked at, and zero pages
# are never tables. Written once to IC_BENCH_IMG_DIR (default BUILD_DIR/bench); delete it after.
# Runs once each: build/bench/ic_pass -t 1 -m read (the plain pass), then
# build/bench/ic_kaslr_struct (ic_kaslr__solve with structure_only), both under GNU time.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
gib=${2:-40}
export IC_SRC=$src IC_BUILD=$build IC_FIXTURES=${IC_FIXTURES:-$build/fixtures}
dir=${IC_BENCH_IMG_DIR:-$build/bench}
base=${IC_BENCH_BASE:-$(bash "$src/tests/lib/fixture.sh" fx-deb12-6.1 mem.lime)}
[[ -x /usr/bin/time ]] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 1; }
[[ -x $build/bench/ic_kaslr_struct ]] || { echo "bench: build the bench tools first (cmake --build $build)" >&2; exit 1; }
mkdir -p "$dir"
img=$dir/sparse-${gib}g.lime
if [[ ! -s $img ]]; then
  python3 - "$base" "$img.tmp" "$gib" <<'PY'
import struct, sys
src, out, gib = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, "rb") as f, open(out, "wb") as o:
    while len(h := f.read(32)) == 32:
        magic, ver, s, e = struct.unpack_from("<IIQQ", h)
        if magic != 0x4C694D45 or e < s:
            sys.exit(f"{src}: not a LiME range header at {f.tell() - 32}")
        o.write(h)
        n = e - s + 1
        while n:
            b = f.read(min(n, 1 << 24))
            if not b:
                sys.exit(f"{src}: cut short")
            o.write(b)
            n -= len(b)
    size = gib << 30
    o.write(struct.pack("<IIQQ8x", 0x4C694D45, 1, 1 << 32, (1 << 32) + size - 1))
    o.truncate(o.tell() + size)
PY
  mv "$img.tmp" "$img"
fi
echo "$(nproc) CPUs, load before: $(cut -d' ' -f1-3 /proc/loadavg); $img: $(du -h "$img" | cut -f1) on disk, $(( $(stat -c %s "$img") >> 30 )) GiB"
/usr/bin/time -f 'plain pass (ic_pass -t 1 -m read): wall %e s, CPU %U + %S s' "$build/bench/ic_pass" -t 1 -m read "$img" >/dev/null
/usr/bin/time -f 'structure-only KASLR: wall %e s, CPU %U + %S s' "$build/bench/ic_kaslr_struct" "$img"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
