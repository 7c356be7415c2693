#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# LiME images of 1, 4 and 16 GiB -> ISF, against the plain pass over the same file, interleaved.
#   bench/bench_scale.sh [BUILD_DIR] [RUNS] [GIB...]     (RUNS default 5, GIB default "1 4 16")
# Images: IC_BENCH_IMG_DIR (default BUILD_DIR/bench)/bench-<N>g.lime, written once by
#   bench/mklime.py from fx-deb12-6.1/mem.lime (the real 256 MiB guest + real-looking pages).
#   16 GiB needs 16 GiB of disk and, to be timed warm, as much free page cache; delete the
#   images when done (the generator stays).
# Each repetition runs, back to back on the same warm file: the plain pass in every way in
#   (build/bench/ic_pass -t 2 -m mmap|populate|advise|poprd|read; the rep's floor is the fastest
#   of them), then isfcarve -q -f -j 2 IMAGE -o x.json, then (IC_BENCH_XZ=1) the same with
#   -o x.json.xz. IC_BENCH_MODES="populate read" narrows the ways in (when one run of each
#   over a file larger than the free page cache takes minutes). Wall and CPU (user+sys) by GNU time; min and median over RUNS. One more run of
#   isfcarve under bench/runstat.py gives the peak RSS and the peak anonymous memory (heap).
# The machine is shared: the load average is printed before and after; compare figures of one run.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
runs=${2:-5}
shift 2 || shift $#
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(1 4 16)
export IC_SRC=$src IC_BUILD=$build IC_FIXTURES=${IC_FIXTURES:-$build/fixtures}
dir=${IC_BENCH_IMG_DIR:-$build/bench}
py=${IC_PYTHON:-/usr/bin/python3}
base=${IC_BENCH_BASE:-$(bash "$src/tests/lib/fixture.sh" fx-deb12-6.1 mem.lime)}
[[ -x /usr/bin/time ]] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 1; }
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
read -r -a modes <<<"${IC_BENCH_MODES:-mmap populate advise poprd read}"

# stats FILE -> "min median" of the numbers in FILE (one a line)
stats() { sort -g "$1" | awk '{ v[NR] = $1 } END { printf "%.3f %.3f\n", v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
t1() { /usr/bin/time -f '%e %U %S' -o "$tmp/t" "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; exit 1; }
       read -r w u s <"$tmp/t"; echo "$w $(echo "$u + $s" | bc -l)"; }

echo "isfcarve $("$build/isfcarve" --version | head -1 | cut -d' ' -f2), $(nproc) CPUs, $runs runs, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%5s | %-13s %-13s | %-13s %-13s | %-13s | %7s %7s | %9s %9s\n' GiB "pass wall" "pass CPU" \
  "json wall" "json CPU" "json.xz wall" "x wall" "x CPU" "RSS MiB" "anon MiB"
for g in "${sizes[@]}"; do
  img=$dir/bench-${g}g.lime
  if [[ ! -s $img ]]; then
    "$py" "$src/bench/mklime.py" "$base" "$img.tmp" --gib "$g" && mv "$img.tmp" "$img"
  fi
  cat "$img" >/dev/null # warm
  : >"$tmp/pw"; : >"$tmp/pc"; : >"$tmp/jw"; : >"$tmp/jc"; : >"$tmp/xw"; : >"$tmp/best"
  for ((r = 0; r < runs; r++)); do
    bw=; bc=; bm=
    for m in "${modes[@]}"; do
      read -r w c < <(t1 "$build/bench/ic_pass" -t 2 -m "$m" "$img")
      if [[ -z $bw ]] || (($(echo "$w < $bw" | bc -l))); then bw=$w; bc=$c; bm=$m; fi
    done
    echo "$bw" >>"$tmp/pw"; echo "$bc" >>"$tmp/pc"; echo "$bm" >>"$tmp/best"
    read -r w c < <(t1 "$build/isfcarve" -q -f -j 2 "$img" -o "$tmp/x.json")
    echo "$w" >>"$tmp/jw"; echo "$c" >>"$tmp/jc"
    if [[ ${IC_BENCH_XZ:-0} == 1 ]]; then
      read -r w c < <(t1 "$build/isfcarve" -q -f -j 2 "$img" -o "$tmp/x.json.xz")
      echo "$w" >>"$tmp/xw"
    fi
  done
  read -r _ _ rss anon < <("$py" "$src/bench/runstat.py" "$build/isfcarve" -q -f -j 2 "$img" -o "$tmp/x.json")
  read -r pwm pwd < <(stats "$tmp/pw"); read -r pcm pcd < <(stats "$tmp/pc")
  read -r jwm jwd < <(stats "$tmp/jw"); read -r jcm jcd < <(stats "$tmp/jc")
  xz="-"; [[ -s $tmp/xw ]] && xz=$(stats "$tmp/xw" | tr ' ' /)
  awk -v g="$g" -v pw="$pwm/$pwd" -v pc="$pcm/$pcd" -v jw="$jwm/$jwd" -v jc="$jcm/$jcd" -v xz="$xz" \
      -v rw="$(echo "$jwd / $pwd" | bc -l)" -v rc="$(echo "$jcd / $pcd" | bc -l)" -v rss="$rss" -v anon="$anon" \
      'BEGIN { printf "%5s | %-13s %-13s | %-13s %-13s | %-13s | %7.2f %7.2f | %9.0f %9.1f\n", g, pw, pc, jw, jc, xz, rw, rc, rss / 1024, anon / 1024 }'
  echo "      fastest pass per run: $(sort "$tmp/best" | uniq -c | tr -s ' ' | tr '\n' ',')"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "figures are min/median seconds; x = isfcarve / pass (medians); RSS counts mapped image pages, anon = heap"
