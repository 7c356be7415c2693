#!/usr/bin/env bash
# Crafted bad images (tests/bad/<ERROR>__<what>.<fmt>): isfcarve scan exits 2 with exactly one
# "isfcarve: error: <file>: offset 0x...: ..." line on stderr that explains the error; never crashes.
. "$IC_SRC/tests/lib/common.sh"

pattern_for() {
  case $1 in
    ETRUNC)    echo 'truncated|past the end' ;;
    EFORMAT)   echo 'bad LiME magic|ends before it starts|whole address space|overlaps|e_phentsize|p_filesz .* > p_memsz|wraps|physical address space|not a kernel address' ;;
    EUNSUPP)   echo 'unsupported|not a core dump' ;;
    ELIMIT)    echo 'over IC_MAX_' ;;
    ENOTFOUND) echo 'holds no memory ranges' ;;
    *)         echo "no pattern for $1" >&2; return 1 ;;
  esac
}

n=0
for f in "$IC_SRC"/tests/bad/*__*.*; do
  [[ $f == *.py ]] && continue
  base=$(basename "$f")
  err=${base%%__*}
  pat=$(pattern_for "$err") || { fail "$base: unknown error class"; continue; }
  n=$((n+1))
  rc=0
  "$IC_BIN" scan --json "$f" >"$TMP/out" 2>"$TMP/err" || rc=$?
  lines=$(wc -l <"$TMP/err")
  if (( rc != 2 )); then fail "$base: exit $rc (want 2): $(head -c 300 "$TMP/err")"; continue; fi
  if (( lines != 1 )); then fail "$base: $lines stderr lines (want 1): $(cat "$TMP/err")"; continue; fi
  if [[ -s $TMP/out ]]; then fail "$base: wrote to stdout on error"; continue; fi
  if ! grep -Eq "^isfcarve: error: $f: (offset 0x[0-9a-f]+: )?.*($pat)" "$TMP/err"; then
    fail "$base: message does not match /$pat/: $(cat "$TMP/err")"; continue
  fi
  if [[ $err != ENOTFOUND ]] && ! grep -q ': offset 0x' "$TMP/err"; then
    fail "$base: message names no offset: $(cat "$TMP/err")"; continue
  fi
  ok "$base"
done
(( n >= 20 )) || fail "only $n bad images found"

# Not bad: a /proc/kcore copy whose two aliases each fill the gaps between 20 direct-map
# segments. Each gap filled is a piece of its own: more than the reader once made room for
# ("input exceeds a size limit", exit 2). Accepted: 40 + 38 ranges.
"$IC_PYTHON" - "$TMP/gaps.kcore" <<'PY'
import struct, sys
PO, ND, SEG, STEP, BASE = 0xffff888000000000, 40, 0x10000, 0x11000, 0x1000000
n = struct.pack("<III", 5, 16, 4) + b"CORE\0\0\0\0" + bytes(16)
nph = 1 + ND + 2
data = (64 + 56 * nph + len(n) + 0xfff) & ~0xfff
ph = [struct.pack("<IIQQQQQQ", 4, 0, 64 + 56 * nph, 0, 0, len(n), len(n), 0)]
for i in range(ND):
    p = BASE + i * STEP
    ph.append(struct.pack("<IIQQQQQQ", 1, 7, data + i * SEG, PO + p, p, SEG, SEG, 0x1000))
for a in range(2):
    p, l = BASE + a * (ND // 2) * STEP, (ND // 2) * STEP - 0x1000
    ph.append(struct.pack("<IIQQQQQQ", 1, 7, data, 0xffffffff80000000 + a * 0x10000000, p, l, l, 0x1000))
eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8) + struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, nph, 0, 0, 0)
f = eh + b"".join(ph) + n
open(sys.argv[1], "wb").write(f + bytes(data - len(f)) + b"\x11" * (ND * SEG))
PY
expect_exit 0 "$IC_BIN" scan "$TMP/gaps.kcore"
grep -q '^image: .*(kcore, 78 ranges' "$TMP/out" && ok "kcore aliases filling 38 gaps" ||
  fail "kcore gaps: $(cat "$TMP/out" "$TMP/err")"

# Not images at all: a directory, a missing file, an empty file -> exit 2, one line.
: >"$TMP/empty"
for p in "$TMP" "$TMP/missing" "$TMP/empty"; do
  expect_exit 2 "$IC_BIN" scan "$p"
done
# Usage errors -> exit 1.
expect_exit 1 "$IC_BIN" scan
expect_exit 1 "$IC_BIN" scan -j -1 "$TMP/empty"
expect_exit 1 "$IC_BIN" scan -j 1025 "$TMP/empty"
# -j 0 is "online CPUs", as in the profile modes (docs/cli.md): the empty file is then bad input.
expect_exit 2 "$IC_BIN" scan -j 0 "$TMP/empty"
expect_exit 1 "$IC_BIN" scan --bogus "$TMP/empty"
expect_exit 2 "$IC_BIN" scan --format nosuch "$TMP/empty"
finish
