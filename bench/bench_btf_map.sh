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
[[ -x /usr/bin/time ]] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# one NAME ARGS...: run RUNS times, print best/median wall seconds and max RSS MiB
one() {
  local name=$1; shift
  local walls=() cpus=() rss=0 r w m u s
  for ((r = 0; r < runs; r++)); do
    rm -f "$tmp/out.json"
    /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$bin" -q "$@" -o "$tmp/out.json"
    read -r w m u s < "$tmp/time"
    walls+=("$w"); cpus+=("$(echo "$u + $s" | bc -l)"); (( m > rss )) && rss=$m
  done
  mapfile -t walls < <(printf '%s\n' "${walls[@]}" | sort -n)
  mapfile -t cpus < <(printf '%s\n' "${cpus[@]}" | sort -n)
  # CPU time (user+sys) is what to compare on a loaded machine; wall time is the target.
  printf '%-40s wall best %5.2f s median %5.2f s | CPU best %5.2f s | peak RSS %5.1f MiB (%d runs, %s)\n' \
    "$name" "${walls[0]}" "${walls[$((runs / 2))]}" "${cpus[0]}" "$(echo "$rss / 1024" | bc -l)" \
    "$runs" "$(du -h "$tmp/out.json" | cut -f1) JSON"
  if [[ -z $first_wall ]]; then first_wall=${walls[0]}; first_cpu=${cpus[0]}; fi
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
