#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A System.map or a BTF file that is not the kernel's (a review's findings, 2026-12-07): each once
# gave exit 0 and a wrong profile.
#  IMAGE --map: the map is held against the image (check_map, src/8-profile/profile.c): another
#   kernel's map, a runtime /proc/kallsyms given as --map; its own map still gives exit 0.
#  --btf/--map (files mode): the BTF damage check and the BTF's functions against the map, as
#   IMAGE mode makes them on a --btf file.
. "$IC_SRC/tests/lib/common.sh"

img=$(fixture fx-deb12-6.1 mem.lime)
map61=$(fixture fx-deb12-6.1 System.map)
map72=$(fixture fx-forky-7.2 System.map)
ks61=$(fixture fx-deb12-6.1 truth/kallsyms)
btf61=$(fixture fx-deb12-6.1 truth/btf_vmlinux)
btf72=$(fixture fx-forky-7.2 truth/btf_vmlinux)
ver61=$(fixture fx-deb12-6.1 truth/version)
planted() { "$IC_PYTHON" "$IC_SRC/tests/lib/planted.py" "$@"; }

# IMAGE --map
expect_exit 0 "$IC_BIN" "$img" --map "$map61" -v -o "$TMP/own.json" --report "$TMP/own.report"
grep -q "matches the image's kallsyms: \([0-9]*\) of \1 symbols" "$TMP/err" &&
  "$IC_PYTHON" -c 'import json, sys; k = json.load(open(sys.argv[1]))["kaslr"]; sys.exit(k["runtime_text_assumed"] is not False)' "$TMP/own.report" &&
  ok "own map: every shared symbol in place (report: runtime _text read)" ||
  fail "own map: $(grep -i 'map' "$TMP/err" | head -3)"
expect_exit 3 "$IC_BIN" "$img" --map "$map72" -o "$TMP/x.json"
grep -q "is not the link-time System.map of the kernel whose VMCOREINFO is in the image: [0-9]* of its [0-9]* SYMBOL() addresses disagree" "$TMP/err" && [[ ! -e $TMP/x.json ]] &&
  ok "7.2's map on the 6.1 image: refused, nothing written" || fail "foreign map: $(tail -2 "$TMP/err")"
expect_exit 3 "$IC_BIN" "$img" --map "$ks61" -o "$TMP/x.json"
grep -q "is not this image's link-time System.map: System.map _text 0x[0-9a-f]*, solved link _text 0xffffffff81000000" "$TMP/err" &&
  [[ ! -e $TMP/x.json ]] && ok "runtime kallsyms as --map: refused" || fail "runtime map: $(tail -2 "$TMP/err")"
# arm64 (no input:link_text evidence in its KASLR stage): the runtime kallsyms against the link
# _text VMCOREINFO gives (was: exit 0, every address runtime).
armimg=$(fixture fx-arm64-forky-7.2 mem.elf)
expect_exit 3 "$IC_BIN" "$armimg" --map "$(fixture fx-arm64-forky-7.2 truth/kallsyms)" -o "$TMP/x.json"
grep -q "is not this image's link-time System.map: its _text 0xffff[0-9a-f]*, the image's link _text 0xffff800080000000" "$TMP/err" &&
  [[ ! -e $TMP/x.json ]] && ok "arm64: runtime kallsyms as --map refused" || fail "arm64 runtime map: $(tail -2 "$TMP/err")"
expect_exit 0 "$IC_BIN" "$armimg" --map "$(fixture fx-arm64-forky-7.2 System.map)" -o "$TMP/arm.json"
expect_exit 3 "$IC_BIN" "$img" --map "$map72" --allow-partial -o "$TMP/x.json"
[[ ! -e $TMP/x.json ]] && ok "foreign map: nothing even with --allow-partial" || fail "foreign map wrote a partial profile"

# IMAGE --map without kallsyms (its tables zeroed in a raw copy): the map's linux_banner, from
# the page tables' _text, must be where the image holds the banner.
planted "$TMP/mem.raw" --from fx-deb12-6.1:mem.lime zero-kallsyms
"$IC_PYTHON" - "$map61" > "$TMP/banner16.map" <<'PY'
import sys
for line in open(sys.argv[1]):
    a, t, n = line.split()[:3]
    print(f"{int(a, 16) + 16:016x} {t} {n}" if n == "linux_banner" else line, end="" if n != "linux_banner" else "\n")
PY
expect_exit 0 "$IC_BIN" "$TMP/mem.raw" --map "$map61" -v -o "$TMP/nk.json"
grep -q "carver kallsyms: nothing found" "$TMP/err" && grep -q "System.map: linux_banner where the image has it" "$TMP/err" &&
  ok "no kallsyms, own map: linux_banner where the image holds it" || fail "no kallsyms, own map: $(grep -E 'kallsyms|map' "$TMP/err" | head -4)"
for m in "$TMP/banner16.map" "$map72"; do
  expect_exit 3 "$IC_BIN" "$TMP/mem.raw" --map "$m" -o "$TMP/x.json"
  grep -q "puts linux_banner at physical 0x[0-9a-f]* (through the kernel page tables), where the image holds other bytes\|SYMBOL() addresses disagree" "$TMP/err" &&
    [[ ! -e $TMP/x.json ]] && ok "no kallsyms, $(basename "$m") (linux_banner elsewhere): refused" || fail "no kallsyms, $m: $(tail -2 "$TMP/err")"
done
# ... and with VMCOREINFO's SYMBOL(_stext) renamed too, so that runtime _text can only be computed
# (the given link _text + KERNELOFFSET): a runtime /proc/kallsyms as --map is still refused
# through the page tables (it was accepted for a while, exit 0), and the own map still passes.
planted "$TMP/mem.raw" rename:SYMBOL\(_stext\)=:SYMBOL\(_xtext\)=
expect_exit 3 "$IC_BIN" "$TMP/mem.raw" --map "$ks61" -o "$TMP/x.json"
grep -q "kallsyms is not this image's link-time System.map: its _text 0xffffffff8a200000 + VMCOREINFO KERNELOFFSET 0x9200000 = 0x[0-9a-f]* is not mapped by the kernel page tables\|kallsyms is not the link-time System.map of the kernel whose VMCOREINFO is in the image" "$TMP/err" &&
  [[ ! -e $TMP/x.json ]] && ok "no kallsyms, no SYMBOL(_stext): runtime kallsyms as --map refused" || fail "no _stext, runtime map: $(tail -2 "$TMP/err")"
expect_exit 0 "$IC_BIN" "$TMP/mem.raw" --map "$map61" -v -o "$TMP/nk2.json" --report "$TMP/nk2.report"
grep -q "System.map: linux_banner where the image has it" "$TMP/err" &&
  "$IC_PYTHON" -c 'import json, sys; k = json.load(open(sys.argv[1]))["kaslr"]; sys.exit(k["runtime_text_assumed"] is not True)' "$TMP/nk2.report" &&
  ok "no kallsyms, no SYMBOL(_stext): own map passes (report: runtime_text_assumed)" ||
  fail "no _stext, own map: $(grep -E 'map|kaslr' "$TMP/err" | tail -4)"
#    ... plus 16 copies of VMCOREINFO with another KERNELOFFSET (damaged: their SYMBOL() values
#    are this boot's): runtime _text (computed from one copy) cannot tell the copies apart, and
#    the majority's KERNELOFFSET + the map contradicts their own SYMBOL() addresses: refused with
#    that evidence (nothing in the image settles it).
planted "$TMP/mem.raw" --fx fx-deb12-6.1 copies:16:9400000:xtext
expect_exit 3 "$IC_BIN" "$TMP/mem.raw" --map "$map61" -o "$TMP/nk3.json"
grep -q "SYMBOL() addresses disagree" "$TMP/err" && [[ ! -e $TMP/nk3.json ]] &&
  grep -qF "link:_text: MISMATCH (VMCOREINFO copies disagree on KERNELOFFSET and runtime _text could not be read (no kallsyms _text, no SYMBOL(_stext)) to tell which is right)" "$TMP/err" &&
  ok "no kallsyms, no SYMBOL(_stext), a damaged majority of copies: refused with the evidence" || fail "copies, own map: $(tail -3 "$TMP/err")"
rm -f "$TMP/mem.raw"

# VMCOREINFO copies that disagree on KERNELOFFSET (16 planted copies of another value): the copy
# the map's _text agrees with is taken, not the main one held against the map (a false refusal
# for a while: exit 3 with the kernel's own System.map).
planted "$TMP/mem.raw" --from fx-deb12-6.1:mem.lime copies:16:9400000
expect_exit 0 "$IC_BIN" "$TMP/mem.raw" -o "$TMP/alt0.json"
expect_exit 0 "$IC_BIN" "$TMP/mem.raw" --map "$map61" -o "$TMP/alt.json"
rm -f "$TMP/mem.raw"

# One stray copy with KERNELOFFSET=0 (a previous nokaslr boot's page): the map must not choose
# it (runtime - 0 = a runtime map's _text); the copies are settled without the map, and the
# runtime /proc/kallsyms is refused (it was accepted for a while, exit 0).
planted "$TMP/mem.raw" --from fx-deb12-6.1:mem.lime stray:0
expect_exit 3 "$IC_BIN" "$TMP/mem.raw" --map "$ks61" -o "$TMP/x.json"
grep -q "is not this image's link-time System.map" "$TMP/err" && [[ ! -e $TMP/x.json ]] &&
  ok "a stray KERNELOFFSET=0 copy does not vouch for a runtime map" || fail "stray copy: $(tail -2 "$TMP/err")"
expect_exit 0 "$IC_BIN" "$TMP/mem.raw" --map "$map61" -o "$TMP/stray.json"
rm -f "$TMP/mem.raw"

# VMCOREINFO without a KERNELOFFSET line (arm64 before 4.12 wrote none, KASLR or not): its
# SYMBOL()s are runtime addresses; the own map is held against them with the slide the KASLR
# stage found (a false refusal for a while: map + 0). Not caught there (docs/cli.md): a runtime
# kallsyms, whose _text then is the link base itself.
planted "$TMP/mem.raw" --from fx-deb12-6.1:mem.lime $'rename:\nKERNELOFFSET=:\nXERNELOFFSET='
expect_exit 0 "$IC_BIN" "$TMP/mem.raw" --map "$map61" -v -o "$TMP/noko.json"
grep -q "System.map: 14 of 15 VMCOREINFO SYMBOL() addresses = map + KERNELOFFSET 0x9200000" "$TMP/err" &&
  ok "no KERNELOFFSET line: the own map against SYMBOL() with the solved slide" || fail "no KERNELOFFSET: $(grep -E 'SYMBOL|error' "$TMP/err" | tail -2)"
rm -f "$TMP/mem.raw"

# A fifth look's cases: arm64 without kallsyms and without SYMBOL(_stext) (runtime _text computed
# from the map; the walk finds no tables), and x86-64 likewise with one stray KERNELOFFSET=0 page:
# a runtime kallsyms / another kernel's map were accepted (exit 0, "not checked"); now VMCOREINFO's
# own SYMBOL() addresses refuse them, and the own maps pass.
planted "$TMP/a64.raw" --from fx-arm64-forky-7.2:mem.elf zero-kallsyms rename:SYMBOL\(_stext\)=:SYMBOL\(_xtext\)=
planted "$TMP/x86.raw" --from fx-deb12-6.1:mem.lime zero-kallsyms rename:SYMBOL\(_stext\)=:SYMBOL\(_xtext\)= stray:0:xtext
for c in "a64.raw fx-arm64-forky-7.2 truth/kallsyms" "x86.raw fx-deb12-6.1 truth/kallsyms" "x86.raw fx-forky-7.2 System.map"; do
  set -- $c
  expect_exit 3 "$IC_BIN" "$TMP/$1" --map "$(fixture "$2" "$3")" -o "$TMP/x.json"
  grep -q "SYMBOL() addresses disagree\|is not this image's link-time System.map" "$TMP/err" && [[ ! -e $TMP/x.json ]] &&
    ok "no kallsyms, no SYMBOL(_stext), $1 with $2's $3: refused" || fail "$1 with $2 $3: $(tail -2 "$TMP/err")"
done
expect_exit 0 "$IC_BIN" "$TMP/a64.raw" --map "$(fixture fx-arm64-forky-7.2 System.map)" -o "$TMP/a64.json"
expect_exit 0 "$IC_BIN" "$TMP/x86.raw" --map "$map61" -o "$TMP/x86.json"
rm -f "$TMP/a64.raw" "$TMP/x86.raw"

# --btf/--map
expect_exit 3 "$IC_BIN" --btf "$btf72" --map "$map61" --banner "$(cat "$ver61")" -o "$TMP/x.json"
grep -q "is not this kernel's BTF: [0-9]* of its [0-9]* functions .* not in the System.map" "$TMP/err" && [[ ! -e $TMP/x.json ]] &&
  ok "files: 7.2's BTF with 6.1's map refused" || fail "files, foreign BTF: $(tail -2 "$TMP/err")"
"$IC_PYTHON" - "$btf61" "$TMP/dmg.btf" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.find(b"\0comm\0")      # task_struct.comm's name, renamed to another valid name
d[i + 1:i + 5] = b"comx"
open(sys.argv[2], "wb").write(d)
PY
expect_exit 3 "$IC_BIN" --btf "$TMP/dmg.btf" --map "$map61" --banner "$(cat "$ver61")" -o "$TMP/x.json"
grep -q "the BTF is damaged: struct task_struct has no member comm" "$TMP/err" && [[ ! -e $TMP/x.json ]] &&
  ok "files: damaged BTF refused" || fail "files, damaged BTF: $(tail -2 "$TMP/err")"
expect_exit 0 "$IC_BIN" --btf "$btf61" --map "$map61" --banner "$(cat "$ver61")" -o "$TMP/ok.json"
finish
