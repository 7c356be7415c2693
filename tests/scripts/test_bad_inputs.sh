#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Whole bad inputs (tests/bad/cli-table.tsv) through `isfcarve scan` and the full pipeline
# `isfcarve IN -o OUT`: documented exit code, one error line naming the file (and offset for
# container errors) that matches the table, no crash or hang, and no profile or temp file left.
# Then the output-safety rules: never over an input, never over a non-regular file, umask honoured.
. "$IC_SRC/tests/lib/common.sh"
LIMIT_S=${IC_BAD_TIMEOUT:-60}   # per run; a hang is a failure, not a stuck CI job

# --- generated inputs (big or special files are made here, not committed) ---
G=$TMP/gen
mkdir -p "$G"
: >"$G/empty"; mkdir "$G/dir"; mkfifo "$G/fifo"
truncate -s 64M "$G/zeros-64m"
head -c $((4 << 20)) /dev/urandom >"$G/nokernel"
# One interpreter for all crafted files (python start-up is slow on a loaded machine).
"$IC_PYTHON" - "$G" "$(fixture fx-deb12-6.1 mem.lime)" "$(fixture fx-forky-7.2 mem.elf)" \
  "$(fixture fx-deb12-6.1 truth/btf_vmlinux)" "$(fixture fx-deb12-6.1 truth/version)" \
  "$(fixture fx-forky-7.2 truth/btf_vmlinux)" "$(fixture fx-forky-7.2 truth/version)" <<'PY'
import struct, sys
G, lime, elf, btf_a, ver_a, btf_b, ver_b = sys.argv[1:]
def put(name, data):
    open(f"{G}/{name}", "wb").write(data)

# Real LiME (fx-deb12-6.1) cut 10 bytes into its second header, and half-way into range 0's data.
with open(lime, "rb") as f:
    magic, ver, s, e = struct.unpack("<IIQQ", f.read(32)[:24])
    assert magic == 0x4C694D45, "fixture is not LiME"
    n = e - s + 1
    f.seek(0)
    put("lime-real-mid-header", f.read(32 + n + 10))
    f.seek(0)
    put("lime-real-mid-data", f.read(32 + n // 2))

# Real ELF core (fx-forky-7.2) cut 4 KiB into the data of its first PT_LOAD.
with open(elf, "rb") as f:
    eh = f.read(64)
    phoff, = struct.unpack_from("<Q", eh, 32)
    phnum, = struct.unpack_from("<H", eh, 56)
    f.seek(phoff)
    ph = f.read(56 * phnum)
    off = min(struct.unpack_from("<Q", ph, i * 56 + 8)[0] for i in range(phnum)
              if struct.unpack_from("<I", ph, i * 56)[0] == 1)
    f.seek(0)
    put("elf-real-cut", f.read(off + 4096))

# ELF headers with absurd program-header counts and offsets.
def ehdr(phnum, phoff):
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    return ident + struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, phoff, 0, 0, 64, 56, phnum, 0, 0, 0)
put("elf-pn-xnum-no-shdr", ehdr(0xFFFF, 64) + b"\0" * 200)
put("elf-phnum-65534", ehdr(65534, 64) + b"\0" * 200)
put("elf-phoff-absurd", ehdr(3, 1 << 62) + b"\0" * 200)

# Raw images from real BTF + linux_banner: a corrupted BTF header; two different kernels.
pg = lambda b: b + b"\0" * (-len(b) % 4096)
a, b = open(btf_a, "rb").read(), open(btf_b, "rb").read()
va, vb = open(ver_a, "rb").read(), open(ver_b, "rb").read()
bad = bytearray(a)
bad[4:8] = b"\xff\xff\xff\x7f"  # hdr_len: 2 GiB
put("badbtf", pg(b"\0" * 4096 + bytes(bad)) + pg(va + b"\0"))
put("twokernels", pg(b"\0" * 4096 + a) + pg(va + b"\0") + pg(b) + pg(vb + b"\0"))
PY

# Run one row. The output directory is fresh and must be empty afterwards on failure.
run_row() {
  local in=$1 mode=$2 want=$3 re=$4 label=$5 rc=0 out_dir="$TMP/out.$RANDOM$RANDOM" t0 ms line
  local -a err
  mkdir "$out_dir"
  t0=${EPOCHREALTIME/./}
  if [[ $mode == scan ]]; then
    timeout -k 5 "$LIMIT_S" "$IC_BIN" scan "$in" >"$TMP/o" 2>"$TMP/e" || rc=$?
  else
    timeout -k 5 "$LIMIT_S" "$IC_BIN" "$in" -o "$out_dir/p.json" >"$TMP/o" 2>"$TMP/e" || rc=$?
  fi
  ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
  mapfile -t err <"$TMP/e"
  line=; (( ${#err[@]} )) && line=${err[-1]}
  if (( rc == 124 || rc == 137 )); then fail "$label: hung (killed after ${LIMIT_S}s)"; return; fi
  if (( rc >= 128 )); then fail "$label: crashed (signal $((rc - 128))): ${err[*]: -3}"; return; fi
  if (( rc != want )); then fail "$label: exit $rc (want $want): ${err[*]}"; return; fi
  if ! rmdir "$out_dir" 2>/dev/null; then fail "$label: left files behind: $(ls -A "$out_dir")"; return; fi
  if (( want == 0 )); then
    if ! [[ $(<"$TMP/o") =~ $re ]]; then fail "$label: stdout does not match /$re/"; return; fi
  else
    if [[ -s $TMP/o ]]; then fail "$label: wrote to stdout on error"; return; fi
    if [[ $line != "isfcarve: error: $in: "* ]]; then
      fail "$label: error line does not start with the file name: $line"; return
    fi
    if ! [[ $line =~ $re ]]; then fail "$label: /$re/ not in: $line"; return; fi
    # Only one line on a container error (warnings before an "incomplete" are fine, but not
    # the incomplete summary again: issue 18, one clear line).
    if (( want == 2 && ${#err[@]} != 1 )); then fail "$label: ${#err[@]} stderr lines (want 1): ${err[*]}"; return; fi
    if (( want == 3 )) && printf '%s\n' "${err[@]:0:${#err[@]}-1}" | grep -q "incomplete"; then
      fail "$label: the incomplete summary is said twice: ${err[*]}"; return
    fi
  fi
  ok "$label (exit $rc, $ms ms)"
}

rows=0
while IFS=$'\t' read -r input mode want re; do
  [[ -z $input || $input == \#* ]] && continue
  if [[ $input == @* ]]; then
    case $input in
      @devzero) in=/dev/zero ;;
      @missing) in=$G/no-such-image ;;
      *) in=$G/${input#@}; [[ -e $in ]] || { fail "$input: not generated"; continue; } ;;
    esac
  else
    in="$IC_SRC/tests/bad/$input"
    [[ -f $in ]] || { fail "$input: not in tests/bad"; continue; }
  fi
  case $mode in both) modes="scan pipe" ;; *) modes=$mode ;; esac
  for m in $modes; do
    rows=$((rows + 1))
    run_row "$in" "$m" "$want" "$re" "$input [$m]"
  done
done <"$IC_SRC/tests/bad/cli-table.tsv"
(( rows >= 100 )) || fail "only $rows table runs (table truncated?)"

# Every committed bad input must be in the table (a new one without an expectation is a gap).
for f in "$IC_SRC"/tests/bad/*; do
  b=$(basename "$f")
  [[ $b == make.py || $b == cli-table.tsv ]] && continue
  grep -q "^$b	" "$IC_SRC/tests/bad/cli-table.tsv" || fail "tests/bad/$b has no row in cli-table.tsv"
done

# --- output safety (the --btf/--map mode reaches the writer in ~2 s) ---
btf=$(fixture fx-deb12-6.1 truth/btf_vmlinux)
map=$(fixture fx-deb12-6.1 System.map)
ver=$(cat "$(fixture fx-deb12-6.1 truth/version)")
cp "$btf" "$TMP/btf"; cp "$map" "$TMP/map"
sum0=$(sha256sum "$TMP/btf" "$TMP/map")
for o in "$TMP/btf" "$TMP/./map" "$G/fifo" /dev/null; do
  expect_exit 1 timeout -k 5 "$LIMIT_S" "$IC_BIN" --btf "$TMP/btf" --map "$TMP/map" --banner "$ver" --force -o "$o"
  grep -Eq 'same file as the --(btf|map)|not a regular file' "$TMP/err" || fail "-o $o: message: $(cat "$TMP/err")"
done
ln "$TMP/btf" "$TMP/btf.hardlink"
expect_exit 1 "$IC_BIN" --btf "$TMP/btf" --map "$TMP/map" --banner "$ver" --force -o "$TMP/btf.hardlink"
expect_exit 1 "$IC_BIN" "$G/nokernel" --force -o "$G/nokernel"
[[ $sum0 == "$(sha256sum "$TMP/btf" "$TMP/map")" ]] && ok "inputs unchanged" || fail "an input was modified"
# A good run with umask 027: mode 0640, nothing else in the directory; an existing file is
# replaced by rename (new inode), so a reader of the old file never sees a half-written one.
mkdir "$TMP/good"
echo old >"$TMP/good/p.json"
ino0=$(stat -c %i "$TMP/good/p.json")
rc=0; (umask 027; "$IC_BIN" --btf "$TMP/btf" --map "$TMP/map" --banner "$ver" --force -o "$TMP/good/p.json") \
  >"$TMP/out" 2>"$TMP/err" || rc=$?
if (( rc == 0 )) && [[ $(stat -c %a "$TMP/good/p.json") == 640 && $(ls -A "$TMP/good") == p.json &&
      $(stat -c %i "$TMP/good/p.json") != "$ino0" ]]; then
  ok "profile written 0640 under umask 027, by rename, no temp left"
else
  fail "good run: rc=$rc mode=$(stat -c %a "$TMP/good/p.json") files=$(ls -A "$TMP/good") $(head -c 300 "$TMP/err")"
fi
finish
