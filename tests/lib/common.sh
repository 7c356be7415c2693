#!/usr/bin/env bash
# Shared helpers for tests/scripts/*.sh. Source it: . "$IC_SRC/tests/lib/common.sh"
set -euo pipefail
: "${IC_BIN:?}" "${IC_SRC:?}" "${IC_BUILD:?}"
IC_PYTHON=${IC_PYTHON:-python3}
TMP=$(mktemp -d "${IC_BUILD}/tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0; passes=0

# fixture FX FILE -> prints path; exits 77 (skip) outside CI when shared data is missing
fixture() {
  local p rc=0
  p=$(bash "$IC_SRC/tests/lib/fixture.sh" "$1" "$2") || rc=$?
  if (( rc )); then exit $rc; fi
  echo "$p"
}
ok()   { passes=$((passes+1)); echo "ok: $*"; }
fail() { fails=$((fails+1)); echo "FAIL: $*" >&2; }
# expect_exit CODE cmd...   runs cmd, checks its exit code
expect_exit() {
  local want=$1; shift
  local rc=0
  "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
  if (( rc == want )); then ok "exit $want: $*"; else fail "exit $rc (want $want): $* -- $(head -c 400 "$TMP/err")"; fi
}
finish() {
  echo "$passes passed, $fails failed"
  (( fails == 0 ))
}
