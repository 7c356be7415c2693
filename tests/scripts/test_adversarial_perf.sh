#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Adversarial inputs that would make a careless stage super-linear: 64 MiB of BTF headers,
# of nested BTF blobs (each valid, or each failing after the cheap checks: the global
# validation budget), of "Linux version " banners, of kallsyms token-table anchors, of
# self-referencing page tables; BTF with a million-deep pointer chain and a pointer cycle
# (inputs: tests/scripts/adversarial_inputs.py). Each run must end with its
# documented exit code within IC_ADV_LIMIT_S (default 20 s on a loaded 2-core machine, x3 in
# sanitizer builds; the
# times seen are printed and recorded in docs/security.md).
. "$IC_SRC/tests/lib/common.sh"
LIMIT_S=${IC_ADV_LIMIT_S:-20}
# Sanitizer builds run the same linear work ~10x slower (nested BTF: 0.5 s -> 5 s of CPU).
if grep -Eq '^IC_SANITIZE:[A-Z]*=.*address' "$IC_BUILD/CMakeCache.txt" 2>/dev/null; then
  LIMIT_S=$((LIMIT_S * 3))
fi
G=$TMP/adv
mkdir -p "$G"

"$IC_PYTHON" "$IC_SRC/tests/scripts/adversarial_inputs.py" "$G" btf-headers btf-nested btf-nested-bad \
  banners ksym-anchors selfref-pt btf-chain btf-cycle map
ok "generated $(du -sm "$G" | cut -f1) MiB of adversarial inputs"

# run WANT-EXIT-LIST LABEL cmd...: exit code in the list, within LIMIT_S, no signal.
run() {
  local want=$1 label=$2 rc=0 t0 ms
  shift 2
  t0=${EPOCHREALTIME/./}
  timeout -k 5 "$LIMIT_S" "$@" >"$TMP/o" 2>"$TMP/e" || rc=$?
  ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
  if (( rc == 124 || rc == 137 )); then fail "$label: over ${LIMIT_S}s (killed)"; return; fi
  if [[ ",$want," != *",$rc,"* ]]; then fail "$label: exit $rc (want $want) after $ms ms: $(tail -c 300 "$TMP/e")"; return; fi
  ok "$label: exit $rc in $ms ms"
  echo "time: $label $ms ms" >>"$TMP/times"
}

ban="Linux version 6.1.0-adv (x@y) (gcc) #1 SMP"
for f in btf-headers btf-nested btf-nested-bad banners ksym-anchors selfref-pt; do
  run 0 "scan $f" "$IC_BIN" scan "$G/$f"
  # 2 = no piece of a kernel survived the checks (one line, docs/cli.md); 3 = a piece did, but
  # not enough for a profile. Either way in time and with nothing written.
  run 2,3 "pipeline $f" "$IC_BIN" "$G/$f" -o "$G/out.json"
  [[ ! -e $G/out.json ]] || fail "pipeline $f: left a profile behind"
done
# Nested valid blobs: the first one is taken and every header inside it skipped (without
# that, each of ~750,000 candidates would be validated and hashed over 16 MiB).
"$IC_BIN" scan "$G/btf-nested" 2>/dev/null | grep -q "^btf: .* at 0x0, 1 types" && ok "btf-nested: the outer blob, once" ||
  fail "btf-nested: $("$IC_BIN" scan "$G/btf-nested" 2>&1 | grep btf)"
# Nested blobs failing late: the validation budget ends it, and says so.
"$IC_BIN" scan "$G/btf-nested-bad" 2>&1 >/dev/null | grep -q "IC_BTF_VALIDATE_BUDGET .* spent" &&
  ok "btf-nested-bad: stopped by IC_BTF_VALIDATE_BUDGET" || fail "btf-nested-bad: no budget warning"
for f in btf-chain btf-cycle; do
  # A chain/cycle deeper than IC_MAX_BTF_CHAIN is refused by the validator (exit 2) or the
  # writer cuts it; either way quickly and without a half-written profile.
  run 0,2 "--btf $f" "$IC_BIN" --btf "$G/$f" --map "$G/map" --banner "$ban" --force -o "$G/out.json"
  if [[ -e $G/out.json ]]; then
    "$IC_PYTHON" -c 'import json,sys; json.load(open(sys.argv[1]))' "$G/out.json" || fail "$f: profile is not JSON"
    rm -f "$G/out.json"
  fi
done
cat "$TMP/times"
finish
