#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fuzz campaign on the fuzzers fuzz/build.sh made (the OSS-Fuzz layout: $OUT/fuzz_<x>,
# fuzz_<x>_seed_corpus.zip, .dict, .options), budgeted in CPU time rather than wall time: on a
# shared machine at nice 19 a wall-clock budget says little about how much fuzzing was done.
#
#   OUT=/tmp/out fuzz/build.sh
#   scripts/fuzz-campaign.sh /tmp/out CPU_MINUTES DEADLINE TARGET...
#
# Runs the TARGETs in order, JOBS (default 2) at a time, each at `nice -n 19` until it has used
# CPU_MINUTES of CPU (user + sys, read from /proc/PID/stat every 10 s) or the wall clock reaches
# DEADLINE (anything `date -d` reads, e.g. 18:30), whichever comes first. Each target starts from
# its seed zip plus what earlier runs of this script found ($WORKDIR/<x>/corpus, kept between
# runs), with its .dict and .options, LeakSanitizer on. One line per target is appended to
# $WORKDIR/campaign.tsv: target, start, wall s, CPU s, execs, cov, ft, corpus size, found.
# Findings (crash-, leak-, timeout-, oom- files) stay in $WORKDIR/<x>/artifacts; a fixed one is
# copied by hand into fuzz/corpus/<x>/ as a regression input.
set -euo pipefail
OUTDIR=${1:?usage: fuzz-campaign.sh OUT CPU_MINUTES DEADLINE TARGET...}
CPU_MIN=${2:?cpu minutes}
DEADLINE=$(date -d "${3:?deadline}" +%s)
# `date -d 01:38` is today's 01:38: at 22:00 that is already past, and the script would stop at
# once with nothing run. Say so rather than print an unchanged table.
(( DEADLINE > $(date +%s) )) ||
  { echo "fuzz-campaign: deadline '$3' ($(date -u -d @"$DEADLINE" '+%F %H:%M') UTC) is already past" >&2; exit 1; }
shift 3
(( $# )) || { echo "fuzz-campaign: no targets" >&2; exit 1; }
JOBS=${JOBS:-2}
WORKDIR=${WORKDIR:-$OUTDIR/campaign}
RSS_MB=${RSS_MB:-2048}
TCK=$(getconf CLK_TCK)
mkdir -p "$WORKDIR"
[[ -s $WORKDIR/campaign.tsv ]] ||
  printf 'target\tstart_utc\twall_s\tcpu_s\texecs\tcov\tft\tcorpus\tfound\n' >"$WORKDIR/campaign.tsv"

cpu_s() { # user+sys seconds of PID, 0 once it is gone
  local f
  f=$(cut -d' ' -f14,15 "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  set -- $f
  echo $(( ($1 + $2) / TCK ))
}

option() { # the value of KEY in the target's .options, empty if none
  sed -n "s/^$2 *= *//p" "$OUTDIR/fuzz_$1.options" 2>/dev/null | tail -1
}

run_one() {
  local t=$1 bin=$OUTDIR/fuzz_$1 d=$WORKDIR/$1
  [[ -x $bin ]] || { echo "fuzz-campaign: no $bin" >&2; return 0; }
  mkdir -p "$d/corpus" "$d/seeds" "$d/artifacts"
  [[ -f $OUTDIR/fuzz_${t}_seed_corpus.zip ]] && unzip -qo "$OUTDIR/fuzz_${t}_seed_corpus.zip" -d "$d/seeds"
  local args=(-rss_limit_mb="$RSS_MB" -print_final_stats=1 -artifact_prefix="$d/artifacts/")
  [[ -f $OUTDIR/fuzz_$t.dict ]] && args+=(-dict="$OUTDIR/fuzz_$t.dict")
  local v
  v=$(option "$t" timeout); args+=(-timeout="${v:-30}")
  v=$(option "$t" max_len); [[ -n $v ]] && args+=(-max_len="$v")
  local start now wall=0 cpu=0 pid
  start=$(date +%s)
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    nice -n 19 "$bin" "${args[@]}" "$d/corpus" "$d/seeds" >"$d/log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 10
    now=$(date +%s)
    cpu=$(( $(cpu_s "$pid") > cpu ? $(cpu_s "$pid") : cpu ))
    if (( cpu >= CPU_MIN * 60 || now >= DEADLINE )); then kill -INT "$pid" 2>/dev/null || true; break; fi
  done
  wait "$pid" 2>/dev/null || true
  wall=$(( $(date +%s) - start ))
  local execs cov ft n found
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log" | tail -1)
  [[ -n $execs ]] || execs=$(grep -Eo '^#[0-9]+' "$d/log" | tail -1 | tr -d '#')
  cov=$(grep -Eo 'cov: [0-9]+' "$d/log" | tail -1 | awk '{print $2}')
  ft=$(grep -Eo 'ft: [0-9]+' "$d/log" | tail -1 | awk '{print $2}')
  n=$(find "$d/corpus" -type f | wc -l)
  found=$(find "$d/artifacts" -type f | wc -l)
  printf '%s\t%s\t%d\t%d\t%s\t%s\t%s\t%d\t%d\n' "$t" "$(date -u -d @"$start" +%H:%M)" "$wall" "$cpu" \
    "${execs:-?}" "${cov:-?}" "${ft:-?}" "$n" "$found" >>"$WORKDIR/campaign.tsv"
}

running=0
for t in "$@"; do
  (( $(date +%s) < DEADLINE )) || break
  run_one "$t" &
  running=$((running + 1))
  if (( running >= JOBS )); then wait -n || true; running=$((running - 1)); fi
done
wait || true
column -t -s $'\t' "$WORKDIR/campaign.tsv"
