#!/bin/bash
# SPDX-License-Identifier: MIT
# Regenerate symdb/symdb.tsv from the DWARF of Debian kernels (reproducible maintainer run).
#
#   scripts/symdb-generate.sh [-a ARCH] [-c CACHE] [-b BUILD] [-k] [SUITE...]
#
#   SUITE    Debian suites whose current kernel to use
#            (default: bullseye bookworm trixie testing unstable trixie-backports)
#   -a ARCH  amd64 (default: symdb/symdb.tsv, x86-64) or arm64 (symdb/symdb-arm64.tsv)
#   -c DIR   cache outside the repository (default /var/tmp/symdb-cache): .debs, apt state,
#            per-kernel type lists CACHE/types/KVER.{types,System.map} (arm64: CACHE/types-arm64/)
#   -b DIR   build directory with ic_dwarf2symdb (default ./build; needs libdw-dev at configure)
#   -k       keep the unpacked DWARF vmlinux files (each 0.3-0.6 GB); default: delete them
#
# Steps per suite: download linux-image-*-ARCH-dbg (scripts/symdb-fetch.sh, private apt state),
# unpack only vmlinux + System.map, run ic_dwarf2symdb, delete the vmlinux. Then
# scripts/symdb-merge.py folds every CACHE/types/*.types (also ones from earlier runs) with
# symdb/seed.tsv into symdb/symdb.tsv. Needs: apt-get, dpkg-deb, tar, xz, python3.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
CACHE=/var/tmp/symdb-cache BUILD=$HERE/build KEEP=0 ARCH=amd64
while getopts a:c:b:k o; do
    case $o in a) ARCH=$OPTARG ;; c) CACHE=$OPTARG ;; b) BUILD=$OPTARG ;; k) KEEP=1 ;; *) exit 2 ;; esac
done
case $ARCH in
amd64) TYPES=$CACHE/types OUT=$HERE/symdb/symdb.tsv ;;
arm64) TYPES=$CACHE/types-arm64 OUT=$HERE/symdb/symdb-arm64.tsv ;;
*) echo "symdb-generate: -a amd64 or arm64" >&2; exit 2 ;;
esac
export ARCH
shift $((OPTIND - 1))
SUITES=("$@")
[ ${#SUITES[@]} -gt 0 ] || SUITES=(bullseye bookworm trixie testing unstable trixie-backports)
GEN=$BUILD/ic_dwarf2symdb
[ -x "$GEN" ] || { echo "symdb-generate: $GEN missing (install libdw-dev, re-run cmake, build ic_dwarf2symdb)" >&2; exit 1; }
mkdir -p "$TYPES" "$CACHE/vmlinux"
log() { echo "[symdb-generate $(date +%T)] $*" >&2; }

for suite in "${SUITES[@]}"; do
    deb=$("$HERE/scripts/symdb-fetch.sh" "$suite" "$CACHE" | tail -1)
    # linux-image-6.1.0-56-amd64-dbg_6.1.192-2_amd64.deb -> 6.1.192
    ver=$(basename "$deb" | sed -n 's/^[^_]*_\([0-9][0-9.]*[0-9]\)[-~+].*/\1/p')
    [ -n "$ver" ] || { echo "symdb-generate: no version in $deb" >&2; exit 1; }
    if [ -s "$TYPES/$ver.types" ] && [ -s "$TYPES/$ver.System.map" ]; then
        log "$suite: $ver already generated"
        continue
    fi
    dir=$CACHE/vmlinux/$ARCH-$ver
    rm -rf "$dir"; mkdir -p "$dir"
    log "$suite: unpacking vmlinux + System.map of $ver"
    # Stream the tar and stop once vmlinux and System.map are out: the package holds GBs of
    # module debug info after them that tar would otherwise decompress for nothing.
    dpkg-deb --fsys-tarfile "$deb" 2> /dev/null | python3 -c '
import re, sys, tarfile
want = re.compile(r"^\.?/?usr/lib/debug/(boot/(vmlinux|System\.map)-[^/]+|lib/modules/[^/]+/(vmlinux|System\.map))$")
found = set()
with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as tf:
    for m in tf:
        if m.isfile() and want.match(m.name):
            tf.extract(m, sys.argv[1], filter="data") if hasattr(tarfile, "data_filter") else tf.extract(m, sys.argv[1])
            found.add("vmlinux" if "vmlinux" in m.name else "map")
            if len(found) == 2:
                break
' "$dir" || true
    vml=$(find "$dir" -type f -name 'vmlinux*' | head -1)
    map=$(find "$dir" -type f -name 'System.map*' | head -1)
    [ -n "$vml" ] && [ -n "$map" ] || { echo "symdb-generate: no vmlinux/System.map in $deb" >&2; exit 1; }
    log "$suite: $GEN $vml"
    "$GEN" "$vml" > "$TYPES/$ver.types.tmp" 2> "$TYPES/$ver.log"
    tail -1 "$TYPES/$ver.log" >&2
    mv "$TYPES/$ver.types.tmp" "$TYPES/$ver.types"
    cp "$map" "$TYPES/$ver.System.map"
    [ "$KEEP" = 1 ] || rm -rf "$dir"
done

log "merging $(ls "$TYPES"/*.types | wc -l) kernels"
python3 "$HERE/scripts/symdb-merge.py" --arch "$ARCH" --seed "$HERE/symdb/seed.tsv" \
    --plugins "$HERE/symdb/plugin-symbols.txt" --out "$OUT" "$TYPES"/*.types
