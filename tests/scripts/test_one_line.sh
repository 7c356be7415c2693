#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bad input gets one clear line (issue 18), the exit-3 paths of IMAGE mode: a kernel without BTF
# (--withhold-btf, as Ubuntu 4.4/4.15 images have none), no banner, another kernel's BTF, a KASLR
# slide in doubt. Each prints one "isfcarve: error: IMAGE: incomplete: ..." line on stderr and
# nothing else -- but for the evidence a trust refusal lists before it -- and the summary never
# twice (the library's "incomplete profile" warning used to repeat the error line). The detail is
# at -v. batch: one result line per image, its stderr empty.
. "$IC_SRC/tests/lib/common.sh"

img=$(fixture fx-deb12-6.1 mem.lime)
other_btf=$(fixture fx-forky-7.2 truth/btf_vmlinux)

# one_line WHAT: stderr ($TMP/err) is the single error line of an incomplete profile
one_line() {
  local n
  n=$(wc -l <"$TMP/err")
  if [[ $n == 1 ]] && grep -q "^isfcarve: error: .*: incomplete: " "$TMP/err"; then
    ok "$1: one line"
  else
    fail "$1: $n stderr lines (want 1 error line): $(head -c 900 "$TMP/err")"
  fi
}

# 1. No BTF in the image: one line naming what to supply; with --allow-partial too (nothing is
#    written: an ISF without types is of no use); -v adds what each option takes.
expect_exit 3 "$IC_BIN" "$img" --withhold-btf -o "$TMP/a.json"
one_line "no BTF"
grep -q "incomplete: no vmlinux BTF in the image .*: supply --btf FILE, --btf-dir DIR or --dwarf VMLINUX (or --allow-partial" "$TMP/err" &&
  ok "no BTF: names what to supply" || fail "no BTF: $(cat "$TMP/err")"
expect_exit 3 "$IC_BIN" "$img" --withhold-btf -o "$TMP/a.json" --allow-partial
one_line "no BTF, --allow-partial"
grep -q "nothing written to $TMP/a.json (an ISF without types" "$TMP/err" && [[ ! -e $TMP/a.json ]] &&
  ok "no BTF, --allow-partial: says nothing was written" || fail "no BTF, --allow-partial: $(cat "$TMP/err")"
expect_exit 3 "$IC_BIN" "$img" --withhold-btf -o "$TMP/a.json" -v
grep -q "^isfcarve: .*--btf takes a vmlinux with .BTF" "$TMP/err" && [[ $(grep -c "error:" "$TMP/err") == 1 ]] &&
  ok "no BTF, -v: the detail, still one error line" || fail "no BTF, -v: $(tail -c 900 "$TMP/err")"
# The same with -q: the error line stays.
expect_exit 3 "$IC_BIN" "$img" --withhold-btf -o "$TMP/a.json" -q
one_line "no BTF, -q"

# 2. Another kernel's BTF given with --btf: refused in one line naming the evidence.
expect_exit 3 "$IC_BIN" "$img" --btf "$other_btf" -o "$TMP/b.json"
one_line "another kernel's BTF"
grep -q "is not this kernel's BTF: [0-9]* of its" "$TMP/err" || fail "another kernel's BTF: $(cat "$TMP/err")"
expect_exit 3 "$IC_BIN" "$img" --btf "$other_btf" -o "$TMP/b.json" --allow-partial
one_line "another kernel's BTF, --allow-partial"
[[ ! -e $TMP/b.json ]] || fail "another kernel's BTF, --allow-partial: a profile was written"

# 3. No banner (every "Linux version " overwritten) and 4. every KERNELOFFSET copy 2 MiB off:
#    the slide is in doubt: its evidence line, then the one error line (not three lines).
"$IC_PYTHON" - "$img" "$TMP/nobanner.lime" "$TMP/ko.lime" <<'PY'
import re, sys
src, nob, ko = sys.argv[1:]
data = open(src, "rb").read()
open(nob, "wb").write(data.replace(b"Linux version ", b"Linux versioX "))
d = bytearray(data)
n = 0
for m in re.finditer(rb"KERNELOFFSET=([0-9a-f]+)\n", data):
    if b"OSRELEASE=" in data[max(0, m.start() - 4096):m.start()]:
        v = m.group(1)
        d[m.start(1):m.end(1)] = b"%0*x" % (len(v), int(v, 16) + 0x200000)
        n += 1
assert n, "no KERNELOFFSET in the fixture"
open(ko, "wb").write(d)
PY
expect_exit 3 "$IC_BIN" "$TMP/nobanner.lime" -o "$TMP/c.json"
one_line "no banner"
grep -q 'incomplete: no "Linux version" banner in the image' "$TMP/err" || fail "no banner: $(cat "$TMP/err")"
rm -f "$TMP/nobanner.lime"
expect_exit 3 "$IC_BIN" "$TMP/ko.lime" -o "$TMP/d.json"
if [[ $(wc -l <"$TMP/err") == 2 ]] && head -1 "$TMP/err" | grep -q "warning: kaslr: link:_text: MISMATCH" &&
   tail -1 "$TMP/err" | grep -q "error: .*: incomplete: the KASLR slide is in doubt"; then
  ok "KASLR in doubt: the evidence, then one error line"
else
  fail "KASLR in doubt: $(cat "$TMP/err")"
fi
grep -q "incomplete profile" "$TMP/err" && fail "KASLR in doubt: the summary is repeated"
rm -f "$TMP/ko.lime"

# 5. The banner in doubt (the running copy's compiler part changed; one other copy, no third):
#    one line (the doubt used to be a warning and then the error line again); scan shows it.
"$IC_PYTHON" - "$img" "$TMP/doubt.lime" "$IC_BIN" <<'PY'
import re, struct, subprocess, sys
src, dst, ic = sys.argv[1:]
out = subprocess.run([ic, "scan", src], capture_output=True, check=True).stdout
phys = int(re.search(rb"\n +at 0x([0-9a-f]+) \(linux_banner\)", out).group(1), 16)
d = bytearray(open(src, "rb").read())
off = 0
while off < len(d):
    _m, _v, s, e = struct.unpack_from("<IIQQ", d, off)
    if s <= phys <= e:
        at = off + 32 + phys - s
        i = d.index(b"12.2.0-14", at, at + 256)
        d[i:i + 9] = b"12.2N0-14"
    off += 32 + e - s + 1
open(dst, "wb").write(d)
PY
expect_exit 3 "$IC_BIN" "$TMP/doubt.lime" -o "$TMP/e.json"
one_line "banner in doubt"
grep -q "incomplete: the banner is in doubt: the kernel's linux_banner at 0x[0-9a-f]* and a copy at" "$TMP/err" ||
  fail "banner in doubt: $(cat "$TMP/err")"
"$IC_BIN" scan "$TMP/doubt.lime" 2>/dev/null | grep -q "^ *IN DOUBT: the kernel's linux_banner at" &&
  ok "banner in doubt: scan shows it" || fail "banner in doubt: scan does not show it"
rm -f "$TMP/doubt.lime"

# 6. batch of a BTF-less image (its child runs with --withhold-btf, through the IC_BATCH_CHILD
#    hook): one result line naming what is missing, then the summary; nothing on stderr.
printf '#!/bin/sh\nexec "%s" "$@" --withhold-btf\n' "$IC_BIN" >"$TMP/child.sh"
chmod +x "$TMP/child.sh"
rc=0
IC_BATCH_CHILD=$TMP/child.sh "$IC_BIN" batch --symbols-dir "$TMP/sd" "$img" >"$TMP/bout" 2>"$TMP/berr" || rc=$?
if (( rc == 3 )) && [[ ! -s $TMP/berr && $(wc -l <"$TMP/bout") == 2 ]] &&
   head -1 "$TMP/bout" | grep -q "^incomplete .*: missing: no vmlinux BTF in the image .*; no profile written"; then
  ok "batch: one line for the BTF-less image"
else
  fail "batch: exit $rc: $(cat "$TMP/bout" "$TMP/berr" | head -c 900)"
fi
finish
