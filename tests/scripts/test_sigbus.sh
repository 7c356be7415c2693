#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An input file truncated while the run has it mapped (SIGBUS on the next touch): exit 2 with one
# line naming the file and offset, and nothing left behind, instead of a crash (src/cli/supervise.c
# cli_catch_sigbus). Deterministic: --btf is mapped before --map is read, and --map is a FIFO the
# test writes only once the BTF copy is truncated to 0 bytes.
. "$IC_SRC/tests/lib/common.sh"

img=$(fixture fx-deb12-6.1 mem.lime)
btf=$(fixture fx-deb12-6.1 truth/btf_vmlinux)
map=$(fixture fx-deb12-6.1 System.map)
ver=$(fixture fx-deb12-6.1 truth/version)

# run NAME ENV... -- ARGS...: isfcarve ARGS (with --btf "$TMP/NAME/b.btf" --map "$TMP/NAME/m.fifo"
# among them) under ENV; the BTF copy truncated once a process of the run maps it, then the map
# written into the FIFO. Sets rc; stderr in $TMP/err.
run() {
  local d=$TMP/$1 env=() pid w i mapped=
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
  # a run that died before it opened the FIFO has no reader: do not wait for one for ever
  timeout 20 bash -c 'cat "$1" >"$2"' - "$map" "$d/m.fifo" || true
  rc=0; wait $pid || rc=$?
  rm -f "$d/m.fifo" "$d/b.btf"
}
# left DIR: what the run left under DIR (nothing expected: no output, no .tmp, no .lock)
left() { find "$1" -mindepth 1 ! -type d | head -5; }

d=$TMP/sup
run sup IC_NO_SUPERVISOR=0 -- "$img" --btf "$d/b.btf" --map "$d/m.fifo" -o "$d/out/x.json"
(( rc == 2 )) && grep -q "^isfcarve: error: $d/b.btf: changed while it was read: offset 0x[0-9a-f]* is past its end now (0 bytes; truncated while the run had it mapped?); 0 unfinished files removed$" "$TMP/err" &&
  (( $(wc -l <"$TMP/err") == 1 )) && [[ -z $(left "$d") ]] &&
  ok "IMAGE --btf truncated while mapped: exit 2, one line naming the file and offset, nothing left" ||
  fail "supervised: exit $rc, left '$(left "$d")': $(cat "$TMP/err")"

d=$TMP/sd
run sd IC_NO_SUPERVISOR=0 -- "$img" --btf "$d/b.btf" --map "$d/m.fifo" --symbols-dir "$d/out"
(( rc == 2 )) && grep -q "$d/b.btf: changed while it was read" "$TMP/err" && [[ -z $(left "$d") ]] &&
  ok "--symbols-dir: exit 2, no profile, lock or temp file in the symbols dir" ||
  fail "symbols dir: exit $rc, left '$(left "$d")': $(cat "$TMP/err")"

d=$TMP/files
run files IC_NO_SUPERVISOR=0 -- --btf "$d/b.btf" --map "$d/m.fifo" --banner "$(cat "$ver")" -o "$d/out/x.json"
(( rc == 2 )) && grep -q "$d/b.btf: changed while it was read" "$TMP/err" && [[ -z $(left "$d") ]] &&
  ok "--btf/--map: exit 2, the file named" || fail "files mode: exit $rc, left '$(left "$d")': $(cat "$TMP/err")"

# Without the supervisor (debuggers: IC_NO_SUPERVISOR=1) the worker says it itself.
d=$TMP/nosup
run nosup IC_NO_SUPERVISOR=1 -- "$img" --btf "$d/b.btf" --map "$d/m.fifo" -o "$d/out/x.json"
(( rc == 2 )) && grep -q "^isfcarve: error: an input file changed while it was read (SIGBUS at 0x[0-9a-f]\{16\}; truncated while mapped?)$" "$TMP/err" &&
  ok "unsupervised: exit 2 and the line, not a crash" || fail "unsupervised: exit $rc: $(cat "$TMP/err")"

# A SIGUSR1 from elsewhere (sent while the run waits for its --map FIFO) does not end a
# supervised run (it once would have: the default action) nor pass for the worker's SIGBUS.
d=$TMP/usr1
mkdir -p "$d"
mkfifo "$d/m.fifo"
"$IC_BIN" "$img" --map "$d/m.fifo" -q -o "$d/x.json" 2>"$TMP/err" & pid=$!
sleep 0.5
kill -0 $pid && kill -USR1 $pid
sleep 0.2
timeout 20 bash -c 'cat "$1" >"$2"' - "$map" "$d/m.fifo" || true
rc=0; wait $pid || rc=$?
(( rc == 0 )) && [[ -s $d/x.json ]] && ok "a stray SIGUSR1 to the supervisor is ignored" ||
  fail "SIGUSR1: exit $rc: $(cat "$TMP/err")"
finish
