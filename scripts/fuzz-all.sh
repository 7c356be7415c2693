#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fuzz campaign: build every fuzz/fuzz_<x>.c as a libFuzzer binary (clang, ASan+UBSan) and run
# each for MINUTES, two at a time; print executions, coverage and crashes per target.
#
#   scripts/fuzz-all.sh MINUTES [TARGET...]
#
# Env: BUILD (default build-fuzz), JOBS (parallel targets, default 2), OUT (scratch dir, default
# $BUILD/fuzz-campaign), RSS_MB (libFuzzer -rss_limit_mb, default 2048), TIMEOUT_S (per input, 10).
# New interesting inputs go to $OUT/<x>/corpus (merged), crashes to $OUT/<x>/artifacts: the committed
# corpus fuzz/corpus/<x>/ is only read. Copy a crash there by hand once it is fixed (regression input).
set -euo pipefail
MIN=${1:?usage: fuzz-all.sh MINUTES [TARGET...]}
shift
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build-fuzz}
JOBS=${JOBS:-2}
OUT=${OUT:-$BUILD/fuzz-campaign}
RSS_MB=${RSS_MB:-2048}
TIMEOUT_S=${TIMEOUT_S:-10}
SECS=$(awk -v m="$MIN" 'BEGIN { printf "%d", m * 60 }')

command -v clang >/dev/null || { echo "fuzz-all: clang not found (libFuzzer needs clang)" >&2; exit 1; }
# Build-time helpers (symdb table generator) are run under ASan too; their exit-time leaks are
# not what we fuzz.
export ASAN_OPTIONS=detect_leaks=0
mkdir -p "$BUILD"
CC=clang cmake -S "$SRC" -B "$BUILD" -DIC_FUZZ=ON -DIC_SANITIZE=address,undefined \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD/fuzz-all.cmake.log" 2>&1 || { cat "$BUILD/fuzz-all.cmake.log" >&2; exit 1; }
cmake --build "$BUILD" -j"$JOBS" >"$BUILD/fuzz-all.build.log" 2>&1 || { tail -40 "$BUILD/fuzz-all.build.log" >&2; exit 1; }

if (( $# )); then targets=("$@"); else
  targets=()
  for f in "$SRC"/fuzz/fuzz_*.c; do n=$(basename "$f" .c); targets+=("${n#fuzz_}"); done
fi

run_one() {
  local t=$1 bin="$BUILD/fuzz/fuzz_${1}_libfuzzer" d="$OUT/$1"
  rm -rf "$d"; mkdir -p "$d/new" "$d/corpus" "$d/artifacts"
  [[ -x $bin ]] || { echo "missing $bin" >"$d/log"; return 0; }
  # libFuzzer caps generated inputs at 1 MiB unless told: seeds bigger than that (recover: the
  # real BTF, 6-8 MiB) would be cut and never run whole. Allow the largest seed's size.
  local maxlen extra=()
  maxlen=$(find "$SRC/fuzz/corpus/$t" -type f -printf '%s\n' 2>/dev/null | sort -n | tail -1)
  (( ${maxlen:-0} > 1048576 )) && extra=(-max_len="$maxlen")
  # Leaks are real findings in the library, so LeakSanitizer stays on for the targets.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$bin" -max_total_time="$SECS" -timeout="$TIMEOUT_S" -rss_limit_mb="$RSS_MB" "${extra[@]}" -print_final_stats=1 \
    -artifact_prefix="$d/artifacts/" -fork=0 "$d/new" "$SRC/fuzz/corpus/$t" >"$d/log" 2>&1 || true
  # Merge what was found into a minimal scratch corpus (committed corpus untouched).
  ASAN_OPTIONS=detect_leaks=0 "$bin" -merge=1 -timeout="$TIMEOUT_S" "$d/corpus" "$SRC/fuzz/corpus/$t" "$d/new" \
    >"$d/merge.log" 2>&1 || true
}

mkdir -p "$OUT"
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if (( running >= JOBS )); then wait -n || true; running=$((running - 1)); fi
done
wait || true

printf '%-12s %12s %8s %8s %9s %8s\n' target execs exec/s cov features crashes
for t in "${targets[@]}"; do
  d="$OUT/$t"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log" | tail -1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$d/log" | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+' "$d/log" | tail -1 | awk '{print $2}')
  ft=$(grep -Eo 'ft: [0-9]+' "$d/log" | tail -1 | awk '{print $2}')
  crashes=$(find "$d/artifacts" -type f 2>/dev/null | wc -l)
  printf '%-12s %12s %8s %8s %9s %8s\n' "$t" "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$crashes"
done
echo "logs, merged corpora and crash inputs: $OUT/<target>/"
