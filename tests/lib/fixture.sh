#!/usr/bin/env bash
# Print the path of a decompressed shared fixture file, decompressing it once (under a lock).
#   fixture.sh FIXTURE FILE        e.g. fixture.sh fx-deb12-6.1 mem.lime
#   FILE may be "truth/kallsyms"; the .xz in ../shared is used when the plain file is absent.
# Exit 77 when the shared testdata is absent (and CI is not set), 1 on other errors.
set -euo pipefail
fx=$1 file=$2
shared=${IC_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
out=${IC_FIXTURES:-${IC_BUILD:-.}/fixtures}
src=$shared/testdata/$fx/$file
if [[ ! -e $src && ! -e $src.xz ]]; then
  echo "fixture.sh: $src(.xz) not found" >&2
  if [[ -n ${CI:-} ]]; then exit 1; fi
  exit 77
fi
if [[ -e $src && ! -e $src.xz ]]; then
  echo "$src"
  exit 0
fi
dst=$out/$fx/$file
mkdir -p "$(dirname "$dst")"
exec 9>"$dst.lock"
flock 9
if [[ ! -s $dst || $src.xz -nt $dst ]]; then
  xz -dc "$src.xz" > "$dst.tmp"
  mv "$dst.tmp" "$dst"
fi
echo "$dst"
