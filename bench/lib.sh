#!/usr/bin/env bash
# Shared by bench scripts: the 1 GiB benchmark images and timing helpers.
# bench_image BUILD SRC -> prints the path of BUILD/bench/scan-1g.raw, built once from
# fx-deb12-6.1/mem.lime (LiME -> raw with tests/lib/imgconv.py, then the 256 MiB raw 4x).
bench_py=${IC_PYTHON:-/usr/bin/python3}
bench_image() {
  local build=$1 src=$2 img=$1/bench/scan-1g.raw lime
  if [[ ! -s $img ]]; then
    mkdir -p "$build/bench"
    lime=$(bash "$src/tests/lib/fixture.sh" fx-deb12-6.1 mem.lime)
    "$bench_py" "$src/tests/lib/imgconv.py" "$lime" "$img.part"
    : >"$img.tmp"
    for _ in 1 2 3 4; do cat "$img.part" >>"$img.tmp"; done
    rm -f "$img.part"
    mv "$img.tmp" "$img"
  fi
  echo "$img"
}
# bench_kdump BUILD SRC -> BUILD/bench/bench-1g.kdump: the raw image as a kdump-compressed file
# (zlib pages, zero pages excluded, notes of the real fx-deb12-6.1-kdump), bench/mkkdump.py.
bench_kdump() {
  local build=$1 src=$2 out=$1/bench/bench-1g.kdump raw real
  if [[ ! -s $out ]]; then
    raw=$(bench_image "$build" "$src")
    real=$(bash "$src/tests/lib/fixture.sh" fx-deb12-6.1-kdump vmcore.kdump)
    "$bench_py" "$src/bench/mkkdump.py" "$raw" "$out.tmp" --notes-from "$real" >&2
    mv "$out.tmp" "$out"
  fi
  echo "$out"
}
# bench_avml BUILD SRC SHARED -> BUILD/bench/bench-1g.avml: the raw image as AVML v2 (one 1 GiB
# range in 16 MiB snappy blocks), written by shared/tools/tools/avml-convert.py.
bench_avml() {
  local build=$1 src=$2 shared=$3 out=$1/bench/bench-1g.avml raw
  if [[ ! -s $out ]]; then
    raw=$(bench_image "$build" "$src")
    "$bench_py" "$shared/tools/tools/avml-convert.py" write "$raw" "$out.tmp" \
      --ranges "0-$(printf '%x' "$(stat -c %s "$raw")")" >/dev/null
    mv "$out.tmp" "$out"
  fi
  echo "$out"
}
best() { sort -g | head -1; }
# runs RUNS CMD... -> "BEST_WALL MEDIAN_WALL BEST_CPU RSS_KiB" over RUNS runs of CMD (GNU time):
# best and median wall seconds, best CPU (user+sys) seconds, max RSS. On a busy machine compare
# CPU: wall then mostly measures the wait for a core.
runs() {
  local n=$1 t w u s m i rss=0 walls=() cpus=()
  shift
  t=$(mktemp)
  for ((i = 0; i < n; i++)); do
    /usr/bin/time -f '%e %U %S %M' -o "$t" "$@" >/dev/null 2>&1 || { rm -f "$t"; echo "bench: failed: $*" >&2; return 1; }
    read -r w u s m <"$t"
    walls+=("$w"); cpus+=("$(echo "$u + $s" | bc -l)"); ((m > rss)) && rss=$m
  done
  rm -f "$t"
  mapfile -t walls < <(printf '%s\n' "${walls[@]}" | sort -g)
  mapfile -t cpus < <(printf '%s\n' "${cpus[@]}" | sort -g)
  echo "${walls[0]} ${walls[$((n / 2))]} ${cpus[0]} $rss"
}
# measure RUNS CMD... -> "WALL CPU RSS_KiB": best wall, best CPU, max RSS (runs without the median)
measure() {
  local w m c r
  w=$(runs "$@") || return 1
  read -r w m c r <<<"$w"
  echo "$w $c $r"
}
