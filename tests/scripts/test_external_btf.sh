#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# External BTF as users receive it (issue 17 item 2): on every x86-64 fixture, the image with its
# BTF withheld (--withhold-btf) plus the same kernel's BTF from outside -- BTFHub's
# <release>.btf.tar.xz given to --btf, or found by --btf-dir in a distro/version/arch tree --
# gives the image-only profile byte for byte, but for the one metadata field that names the
# types' source ("image" vs the file; the sha256 beside it is the same). Another kernel's BTF is
# refused with exit 3 and the evidence; broken archives exit 2.
. "$IC_SRC/tests/lib/common.sh"
HUB=$TMP/hub
mkdir -p "$HUB"

# pack FX DIR NAME: BTFHub-style DIR/NAME.btf.tar.xz holding NAME.btf = FX's truth BTF
pack() {
  local fx=$1 dir=$2 name=$3 btf
  btf=$(fixture "$fx" truth/btf_vmlinux)
  mkdir -p "$dir" "$TMP/pk"
  cp "$btf" "$TMP/pk/$name.btf"
  XZ_OPT=-1 tar -C "$TMP/pk" -cJf "$dir/$name.btf.tar.xz" "$name.btf" # level: only speed
  rm -f "$TMP/pk/$name.btf"
}

# same_but_source A B SRC: B is A byte for byte once B's types source name SRC reads "image"
same_but_source() {
  "$IC_PYTHON" - "$1" "$2" "$3" <<'PY'
import json, sys
a, b, src = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read(), sys.argv[3]
name = json.dumps(src).encode()
assert b.count(name) == 1, "source name not once in the ISF"
assert b.replace(name, b'"image"') == a, "ISF differs beyond the types source name"
ta = json.loads(a)["metadata"]["linux"]["types"][0]
tb = json.loads(b)["metadata"]["linux"]["types"][0]
assert ta["hash_value"] == tb["hash_value"], (ta, tb)
PY
}

for fx_img in fx-deb12-6.1:mem.lime fx-forky-7.2:mem.elf fx-la57-6.12:mem.elf; do
  fx=${fx_img%%:*}
  img=$(fixture "$fx" "${fx_img#*:}")
  rel=$(cut -d' ' -f3 "$(fixture "$fx" truth/version)")
  dir=$HUB/debian/$fx/x86_64
  pack "$fx" "$dir" "$rel"
  "$IC_BIN" "$img" -q -o "$TMP/$fx.image.json"
  expect_exit 3 "$IC_BIN" "$img" -q --withhold-btf -o "$TMP/$fx.none.json"
  grep -q "no vmlinux BTF in the image" "$TMP/err" && [[ ! -e $TMP/$fx.none.json ]] &&
    ok "$fx: --withhold-btf alone: no types, no profile" ||
    fail "$fx: --withhold-btf alone: $(head -c 300 "$TMP/err")"
  expect_exit 0 "$IC_BIN" "$img" -q --withhold-btf --btf "$dir/$rel.btf.tar.xz" -o "$TMP/$fx.btf.json"
  same_but_source "$TMP/$fx.image.json" "$TMP/$fx.btf.json" "$dir/$rel.btf.tar.xz" &&
    ok "$fx: --btf $rel.btf.tar.xz = the image-only profile" ||
    fail "$fx: --btf $rel.btf.tar.xz differs from the image-only profile"
  expect_exit 0 "$IC_BIN" "$img" -q --withhold-btf --btf-dir "$HUB" -o "$TMP/$fx.dir.json"
  same_but_source "$TMP/$fx.image.json" "$TMP/$fx.dir.json" "$dir/$rel.btf.tar.xz" &&
    ok "$fx: --btf-dir = the image-only profile" ||
    fail "$fx: --btf-dir differs from the image-only profile"
done
# With --map too (symbols from System.map, types from outside, KASLR and banner from the image).
fx=fx-forky-7.2
img=$(fixture $fx mem.elf)
map=$(fixture $fx System.map)
arc=$HUB/debian/$fx/x86_64/7.2.12+deb14-amd64.btf.tar.xz
"$IC_BIN" "$img" -q --map "$map" -o "$TMP/map.image.json"
expect_exit 0 "$IC_BIN" "$img" -q --map "$map" --withhold-btf --btf "$arc" -o "$TMP/map.btf.json"
same_but_source "$TMP/map.image.json" "$TMP/map.btf.json" "$arc" && ok "$fx --map: --btf archive = image-only" ||
  fail "$fx --map: --btf archive differs"
expect_exit 0 "$IC_BIN" "$img" -q --map "$map" --withhold-btf --btf-dir "$HUB" -o "$TMP/map.dir.json"
same_but_source "$TMP/map.image.json" "$TMP/map.dir.json" "$arc" && ok "$fx --map: --btf-dir = image-only" ||
  fail "$fx --map: --btf-dir differs"
# --btf-dir leaves an image's own BTF alone: the image-only profile, byte for byte.
img=$(fixture fx-deb12-6.1 mem.lime)
expect_exit 0 "$IC_BIN" "$img" -q --btf-dir "$HUB" -o "$TMP/own.json"
cmp -s "$TMP/own.json" "$TMP/fx-deb12-6.1.image.json" && ok "--btf-dir: the image's own BTF wins" ||
  fail "--btf-dir changed the profile of an image with BTF"

# Another kernel's BTF: refused (exit 3, no profile, not even with --allow-partial), with evidence.
pack fx-forky-7.2 "$TMP/liar" 6.1.0-56-amd64 # named for deb12's release
expect_exit 3 "$IC_BIN" "$img" --withhold-btf --btf "$TMP/liar/6.1.0-56-amd64.btf.tar.xz" -o "$TMP/x.json"
grep -q "not this kernel's BTF: [0-9]* of its [0-9]* functions" "$TMP/err" && [[ ! -e $TMP/x.json ]] &&
  ok "another kernel's BTF under the right name: refused by the function names" ||
  fail "another kernel's BTF under the right name: $(head -c 400 "$TMP/err")"
expect_exit 3 "$IC_BIN" "$img" --withhold-btf --allow-partial --btf "$TMP/liar/6.1.0-56-amd64.btf.tar.xz" \
  -o "$TMP/x.json"
[[ ! -e $TMP/x.json ]] && ok "--allow-partial writes no profile with another kernel's BTF" ||
  fail "--allow-partial wrote a profile with another kernel's BTF"
expect_exit 3 "$IC_BIN" "$img" --withhold-btf --btf "$HUB/debian/fx-forky-7.2/x86_64/7.2.12+deb14-amd64.btf.tar.xz" \
  -o "$TMP/x.json"
grep -q "is for release 7.2.12+deb14-amd64, but the image's banner says 6.1.0-56-amd64" "$TMP/err" &&
  ok "another release's archive: refused by the release" || fail "another release: $(head -c 400 "$TMP/err")"
# --btf-dir: two different files for one release are not guessed between; none found says so.
mkdir -p "$TMP/amb"
cp -r "$HUB/debian" "$TMP/amb/"
mkdir -p "$TMP/amb/ubuntu/x/x86_64" && cp "$TMP/liar/6.1.0-56-amd64.btf.tar.xz" "$TMP/amb/ubuntu/x/x86_64/"
expect_exit 3 "$IC_BIN" "$img" --withhold-btf --btf-dir "$TMP/amb" -o "$TMP/x.json"
grep -q "several different BTF files for release 6.1.0-56-amd64" "$TMP/err" &&
  ok "--btf-dir: two different BTF for one release: exit 3" || fail "ambiguous: $(head -c 400 "$TMP/err")"
# ... but another architecture's directory is passed over.
rm -rf "$TMP/amb/ubuntu" && mkdir -p "$TMP/amb/debian/x/arm64" &&
  cp "$TMP/liar/6.1.0-56-amd64.btf.tar.xz" "$TMP/amb/debian/x/arm64/"
expect_exit 0 "$IC_BIN" "$img" -q --withhold-btf --btf-dir "$TMP/amb" -o "$TMP/x.json"
rm -f "$TMP/x.json"
mkdir -p "$TMP/empty"
expect_exit 3 "$IC_BIN" "$img" --withhold-btf --btf-dir "$TMP/empty" -o "$TMP/x.json"
grep -q "no BTF file for release 6.1.0-56-amd64" "$TMP/err" && ok "--btf-dir without the release: exit 3" ||
  fail "--btf-dir empty: $(head -c 300 "$TMP/err")"

# Broken archives: exit 2 with the file named.
a=$HUB/debian/fx-deb12-6.1/x86_64/6.1.0-56-amd64.btf.tar.xz
head -c 100000 "$a" >"$TMP/trunc.btf.tar.xz"
expect_exit 2 "$IC_BIN" "$img" --withhold-btf --btf "$TMP/trunc.btf.tar.xz" -o "$TMP/x.json"
grep -q "trunc.btf.tar.xz: offset 0x[0-9a-f]*: the xz stream ends early" "$TMP/err" && ok "truncated xz: named" ||
  fail "truncated xz: $(head -c 300 "$TMP/err")"
mkdir -p "$TMP/two" && echo a >"$TMP/two/a.btf" && echo b >"$TMP/two/b.btf"
tar -C "$TMP/two" -cJf "$TMP/two.btf.tar.xz" a.btf b.btf
expect_exit 2 "$IC_BIN" "$img" --withhold-btf --btf "$TMP/two.btf.tar.xz" -o "$TMP/x.json"
grep -q "tar offset 0x[0-9a-f]*: a second file in the archive" "$TMP/err" && ok "two files in the tar: refused" ||
  fail "two files: $(head -c 300 "$TMP/err")"
tar -C "$TMP/two" -cJf "$TMP/one.btf.tar.xz" a.btf
expect_exit 2 "$IC_BIN" "$img" --withhold-btf --btf "$TMP/one.btf.tar.xz" -o "$TMP/x.json"
grep -q "is not raw BTF" "$TMP/err" && ok "a non-BTF file in the tar: refused" ||
  fail "non-BTF member: $(head -c 300 "$TMP/err")"
# Other tar dialects: pax (long path in an 'x' header) and GNU (long name in an 'L' header), with
# a directory entry first; and a header whose checksum does not add up.
"$IC_PYTHON" - "$TMP" "$(fixture fx-deb12-6.1 truth/btf_vmlinux)" <<'PY'
import io, lzma, sys, tarfile
tmp, btf = sys.argv[1:]
data = open(btf, "rb").read()
name = "debian/" + "d" * 120 + "/6.1.0-56-amd64.btf"
for fmt, tag in ((tarfile.PAX_FORMAT, "pax"), (tarfile.GNU_FORMAT, "gnu")):
    with tarfile.open(f"{tmp}/{tag}.tar.xz", "w:xz", format=fmt) as t:
        d = tarfile.TarInfo("debian"); d.type = tarfile.DIRTYPE; t.addfile(d)
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as t:
    i = tarfile.TarInfo("6.1.0-56-amd64.btf"); i.size = len(data); t.addfile(i, io.BytesIO(data))
b = bytearray(raw.getvalue()); b[0] ^= 1
open(f"{tmp}/badsum.tar.xz", "wb").write(lzma.compress(bytes(b)))
PY
for tag in pax gnu; do
  expect_exit 0 "$IC_BIN" "$img" -q --withhold-btf --btf "$TMP/$tag.tar.xz" -o "$TMP/$tag.json"
  same_but_source "$TMP/fx-deb12-6.1.image.json" "$TMP/$tag.json" "$TMP/$tag.tar.xz" &&
    ok "$tag tar with a long member name and a directory: the same profile" || fail "$tag tar"
done
expect_exit 2 "$IC_BIN" "$img" --withhold-btf --btf "$TMP/badsum.tar.xz" -o "$TMP/x.json"
grep -q "badsum.tar.xz: tar offset 0x0: not a tar header (bad checksum)" "$TMP/err" && ok "bad tar checksum: named" ||
  fail "bad checksum: $(head -c 300 "$TMP/err")"
ln -s a.btf "$TMP/two/l.btf" && tar -C "$TMP/two" -cJf "$TMP/link.btf.tar.xz" l.btf
expect_exit 2 "$IC_BIN" "$img" --withhold-btf --btf "$TMP/link.btf.tar.xz" -o "$TMP/x.json"
[[ ! -e $TMP/x.json ]] || fail "a profile was written from a broken archive"

# An image without kallsyms (only a banner and VMCOREINFO), its symbols from --map: the external
# BTF is held against the System.map's names instead (was: not checked at all, another kernel's
# types accepted beside this kernel's symbols).
"$IC_PYTHON" "$IC_SRC/tests/lib/pieces_image.py" "$TMP/pieces.raw" "$(fixture fx-deb12-6.1 truth/version)" \
  "$(fixture fx-deb12-6.1 truth/vmcoreinfo.txt)"
map61=$(fixture fx-deb12-6.1 System.map)
expect_exit 3 "$IC_BIN" "$TMP/pieces.raw" --btf "$(fixture fx-forky-7.2 truth/btf_vmlinux)" --map "$map61" -o "$TMP/p.json"
grep -q "is not this kernel's BTF: .* not in the System.map" "$TMP/err" && [[ ! -e $TMP/p.json ]] \
  && ok "no kallsyms: 7.2 BTF against 6.1's System.map refused" || fail "no kallsyms, foreign BTF: $(head -c 400 "$TMP/err")"
expect_exit 0 "$IC_BIN" "$TMP/pieces.raw" -v --btf "$(fixture fx-deb12-6.1 truth/btf_vmlinux)" --map "$map61" -o "$TMP/p.json"
grep -q "matches the image: .* in the System.map" "$TMP/err" && ok "no kallsyms: its own BTF matches the System.map" \
  || fail "no kallsyms, own BTF: $(head -c 400 "$TMP/err")"

# --btf/--map with a BTF named for its release and a typed --banner of another kernel: refused
# (was: exit 0, 6.1's types and symbols under 7.2's banner, matched by Volatility to 7.2 images).
ver61=$(fixture fx-deb12-6.1 truth/version)
ver72=$(fixture fx-forky-7.2 truth/version)
expect_exit 0 "$IC_BIN" --btf "$a" --map "$map61" --banner "$(cat "$ver61")" -o "$TMP/f61.json"
expect_exit 2 "$IC_BIN" --btf "$a" --map "$map61" --banner "$(cat "$ver72")" -o "$TMP/f72.json"
grep -q "6.1.0-56-amd64.btf.tar.xz: BTF named for release 6.1.0-56-amd64 (the file's or its archive member's name), but --banner says 7.2.12+deb14-amd64: give the banner of that kernel (or rename a misnamed file)" "$TMP/err" &&
  [[ ! -e $TMP/f72.json ]] && ok "files mode: a .btf.tar.xz release against --banner" || fail "release vs banner: $(head -c 400 "$TMP/err")"
cp "$(fixture fx-deb12-6.1 truth/btf_vmlinux)" "$TMP/6.1.0-56-amd64.btf"
expect_exit 2 "$IC_BIN" --btf "$TMP/6.1.0-56-amd64.btf" --map "$map61" --banner "$(cat "$ver72")" -o "$TMP/f72.json"
grep -q "BTF named for release 6.1.0-56-amd64 (the file's or its archive member's name), but --banner says 7.2.12+deb14-amd64" "$TMP/err" &&
  ok "files mode: a raw <release>.btf against --banner" || fail "raw release vs banner: $(head -c 400 "$TMP/err")"
# A short version number is no release name: "6.1.btf" with the right banner passes (was refused).
cp "$TMP/6.1.0-56-amd64.btf" "$TMP/6.1.btf"
expect_exit 0 "$IC_BIN" --btf "$TMP/6.1.btf" --map "$map61" --banner "$(cat "$ver61")" -o "$TMP/f61b.json"

# Usage.
expect_exit 1 "$IC_BIN" --btf-dir "$HUB" -o "$TMP/x.json"
expect_exit 1 "$IC_BIN" "$img" --btf "$a" --btf-dir "$HUB" -o "$TMP/x.json"
finish
