#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Compressed dump formats: isfcarve scan vs decoding alone (the floor) vs reading the file.
#   bench/bench_formats.sh [BUILD_DIR] [REPEATS]
# Images: fx-deb12-6.1-kdump/vmcore.kdump (makedumpfile, zlib), its flattened form, and
# fx-deb12-6.1/mem.lime converted to AVML v2 by shared/tools/tools/avml-convert.py.
# Prints the best of REPEATS (default 3) wall-clock seconds per step. Keep it short on a shared box.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
reps=${2:-3}
shared=${IC_SHARED:-$src/../shared}
py=${IC_PYTHON:-/usr/bin/python3}
export IC_SHARED=$shared IC_FIXTURES=${IC_FIXTURES:-$build/fixtures}
work=$build/derived/formats
mkdir -p "$work"

kdump=$(bash "$src/tests/lib/fixture.sh" fx-deb12-6.1-kdump vmcore.kdump)
lime=$(bash "$src/tests/lib/fixture.sh" fx-deb12-6.1 mem.lime)
iomem=$(bash "$src/tests/lib/fixture.sh" fx-deb12-6.1 truth/iomem)
avml=$work/mem.avml
if [[ ! -s $avml || $lime -nt $avml ]]; then
  "$py" "$shared/tools/tools/avml-convert.py" write "$lime" "$avml.tmp" --iomem "$iomem" >/dev/null
  mv "$avml.tmp" "$avml"
fi
flat=$work/vmcore.flat
if [[ ! -s $flat || $kdump -nt $flat ]]; then
  "$py" - "$kdump" "$flat" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as f:
    f.write((b"makedumpfile\0\0\0\0" + struct.pack(">qq", 1, 1)).ljust(4096, b"\0"))
    for o in range(0, len(d), 1 << 20):          # 1 MiB records, in order
        n = min(1 << 20, len(d) - o)
        f.write(struct.pack(">qq", o, n) + d[o:o + n])
    f.write(struct.pack(">qq", -1, -1))
PY
fi

best() { # best wall time of "$@" over $reps runs, in seconds
  local b= t s e
  for ((i = 0; i < reps; i++)); do
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [[ -z $b ]] || (( $(echo "$t < $b" | bc -l) )); then b=$t; fi
  done
  printf '%.3f' "$b"
}

printf '%-12s %12s %12s | %9s %9s %9s | %9s %9s\n' image file_MB present_MB \
  read_file decode_j1 decode_j2 scan_j1 scan_j2
for img in "$kdump" "$flat" "$avml"; do
  fsz=$(stat -c %s "$img")
  line=$("$build/ic_decode_floor" "$img" 1)
  bytes=$(sed -E 's/.*, ([0-9]+) bytes decoded.*/\1/' <<<"$line")
  printf '%-12s %12.1f %12.1f | %9s %9s %9s | %9s %9s\n' "$(basename "$img")" \
    "$(echo "$fsz / 1000000" | bc -l)" "$(echo "$bytes / 1000000" | bc -l)" \
    "$(best "$build/bench/ic_floor" "$img")" \
    "$(best "$build/ic_decode_floor" "$img" 1)" "$(best "$build/ic_decode_floor" "$img" 2)" \
    "$(best "$build/isfcarve" scan --json -j 1 "$img")" "$(best "$build/isfcarve" scan --json -j 2 "$img")"
done
