#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Adversarial inputs that would make a careless stage super-linear: 64 MiB of BTF headers,
# of "Linux version " banners, of kallsyms token-table anchors, of self-referencing page
# tables; BTF with a million-deep pointer chain and a pointer cycle. Each run must end with its
# documented exit code within IC_ADV_LIMIT_S (default 20 s on a loaded 2-core machine; the
# times seen are printed and recorded in docs/security.md).
. "$IC_SRC/tests/lib/common.sh"
LIMIT_S=${IC_ADV_LIMIT_S:-20}
G=$TMP/adv
mkdir -p "$G"

"$IC_PYTHON" - "$G" <<'PY'
import struct, sys
G = sys.argv[1]
SZ = 64 << 20

def fill(name, unit_fn, size=SZ):
    with open(f"{G}/{name}", "wb") as f:
        n = 0
        chunk = bytearray()
        i = 0
        while n < size:
            chunk += unit_fn(i)
            i += 1
            if len(chunk) >= 1 << 20:
                f.write(chunk); n += len(chunk); chunk = bytearray()
        if chunk:
            f.write(chunk[: size - n])

# BTF headers every 32 bytes, each claiming 32 MiB of types: a validator that walks each
# candidate's claimed bytes in full would be quadratic.
hdr = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, 32 << 20, 32 << 20, 64) + b"\0" * 8
fill("btf-headers", lambda i: hdr)
# Distinct "Linux version" banners, back to back (distinct-list and per-hit costs).
fill("banners", lambda i: b"Linux version 6.%d.0-%d-amd64 (x@y) (gcc) #1 SMP\n\0" % (i % 97, i))
# The kallsyms token-index anchor ("0\0" .. "9\0") repeated: every offset is a candidate.
fill("ksym-anchors", lambda i: b"".join(b"%d\0" % d for d in range(10)) + b"ab\0cd\0")
# Every 8-byte word a present, writable, user entry pointing at its own page: any walk from
# any root loops back to the same table forever (cycles), at every level.
def selfpt(i):
    page = i  # one 4 KiB page per call
    e = struct.pack("<Q", (page << 12) | 0x67)
    return e * 512
fill("selfref-pt", selfpt)

# BTF: a million PTR types, each pointing at the next, the last at an INT (deep chain); and
# the same with the last pointing back at the first (cycle). Plus a struct member of each.
def btf(n, cycle):
    strs = b"\0int\0s\0m\0"
    types = bytearray()
    for i in range(1, n + 1):
        nxt = (1 if cycle else n + 1) if i == n else i + 1
        types += struct.pack("<III", 0, 2 << 24, nxt)            # PTR -> next
    types += struct.pack("<IIII", 1, 1 << 24, 8, 64)              # INT "int", 64 bits
    types += struct.pack("<III", 5, (4 << 24) | 1, 8)             # STRUCT "s" { m }
    types += struct.pack("<III", 7, 1, 0)                          # member "m": type 1, offset 0
    h = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(types), len(types), len(strs))
    return h + bytes(types) + strs
open(f"{G}/btf-chain", "wb").write(btf(1000000, False))
open(f"{G}/btf-cycle", "wb").write(btf(1000000, True))
open(f"{G}/map", "w").write("ffffffff81000000 T _text\nffffffff82000000 D linux_banner\n")
PY
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
for f in btf-headers banners ksym-anchors selfref-pt; do
  run 0 "scan $f" "$IC_BIN" scan "$G/$f"
  run 3 "pipeline $f" "$IC_BIN" "$G/$f" -o "$G/out.json"
  [[ ! -e $G/out.json ]] || fail "pipeline $f: left a profile behind"
done
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
