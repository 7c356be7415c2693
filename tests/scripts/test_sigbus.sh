#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An input file truncated while the run has it mapped (SIGBUS on the next touch): exit 2 with one
# line naming the file and offset, unfinished files removed, instead of a crash
# (src/cli/supervise.c cli_catch_sigbus). Deterministic: --btf is mapped before --map is read,
# and --map is a FIFO the test writes only once the BTF copy is truncated to 0 bytes; for the
# cleanup, the worker is frozen (SIGSTOP) while its output's temp file exists.
. "$IC_SRC/tests/lib/common.sh"

img=$(fixture fx-deb12-6.1 mem.lime)
btf=$(fixture fx-deb12-6.1 truth/btf_vmlinux)
map=$(fixture fx-deb12-6.1 System.map)
ver=$(fixture fx-deb12-6.1 truth/version)
R=$(cd "$TMP" && pwd -P) # /proc/PID/maps names files by their real path

# wait_for PID: its exit status in rc; killed (its worker with it, PR_SET_PDEATHSIG) after 60 s:
# a supervisor that dropped the worker's hand-over would leave it waiting for ever. Polled, not a
# watchdog subshell (one killed right after its fork runs the test's EXIT trap, rm -rf $TMP: seen):
# bash reaps a finished job at once, so `kill -0` fails once it has ended.
wait_for() {
  local i
  for ((i = 0; i < 600; i++)); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  rc=0; wait "$1" || rc=$?
}
# feed FIFO: the map into it, in the background (a run that ended before it opened the FIFO has
# no reader: unfed stops the writer then)
feed() { cat "$map" >"$1" & feeder=$!; }
unfed() { kill "$feeder" 2>/dev/null || true; wait "$feeder" 2>/dev/null || true; }
# run NAME ENV... -- ARGS...: isfcarve ARGS (with --btf "$R/NAME/b.btf" --map "$R/NAME/m.fifo"
# among them) under ENV; the BTF copy truncated once a process of the run maps it, then the map
# written into the FIFO. Sets rc; stderr in $TMP/err.
run() {
  local d=$R/$1 env=() pid w i mapped=0
  shift
  while [[ $1 != -- ]]; do env+=("$1"); shift; done
  shift
  mkdir -p "$d/out"
  cp "$btf" "$d/b.btf"
  mkfifo "$d/m.fifo"
  env "${env[@]}" "$IC_BIN" "$@" 2>"$TMP/err" & pid=$!
  for ((i = 0; i < 300 && !mapped; i++)); do
    for w in $pid $(pgrep -P $pid || true); do
      grep -q "$d/b.btf" "/proc/$w/maps" 2>/dev/null && { mapped=1; break; }
    done
    ((mapped)) || sleep 0.1
  done
  ((mapped)) || fail "$d/b.btf never mapped"
  truncate -s 0 "$d/b.btf"
  feed "$d/m.fifo"
  wait_for $pid
  unfed
  rm -f "$d/m.fifo" "$d/b.btf"
}
# left DIR: what the run left under DIR: files, and temp directories (.NAME.tmp.*)
left() { find "$1" -mindepth 1 \( ! -type d -o -name '.*.tmp.*' \) | head -5; }

d=$R/sup
run sup IC_NO_SUPERVISOR=0 -- "$img" --btf "$d/b.btf" --map "$d/m.fifo" -o "$d/out/x.json"
(( rc == 2 )) && grep -q "^isfcarve: error: $d/b.btf: changed while it was read: offset 0x[0-9a-f]* is past its end now (0 bytes; truncated while the run had it mapped?); 0 unfinished files removed$" "$TMP/err" &&
  (( $(wc -l <"$TMP/err") == 1 )) && [[ -z $(left "$d") ]] &&
  ok "IMAGE --btf truncated while mapped: exit 2, one line naming the file and offset, nothing left" ||
  fail "supervised: exit $rc, left '$(left "$d")': $(cat "$TMP/err")"

d=$R/sd
run sd IC_NO_SUPERVISOR=0 -- "$img" --btf "$d/b.btf" --map "$d/m.fifo" --symbols-dir "$d/out"
(( rc == 2 )) && grep -q "$d/b.btf: changed while it was read" "$TMP/err" && [[ -z $(left "$d") ]] &&
  ok "--symbols-dir: exit 2, no profile, lock or temp file in the symbols dir" ||
  fail "symbols dir: exit $rc, left '$(left "$d")': $(cat "$TMP/err")"

d=$R/files
run files IC_NO_SUPERVISOR=0 -- --btf "$d/b.btf" --map "$d/m.fifo" --banner "$(cat "$ver")" -o "$d/out/x.json"
(( rc == 2 )) && grep -q "$d/b.btf: changed while it was read" "$TMP/err" && [[ -z $(left "$d") ]] &&
  ok "--btf/--map: exit 2, the file named" || fail "files mode: exit $rc, left '$(left "$d")': $(cat "$TMP/err")"

# Without the supervisor (debuggers: IC_NO_SUPERVISOR=1) the worker says it itself.
d=$R/nosup
run nosup IC_NO_SUPERVISOR=1 -- "$img" --btf "$d/b.btf" --map "$d/m.fifo" -o "$d/out/x.json"
(( rc == 2 )) && grep -q "^isfcarve: error: an input file changed while it was read (SIGBUS at 0x[0-9a-f]\{16\}; truncated while mapped?)$" "$TMP/err" &&
  ok "unsupervised: exit 2 and the line, not a crash" || fail "unsupervised: exit $rc: $(cat "$TMP/err")"

# Truncated while the output is being written: its temp file is removed. The worker is frozen
# once the temp file of the .json.xz exists (writing takes seconds), both inputs are cut, then it
# goes on and touches them. A run the freeze missed (it finished first) is tried again.
d=$R/mid
mkdir -p "$d/out"
hit=0
for try in 1 2 3; do
  cp "$btf" "$d/b.btf"; cp "$map" "$d/m.map"
  IC_NO_SUPERVISOR=0 "$IC_BIN" --btf "$d/b.btf" --map "$d/m.map" --banner "$(cat "$ver")" -o "$d/out/x.json.xz" 2>"$TMP/err" & pid=$!
  for ((i = 0; i < 20000; i++)); do
    compgen -G "$d/out/.x.json.xz.tmp.*" >/dev/null && break
    kill -0 $pid 2>/dev/null || break
  done
  w=$(pgrep -P $pid || true)
  if [[ -n $w ]] && kill -STOP "$w" 2>/dev/null; then
    truncate -s 0 "$d/b.btf" "$d/m.map"
    kill -CONT "$w"
  fi
  wait_for $pid
  if (( rc == 2 )); then hit=1; break; fi
  rm -f "$d/out/x.json.xz"
done
(( hit )) && grep -q "^isfcarve: error: $d/[bm]\.[a-z]*: changed while it was read: offset 0x[0-9a-f]* is past its end now (0 bytes; truncated while the run had it mapped?); 1 unfinished file removed$" "$TMP/err" &&
  [[ -z $(left "$d/out") ]] && ok "truncated during the write: exit 2, the temp file removed (try $try)" ||
  fail "mid-write: exit $rc after $try tries, left '$(left "$d/out")': $(cat "$TMP/err")"

# A SIGBUS sent with kill(1) is no truncation: a crash as before (signal 7), not exit 2.
d=$R/kill
mkdir -p "$d"
mkfifo "$d/m.fifo"
IC_NO_SUPERVISOR=0 "$IC_BIN" "$img" --map "$d/m.fifo" -q -o "$d/x.json" 2>"$TMP/err" & pid=$!
for ((i = 0; i < 100; i++)); do w=$(pgrep -P $pid || true); [[ -n $w ]] && break; sleep 0.1; done
sleep 0.3
kill -BUS "$w"
wait_for $pid
(( rc == 128 + 7 )) && grep -q "killed by signal 7" "$TMP/err" && ok "kill -BUS: reported as a crash, not as a changed file" ||
  fail "kill -BUS: exit $rc: $(cat "$TMP/err")"
rm -f "$d/m.fifo"

# A SIGUSR1 from elsewhere (sent while the run waits for its --map FIFO) does not end a
# supervised run (it once would have: the default action) nor pass for the worker's SIGBUS.
d=$R/usr1
mkdir -p "$d"
mkfifo "$d/m.fifo"
IC_NO_SUPERVISOR=0 "$IC_BIN" "$img" --map "$d/m.fifo" -q -o "$d/x.json" 2>"$TMP/err" & pid=$!
sleep 0.5
kill -0 $pid && kill -USR1 $pid
sleep 0.2
feed "$d/m.fifo"
wait_for $pid
unfed
(( rc == 0 )) && [[ -s $d/x.json ]] && ok "a stray SIGUSR1 to the supervisor is ignored" ||
  fail "SIGUSR1: exit $rc: $(cat "$TMP/err")"
finish
