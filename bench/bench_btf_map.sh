#!/usr/bin/env bash
# Times `isfcarve --btf --map` on the fixture kernels: wall, CPU (user+sys) and peak RSS per run
# (GNU time), best and median of N runs (default 3). Target (issue 2): <= 0.10 s and <= 64 MiB for
# the 6.1 kernel; the line "target" gives best time / 0.10 s (wall, and CPU for a busy machine).
#   bench/bench_btf_map.sh [BUILD_DIR] [RUNS]     (needs ../shared/testdata; decompresses once)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}; runs=${2:-3}
bin=$build/isfcarve pass=$build/bench/ic_pass
export IC_SRC=$src IC_BUILD=$build IC_FIXTURES=${IC_FIXTURES:-$build/fixtures}
fx() { bash "$src/tests/lib/fixture.sh" "$@"; }
. "$src/bench/lib.sh"
[[ -x $pass ]] || { echo "bench: no $pass (cmake --build $build --target ic_pass)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# floor FILE...: the plain pass over the run's input files (bench/pass.c, one thread, each file
# best of RUNS, summed): the time any reader of these inputs needs, to hold the run against.
floor() {
  local f i best sum=0 t
  for f in "$@"; do
    best=
    for ((i = 0; i < runs; i++)); do
      t=$("$pass" -t 1 -m populate "$f" | cut -d' ' -f1)
      [[ -z $best ]] || (( $(echo "$t < $best" | bc -l) )) && best=$t
    done
    sum=$(echo "$sum + $best" | bc -l)
  done
  printf '%.3f' "$sum"
}

# one NAME ARGS...: RUNS runs of isfcarve ARGS: best/median wall, best CPU, peak RSS, and the
# plain pass over the files ARGS name (--btf, --map) beside them
one() {
  local name=$1 w med c rss files=() a prev= fl
  shift
  for a in "$@"; do [[ $prev == --btf || $prev == --map ]] && files+=("$a"); prev=$a; done
  fl=$(floor "${files[@]}")
  read -r w med c rss < <(runs "$runs" "$bin" -q -f "$@" -o "$tmp/out.json")
  # CPU time (user+sys) is what to compare on a loaded machine; wall time is the target.
  printf '%-40s wall best %5.2f s median %5.2f s | CPU best %5.2f s | peak RSS %5.1f MiB (%d runs, %s) | plain pass over the inputs %s s\n' \
    "$name" "$w" "$med" "$c" "$(echo "$rss / 1024" | bc -l)" "$runs" "$(du -h "$tmp/out.json" | cut -f1) JSON" "$fl"
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
