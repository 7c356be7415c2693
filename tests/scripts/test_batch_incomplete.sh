#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# isfcarve batch with the real child on images that do not give a complete profile: a kernel
# whose banner is gone is "incomplete" (with what is missing; --allow-partial keeps the partial
# profile outside the symbols directory), an image with no kernel in it is "failed".
. "$IC_SRC/tests/lib/common.sh"
elf=$(fixture fx-forky-7.2 mem.elf)
unset IC_BATCH_CHILD
S=$TMP/symbols

# fx-forky-7.2 with every "Linux version " overwritten: BTF and kallsyms are still there, the
# banner (the profile's identity and Volatility's match key) is not.
"$IC_PYTHON" - "$elf" "$TMP/nobanner.elf" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
n, i = 0, d.find(b"Linux version ")
while i >= 0:
    d[i:i + 14] = b"Linux_version "
    n += 1
    i = d.find(b"Linux version ", i + 14)
assert n > 0
open(sys.argv[2], "wb").write(d)
PY
head -c $((4 << 20)) /dev/zero > "$TMP/zero.raw"   # no kernel at all (the child exits 2)

check() { local l=$1; shift; if "$IC_PYTHON" - "$TMP/out" "$@"; then ok "$l"; else fail "$l"; fi; }

# 1. Without --allow-partial: incomplete with the reason, no profile; zero image failed; exit 2.
expect_exit 2 "$IC_BIN" batch -j 2 --threads 1 --json --symbols-dir "$S" "$TMP/nobanner.elf" "$TMP/zero.raw"
check "incomplete vs failed" "$TMP/nobanner.elf" "$TMP/zero.raw" <<'PY'
import json, sys
out, nob, zero = sys.argv[1:]
lines = [json.loads(l) for l in open(out)]
res = {l["path"]: l for l in lines if "path" in l}
r = res[nob]
assert r["status"] == "incomplete" and r["exit"] == 3 and r["profile"] is None, r
assert r["missing"] == 'no "Linux version" banner in the image', r
assert "incomplete: " in r["error"], r
z = res[zero]
assert z["status"] == "failed" and z["exit"] == 2 and z["missing"] is None, z
assert z["error"] == "no Linux kernel found (no banner, BTF, kallsyms or VMCOREINFO)", z
s = lines[-1]["summary"]
assert s["incomplete"] == 1 and s["failed"] == 1 and s["partial"] == 0 and s["exit"] == 2, s
PY
[[ -z $(find "$S" -name '*.json*' 2>/dev/null) ]] && ok "nothing published" || fail "published: $(find "$S")"

# 2. --allow-partial: the partial profile is kept in DIR.partial, named in the record, loads as an
#    ISF with types and symbols; still nothing in DIR; exit 3.
expect_exit 3 "$IC_BIN" batch --threads 1 --json --allow-partial --symbols-dir "$S" "$TMP/nobanner.elf"
check "partial profile kept" "$TMP/nobanner.elf" "$S" <<'PY'
import json, lzma, os, sys
out, nob, S = sys.argv[1:]
lines = [json.loads(l) for l in open(out)]
r = lines[0]
assert r["path"] == nob and r["status"] == "incomplete" and r["partial"] is True, r
assert os.path.dirname(r["profile"]) == S + ".partial", r
isf = json.load(lzma.open(r["profile"]))
assert "task_struct" in isf["user_types"] and "init_task" in isf["symbols"], list(isf)[:5]
assert "linux_banner" not in isf["symbols"] or "constant_data" not in isf["symbols"]["linux_banner"]
assert lines[-1]["summary"]["partial"] == 1
PY
[[ -z $(find "$S" -name '*.json*') ]] && ok "still nothing in DIR" || fail "in DIR: $(find "$S")"
finish
