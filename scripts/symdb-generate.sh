#!/bin/bash
# SPDX-License-Identifier: MIT
# Regenerate symdb/symdb.tsv from the DWARF of Debian kernels (reproducible maintainer run).
#
#   scripts/symdb-generate.sh [-c CACHE] [-b BUILD] [-k] [SUITE...]
#
#   SUITE    Debian suites whose current amd64 kernel to use
#            (default: bullseye bookworm trixie testing unstable)
#   -c DIR   cache outside the repository (default /var/tmp/symdb-cache): .debs, apt state,
#            per-kernel type lists CACHE/types/KVER.{types,System.map}
#   -b DIR   build directory with ic_dwarf2symdb (default ./build; needs libdw-dev at configure)
#   -k       keep the unpacked DWARF vmlinux files (each 0.3-0.6 GB); default: delete them
#
# Steps per suite: download linux-image-*-amd64-dbg (scripts/symdb-fetch.sh, private apt state),
# unpack only vmlinux + System.map, run ic_dwarf2symdb, delete the vmlinux. Then
# scripts/symdb-merge.py folds every CACHE/types/*.types (also ones from earlier runs) with
# symdb/seed.tsv into symdb/symdb.tsv. Needs: apt-get, dpkg-deb, tar, xz, python3.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
CACHE=/var/tmp/symdb-cache BUILD=$HERE/build KEEP=0
while getopts c:b:k o; do
    case $o in c) CACHE=$OPTARG ;; b) BUILD=$OPTARG ;; k) KEEP=1 ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
SUITES=("$@")
[ ${#SUITES[@]} -gt 0 ] || SUITES=(bullseye bookworm trixie testing unstable)
GEN=$BUILD/ic_dwarf2symdb
[ -x "$GEN" ] || { echo "symdb-generate: $GEN missing (install libdw-dev, re-run cmake, build ic_dwarf2symdb)" >&2; exit 1; }
mkdir -p "$CACHE/types" "$CACHE/vmlinux"
log() { echo "[symdb-generate $(date +%T)] $*" >&2; }

for suite in "${SUITES[@]}"; do
    deb=$("$HERE/scripts/symdb-fetch.sh" "$suite" "$CACHE" | tail -1)
    # linux-image-6.1.0-56-amd64-dbg_6.1.192-2_amd64.deb -> 6.1.192
    ver=$(basename "$deb" | sed -n 's/^[^_]*_\([0-9][0-9.]*[0-9]\)[-~+].*/\1/p')
    [ -n "$ver" ] || { echo "symdb-generate: no version in $deb" >&2; exit 1; }
    if [ -s "$CACHE/types/$ver.types" ] && [ -s "$CACHE/types/$ver.System.map" ]; then
        log "$suite: $ver already generated"
        continue
    fi
    dir=$CACHE/vmlinux/$ver
    rm -rf "$dir"; mkdir -p "$dir"
    log "$suite: unpacking vmlinux + System.map of $ver"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" --wildcards \
        './usr/lib/debug/boot/vmlinux-*' './usr/lib/debug/boot/System.map-*' \
        './usr/lib/debug/lib/modules/*/vmlinux' './usr/lib/debug/lib/modules/*/System.map' 2> /dev/null || true
    vml=$(find "$dir" -type f -name 'vmlinux*' | head -1)
    map=$(find "$dir" -type f -name 'System.map*' | head -1)
    [ -n "$vml" ] && [ -n "$map" ] || { echo "symdb-generate: no vmlinux/System.map in $deb" >&2; exit 1; }
    log "$suite: $GEN $vml"
    "$GEN" "$vml" > "$CACHE/types/$ver.types.tmp" 2> "$CACHE/types/$ver.log"
    tail -1 "$CACHE/types/$ver.log" >&2
    mv "$CACHE/types/$ver.types.tmp" "$CACHE/types/$ver.types"
    cp "$map" "$CACHE/types/$ver.System.map"
    [ "$KEEP" = 1 ] || rm -rf "$dir"
done

log "merging $(ls "$CACHE"/types/*.types | wc -l) kernels"
python3 "$HERE/scripts/symdb-merge.py" --seed "$HERE/symdb/seed.tsv" \
    --plugins "$HERE/symdb/plugin-symbols.txt" --out "$HERE/symdb/symdb.tsv" "$CACHE"/types/*.types
