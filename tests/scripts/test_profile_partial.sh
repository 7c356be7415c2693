#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# isfcarve IMAGE when pieces are missing: exact "what, and what to supply" errors, exit 3,
# --allow-partial, and --map/--btf standing in for what an image lacks.
. "$IC_SRC/tests/lib/common.sh"

img=$(fixture fx-forky-7.2 mem.elf)
map=$(fixture fx-forky-7.2 System.map)
btf=$(fixture fx-forky-7.2 truth/btf_vmlinux)
slide=$(sed -n 's/^kaslr_virtual_slide=\(0x[0-9a-f]*\).*/\1/p' "$(fixture fx-forky-7.2 truth/slide.txt)")

expect_msg() { # expect_msg REGEX: stderr of the last expect_exit matches
  if grep -Eq -- "$1" "$TMP/err"; then ok "message /$1/"; else fail "want /$1/ in: $(head -c 600 "$TMP/err")"; fi
}

# 1. An image with nothing in it is not an incomplete kernel but no kernel: exit 2, one line,
#    nothing written, also with --allow-partial (issue 18: one rule for profile and batch).
head -c $((4 << 20)) /dev/zero > "$TMP/zero.raw"
expect_exit 2 "$IC_BIN" "$TMP/zero.raw" -o "$TMP/zero.json"
expect_msg "^isfcarve: error: $TMP/zero.raw: no Linux kernel found \(no banner, BTF, kallsyms or VMCOREINFO\)$"
[[ $(wc -l < "$TMP/err") == 1 ]] && ok "one line" || fail "$(wc -l < "$TMP/err") lines: $(cat "$TMP/err")"
[[ ! -e $TMP/zero.json ]] && ok "nothing written" || fail "zero.json written"
expect_exit 2 "$IC_BIN" "$TMP/zero.raw" -o "$TMP/zero.json" --allow-partial
expect_msg "no Linux kernel found"
[[ ! -e $TMP/zero.json ]] && ok "nothing written with --allow-partial" || fail "zero.json written"

# 2. A System.map without data symbols (as kallsyms without KALLSYMS_ALL looks): exit 3 naming them.
grep -vwE 'init_task|init_files' "$map" > "$TMP/text-only.map"
expect_exit 3 "$IC_BIN" "$img" -o "$TMP/p.json" --map "$TMP/text-only.map"
expect_msg "text-only.map has no init_task, init_files: supply the kernel's complete System.map"
[[ ! -e $TMP/p.json ]] && ok "nothing written" || fail "p.json written"
# ... and with --allow-partial the partial profile is written, exit still 3.
expect_exit 3 "$IC_BIN" "$img" -o "$TMP/p.json" --map "$TMP/text-only.map" --allow-partial
expect_msg "wrote a PARTIAL profile"
"$IC_PYTHON" - "$TMP/p.json" <<'PY' && ok "partial ISF has types and symbols, no init_task" || fail "partial ISF content"
import json, sys
d = json.load(open(sys.argv[1]))
assert "task_struct" in d["user_types"] and "init_mm" in d["symbols"]
assert "init_task" not in d["symbols"]
PY

# 3. --map and --btf supplied with an IMAGE: complete, and the map's _text is cross-checked
#    against the solved link base (KERNELOFFSET) in the report.
expect_exit 0 "$IC_BIN" "$img" -o "$TMP/m.json" --map "$map" --btf "$btf" --report "$TMP/m.report.json"
"$IC_PYTHON" - "$TMP/m.json" "$TMP/m.report.json" "$map" "$slide" <<'PY' && ok "--map/--btf profile" || fail "--map/--btf profile"
import json, sys
isf, rep, mp, slide = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], int(sys.argv[4], 0)
smap = {}
for line in open(mp):
    a, t, n = line.split()[:3]
    smap[n] = int(a, 16)
for n in ("init_task", "init_files", "_text", "linux_banner"):
    assert isf["symbols"][n]["address"] == smap[n], n
k = rep["kaslr"]
assert int(k["virtual_slide"], 0) == slide and k["consistent"]
ev = {e["check"]: e for e in k["evidence"]}
assert ev["input:link_text"]["ok"], ev
PY
# A System.map of another link base is refused (exit 3, no profile): the image's VMCOREINFO puts
# _text elsewhere (it used to be a warning beside a profile written from that map, exit 0).
"$IC_PYTHON" - "$map" > "$TMP/shifted.map" <<'PY'
import sys
for line in open(sys.argv[1]):
    a, t, n = line.split()[:3]
    print(f"{int(a, 16) + 0x200000:016x} {t} {n}" if n == "_text" else line, end="" if n != "_text" else "\n")
PY
expect_exit 3 "$IC_BIN" "$img" -o "$TMP/s.json" --map "$TMP/shifted.map" --report "$TMP/s.report.json"
expect_msg "is not this image's link-time System.map: System.map _text"
[[ ! -e $TMP/s.json ]] && ok "shifted map: no profile" || fail "shifted map: a profile was written"
# 4. arm64: solved from the image alone, and --map (the real System.map) agrees with it.
arm=$(fixture fx-arm64-forky-7.2 mem.elf)
armmap=$(fixture fx-arm64-forky-7.2 System.map)
expect_exit 0 "$IC_BIN" "$arm" -o "$TMP/arm.json"
expect_exit 0 "$IC_BIN" "$arm" -o "$TMP/arm2.json" --map "$armmap" --report "$TMP/arm.report.json"
if grep -q '"consistent": true' "$TMP/arm.report.json"; then ok "arm64 --map consistent"; else fail "arm64 --map not consistent"; fi
finish
