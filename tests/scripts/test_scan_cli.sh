#!/usr/bin/env bash
# isfcarve scan on small crafted images: nothing found -> nulls and exit 0; a found banner in JSON;
# forced formats; no progress output when stderr is not a TTY.
. "$IC_SRC/tests/lib/common.sh"

head -c 1048576 /dev/zero >"$TMP/zero.raw"
expect_exit 0 "$IC_BIN" scan --json "$TMP/zero.raw"
if "$IC_PYTHON" - "$TMP/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["image"]["format"] == "raw" and r["image"]["ranges"] == 1 and r["image"]["bytes"] == 1048576, r["image"]
for k in ("banner", "btf", "vmcoreinfo", "kallsyms", "kaslr"):
    assert k in r and r[k] is None, (k, r.get(k))
assert r["status"]["banner"] == "not found"
PY
then ok "all null on zeros"; else fail "json of zeros: $(cat "$TMP/out")"; fi
if [[ -s $TMP/err ]]; then fail "stderr not empty without a TTY: $(cat "$TMP/err")"; else ok "quiet stderr"; fi

expect_exit 0 "$IC_BIN" scan "$TMP/zero.raw"
grep -q '^banner: *not found' "$TMP/out" && ok "human: not found" || fail "human summary: $(cat "$TMP/out")"

# A banner and a VMCOREINFO text in a LiME image; -j 3 and -v.
"$IC_PYTHON" - "$TMP/one.lime" <<'PY'
import struct, sys
mem = bytearray(0x4000)
b = b"Linux version 6.6.6-t (a@b) (gcc) #1 SMP\n\0"
mem[0x123:0x123 + len(b)] = b
v = b"OSRELEASE=6.6.6-t\nPAGESIZE=4096\nKERNELOFFSET=abc000\n\0"
mem[0x2000:0x2000 + len(v)] = v
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IIQQ8x", 0x4C694D45, 1, 0x100000, 0x100000 + len(mem) - 1) + mem)
PY
expect_exit 0 "$IC_BIN" scan --json -v -j 3 "$TMP/one.lime"
if "$IC_PYTHON" - "$TMP/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["image"]["format"] == "lime"
assert r["banner"]["text"] == "Linux version 6.6.6-t (a@b) (gcc) #1 SMP" and r["banner"]["phys"] == "0x100123"
assert r["vmcoreinfo"]["phys"] == "0x102000" and r["vmcoreinfo"]["kerneloffset"] == "0xabc000"
assert r["vmcoreinfo"]["osrelease"] == "6.6.6-t" and r["btf"] is None
PY
then ok "lime findings"; else fail "lime json: $(cat "$TMP/out")"; fi
grep -q 'carver banner: found' "$TMP/err" && ok "-v messages" || fail "-v: $(cat "$TMP/err")"
# The human summary says a found banner once: no status line after it ("banner: Success").
expect_exit 0 "$IC_BIN" scan "$TMP/one.lime"
if [[ $(grep -c '^banner:' "$TMP/out") == 1 ]] && grep -q '^banner: *Linux version 6.6.6-t' "$TMP/out"; then
  ok "human: one banner line"
else
  fail "human banner lines: $(cat "$TMP/out")"
fi

# Forcing a format that does not fit is an input error naming the file.
expect_exit 2 "$IC_BIN" scan --format elf "$TMP/one.lime"
grep -q "error: .*one.lime" "$TMP/err" && ok "forced format message" || fail "forced: $(cat "$TMP/err")"
expect_exit 0 "$IC_BIN" scan --format raw "$TMP/one.lime"
expect_exit 0 "$IC_BIN" scan --help
finish
