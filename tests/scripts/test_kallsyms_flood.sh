#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A flood of fake kallsyms token-table anchors must not hide a pre-6.0-style table (nothing in
# VMCOREINFO names it): 17 scan batches of 4,200 packed "0\0".."9\0" runs (71,400 fakes, more
# than IC_MAX_CANDIDATES and more than a batch state keeps) before the real fx-deb12-6.1 memory,
# every VMCOREINFO text blanked (tests/scripts/kallsyms_flood.py). The real tables must be found
# at their shifted address with every symbol, through the rescan of the overflowed batches,
# within time. (main before this test: "65536 anchors tried ... 0 valid copies".)
. "$IC_SRC/tests/lib/common.sh"
LIMIT_S=${IC_ADV_LIMIT_S:-60}
if grep -Eq '^IC_SANITIZE:[A-Z]*=.*address' "$IC_BUILD/CMakeCache.txt" 2>/dev/null; then
  LIMIT_S=$((LIMIT_S * 3))
fi
lime=$(fixture fx-deb12-6.1 mem.lime)

read -r prefix blanked < <("$IC_PYTHON" "$IC_SRC/tests/scripts/kallsyms_flood.py" "$lime" "$TMP/flood.raw" 17 4200)
ok "flood image: $((prefix >> 20)) MiB of fake anchors before the real memory, $blanked VMCOREINFO texts blanked"

scan() { # scan LABEL IMAGE OUT: scan --json -v within LIMIT_S
  local rc=0
  timeout -k 5 "$LIMIT_S" "$IC_BIN" scan --json -v "$2" >"$3" 2>"$3.err" || rc=$?
  if (( rc )); then fail "$1: exit $rc: $(tail -c 400 "$3.err")"; return 1; fi
  ok "$1"
}
if scan "scan clean LiME" "$lime" "$TMP/clean.json" && scan "scan flood image" "$TMP/flood.raw" "$TMP/flood.json"; then
  "$IC_PYTHON" - "$TMP/clean.json" "$TMP/flood.json" "$prefix" <<'PY' && ok "flood: the real kallsyms (same tables, symbols, layout) behind 71,400 fakes" || fail "flood: wrong kallsyms"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
shift = int(sys.argv[3])
assert b["vmcoreinfo"] is None, "VMCOREINFO was not blanked"
ka, kb = a["kallsyms"], b["kallsyms"]
assert kb, "no kallsyms found"
assert int(kb["phys"], 16) == int(ka["phys"], 16) + shift, (kb["phys"], ka["phys"])
for f in ("num_syms", "layout", "copies"):
    assert ka[f] == kb[f], (f, ka[f], kb[f])
for name, t in ka["tables"].items():
    u = kb["tables"][name]
    assert int(u["phys"], 16) == int(t["phys"], 16) + shift and u["size"] == t["size"], (name, t, u)
PY
  grep -q "kallsyms: 17 batches had more than .* token-table anchors; their rest was scanned again" "$TMP/flood.json.err" &&
    ok "flood: the overflowed batches were scanned again" || fail "flood: no rescan: $(grep kallsyms "$TMP/flood.json.err")"
  n=$(sed -n 's/.*kallsyms: \([0-9]*\) anchors tried.*/\1/p' "$TMP/flood.json.err")
  (( ${n:-0} > 71400 )) && ok "flood: $n anchors tried (every fake)" || fail "flood: only ${n:-?} anchors tried"
fi
finish
