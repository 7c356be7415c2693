#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/check-extract.py, the checker of `isfcarve extract` against an image's ground truth
# (docs/kallsyms.md "Real kernels before 4.6"). On fx-deb12-6.1: extract + a profile report pass
# every check, letters included (BTF gives them); one moved kallsyms address, one changed
# System.map address, a wrong banner and a wrong slide each make it fail (exit 1).
# Then, only where they exist (local, not in CI: IC_OLDIMG, default /work/oldimg), the real
# images of the old BTF-less kernels made with the image kit: each <dir>/mem.elf with its
# <dir>/truth and <dir>/System.map must pass too (per-CPU letters cannot be carved without
# BTF: reported, not failed), and the profile run must end in exit 3 naming the missing types.
. "$IC_SRC/tests/lib/common.sh"
CHECK=$IC_SRC/scripts/check-extract.py

img=$(fixture fx-deb12-6.1 mem.lime)
map=$(fixture fx-deb12-6.1 System.map)
truth=$(dirname "$(fixture fx-deb12-6.1 truth/version)")
expect_exit 0 "$IC_BIN" extract "$img" -d "$TMP/ex" -q
expect_exit 0 "$IC_BIN" "$img" -o "$TMP/isf.json" --report "$TMP/report.json" -q
if "$IC_PYTHON" "$CHECK" "$TMP/ex" "$truth" --system-map "$map" --report "$TMP/report.json" \
    --strict-letters >"$TMP/check.out" 2>&1; then
  ok "fx-deb12-6.1: extract = truth ($(grep -c '^ok' "$TMP/check.out") checks)"
else
  fail "fx-deb12-6.1: $(grep -v '^ok' "$TMP/check.out" | head -5)"
fi

# must_fail LABEL: the checker must reject the damaged copy in $TMP/bad
must_fail() {
  local rc=0
  "$IC_PYTHON" "$CHECK" "$TMP/bad" "$truth" --system-map "$map" --report "$TMP/bad.json" \
    >"$TMP/bad.out" 2>&1 || rc=$?
  if (( rc == 1 )) && grep -q "^FAIL $2" "$TMP/bad.out"; then ok "damaged $1: rejected ($2)"
  else fail "damaged $1: exit $rc, $(grep -v '^ok' "$TMP/bad.out" | head -3)"; fi
}
fresh() { rm -rf "$TMP/bad"; cp -r "$TMP/ex" "$TMP/bad"; cp "$TMP/report.json" "$TMP/bad.json"; }
fresh; sed -i '5000s/^\(.\{15\}\)./\1f/' "$TMP/bad/kallsyms"                  # an address digit
cmp -s "$TMP/bad/kallsyms" "$TMP/ex/kallsyms" && fail "kallsyms line 5000 not changed"
must_fail kallsyms kallsyms
fresh; sed -i '7000s/^\(.\{15\}\)./\1f/' "$TMP/bad/System.map"
cmp -s "$TMP/bad/System.map" "$TMP/ex/System.map" && fail "System.map line 7000 not changed"
must_fail System.map "System.map lines"
fresh; sed -i 's/Linux version /Linux versioN /' "$TMP/bad/banner"
must_fail banner banner
fresh; sed -i 's/"virtual_slide": "0x/"virtual_slide": "0x1/' "$TMP/bad.json"
must_fail report "KASLR slide"

# The real images of old BTF-less kernels, where they exist (never in CI: no such data there).
OLD=${IC_OLDIMG:-/work/oldimg}
n=0
for d in "$OLD"/*/; do
  [[ -f $d/mem.elf && -d $d/truth && -f $d/System.map ]] || continue
  n=$((n + 1))
  name=$(basename "$d")
  if [[ -s $d/truth/btf_vmlinux ]]; then     # a kernel with BTF (Ubuntu 22.04's 5.15): complete
    expect_exit 0 "$IC_BIN" "$d/mem.elf" -o "$TMP/$name.json" --report "$TMP/$name.report.json"
    expect_exit 0 "$IC_BIN" extract "$d/mem.elf" -d "$TMP/ex-$name"
  else
    expect_exit 3 "$IC_BIN" "$d/mem.elf" -o "$TMP/$name.json" --report "$TMP/$name.report.json"
    grep -q 'no vmlinux BTF in the image.*--btf FILE.*--btf-dir DIR or --dwarf VMLINUX' "$TMP/err" &&
      ok "$name: the error names the missing types and --btf/--btf-dir/--dwarf" ||
      fail "$name: error line: $(cat "$TMP/err")"
    [[ ! -e $TMP/$name.json ]] && ok "$name: no ISF written" || fail "$name: an ISF was written"
    expect_exit 3 "$IC_BIN" extract "$d/mem.elf" -d "$TMP/ex-$name"
  fi
  grep -q 'banner' "$TMP/err" && fail "$name: a banner warning: $(grep banner "$TMP/err")"
  if "$IC_PYTHON" "$CHECK" "$TMP/ex-$name" "$d/truth" --system-map "$d/System.map" \
      --report "$TMP/$name.report.json" >"$TMP/check.out" 2>&1; then
    ok "$name: $(grep -E '^ok +kallsyms' "$TMP/check.out")"
  else
    fail "$name: $(grep -v '^ok' "$TMP/check.out" | head -5)"
  fi
done
(( n )) && ok "$n local old-kernel images checked in $OLD" ||
  echo "note: no local old-kernel images in $OLD (docs/kallsyms.md says how to make them)"
finish
