#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SIGINT/SIGTERM at any moment leave no unfinished file (".NAME.tmp.*") and no lock file
# (".NAME.lock") behind, in every mode that writes: -o OUT (plain and compressed), --symbols-dir,
# -o with --symbols-dir (the publish copy), batch, index; and what remains is finished. The run
# dies of the signal (128 + N) after one "interrupted" line. (src/cli/supervise.c)
. "$IC_SRC/tests/lib/common.sh"
lime=$(fixture fx-deb12-6.1 mem.lime)
kdump=$(fixture fx-deb12-6.1-kdump vmcore.kdump)
set -m # background jobs keep SIGINT (without job control bash starts them with SIGINT ignored)

# leftovers DIR...: every temp or lock file under the DIRs (none is the right answer)
leftovers() { find "$@" \( -name '.*.tmp.*' -o -name '.*.lock' \) 2>/dev/null || true; }
# finished FILE...: each remaining profile is a complete ISF (decompresses, parses, has symbols)
finished() {
  "$IC_PYTHON" - "$@" <<'PY'
import gzip, json, lzma, sys
for p in sys.argv[1:]:
    op = lzma.open if p.endswith(".xz") else gzip.open if p.endswith(".gz") else open
    with op(p, "rt") as f:
        isf = json.load(f)
    assert isf["symbols"] and isf["user_types"], p
PY
}
# wait_for GLOB_DIR PATTERN SECS: poll (10 ms) until a file named PATTERN is under DIR
wait_for() {
  local dir=$1 pat=$2 n=$(( $3 * 100 ))
  while (( n-- > 0 )); do
    [[ -n $(find "$dir" -name "$pat" 2>/dev/null | head -1) ]] && return 0
    sleep 0.01
  done
  return 1
}
# stop LABEL SIG PID DIR...: send SIG, wait, check 128+SIG, the one line, no leftovers, and that
# every profile left under the DIRs is finished
# (MAYBE_DONE=1: the run may have finished before the signal: exit 0 is right too)
stop() {
  local label=$1 sig=$2 pid=$3 rc=0 num; shift 3
  num=$(kill -l "$sig")
  kill -s "$sig" "$pid" 2>/dev/null || true
  wait "$pid" || rc=$?
  if (( rc != 128 + num )) && ! [[ ${MAYBE_DONE:-} == 1 && $rc == 0 ]]; then fail "$label: exit $rc (want $((128 + num))): $(tail -c 300 "$TMP/err")"; return; fi
  local left; left=$(leftovers "$@")
  if [[ -n $left ]]; then fail "$label: left behind: $left"; return; fi
  local profiles; mapfile -t profiles < <(find "$@" -name '*.json*' -type f 2>/dev/null)
  if (( ${#profiles[@]} )) && ! finished "${profiles[@]}"; then fail "$label: unfinished profile in ${profiles[*]}"; return; fi
  ok "$label: exit $rc, nothing unfinished left (${#profiles[@]} finished profile(s))"
}

# 1. -o OUT, during the scan (INT and TERM), then while the .json.xz is compressed and written,
#    then while a plain .json is written.
for sig in INT TERM; do
  D=$TMP/scan-$sig; mkdir -p "$D"
  # One thread (the scan of the 256 MiB LiME then takes ~0.3 s and more), and the signal
  # 50 ms after the worker exists: inside the scan however fast or loaded the machine is (a
  # fixed sleep of 0.5 s outlived the whole run on a quiet machine).
  "$IC_BIN" "$lime" --threads 1 -o "$D/a.json.xz" 2>"$TMP/err" & pid=$!
  for _ in $(seq 500); do pgrep -P "$pid" >/dev/null && break; sleep 0.01; done
  sleep 0.05
  stop "-o, during the scan, SIG$sig" "$sig" "$pid" "$D"
done
grep -Eq "^isfcarve: error: interrupted by signal 15 \(Terminated\); [0-9]+ unfinished files? removed$" "$TMP/err" \
  && ok "one line says so" || fail "interrupt line: $(cat "$TMP/err")"
# The write may end between seeing its temp file and the signal (a plain .json on a quiet
# machine takes ~0.1 s): such a try proves nothing and is repeated, up to 5 times; every try
# must leave nothing unfinished, and one must really be interrupted with its temp file there.
for out in a.json.xz a.json.gz a.json; do
  D=$TMP/write-$out; hit=0
  for try in 1 2 3 4 5; do
    rm -rf "$D"; mkdir -p "$D"
    "$IC_BIN" "$lime" --threads 1 -o "$D/$out" 2>"$TMP/err" & pid=$!
    if ! wait_for "$D" ".$out.tmp.*" 120; then
      wait "$pid" || true; continue
    fi
    kill -INT "$pid" 2>/dev/null || true; rc=0; wait "$pid" || rc=$?
    left=$(leftovers "$D")
    if [[ -n $left ]]; then fail "-o $out, while it is written: left behind: $left"; hit=2; break; fi
    if (( rc == 130 )); then
      grep -q "; 1 unfinished file removed$" "$TMP/err" && [[ -z $(ls -A "$D") ]] \
        && ok "-o $out, while it is written: exit 130, the temp file was removed (try $try)" \
        || fail "-o $out: $(cat "$TMP/err"; ls -A "$D")"
      hit=1; break
    fi
    [[ $rc == 0 ]] && finished "$D/$out" || { fail "-o $out: exit $rc: $(cat "$TMP/err")"; hit=2; break; }
  done
  (( hit )) || fail "-o $out: never interrupted while written in 5 tries"
done

# 2. --symbols-dir: while the profile is written into DIR/linux/ (a shared folder): no temp, no
#    lock; then a whole run leaves no lock either.
S=$TMP/sd1
"$IC_BIN" "$lime" --threads 1 --symbols-dir "$S" 2>"$TMP/err" & pid=$!
if wait_for "$S" '.*.tmp.*' 120; then
  stop "--symbols-dir, while the profile is written" TERM "$pid" "$S"
else
  wait "$pid" || true; fail "--symbols-dir: no temp file seen"
fi
expect_exit 0 "$IC_BIN" "$kdump" --symbols-dir "$S"
[[ -z $(leftovers "$S") ]] && ok "a finished --symbols-dir run leaves no lock file" \
  || fail "left: $(leftovers "$S")"

# 3. -o OUT with --symbols-dir: interrupted while OUT is written (the symbols-dir lock is held
#    then), and at the publish copy or around it.
S=$TMP/sd2; D=$TMP/pub; mkdir -p "$D"
"$IC_BIN" "$kdump" --threads 1 -o "$D/k.json.xz" --symbols-dir "$S" 2>"$TMP/err" & pid=$!
if wait_for "$D" '.k.json.xz.tmp.*' 120; then
  stop "-o with --symbols-dir, while OUT is written (lock held)" INT "$pid" "$D" "$S"
else
  wait "$pid" || true; fail "-o with --symbols-dir: no temp file seen"
fi
"$IC_BIN" "$kdump" --threads 1 -o "$D/k.json.xz" --symbols-dir "$S" 2>"$TMP/err" & pid=$!
if wait_for "$D" 'k.json.xz' 120; then
  MAYBE_DONE=1 stop "-o with --symbols-dir, at the publish" INT "$pid" "$D" "$S"
else
  wait "$pid" || true; fail "-o with --symbols-dir: no output seen"
fi

# 4. timeout(1) sends SIGTERM: same result.
D=$TMP/timeout; mkdir -p "$D"
#    One thread and a short timer so that timeout fires mid-run on a fast machine too; should
#    the run still beat it, only its finished output may be there.
rc=0; timeout 0.15 "$IC_BIN" "$lime" --threads 1 -o "$D/a.json.xz" 2>"$TMP/err" || rc=$?
if [[ $rc == 124 && -z $(leftovers "$D") && -z $(find "$D" -name '*.json*') ]]; then
  ok "timeout 0.15: nothing left"
elif [[ $rc == 0 && -z $(leftovers "$D") && $(ls -A "$D") == a.json.xz ]]; then
  ok "timeout 0.15: the run finished first, only its output is there"
else
  fail "timeout: rc=$rc left: $(ls -A "$D")"
fi

# 5. batch: SIGTERM to batch while its children write into DIR/linux/.
S=$TMP/sd3; W=$TMP/tmpdir; mkdir -p "$W"
TMPDIR=$W "$IC_BIN" batch -j 2 --threads 1 --symbols-dir "$S" "$lime" "$kdump" >"$TMP/out" 2>"$TMP/err" & pid=$!
if wait_for "$S" '.*.tmp.*' 120; then
  kill -TERM "$pid"; rc=0; wait "$pid" || rc=$?
  left=$(leftovers "$S")
  mapfile -t profiles < <(find "$S" -name '*.json*' -type f)
  [[ $rc == 4 && -z $left && -z $(ls -A "$W") ]] && { (( ${#profiles[@]} == 0 )) || finished "${profiles[@]}"; } \
    && ok "batch, SIGTERM while writing: exit 4, nothing unfinished, work dir removed" \
    || fail "batch: rc=$rc left: $left $(ls -A "$W") $(cat "$TMP/out" "$TMP/err")"
else
  wait "$pid" || true; fail "batch: no temp file seen"
fi

# 6. index: killed at several moments (walk, write); only a finished index may remain.
I=$TMP/idx; mkdir -p "$I/linux"
expect_exit 0 "$IC_BIN" "$kdump" -o "$I/linux/k1.json.xz"
cp "$I/linux/k1.json.xz" "$I/linux/k2.json.xz"; cp "$I/linux/k1.json.xz" "$I/linux/k3.json.xz"
for delay in 0.02 0.05 0.1 0.2 0.3; do
  rm -f "$I/banners.json"
  "$IC_BIN" index "$I" -o "$I/banners.json" 2>"$TMP/err" & pid=$!
  sleep "$delay"; kill -INT "$pid" 2>/dev/null || true; rc=0; wait "$pid" || rc=$?
  left=$(leftovers "$I")
  if [[ -n $left ]] || { [[ -e $I/banners.json ]] && ! "$IC_PYTHON" -c 'import json,sys; json.load(open(sys.argv[1]))' "$I/banners.json"; }; then
    fail "index killed after ${delay}s: rc=$rc left: $left"
  else
    ok "index killed after ${delay}s (rc=$rc): nothing unfinished"
  fi
done

# 8. extract -d DIR: everything goes into a temp directory (".DIR.tmp.PID.*" beside a new DIR,
#    ".extract.tmp.PID.*" inside an existing one) moved into place at the end; interrupted
#    during the scan or while its files are written, neither DIR nor the temp directory stays,
#    and an existing DIR keeps exactly what it had.
P=$TMP/ex; rm -rf "$P"; mkdir -p "$P"
"$IC_BIN" extract "$lime" --threads 1 -d "$P/out" 2>"$TMP/err" & pid=$!
if wait_for "$P" '.out.tmp.*' 120; then
  stop "extract, during the scan" INT "$pid" "$P"
  [[ -z $(ls -A "$P") ]] && ok "extract, during the scan: no DIR, no temp directory" || fail "extract: left $(ls -A "$P")"
else
  wait "$pid" || true; fail "extract: no temp directory seen"
fi
hit=0
for try in 1 2 3 4 5; do
  rm -rf "$P"; mkdir -p "$P"
  "$IC_BIN" extract "$lime" --threads 1 -d "$P/out" 2>"$TMP/err" & pid=$!
  if ! wait_for "$P" 'vmlinux.btf' 120; then wait "$pid" || true; continue; fi
  kill -TERM "$pid" 2>/dev/null || true; rc=0; wait "$pid" || rc=$?
  if (( rc == 143 )); then
    [[ -z $(ls -A "$P") ]] && grep -Eq "; [1-9][0-9]* unfinished files? removed$" "$TMP/err" \
      && ok "extract, while its files are written: exit 143, no DIR, no temp directory (try $try)" \
      || fail "extract, while written: left $(ls -A "$P"): $(cat "$TMP/err")"
    hit=1; break
  fi
  [[ $rc == 0 && -z $(leftovers "$P") ]] || { fail "extract: exit $rc: $(cat "$TMP/err")"; hit=2; break; }
done
(( hit )) || fail "extract: never interrupted while its files were written in 5 tries"
rm -rf "$P"; mkdir -p "$P/out"; echo mine >"$P/out/keep"
"$IC_BIN" extract "$lime" --threads 1 -d "$P/out" 2>"$TMP/err" & pid=$!
if wait_for "$P/out" '.extract.tmp.*' 120; then
  stop "extract into an existing DIR" INT "$pid" "$P"
  [[ $(ls -A "$P/out") == keep ]] && ok "extract into an existing DIR: it keeps only what it had" \
    || fail "extract, existing DIR: $(ls -A "$P/out")"
else
  wait "$pid" || true; fail "extract, existing DIR: no temp directory seen"
fi

# 7. A stop signal ignored at start (nohup, a background job) stays ignored: the run finishes.
D=$TMP/ign; mkdir -p "$D"
( trap '' TERM; exec "$IC_BIN" "$kdump" -o "$D/k.json.xz" 2>"$TMP/err" ) & pid=$!
sleep 0.3; kill -TERM "$pid" 2>/dev/null || true; rc=0; wait "$pid" || rc=$?
[[ $rc == 0 ]] && finished "$D/k.json.xz" && ok "SIGTERM ignored at start: the run finishes" \
  || fail "ignored SIGTERM: rc=$rc $(cat "$TMP/err")"
finish
