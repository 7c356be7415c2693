#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What a new user hits first fails cleanly: one line, the documented exit code, at once
# (issue 18, "Failing cleanly"): the output path checked before the scan, a name vol.py never
# finds, a file with no kernel (profile and batch alike), a kdump cut short, global options
# before a subcommand, index -o without --force, batch lines, --format NAME, the
# module_sect_attr note (-v only).
. "$IC_SRC/tests/lib/common.sh"
lime=$(fixture fx-deb12-6.1 mem.lime)
kdump=$(fixture fx-deb12-6.1-kdump vmcore.kdump)
elf72=$(fixture fx-forky-7.2 mem.elf)

# one_line LABEL REGEX: stderr of the last expect_exit is exactly one line matching REGEX
one_line() {
  local n; n=$(wc -l < "$TMP/err")
  if (( n == 1 )) && grep -Eq -- "$2" "$TMP/err"; then ok "$1"; else fail "$1: $(cat "$TMP/err")"; fi
}

# 1. IMAGE mode checks -o OUT before the scan: one line, exit 1, at once (no scan of 256 MiB).
start=$SECONDS
expect_exit 1 "$IC_BIN" "$lime" -o /nonexistent-dir/a.json
one_line "missing output directory" '^isfcarve: error: /nonexistent-dir/a.json: output directory /nonexistent-dir does not exist$'
mkdir -p "$TMP/ro"; chmod 0555 "$TMP/ro"
if [[ -w $TMP/ro ]]; then ok "(root: a read-only directory is writable, not tested)"
else expect_exit 1 "$IC_BIN" "$lime" -o "$TMP/ro/a.json"; one_line "read-only output directory" 'is not writable$'; fi
touch "$TMP/exists.json"
expect_exit 1 "$IC_BIN" "$lime" -o "$TMP/exists.json"
one_line "existing OUT without --force" 'output exists \(use --force to overwrite\)$'
expect_exit 1 "$IC_BIN" "$lime" --symbols-dir "$TMP/exists.json/sub"
one_line "--symbols-dir under a file" '^isfcarve: error: .*exists.json/sub: symbols directory: .*: Not a directory$'
(( SECONDS - start < 5 )) && ok "all said before any scan ($((SECONDS - start)) s)" || fail "took $((SECONDS - start)) s"

# 2. A name vol.py never finds: usage error; --force writes it, without the "next: vol.py" hint.
for name in out.txt out.gz out.json.bz2 out; do
  expect_exit 1 "$IC_BIN" "$lime" -o "$TMP/$name"
  one_line "-o $name refused" "vol.py only finds profiles named \*\.json, \*\.json\.gz or \*\.json\.xz"
done
expect_exit 1 "$IC_BIN" --btf "$lime" --map "$lime" -o "$TMP/out.txt"
one_line "-o out.txt refused in --btf/--map mode too" "vol.py only finds"
expect_exit 0 "$IC_BIN" "$kdump" --force -o "$TMP/out.txt"
[[ -s $TMP/out.txt ]] && ! grep -q "next: vol.py" "$TMP/err" && grep -q "vol.py does not look for" "$TMP/err" \
  && ok "--force writes out.txt, without the vol.py hint" || fail "--force out.txt: $(cat "$TMP/err")"
expect_exit 0 "$IC_BIN" "$kdump" -o "$TMP/k.json.gz"
grep -q "next: vol.py" "$TMP/err" && ok ".json.gz: the hint" || fail ".json.gz: $(cat "$TMP/err")"

# 3. No Linux kernel in the file: exit 2, one line, in profile and batch alike.
printf 'hello, this is not a memory image\n' > "$TMP/t.txt"
expect_exit 2 "$IC_BIN" "$TMP/t.txt" -o "$TMP/t.json"
one_line "text file as IMAGE" "^isfcarve: error: $TMP/t.txt: no Linux kernel found \(no banner, BTF, kallsyms or VMCOREINFO\)$"
expect_exit 2 "$IC_BIN" "$TMP/t.txt" --symbols-dir "$TMP/sd"
one_line "text file with --symbols-dir" "^isfcarve: error: $TMP/t.txt: no Linux kernel found "
[[ -z $(find "$TMP/sd" -type f 2>/dev/null) ]] && ok "nothing in the symbols dir" || fail "$(find "$TMP/sd")"
(cd "$TMP" && "$IC_BIN" batch --symbols-dir sd t.txt >out 2>err) && rc=0 || rc=$?
(( rc == 2 )) && grep -q "^failed  *t.txt: no Linux kernel found (no banner, BTF, kallsyms or VMCOREINFO) " "$TMP/out" \
  && ! grep -q "isfcarve: error:" "$TMP/out" && ok "batch: the same rule, exit 2, one plain line" \
  || fail "batch: rc=$rc $(cat "$TMP/out" "$TMP/err")"

# 4. A kdump cut short: where the file ends and how much is missing, at open.
size=$(stat -c %s "$kdump")
head -c 1000000 "$kdump" > "$TMP/cut.kdump"
expect_exit 2 "$IC_BIN" scan "$TMP/cut.kdump"
one_line "kdump cut short (scan)" "kdump: page data runs to 0x[0-9a-f]+ \(descriptor at offset 0x[0-9a-f]+\): the file ends at 0xf4240, $((size - 1000000)) bytes short \(truncated dump\?\)$"
expect_exit 2 "$IC_BIN" "$TMP/cut.kdump" -o "$TMP/cut.json"
one_line "kdump cut short (profile)" "the file ends at 0xf4240, $((size - 1000000)) bytes short"
head -c 10000 "$kdump" > "$TMP/cut2.kdump"
expect_exit 2 "$IC_BIN" scan "$TMP/cut2.kdump"
one_line "kdump cut in the bitmaps" "the file ends at 0x2710, [0-9]+ bytes short"

# 5. Global options before a subcommand.
expect_exit 0 "$IC_BIN" -q scan "$kdump"
grep -q "^banner: *Linux version 6.1" "$TMP/out" && [[ ! -s $TMP/err ]] && ok "-q scan IMAGE" || fail "-q scan: $(cat "$TMP/err")"
expect_exit 0 "$IC_BIN" -v scan --json "$kdump"
"$IC_PYTHON" -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/out" && ok "-v scan --json IMAGE" || fail "-v scan --json"
# Other options before a subcommand made its name the IMAGE ("unexpected argument IMAGE").
expect_exit 1 "$IC_BIN" -j 1 scan "$kdump"
grep -q "error: 'scan' must come first: isfcarve scan \[OPTIONS\]" "$TMP/err" && [[ $(wc -l <"$TMP/err") == 1 ]] &&
  ok "-j 1 scan IMAGE: where scan goes" || fail "-j 1 scan: $(cat "$TMP/err")"

# 6. index -o: an existing FILE only with --force; the output directory checked first.
mkdir -p "$TMP/sym/linux"; cp "$TMP/k.json.gz" "$TMP/sym/linux/"
echo keep > "$TMP/banners.json"
expect_exit 1 "$IC_BIN" index "$TMP/sym" -o "$TMP/banners.json"
one_line "index -o existing" 'banners.json: output exists \(use --force to overwrite\)$'
[[ $(cat "$TMP/banners.json") == keep ]] && ok "index left it alone" || fail "index overwrote"
expect_exit 0 "$IC_BIN" index "$TMP/sym" -o "$TMP/banners.json" --force
grep -q '"linux"' "$TMP/banners.json" && ok "index --force replaces it" || fail "index --force"
expect_exit 1 "$IC_BIN" index "$TMP/sym" -o /nonexistent-dir/b.json
one_line "index -o in a missing directory" "output directory /nonexistent-dir does not exist$"

# 7. --format NAME: the error lists the names.
expect_exit 2 "$IC_BIN" scan --format bogus "$kdump"
one_line "--format bogus" "unknown image format 'bogus' \(formats: lime, kcore, elf, kdump, kdump-flat, avml, vmware, raw\)$"

# 8. module_sect_attr (none in 7.x BTF): a note at -v, nothing at the default level.
expect_exit 0 "$IC_BIN" "$elf72" -o "$TMP/72.json.xz"
! grep -q module_sect_attr "$TMP/err" && ok "7.2: no module_sect_attr warning by default" || fail "7.2: $(cat "$TMP/err")"
expect_exit 0 "$IC_BIN" -v "$elf72" -o "$TMP/72v.json.xz"
grep -q "^isfcarve: isf: BTF has no struct module_sect_attr" "$TMP/err" && ! grep -q "warning:.*module_sect_attr" "$TMP/err" \
  && ok "7.2 -v: said as information" || fail "7.2 -v: $(grep module_sect "$TMP/err")"
finish
