#!/usr/bin/env bash
# Black-box CLI tests: unreadable, unsupported or invalid inputs exit 2 with one error line naming
# the file (and line/offset); an internal failure (out of memory) exits 4.
. "$IC_SRC/tests/lib/common.sh"

expect_msg() {
  local n
  n=$(wc -l < "$TMP/err")
  if (( n == 1 )) && grep -Eq -- "^isfcarve: error: .*$1" "$TMP/err"; then ok "message /$1/"
  else fail "want one error line matching /$1/, got: $(head -c 400 "$TMP/err")"; fi
}

printf '\237\353\001\000garbage' > "$TMP/raw.btf"
printf 'ffffffff81000000 T _text\nffffffff82000000 D linux_banner\n' > "$TMP/System.map"
printf 'ffffffffffffffff B The real System.map is in the linux-image-6.1.0-56-amd64-dbg package\n' > "$TMP/placeholder.map"
printf 'ffffffff81000000 T _text\nffffffff8100zz00 T bad\n' > "$TMP/bad.map"
head -c 4096 /dev/urandom | tr '\177\237\353' 'xyz' > "$TMP/garbage"
B="Linux version 1.2.3"
O="$TMP/o.json"

expect_exit 2 "$IC_BIN" --btf "$TMP/missing" --map "$TMP/System.map" -o "$O"
expect_msg "missing: No such file or directory"
expect_exit 2 "$IC_BIN" --btf "$TMP" --map "$TMP/System.map" -o "$O";             expect_msg ": is a directory"
expect_exit 2 "$IC_BIN" --btf "$TMP/garbage" --map "$TMP/System.map" -o "$O";     expect_msg "garbage: neither an ELF vmlinux nor raw BTF"
expect_exit 2 "$IC_BIN" --btf "$TMP/raw.btf" --map "$TMP/placeholder.map" --banner "$B" -o "$O"
expect_msg "placeholder.map: placeholder System.map .*linux-image-6.1.0-56-amd64-dbg package"
expect_exit 2 "$IC_BIN" --btf "$TMP/raw.btf" --map "$TMP/bad.map" --banner "$B" -o "$O"; expect_msg "bad.map:2: "
expect_exit 2 "$IC_BIN" --btf "$TMP/raw.btf" --map "$TMP" --banner "$B" -o "$O";  expect_msg ": is a directory"
# An ELF file without .BTF, and a truncated ELF.
expect_exit 2 "$IC_BIN" --btf /bin/true --map "$TMP/System.map" -o "$O";          expect_msg "/bin/true: no .BTF section"
head -c 100 /bin/true > "$TMP/trunc.elf"
expect_exit 2 "$IC_BIN" --btf "$TMP/trunc.elf" --map "$TMP/System.map" -o "$O";   expect_msg "trunc.elf: .*outside the file"

# Live mode, pointed at fake roots: kptr_restrict, no BTF, no /proc/version.
R=$TMP/root; mkdir -p "$R/sys/kernel/btf" "$R/proc"
printf '\237\353\001\000' > "$R/sys/kernel/btf/vmlinux"
printf '0000000000000000 T _text\n0000000000000000 t x\n' > "$R/proc/kallsyms"
printf 'Linux version 1.2.3 (x@y) #1\n' > "$R/proc/version"
expect_exit 2 "$IC_BIN" --live --live-root "$R" -o "$O"
expect_msg "kallsyms: every address is 0 .*run as root or set kernel.kptr_restrict=0"
IC_LIVE_ROOT=$R expect_exit 2 "$IC_BIN" -o "$O"; expect_msg "kptr_restrict"
rm "$R/sys/kernel/btf/vmlinux"
expect_exit 2 "$IC_BIN" --live-root "$R" -o "$O";    expect_msg "btf/vmlinux: this kernel exposes no BTF"
rm "$R/proc/version"
expect_exit 2 "$IC_BIN" --live-root "$R" -o "$O";    expect_msg "proc/version: No such file"
[[ ! -e $O ]] && ok "no output left behind" || fail "output written on error"

# Out of memory is an internal error (4). ASan reserves huge address space: skip it there.
if ! grep -q '^IC_SANITIZE:STRING=.\+' "$IC_BUILD/CMakeCache.txt" 2>/dev/null; then
  head -c $((80 << 20)) /dev/zero > "$TMP/big.btf"; printf '\237\353' | dd of="$TMP/big.btf" conv=notrunc 2>/dev/null
  rc=0; ( ulimit -v 60000; exec "$IC_BIN" --btf "$TMP/big.btf" --map "$TMP/System.map" --banner "$B" -o "$O" ) 2>"$TMP/err" || rc=$?
  (( rc == 4 )) && ok "exit 4 on out of memory" || fail "out of memory: exit $rc: $(cat "$TMP/err")"
fi
# A named FIFO whose writer comes later is waited for and read (its open no longer blocks: one
# nobody writes ends after IC_FIFO_WRITER_WAIT_MS, not for ever); a device is refused before it
# is read (was: /dev/zero read up to the 4 GiB ceiling).
mkfifo "$TMP/fifo.map"
( sleep 1; cat "$TMP/System.map" > "$TMP/fifo.map" ) & writer=$!
rc=0; timeout 20 "$IC_BIN" --btf "$TMP/raw.btf" --map "$TMP/fifo.map" --banner "Linux version 1" -o "$TMP/f.json" 2>"$TMP/err" || rc=$?
wait "$writer" || true
(( rc == 2 )) && grep -q "raw.btf: .*BTF" "$TMP/err" && ok "FIFO, writer 1 s later: the map read (then the bad BTF named)" \
  || fail "FIFO map: exit $rc $(cat "$TMP/err")"
expect_exit 2 "$IC_BIN" --btf /dev/zero --map "$TMP/System.map" --banner "Linux version 1" -o "$TMP/f.json"
expect_msg "/dev/zero: a device or socket, not a file or pipe"
# A pipe with a writer is read to its end (process substitution).
expect_exit 2 "$IC_BIN" --btf "$TMP/raw.btf" --map <(cat "$TMP/System.map") --banner "Linux version 1" -o "$TMP/f.json"
expect_msg "raw.btf: .*BTF"
# Every address 0 (a /proc/kallsyms read without root): refused (was: a profile of zeros).
printf '0000000000000000 T _text\n0000000000000000 D linux_banner\n0000000000000000 D init_task\n' > "$TMP/zero.map"
expect_exit 2 "$IC_BIN" --btf "$TMP/raw.btf" --map "$TMP/zero.map" --banner "Linux version 1" -o "$TMP/f.json"
expect_msg "zero.map: every address is 0"
# Over a ceiling: the message names it (a sparse file; a pipe would be read to the ceiling,
# 1 GiB of memory, 2 GiB under ASan: not here).
truncate -s 1100M "$TMP/big.map"
expect_exit 2 "$IC_BIN" --btf "$TMP/raw.btf" --map "$TMP/big.map" --banner "Linux version 1" -o "$TMP/f.json"
expect_msg "big.map: 1153433600 bytes, larger than the limit 1073741824 \(IC_MAX_SYMFILE_BYTES\)"
rm -f "$TMP/big.map"
finish
