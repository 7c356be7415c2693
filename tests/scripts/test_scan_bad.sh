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

# Not images at all: a directory, a missing file, an empty file -> exit 2, one line.
: >"$TMP/empty"
for p in "$TMP" "$TMP/missing" "$TMP/empty"; do
  expect_exit 2 "$IC_BIN" scan "$p"
done
# Usage errors -> exit 1.
expect_exit 1 "$IC_BIN" scan
expect_exit 1 "$IC_BIN" scan -j 0 "$TMP/empty"
expect_exit 1 "$IC_BIN" scan --bogus "$TMP/empty"
expect_exit 2 "$IC_BIN" scan --format nosuch "$TMP/empty"
finish
