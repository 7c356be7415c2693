#!/bin/bash
# SPDX-License-Identifier: MIT
# Download the linux-image-*-ARCH-dbg package of a Debian suite's current kernel into a cache dir.
#
#   [ARCH=amd64|arm64] symdb-fetch.sh SUITE CACHEDIR
#
# Uses apt-get with a private sources list and private state/cache directories under CACHEDIR, so
# the host's apt configuration is never edited (other processes may use apt at the same time).
# Prints the path of the downloaded .deb on its last line.
set -euo pipefail
SUITE=$1 CACHE=$(realpath -m "$2")
MIRROR=${MIRROR:-http://deb.debian.org/debian}
ARCH=${ARCH:-amd64}
case $ARCH in amd64|arm64) ;; *) echo "symdb-fetch: ARCH must be amd64 or arm64" >&2; exit 2 ;; esac
A=$CACHE/apt-$SUITE-$ARCH
mkdir -p "$A/lists/partial" "$A/archives/partial" "$CACHE/debs"
echo "deb [arch=$ARCH] $MIRROR $SUITE main" > "$A/sources.list"
for s in "$SUITE-security"; do
    case $SUITE in bullseye|bookworm|trixie)
        echo "deb [arch=$ARCH] ${MIRROR%/debian}/debian-security $s main" >> "$A/sources.list" ;;
    esac
done
APT=(-o "Dir::Etc::SourceList=$A/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
     -o "Dir::State::Lists=$A/lists" -o "Dir::Cache=$A" -o "Dir::Cache::archives=$A/archives"
     -o "Dir::State::status=/dev/null" -o "APT::Architecture=$ARCH" -o "Acquire::Languages=none")
apt-get "${APT[@]}" update -q > "$A/update.log" 2>&1 || { cat "$A/update.log" >&2; exit 1; }
META=$(apt-cache "${APT[@]}" show linux-image-$ARCH | sed -n 's/^Version: //p' | sort -V | tail -1)
ABI=$(apt-cache "${APT[@]}" show "linux-image-$ARCH=$META" |
      sed -n 's/^Depends:.*linux-image-\([^ ]*\)-'"$ARCH"'\( \|,\|$\).*/\1/p' | head -1)
[ -n "$ABI" ] || { echo "symdb-fetch: no linux-image-$ARCH in $SUITE" >&2; exit 1; }
PKG=linux-image-$ABI-$ARCH-dbg
VER=$(apt-cache "${APT[@]}" show "$PKG" | sed -n 's/^Version: //p' | sort -V | tail -1)
echo "symdb-fetch: $SUITE: $PKG $VER" >&2
cd "$CACHE/debs"
ls "$PKG"_*.deb > /dev/null 2>&1 || apt-get "${APT[@]}" download -q "$PKG=$VER" >&2
ls -1 "$CACHE/debs/$PKG"_*.deb | tail -1
