#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# docs/example.c must build and work: against the build tree, and against an installed tree via
# the pkg-config file (cmake --install into a temp prefix), so the documented API cannot rot.
. "$IC_SRC/tests/lib/common.sh"
CC=${CC:-cc}
FLAGS=(-std=gnu11 -Wall -Wextra -Wshadow -Wconversion -Wstrict-prototypes -Werror)
# A sanitizer build's library needs the sanitizer runtime in the program too.
san=$(sed -n 's/^IC_SANITIZE:STRING=//p' "$IC_BUILD/CMakeCache.txt" 2>/dev/null || true)
[[ -n $san ]] && FLAGS+=(-fsanitize="$san")

# 1. Build tree: public headers + the shared library (only IC_API symbols are exported).
if "$CC" "${FLAGS[@]}" -I "$IC_SRC/include" "$IC_SRC/docs/example.c" -L "$IC_BUILD" -lisfcarve \
     -Wl,-rpath,"$IC_BUILD" -o "$TMP/example" 2> "$TMP/cc.err"; then ok "example builds against the build tree"
else fail "example does not build: $(cat "$TMP/cc.err")"; fi

head -c 65536 /dev/zero > "$TMP/raw.img"
expect_exit 0 "$TMP/example" image "$TMP/raw.img"
grep -q "format raw, 1 ranges, 65536 bytes" "$TMP/out" && ok "image summary" || fail "image: $(cat "$TMP/out")"
expect_exit 2 "$TMP/example" image "$TMP/missing.img"
expect_exit 1 "$TMP/example"

# A small valid ISF (xz) whose banner is a 6.1 kernel's: filed once, found the second time.
"$IC_PYTHON" - "$TMP/k.json.xz" <<'PY'
import base64, json, lzma, sys
b = b"Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) #1 SMP Debian 6.1.76-1\n\0"
isf = {"metadata": {"format": "6.2.0"}, "base_types": {}, "user_types": {}, "enums": {},
       "symbols": {"linux_banner": {"address": 18446744071601373440, "constant_data": base64.b64encode(b).decode()}}}
lzma.open(sys.argv[1], "wb").write(json.dumps(isf).encode())
PY
expect_exit 0 "$TMP/example" file "$TMP/k.json.xz" "$TMP/symbols"
f=$(ls "$TMP"/symbols/linux/6.1.0-18-amd64-*.json.xz 2>/dev/null || true)
[[ -n $f && $(basename "$f") =~ ^6\.1\.0-18-amd64-[0-9a-f]{12}\.json\.xz$ ]] && cmp -s "$f" "$TMP/k.json.xz" \
  && ok "ISF filed under its profile name" || fail "filed: $(ls -aR "$TMP/symbols")"
expect_exit 0 "$TMP/example" file "$TMP/k.json.xz" "$TMP/symbols"
grep -q "^exists " "$TMP/out" && ok "second filing finds it" || fail "second: $(cat "$TMP/out")"
echo '{"symbols": {}}' > "$TMP/nobanner.json"
expect_exit 2 "$TMP/example" file "$TMP/nobanner.json" "$TMP/symbols"

# 2. Installed tree: pkg-config file, headers, library, man page.
if cmake --install "$IC_BUILD" --prefix "$TMP/prefix" > "$TMP/install.log" 2>&1; then ok "cmake --install"
else fail "install: $(cat "$TMP/install.log")"; fi
pc=$(find "$TMP/prefix" -name isfcarve.pc | head -1)
[[ -n $pc ]] && ok "isfcarve.pc installed" || fail "no isfcarve.pc"
[[ -f $(find "$TMP/prefix" -path '*man1/isfcarve.1' | head -1) ]] && ok "man page installed" || fail "no man page"
export PKG_CONFIG_PATH=$(dirname "$pc")
[[ $(pkg-config --modversion isfcarve) == "$("$IC_BIN" --version | head -1 | awk '{print $2}')" ]] \
  && ok "pkg-config version matches the tool" || fail "pkg-config version $(pkg-config --modversion isfcarve)"
# shellcheck disable=SC2046
if "$CC" "${FLAGS[@]}" "$IC_SRC/docs/example.c" $(pkg-config --cflags --libs isfcarve) \
     -o "$TMP/example2" 2> "$TMP/cc.err"; then ok "example builds with pkg-config"
else fail "pkg-config build: $(cat "$TMP/cc.err")"; fi
libdir=$(pkg-config --variable=libdir isfcarve)
LD_LIBRARY_PATH=$libdir expect_exit 0 "$TMP/example2" image "$TMP/raw.img"
# Captured first: `ldd | grep -q` under pipefail fails when grep exits early (SIGPIPE).
deps=$(LD_LIBRARY_PATH=$libdir ldd "$TMP/example2")
[[ $deps == *"libisfcarve.so.0 => $libdir/libisfcarve.so.0"* ]] \
  && ok "uses the installed libisfcarve.so.0" || fail "ldd: $deps"
# 3. The man page: well-formed roff (when groff is here) and every batch/index option documented.
if command -v groff > /dev/null; then
  w=$(groff -man -ww -z "$IC_SRC/docs/isfcarve.1" 2>&1)
  [[ -z $w ]] && ok "man page: no groff warnings" || fail "groff: $w"
fi
for opt in jobs symbols-dir json force timeout threads from base-url; do
  p=${opt//-/\\-}; grep -qF -- "\\-\\-$p" "$IC_SRC/docs/isfcarve.1" && ok "man page has --$opt" || fail "man page lacks --$opt"
done
finish
