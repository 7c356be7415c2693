#!/usr/bin/env bash
# Shared by bench scripts: the 1 GiB raw benchmark image and a best-of helper.
# bench_image BUILD SRC -> prints the path of BUILD/bench/scan-1g.raw, built once from
# fx-deb12-6.1/mem.lime (LiME -> raw with tests/lib/imgconv.py, then the 256 MiB raw 4x).
bench_image() {
  local build=$1 src=$2 img=$1/bench/scan-1g.raw lime
  if [[ ! -s $img ]]; then
    mkdir -p "$build/bench"
    lime=$(bash "$src/tests/lib/fixture.sh" fx-deb12-6.1 mem.lime)
    python3 "$src/tests/lib/imgconv.py" "$lime" "$img.part"
    : >"$img.tmp"
    for _ in 1 2 3 4; do cat "$img.part" >>"$img.tmp"; done
    rm -f "$img.part"
    mv "$img.tmp" "$img"
  fi
  echo "$img"
}
best() { sort -g | head -1; }
