#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fuzz/build.sh as a continuous fuzzing service runs it (OSS-Fuzz / ClusterFuzzLite environment:
# CC=clang, CFLAGS with ASan+UBSan and -fsanitize=fuzzer-no-link, LIB_FUZZING_ENGINE=-fsanitize=fuzzer,
# a fresh OUT), then every fuzzer the way the service starts it: its seed corpus unzipped, its
# .dict and .options applied, all seeds run and IC_FUZZ_BUILD_S seconds (default 1) of fuzzing.
# Each must build, load its dictionary, start (INITED) and end (DONE) without a crash, leak or
# sanitizer report. $WORK stays in the build dir, so later runs rebuild incrementally.
. "$IC_SRC/tests/lib/common.sh"
FUZZ_S=${IC_FUZZ_BUILD_S:-1}
if ! command -v clang >/dev/null || ! command -v clang++ >/dev/null; then
  echo "clang/clang++ not found (scripts/install-deps.sh installs clang)" >&2
  if [[ -n ${CI:-} ]]; then exit 1; fi
  exit 77
fi
command -v zip >/dev/null && command -v unzip >/dev/null || { echo "zip/unzip not found" >&2; exit 1; }

out=$TMP/out
work=$IC_BUILD/fuzz-build-work
if ! (cd "$TMP" && unset CFLAGS CXXFLAGS &&
      OUT=$out WORK=$work CC=clang CXX=clang++ LIB_FUZZING_ENGINE=-fsanitize=fuzzer JOBS=2 \
      CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link" \
      CXXFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fsanitize=fuzzer-no-link" \
      nice bash "$IC_SRC/fuzz/build.sh" >"$TMP/build.log" 2>&1); then
  tail -30 "$TMP/build.log" >&2
  fail "fuzz/build.sh failed"
  finish
fi
ok "fuzz/build.sh: $(tail -1 "$TMP/build.log")"

n=0
for src in "$IC_SRC"/fuzz/fuzz_*.c; do
  t=$(basename "$src" .c)
  n=$((n + 1))
  for f in "$out/$t" "$out/${t}_seed_corpus.zip" "$out/$t.dict" "$out/$t.options"; do
    [[ -s $f ]] || { fail "$t: $f missing or empty"; continue 2; }
  done
  seeds=$TMP/seeds/$t
  mkdir -p "$seeds" "$TMP/new/$t"
  unzip -q "$out/${t}_seed_corpus.zip" -d "$seeds"
  want=$(find "$IC_SRC/fuzz/corpus/${t#fuzz_}" -type f | wc -l)
  got=$(find "$seeds" -type f | wc -l)
  (( got == want )) || fail "$t: seed zip holds $got files, fuzz/corpus has $want"
  # .options [libfuzzer] "key = value" -> -key=value, as the services pass them
  opts=()
  while IFS= read -r line; do
    [[ $line =~ ^([a-z_]+)\ *=\ *(.+)$ ]] && opts+=("-${BASH_REMATCH[1]}=${BASH_REMATCH[2]}")
  done <"$out/$t.options"
  rc=0 t0=$SECONDS
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    timeout -k 5 300 nice "$out/$t" -dict="$out/$t.dict" "${opts[@]}" -max_total_time="$FUZZ_S" \
    -rss_limit_mb=2048 -artifact_prefix="$TMP/new/$t/crash-" "$TMP/new/$t" "$seeds" \
    >"$TMP/$t.log" 2>&1 || rc=$?
  entries=$(sed -n 's/^Dictionary: \([0-9]*\) entries.*/\1/p' "$TMP/$t.log")
  execs=$(grep -Eo '^#[0-9]+' "$TMP/$t.log" | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+' "$TMP/$t.log" | tail -1)
  if (( rc )) || ! grep -q 'INITED' "$TMP/$t.log" || ! grep -q 'DONE' "$TMP/$t.log" || (( ${entries:-0} < 10 )); then
    grep -E 'ERROR|SUMMARY|runtime error|Dictionary' "$TMP/$t.log" | head -5 >&2 || true
    fail "$t: exit $rc (log: INITED/DONE/dictionary missing or a report)"
  else
    ok "$t: $got seeds, ${entries} dict entries, ${execs#\#} execs, $cov, $((SECONDS - t0)) s"
  fi
done
(( n >= 20 )) || fail "only $n fuzz targets found"
finish
