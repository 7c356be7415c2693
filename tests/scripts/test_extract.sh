#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# isfcarve extract IMAGE -d DIR (issue 17 item 5), on every fixture: vmlinux.btf = truth/btf_vmlinux
# byte for byte; vmlinux.h = `bpftool btf dump file DIR/vmlinux.btf format c` (but for the size
# attribute this libbpf gives 1-byte enums, docs/cli.md); System.map = the fixture's System.map
# lines, in its order, for every symbol kallsyms has; kallsyms = truth/kallsyms without the
# modules; banner = truth/version; vmcoreinfo.txt = truth's text. Then exit codes, no stray files.
. "$IC_SRC/tests/lib/common.sh"
if ! command -v bpftool >/dev/null; then
  [[ -n ${CI:-} ]] && { echo "FAIL: bpftool missing (scripts/install-deps.sh)" >&2; exit 1; }
  echo "skip: no bpftool"; exit 77
fi
expected="System.map banner kallsyms vmcoreinfo.txt vmlinux.btf vmlinux.h"

for fx_img in fx-deb12-6.1:mem.lime fx-forky-7.2:mem.elf fx-la57-6.12:mem.elf fx-arm64-forky-7.2:mem.elf; do
  fx=${fx_img%%:*}
  img=$(fixture "$fx" "${fx_img#*:}")
  d=$TMP/$fx
  expect_exit 0 "$IC_BIN" extract "$img" -d "$d" -q
  got=$(cd "$d" && ls | sort | tr '\n' ' ')
  [[ "$got" == "$expected " ]] && ok "$fx: exactly the expected files" || fail "$fx: files: $got"
  cmp -s "$d/vmlinux.btf" "$(fixture "$fx" truth/btf_vmlinux)" && ok "$fx: vmlinux.btf = truth" ||
    fail "$fx: vmlinux.btf differs from truth/btf_vmlinux"
  bpftool btf dump file "$d/vmlinux.btf" format c >"$TMP/bpftool.h"
  "$IC_PYTHON" - "$d/vmlinux.h" "$TMP/bpftool.h" "$d/vmlinux.btf" <<'PY' && ok "$fx: vmlinux.h = bpftool's" || fail "$fx: vmlinux.h differs from bpftool's"
import struct, sys
ours, ref = (open(p).read().split("\n") for p in sys.argv[1:3])
# 1-byte enums: the libbpf we link marks them "} __attribute__((mode(byte)));", the libbpf in
# bpftool 7.1 prints "};". Count them in the BTF: exactly those lines may differ.
b = open(sys.argv[3], "rb").read()
magic, ver, flags, hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from("<HBBIIIII", b)
assert magic == 0xEB9F
p, end, enums1 = hdr_len + type_off, hdr_len + type_off + type_len, 0
extra = {1: 4, 2: 0, 3: 12, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 0, 10: 0, 11: 0, 12: 0, 13: 0,
         14: 4, 15: 0, 16: 0, 17: 4, 18: 0, 19: 0}
per = {4: 12, 5: 12, 6: 8, 13: 8, 15: 12, 19: 12}
while p < end:
    name, info, size = struct.unpack_from("<III", b, p)
    kind, vlen = (info >> 24) & 0x1f, info & 0xffff
    if kind in (6, 19) and size == 1:
        enums1 += 1
    p += 12 + extra[kind] + per.get(kind, 0) * vlen
assert len(ours) == len(ref), (len(ours), len(ref))
diff = [(a, r) for a, r in zip(ours, ref) if a != r]
bad = [d for d in diff if d != ("} __attribute__((mode(byte)));", "};")]
assert not bad, bad[:3]
assert len(diff) <= enums1, (len(diff), enums1)
print(f"vmlinux.h: {len(ours)} lines; {len(diff)} 1-byte enums ({enums1} in the BTF) differ only "
      f"by the size attribute")
PY
  "$IC_PYTHON" - "$d/System.map" "$(fixture "$fx" System.map)" <<'PY' && ok "$fx: System.map = the fixture's lines, in order" || fail "$fx: System.map"
import sys
ours = open(sys.argv[1]).read().splitlines()
ref = open(sys.argv[2]).read().splitlines()
o = set(ours)
sub = [l for l in ref if l in o]
assert sub == ours, next(((i, a, b) for i, (a, b) in enumerate(zip(ours, sub)) if a != b), "length")
assert len(ours) > 0.99 * len(ref), (len(ours), len(ref))
print(f"System.map: {len(ours)} of the fixture's {len(ref)} lines")
PY
  grep -v '\[' "$(fixture "$fx" truth/kallsyms)" | cmp -s - "$d/kallsyms" &&
    ok "$fx: kallsyms = truth/kallsyms (the kernel's own entries)" || fail "$fx: kallsyms differs"
  cmp -s "$d/banner" "$(fixture "$fx" truth/version)" && ok "$fx: banner = truth/version" ||
    fail "$fx: banner differs"
  grep -v '^#' "$(fixture "$fx" truth/vmcoreinfo.txt)" | cmp -s - "$d/vmcoreinfo.txt" &&
    ok "$fx: vmcoreinfo.txt = truth" || fail "$fx: vmcoreinfo.txt differs"
done

# config: no fixture kernel has CONFIG_IKCONFIG (Debian builds without), so a copy of fx-forky-7.2's
# image gets its own .config as the kernel embeds it ("IKCFG_ST" gzip "IKCFG_ED") written into
# zero bytes inside the kernel image (_text.._end). It is not the kernel's own: kallsyms lists data
# symbols but no kernel_config_data, so extract writes no config (src/4-kaslr/ikconfig.c, the
# solver's rule). The config at kernel_config_data (both layouts) is test_kaslr's run_placed.
fx=fx-forky-7.2
"$IC_PYTHON" - "$(fixture $fx mem.elf)" "$TMP/ikcfg.elf" "$(fixture $fx config)" "$(fixture $fx System.map)" \
  "$(fixture $fx truth/slide.txt)" <<'PY'
import gzip, re, shutil, struct, sys
src, dst, cfg, smap, slide = sys.argv[1:]
blob = b"IKCFG_ST" + gzip.compress(open(cfg, "rb").read()) + b"IKCFG_ED"
sym = {l.split()[2]: int(l.split()[0], 16) for l in open(smap) if l.split()[2] in ("_text", "_end")}
text = int(re.search(r"kernel_code_phys=(0x[0-9a-f]+)", open(slide).read()).group(1), 16)
lo, hi = text, text + sym["_end"] - sym["_text"]
shutil.copyfile(src, dst)
with open(dst, "r+b") as f:
    e = f.read(64)
    phoff, phentsize, phnum = struct.unpack_from("<Q", e, 32)[0], *struct.unpack_from("<HH", e, 54)
    need = len(blob) + 8192
    for i in range(phnum):
        f.seek(phoff + i * phentsize)
        typ, _, off, _, paddr, filesz = struct.unpack("<IIQQQQ", f.read(40))
        a, b = max(lo, paddr), min(hi, paddr + filesz)
        if typ != 1 or a >= b:
            continue
        f.seek(off + a - paddr)
        data = f.read(b - a)
        at = data.find(b"\0" * need)
        at = (at + 4095) // 4096 * 4096 if at >= 0 else -1
        if at >= 0 and data[at:at + len(blob)] == b"\0" * len(blob):
            f.seek(off + a - paddr + at)
            f.write(blob)
            print(f"IKCONFIG ({len(blob)} bytes) at phys {a + at:#x}, kernel image {lo:#x}..{hi:#x}")
            break
    else:
        sys.exit("no zero run in the kernel image")
PY
expect_exit 0 "$IC_BIN" extract "$TMP/ikcfg.elf" -d "$TMP/ikcfg" -q
[ ! -e "$TMP/ikcfg/config" ] && ok "IKCONFIG planted where kallsyms places none: no config written" ||
  fail "IKCONFIG planted where kallsyms places none: config written"
cmp -s "$TMP/ikcfg/System.map" "$TMP/$fx/System.map" && ok "IKCONFIG: the rest unchanged" ||
  fail "IKCONFIG: System.map changed"
rm -f "$TMP/ikcfg.elf"

# Exit codes (docs/cli.md).
img=$(fixture fx-deb12-6.1 mem.lime)
d=$TMP/fx-deb12-6.1
expect_exit 1 "$IC_BIN" extract "$img" -d "$d" -q # files there, no --force
expect_exit 0 "$IC_BIN" extract "$img" -d "$d" -q -f
expect_exit 1 "$IC_BIN" extract "$img"
expect_exit 1 "$IC_BIN" extract -d "$TMP/n"
expect_exit 1 "$IC_BIN" extract "$img" -d "$d/vmlinux.btf" # a file, not a directory
expect_exit 2 "$IC_BIN" extract "$TMP/no-such-image" -d "$TMP/n"
[[ ! -e $TMP/n ]] && ok "no image: DIR not created" || fail "no image: DIR $TMP/n left behind"
# A bad image (no kernel in it): DIR is not created, an existing DIR keeps what it had, and no
# temp directory stays beside or inside it.
head -c 1048576 /dev/zero | tr '\0' 'x' >"$TMP/bad.raw"
mkdir -p "$TMP/bad"
expect_exit 2 "$IC_BIN" extract "$TMP/bad.raw" -d "$TMP/bad/new"
[[ -z $(ls -A "$TMP/bad") ]] && ok "bad image: nothing beside or in DIR" || fail "bad image: left $(ls -A "$TMP/bad")"
mkdir -p "$TMP/bad/old"; echo mine >"$TMP/bad/old/keep"
expect_exit 2 "$IC_BIN" extract "$TMP/bad.raw" -d "$TMP/bad/old" -f
[[ $(ls -A "$TMP/bad/old") == keep ]] && ok "bad image, existing DIR: it keeps only what it had" ||
  fail "bad image, existing DIR: $(ls -A "$TMP/bad/old")"
# Into an existing DIR: the pieces join what is there (and --force replaced the old ones above).
expect_exit 0 "$IC_BIN" extract "$img" -d "$TMP/bad/old" -q
got=$(cd "$TMP/bad/old" && ls -A | sort | tr '\n' ' ')
[[ "$got" == "System.map banner kallsyms keep vmcoreinfo.txt vmlinux.btf vmlinux.h " ]] &&
  ok "existing DIR: the pieces and what was there, no temp directory" || fail "existing DIR: '$got'"
cmp -s "$d/vmlinux.btf" "$TMP/bad/old/vmlinux.btf" && ok "existing DIR: same vmlinux.btf" ||
  fail "existing DIR: vmlinux.btf differs"
# Only a banner and VMCOREINFO in a raw image: those two are written, exit 3, nothing else.
"$IC_PYTHON" "$IC_SRC/tests/lib/pieces_image.py" "$TMP/pieces.raw" "$(fixture fx-deb12-6.1 truth/version)" \
  "$(fixture fx-deb12-6.1 truth/vmcoreinfo.txt)"
expect_exit 3 "$IC_BIN" extract "$TMP/pieces.raw" -d "$TMP/pieces"
grep -q "missing: vmlinux.btf and vmlinux.h" "$TMP/err" && ok "pieces only: says what is missing" ||
  fail "pieces only: $(head -c 300 "$TMP/err")"
got=$(cd "$TMP/pieces" && ls -A | sort | tr '\n' ' ')
[[ "$got" == "banner vmcoreinfo.txt " ]] && ok "pieces only: banner and vmcoreinfo.txt, no temp files" ||
  fail "pieces only: files '$got'"
# --force over a full DIR of an earlier run: the pieces this image does not give are removed, not
# left beside the new ones (they could be another kernel's: a 6.x vmlinux.btf beside a 4.x map).
cp -r "$d" "$TMP/full"; echo mine >"$TMP/full/keep"
expect_exit 3 "$IC_BIN" extract "$TMP/pieces.raw" -d "$TMP/full" -f
got=$(cd "$TMP/full" && ls -A | sort | tr '\n' ' ')
[[ "$got" == "banner keep vmcoreinfo.txt " ]] && grep -q "wrote 2 files to" "$TMP/err" \
  && ok "--force: the earlier run's other pieces removed, other files kept" || fail "--force over a full DIR: '$got'"
cmp -s "$TMP/full/banner" "$TMP/pieces/banner" && ok "--force: the new banner" || fail "--force: banner differs"
finish
