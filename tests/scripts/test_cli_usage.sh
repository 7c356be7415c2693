#!/usr/bin/env bash
# Black-box CLI tests: command-line mistakes exit 1 with one "isfcarve: error:" line; --help and
# --version exit 0.
. "$IC_SRC/tests/lib/common.sh"

# expect_msg PATTERN: the last command's stderr is exactly one line matching PATTERN
expect_msg() {
  local n
  n=$(wc -l < "$TMP/err")
  if (( n == 1 )) && grep -Eq -- "^isfcarve: error: .*$1" "$TMP/err"; then ok "message /$1/"
  else fail "want one error line matching /$1/, got: $(head -c 400 "$TMP/err")"; fi
}

printf '\237\353\001\000garbage' > "$TMP/raw.btf"
printf 'ffffffff81000000 T _text\n' > "$TMP/System.map"
touch "$TMP/exists.json"

expect_exit 0 "$IC_BIN" --help
grep -q 'Examples:' "$TMP/out" && grep -q -- '--btf FILE --map FILE' "$TMP/out" && ok "help text" || fail "help text"
expect_exit 0 "$IC_BIN" --version
for lib in isfcarve jansson PCRE2 zlib liblzma; do
  grep -q "^$lib [0-9]" "$TMP/out" && ok "--version names $lib" || fail "--version lacks $lib: $(cat "$TMP/out")"
done

expect_exit 1 "$IC_BIN" --bogus -o "$TMP/o.json";               expect_msg "unknown option '--bogus'"
# A bad letter inside a cluster is named, not the cluster's neighbour (was: the program's path).
expect_exit 1 "$IC_BIN" -xf foo -o "$TMP/o.json";               expect_msg "unknown option '-x'"
expect_exit 1 "$IC_BIN" extract -xd "$TMP/d" foo;               expect_msg "extract: unknown option '-x'"
# A long option given an argument it does not take is named as written (not '-f', not a byte).
expect_exit 1 "$IC_BIN" --force=yes img -o "$TMP/o.json";       expect_msg "option '--force' takes no argument \\('--force=yes'\\)"
expect_exit 1 "$IC_BIN" --allow-partial=1 img -o "$TMP/o.json"; expect_msg "option '--allow-partial' takes no argument"
expect_exit 1 "$IC_BIN" img -:v -o "$TMP/o.json";                expect_msg "unknown option '-:'"
expect_exit 1 "$IC_BIN" -é img -o "$TMP/o.json";                 expect_msg "unknown option '-\\\\xc3'"
expect_exit 1 "$IC_BIN" --force -xf foo -o "$TMP/o.json";       expect_msg "unknown option '-x'"
expect_exit 1 "$IC_BIN" extract --force=1 img -d "$TMP/d";       expect_msg "extract: option '--force' takes no argument"
# scan, batch, index: one line of ours, as above (was getopt's own line and the whole usage)
expect_exit 1 "$IC_BIN" scan --bogus img;                        expect_msg "scan: unknown option '--bogus' \\(see scan --help\\)"
expect_exit 1 "$IC_BIN" scan -Z img;                             expect_msg "scan: unknown option '-Z'"
expect_exit 1 "$IC_BIN" scan --json=1 img;                       expect_msg "scan: option '--json' takes no argument \\('--json=1'\\)"
expect_exit 1 "$IC_BIN" scan img --format;                       expect_msg "scan: option '--format' needs an argument"
expect_exit 1 "$IC_BIN" batch --bogus img;                       expect_msg "batch: unknown option '--bogus'"
expect_exit 1 "$IC_BIN" batch img -j;                            expect_msg "batch: option '-j' needs an argument"
expect_exit 1 "$IC_BIN" batch --json=1 img;                      expect_msg "batch: option '--json' takes no argument"
expect_exit 1 "$IC_BIN" index -x "$TMP";                         expect_msg "index: unknown option '-x'"
expect_exit 1 "$IC_BIN" index "$TMP" -o;                         expect_msg "index: option '-o' needs an argument"
# an ambiguous abbreviation names the candidates (was "unknown option")
expect_exit 1 "$IC_BIN" batch --t 5 img;                         expect_msg "batch: ambiguous option '--t' \\(--timeout, --threads\\)"
expect_exit 1 "$IC_BIN" --b x -o "$TMP/o.json";                  expect_msg "ambiguous option '--b' \\(--btf, --banner, --btf-dir\\)"
expect_exit 1 "$IC_BIN" extract img -d;                          expect_msg "extract: option '-d' needs an argument \\(see extract --help\\)"
# --banner must carry a release right after "Linux version "
expect_exit 1 "$IC_BIN" --btf "$TMP/raw.btf" --map "$TMP/System.map" --banner "Linux version  6.1 (x)" -o "$TMP/o.json"
expect_msg "--banner: no kernel release after \"Linux version \""
# --banner with an IMAGE would be dropped unseen (the image's own banner is used): usage error.
expect_exit 1 "$IC_BIN" img --btf "$TMP/raw.btf" --map "$TMP/System.map" --banner "Linux version 9" -o "$TMP/o.json"
expect_msg "--banner does not apply to an IMAGE"
expect_exit 1 "$IC_BIN" --btf "$TMP/raw.btf" -o "$TMP/o.json";    expect_msg "--map is missing"
expect_exit 1 "$IC_BIN" --map "$TMP/System.map" -o "$TMP/o.json"; expect_msg "--btf is missing"
expect_exit 1 "$IC_BIN" --btf "$TMP/raw.btf" --map "$TMP/System.map"; expect_msg "no output"
# With an IMAGE, --btf/--map supplement the image (kaslr helper); with --live they cannot.
expect_exit 1 "$IC_BIN" --btf "$TMP/raw.btf" --map "$TMP/System.map" --live -o "$TMP/o.json"; expect_msg "cannot be combined"
expect_exit 2 "$IC_BIN" --btf "$TMP/raw.btf" --map "$TMP/System.map" img -o "$TMP/o.json"; expect_msg "img: cannot open"
expect_exit 1 "$IC_BIN" --live img -o "$TMP/o.json";             expect_msg "cannot be combined"
expect_exit 1 "$IC_BIN" a b -o "$TMP/o.json";                    expect_msg "unexpected argument 'b'"
expect_exit 1 "$IC_BIN" -j x -o "$TMP/o.json";                   expect_msg "--threads"
expect_exit 1 "$IC_BIN" -o;                                      expect_msg "needs an argument"
expect_exit 1 "$IC_BIN" --report r.json -o "$TMP/o.json";        expect_msg "--report only applies to an IMAGE"
# --report is checked before the image is read (was: it replaced the image, or the profile just
# written; a missing directory said exit 2 after the whole run).
printf 'Linux version 6.1.0-x (a@b) (gcc) #1 SMP\n' > "$TMP/img.raw"; cp "$TMP/img.raw" "$TMP/img.copy"
expect_exit 1 "$IC_BIN" "$TMP/img.raw" -o "$TMP/o.json" --report "$TMP/img.raw"; expect_msg "--report is the image; refusing"
expect_exit 1 "$IC_BIN" "$TMP/img.raw" --map "$TMP/System.map" -o "$TMP/o.json" --report "$TMP/System.map"; expect_msg "--report is --map"
expect_exit 1 "$IC_BIN" "$TMP/img.raw" -o "$TMP/o.json" --report "$TMP/o.json"; expect_msg "--report is also -o OUT"
expect_exit 1 "$IC_BIN" "$TMP/img.raw" -o "$TMP/o.json" --report "$TMP/./o.json"; expect_msg "--report is also -o OUT"
expect_exit 1 "$IC_BIN" "$TMP/img.raw" -o - --report -;          expect_msg "--report - and -o -"
expect_exit 1 "$IC_BIN" "$TMP/img.raw" -o "$TMP/o.json" --report "$TMP/nodir/r.json"; expect_msg "report directory .* does not exist"
expect_exit 1 "$IC_BIN" "$TMP/img.raw" -o "$TMP/o.json" --report "$TMP"; expect_msg "--report exists and is not a regular file"
cmp -s "$TMP/img.raw" "$TMP/img.copy" && [[ ! -e $TMP/o.json ]] && ok "--report refusals: the image untouched, no OUT" \
  || fail "--report refusals changed files"
expect_exit 1 "$IC_BIN" --banner "Linux version 1" -o "$TMP/o.json"; expect_msg "--banner only applies"
# Raw BTF carries no banner: Volatility could not match the profile.
expect_exit 1 "$IC_BIN" --btf "$TMP/raw.btf" --map "$TMP/System.map" -o "$TMP/o.json"
expect_msg "raw.btf: raw BTF has no linux_banner: give --banner"
expect_exit 1 "$IC_BIN" --btf "$TMP/raw.btf" --map "$TMP/System.map" --banner "6.1.0" -o "$TMP/o.json"
expect_msg "--banner: must start with \"Linux version \""
expect_exit 1 "$IC_BIN" --btf "$TMP/raw.btf" --map "$TMP/System.map" --banner $'Linux version 1\nx' -o "$TMP/o.json"
expect_msg "--banner: must be one line"
# Output problems are found before any input is read.
expect_exit 1 "$IC_BIN" --btf "$TMP/raw.btf" --map "$TMP/System.map" --banner "Linux version 1" -o "$TMP/nodir/o.json"
expect_msg "nodir/o.json: output directory .*nodir does not exist"
expect_exit 1 "$IC_BIN" --btf "$TMP/raw.btf" --map "$TMP/System.map" --banner "Linux version 1" -o "$TMP/exists.json"
expect_msg "exists.json: output exists \(use --force"
expect_exit 1 "$IC_BIN" --btf "$TMP/raw.btf" --map "$TMP/System.map" --banner "Linux version 1" -o "$TMP"
expect_msg "output is a directory"
finish
