#!/usr/bin/env bash
# Times `isfcarve --btf --map` on the fixture kernels: wall, CPU (user+sys) and peak RSS per run
# (GNU time), best and median of N runs (default 3). Target (issue 2): <= 0.10 s and <= 64 MiB for
# the 6.1 kernel; the line "target" gives best time / 0.10 s (wall, and CPU for a busy machine).
#   bench/bench_btf_map.sh [BUILD_DIR] [RUNS]     (needs ../shared/testdata; decompresses once)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}; runs=${2:-3}
bin=$build/isfcarve
export IC_SRC=$src IC_BUILD=$build IC_FIXTURES=${IC_FIXTURES:-$build/fixtures}
fx() { bash "$src/tests/lib/fixture.sh" "$@"; }
. "$src/bench/lib.sh"
[[ -x /usr/bin/time ]] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# one NAME ARGS...: RUNS runs of isfcarve ARGS: best/median wall, best CPU, peak RSS
one() {
  local name=$1 w med c rss
  shift
  read -r w med c rss < <(runs "$runs" "$bin" -q -f "$@" -o "$tmp/out.json")
  # CPU time (user+sys) is what to compare on a loaded machine; wall time is the target.
  printf '%-40s wall best %5.2f s median %5.2f s | CPU best %5.2f s | peak RSS %5.1f MiB (%d runs, %s)\n' \
    "$name" "$w" "$med" "$c" "$(echo "$rss / 1024" | bc -l)" "$runs" "$(du -h "$tmp/out.json" | cut -f1) JSON"
  if [[ -z $first_wall ]]; then first_wall=$w; first_cpu=$c; fi
}

echo "isfcarve $("$bin" --version | head -1 | cut -d' ' -f2), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
F=fx-deb12-6.1
first_wall= first_cpu=
one "$F vmlinux + System.map" --btf "$(fx $F vmlinux)" --map "$(fx $F System.map)"
one "$F raw BTF + System.map + banner" --btf "$(fx $F truth/btf_vmlinux)" --map "$(fx $F System.map)" \
  --banner "$(cat "$(fx $F truth/version)")"
F=fx-forky-7.2
one "$F raw BTF + System.map + banner" --btf "$(fx $F truth/btf_vmlinux)" --map "$(fx $F System.map)" \
  --banner "$(cat "$(fx $F truth/version)")"
awk -v w="$first_wall" -v c="$first_cpu" 'BEGIN {
  printf "target  fx-deb12-6.1 vmlinux + System.map: %.2fx of 0.10 s wall, %.2fx of 0.10 s CPU\n", w / 0.10, c / 0.10 }'
