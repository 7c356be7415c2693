#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# isfcarve batch with the real image pipeline as the child, over the fixtures: one result per
# image, identical kernels share one profile, a bad image fails the batch, index lists both
# banners, and a second run reuses every profile.
. "$IC_SRC/tests/lib/common.sh"
lime=$(fixture fx-deb12-6.1 mem.lime)
kdump=$(fixture fx-deb12-6.1-kdump vmcore.kdump)  # the same 6.1 kernel, another format
elf=$(fixture fx-forky-7.2 mem.elf)
arm=$(fixture fx-arm64-forky-7.2 mem.elf)        # a third kernel, another architecture
v61=$(fixture fx-deb12-6.1 truth/version)
v72=$(fixture fx-forky-7.2 truth/version)
varm=$(fixture fx-arm64-forky-7.2 truth/version)
bad=$TMP/bad.lime                                  # LiME magic, then garbage
{ printf 'EMiL'; head -c 4096 /dev/zero; } > "$bad"
S=$TMP/symbols
unset IC_BATCH_CHILD

# check LABEL ARGS... <<PY: a Python check (stdin) over the JSON Lines in $TMP/out
check() { local l=$1; shift; if "$IC_PYTHON" - "$TMP/out" "$@"; then ok "$l"; else fail "$l"; fi; }

# 1. First run: 4 profiled (2 identical kernels), 1 bad image -> exit 2, three profiles.
expect_exit 2 "$IC_BIN" batch -j 2 --threads 1 --json --symbols-dir "$S" "$lime" "$kdump" "$elf" "$arm" "$bad"
cp "$TMP/out" "$TMP/run1"
check "first run: results, shared profile" "$lime" "$kdump" "$elf" "$arm" "$bad" "$S" <<'PY'
import json, sys
out, lime, kdump, elf, arm, bad, S = sys.argv[1:]
lines = [json.loads(l) for l in open(out)]
res = {l["path"]: l for l in lines if "path" in l}
summ = lines[-1]["summary"]
assert len(lines) == 6 and set(res) == {lime, kdump, elf, arm, bad}, lines
for p in (lime, kdump, elf, arm):
    assert res[p]["status"] == "ok" and res[p]["exit"] == 0 and res[p]["error"] is None, res[p]
    assert res[p]["profile"].startswith(S + "/linux/") and res[p]["profile"].endswith(".json.xz")
assert res[lime]["release"] == res[kdump]["release"] == "6.1.0-56-amd64", res
assert res[elf]["release"] == "7.2.12+deb14-amd64", res[elf]
assert res[arm]["release"] == "7.2.12+deb14-arm64", res[arm]
assert len({res[lime]["profile"], res[elf]["profile"], res[arm]["profile"]}) == 3, res
assert res[lime]["profile"] == res[kdump]["profile"] != res[elf]["profile"]
# one of the two 6.1 images built the profile, the other reused it (the lock serialises them)
assert sorted([res[lime]["reused"], res[kdump]["reused"]]) == [False, True], res
assert res[elf]["reused"] is False and res[arm]["reused"] is False
assert res[bad]["status"] == "failed" and res[bad]["exit"] == 2 and res[bad]["profile"] is None
# the child's line without "isfcarve: error: <path>: " (the record names the image)
assert res[bad]["error"].startswith("offset 0x0: LiME"), res[bad]
assert summ["images"] == 5 and summ["ok"] == 4 and summ["failed"] == 1 and summ["reused"] == 1
assert summ["exit"] == 2, summ
PY
n=$(find "$S/linux" -name '*.json.xz' | wc -l)
if [[ $n == 3 ]]; then ok "three profiles for three kernels"; else fail "$n profiles in $S/linux"; fi
if [[ -z $(find "$S" -name '*.tmp*' -o -name '.*.json.xz.*') ]]; then
  ok "no temp or lock files left"; else fail "temp or lock files left: $(ls -a "$S/linux")"; fi

# 2. index lists the three banners (decoded = the truth banners), each pointing at its profile.
expect_exit 0 "$IC_BIN" index "$S"
check "index lists the three banners" "$TMP/run1" "$v61" "$v72" "$varm" <<'PY'
import base64, json, os, sys, urllib.parse
out, run1, v61, v72, varm = sys.argv[1:]
idx = json.load(open(out))
res = {l["release"]: l["profile"] for l in map(json.loads, open(run1)) if l.get("status") == "ok"}
banners = {base64.b64decode(k).rstrip(b"\0").decode().strip(): v for k, v in idx["linux"].items()}
assert idx["version"] == 1 and len(banners) == 3, idx
for truth, rel in ((v61, "6.1.0-56-amd64"), (v72, "7.2.12+deb14-amd64"),
                  (varm, "7.2.12+deb14-arm64")):
    t = open(truth).read().strip()
    assert t in banners, (t, list(banners))
    urls = [urllib.parse.unquote(u) for u in banners[t]]  # '+' is percent-encoded
    assert urls == ["file://" + os.path.abspath(res[rel])], (banners[t], res[rel])
PY

# 3. Second run: everything reused (no profile rewritten), and fast.
before=$(stat -c '%Y.%i' "$S"/linux/*.json.xz)
t0=$(date +%s.%N)
expect_exit 2 "$IC_BIN" batch -j 2 --threads 1 --json --symbols-dir "$S" "$lime" "$kdump" "$elf" "$arm" "$bad"
t1=$(date +%s.%N)
check "second run: all reused" "$lime" "$kdump" "$elf" "$arm" <<'PY'
import json, sys
out, *imgs = sys.argv[1:]
res = {l["path"]: l for l in map(json.loads, open(out)) if "path" in l}
for p in imgs:
    assert res[p]["status"] == "ok" and res[p]["reused"] is True, res[p]
PY
after=$(stat -c '%Y.%i' "$S"/linux/*.json.xz)
if [[ $before == "$after" ]]; then ok "profiles untouched on reuse"; else fail "profiles rewritten"; fi
# Reuse skips kallsyms conversion, BTF validation and the ISF (~6 s of CPU per 6.1 image,
# ~8 s for 7.2): the rerun is only the scans. Generous bound for a loaded 2-core machine.
secs=$("$IC_PYTHON" -c "print(int($t1 - $t0))")
if (( secs < 60 )); then ok "rerun took ${secs}s"; else fail "rerun took ${secs}s"; fi

# 4. IMAGE mode directly: -o with --symbols-dir copies the reused profile out; report keys;
#    the summary names the next command; usage errors.
expect_exit 0 "$IC_BIN" "$lime" --symbols-dir "$S" -o "$TMP/copy.json.xz" --report "$TMP/rep.json"
if grep -qF "next: vol.py -s $S -f $lime linux.pslist.PsList" "$TMP/err" && grep -q "(reused)" "$TMP/err"; then
  ok "summary with the next command"; else fail "summary: $(cat "$TMP/err")"; fi
if cmp -s "$TMP/copy.json.xz" "$S"/linux/6.1.0-56-amd64-*.json.xz; then ok "-o gets the reused profile"
else fail "-o copy differs"; fi
check "report kernel/profile keys" "$TMP/rep.json" "$S" "$v61" <<'PY'
import json, sys
_, rep, S, v61 = sys.argv[1:]
r = json.load(open(rep))
assert r["kernel"]["release"] == "6.1.0-56-amd64", r["kernel"]
assert r["kernel"]["banner"].strip() == open(v61).read().strip()
p = r["profile"]
assert p["reused"] is True and p["path"].startswith(S + "/linux/6.1.0-56-amd64-"), p
assert p["path"].endswith("/" + p["name"]) and r["kaslr"] is not None and r["btf"] is not None
PY
expect_exit 0 "$IC_BIN" -q "$lime" --symbols-dir "$S"
if [[ ! -s $TMP/err ]]; then ok "-q: no summary"; else fail "-q printed: $(cat "$TMP/err")"; fi
expect_exit 1 "$IC_BIN" "$lime" --symbols-dir "$S" -o -
expect_exit 1 "$IC_BIN" "$lime" --symbols-dir "$S" --allow-partial
expect_exit 1 "$IC_BIN" --live --symbols-dir "$S" -o "$TMP/x.json"
expect_exit 2 "$IC_BIN" "$bad" --symbols-dir "$S" --report "$TMP/rep2.json"

# 5. --force rebuilds (reused false) and gives the same bytes (deterministic output).
sum1=$(sha256sum "$S"/linux/*.json.xz | cut -d' ' -f1 | sort)
expect_exit 0 "$IC_BIN" batch --threads 2 --json --force --symbols-dir "$S" "$lime"
check "--force rebuilds" <<'PY'
import json, sys
l = [json.loads(x) for x in open(sys.argv[1])][0]
assert l["status"] == "ok" and l["reused"] is False, l
PY
sum2=$(sha256sum "$S"/linux/*.json.xz | cut -d' ' -f1 | sort)
if [[ $sum1 == "$sum2" ]]; then ok "rebuild is byte-identical"; else fail "rebuild differs"; fi
finish
