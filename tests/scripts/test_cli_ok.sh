#!/usr/bin/env bash
# Black-box CLI tests, successful runs (exit 0) on the real fixtures: vmlinux + System.map, raw BTF +
# --banner (must give the same ISF), live mode on a fake root built from the truth (its symbols must
# have the System.map addresses), stdout and .xz output, --force; and a corrupt BTF (exit 2).
. "$IC_SRC/tests/lib/common.sh"

F=fx-deb12-6.1
VML=$(fixture $F vmlinux); MAP=$(fixture $F System.map); CFG=$(fixture $F config)
BTF=$(fixture $F truth/btf_vmlinux); KS=$(fixture $F truth/kallsyms); VER=$(fixture $F truth/version)

# check.py A.json [B.json MODE]: banner == truth/version + NUL; with B, compare.
cat > "$TMP/check.py" <<'PY'
import base64, json, sys
a = json.load(open(sys.argv[1]))
ver = open(sys.argv[2], "rb").read()
mp = {}
for line in open(sys.argv[3]):
    addr, _, name = line.split()[:3]
    mp.setdefault(name, set()).add(int(addr, 16))
b = a["symbols"]["linux_banner"]
assert base64.b64decode(b["constant_data"]) == ver + b"\0", "banner bytes"
bad = [n for n, s in a["symbols"].items() if n in mp and s["address"] not in mp[n]]
assert not bad, "addresses differ from System.map: %s" % bad[:5]
assert len(a["user_types"]) > 5000 and "task_struct" in a["user_types"], "types"
if len(sys.argv) > 5:
    other = json.load(open(sys.argv[4]))
    mode = sys.argv[5]
    if mode == "same":
        a["metadata"] = other["metadata"] = None
        assert a == other, "ISFs differ beyond metadata"
    elif mode == "subset":
        # live: every symbol it has is in the System.map ISF at the same address
        miss = [n for n, s in a["symbols"].items()
                if n in other["symbols"] and other["symbols"][n]["address"] != s["address"]]
        assert not miss, "live symbols differ: %s" % miss[:5]
        assert a["user_types"] == other["user_types"], "types differ"
print("ok", len(a["symbols"]), "symbols")
PY

expect_exit 0 "$IC_BIN" --btf "$VML" --map "$MAP" -o "$TMP/vml.json"
"$IC_PYTHON" "$TMP/check.py" "$TMP/vml.json" "$VER" "$MAP" && ok "vmlinux ISF: banner, addresses" || fail "vmlinux ISF check"

expect_exit 0 "$IC_BIN" --btf "$BTF" --map "$MAP" --banner "$(cat "$VER")" -o "$TMP/raw.json"
"$IC_PYTHON" "$TMP/check.py" "$TMP/raw.json" "$VER" "$MAP" "$TMP/vml.json" same && ok "raw BTF + --banner == vmlinux ISF" || fail "raw vs vmlinux"

# --banner beside a vmlinux that has its own: it must be that one (was: exit 0, a 6.1 profile
# with a 9.9.9 banner, matched by Volatility to the wrong kernel's images); the right one is fine.
expect_exit 2 "$IC_BIN" --btf "$VML" --map "$MAP" --banner "Linux version 9.9.9-other (x@y) (gcc) #1 SMP" -o "$TMP/ban.json"
grep -q "is not this kernel's own" "$TMP/err" && [[ ! -e $TMP/ban.json ]] && ok "--banner against the vmlinux's own" \
  || fail "--banner mismatch: $(cat "$TMP/err")"
expect_exit 0 "$IC_BIN" --btf "$VML" --map "$MAP" --banner "$(cat "$VER")" -o "$TMP/ban.json"
cmp -s "$TMP/ban.json" "$TMP/vml.json" && ok "--banner = the vmlinux's own: the same ISF" || fail "--banner = own: ISF differs"

# A System.map whose linux_banner is 8 bytes off: one line naming the vmlinux and the address's
# source (was: "linux_banner at 0x... does not start with ...", no file named).
"$IC_PYTHON" -c '
import sys
for l in open(sys.argv[1]):
    f = l.split()
    print("%016x %s %s" % (int(f[0], 16) + 8, f[1], f[2]) if f[2:3] == ["linux_banner"] else l, end="" if f[2:3] != ["linux_banner"] else "\n")
' "$MAP" > "$TMP/map-off8"
expect_exit 2 "$IC_BIN" --btf "$VML" --map "$TMP/map-off8" -o "$TMP/off8.json"
[[ $(wc -l < "$TMP/err") == 1 ]] && grep -q "error: $VML: linux_banner at 0x[0-9a-f]* (file offset 0x[0-9a-f]*; the address from the symbols) does not start with" "$TMP/err" \
  && ok "banner 8 bytes off: one line naming the vmlinux" || fail "banner off: $(cat "$TMP/err")"

# --banner with the newline already there gives the same bytes.
"$IC_BIN" --btf "$BTF" --map "$MAP" --banner "$(cat "$VER")"$'\n' -o "$TMP/nl2.json" 2>"$TMP/err" \
  && "$IC_PYTHON" "$TMP/check.py" "$TMP/nl2.json" "$VER" "$MAP" >/dev/null && ok "--banner with trailing newline" || fail "--banner newline: $(cat "$TMP/err")"

# Existing OUT needs --force; stdout and .xz outputs.
expect_exit 1 "$IC_BIN" --btf "$BTF" --map "$MAP" --banner "$(cat "$VER")" -o "$TMP/raw.json"
expect_exit 0 "$IC_BIN" --btf "$BTF" --map "$MAP" --banner "$(cat "$VER")" -o "$TMP/raw.json" --force
"$IC_BIN" -q --btf "$VML" --map "$MAP" -o - > "$TMP/stdout.json" 2>"$TMP/err" && cmp -s "$TMP/stdout.json" "$TMP/vml.json" \
  && ok "-o - writes the same JSON to stdout" || fail "stdout output: $(cat "$TMP/err")"
expect_exit 0 "$IC_BIN" --btf "$VML" --map "$MAP" -o "$TMP/vml.json.xz"
xz -dc "$TMP/vml.json.xz" | cmp -s - "$TMP/vml.json" && ok ".json.xz output" || fail ".json.xz output differs"
# An OUT name near NAME_MAX (255): its temp name ".NAME.tmp.PID.HEX" keeps only part of NAME
# (was: "File name too long", exit 4).
long=$(printf 'a%.0s' {1..246}).json
expect_exit 0 "$IC_BIN" --btf "$VML" --map "$MAP" -o "$TMP/$long"
cmp -s "$TMP/$long" "$TMP/vml.json" && [[ -z $(find "$TMP" -name '.*.tmp.*') ]] \
  && ok "OUT name of 251 bytes" || fail "long OUT name: $(ls -A "$TMP")"

# Live mode on a fake root: truth kallsyms (runtime addresses), BTF, version, config.
R=$TMP/root; mkdir -p "$R/sys/kernel/btf" "$R/proc" "$R/boot"
ln -s "$BTF" "$R/sys/kernel/btf/vmlinux"; ln -s "$KS" "$R/proc/kallsyms"; ln -s "$VER" "$R/proc/version"
rel=$(awk '{print $3}' "$VER"); ln -s "$CFG" "$R/boot/config-$rel"
expect_exit 0 "$IC_BIN" --live --live-root "$R" -o "$TMP/live.json"
"$IC_PYTHON" "$TMP/check.py" "$TMP/live.json" "$VER" "$MAP" "$TMP/vml.json" subset && ok "live ISF == System.map addresses" || fail "live ISF check"
# Without a config: default _text (right for this kernel) and a warning.
rm "$R/boot/config-$rel"
IC_LIVE_ROOT=$R expect_exit 0 "$IC_BIN" -o "$TMP/live2.json"
grep -q "warning: no x86-64 kernel config" "$TMP/err" && ok "default _text warns" || fail "no warning: $(cat "$TMP/err")"
IC_LIVE_ROOT=$R expect_exit 0 "$IC_BIN" -q -o "$TMP/live3.json"
[[ ! -s $TMP/err ]] && ok "-q silences warnings" || fail "-q printed: $(cat "$TMP/err")"
IC_LIVE_ROOT=$R expect_exit 0 "$IC_BIN" -v -o "$TMP/live4.json"
grep -q "KASLR offset 0x9200000" "$TMP/err" && ok "-v reports the KASLR offset" || fail "-v output: $(cat "$TMP/err")"

# A BTF with a good magic but broken contents: input error naming the file.
head -c 4096 "$BTF" > "$TMP/cut.btf"
expect_exit 2 "$IC_BIN" --btf "$TMP/cut.btf" --map "$MAP" --banner "$(cat "$VER")" -o "$TMP/cut.json"
grep -q "^isfcarve: error: .*cut.btf" "$TMP/err" && (( $(wc -l < "$TMP/err") == 1 )) && ok "corrupt BTF: one error line" || fail "corrupt BTF message: $(cat "$TMP/err")"
[[ ! -e $TMP/cut.json ]] && ok "nothing written" || fail "output left behind"

# A kallsyms without data symbols (CONFIG_KALLSYMS_ALL off) has no linux_banner and this root no
# /proc/kcore nor vmlinux: exit 3 naming what would do, or with --allow-partial the profile is
# written and the exit code is 3 (incomplete). (Recovery through kcore: test_live_kcore.py.)
grep -v ' linux_banner$' "$KS" > "$TMP/ks-nobanner"; ln -sf "$TMP/ks-nobanner" "$R/proc/kallsyms"
expect_exit 3 "$IC_BIN" --live-root "$R" -o "$TMP/nob.json"
grep -q "no data symbols .*/proc/kcore.*--map.*/boot/vmlinuz-" "$TMP/err" && ok "no linux_banner: error explains" || fail "no linux_banner message: $(cat "$TMP/err")"
expect_exit 3 "$IC_BIN" --live-root "$R" -o "$TMP/nob.json" --allow-partial
[[ -s $TMP/nob.json ]] && ok "partial profile written" || fail "partial profile missing"
# ... and says so in one error line naming the file and what it lacks (a warning alone beside a
# written file read as success; the root's missing config still gives its own warning)
grep -q "^isfcarve: error: .*/proc/kallsyms: wrote a PARTIAL profile to $TMP/nob.json: no data symbols (no CONFIG_KALLSYMS_ALL, and there is no /proc/kcore)" "$TMP/err" &&
  (( $(grep -c "error:" "$TMP/err") == 1 )) && ok "live partial: one error line names the file and the lack" ||
  fail "live partial message: $(cat "$TMP/err")"
# Files mode: a System.map without linux_banner, the banner given: written with --allow-partial
# (Volatility cannot match it), exit 3, the same one line.
grep -v ' linux_banner$' "$MAP" > "$TMP/map-nobanner"
expect_exit 2 "$IC_BIN" --btf "$BTF" --map "$TMP/map-nobanner" --banner "$(cat "$VER")" -o "$TMP/fnb.json"
[[ ! -e $TMP/fnb.json ]] && ok "files, no linux_banner: nothing written" || fail "files, no linux_banner: written"
expect_exit 3 "$IC_BIN" --btf "$BTF" --map "$TMP/map-nobanner" --banner "$(cat "$VER")" -o "$TMP/fnb.json" --allow-partial
[[ -s $TMP/fnb.json ]] && grep -q "^isfcarve: error: $TMP/map-nobanner: wrote a PARTIAL profile to $TMP/fnb.json: no linux_banner symbol" "$TMP/err" &&
  (( $(wc -l < "$TMP/err") == 1 )) && ok "files partial: written, one line says so" ||
  fail "files partial: $(cat "$TMP/err")"

# fx-forky-7.2 (no vmlinux shipped): raw BTF + --banner, and live mode on its truth.
F=fx-forky-7.2
MAP=$(fixture $F System.map); CFG=$(fixture $F config)
BTF=$(fixture $F truth/btf_vmlinux); KS=$(fixture $F truth/kallsyms); VER=$(fixture $F truth/version)
expect_exit 0 "$IC_BIN" --btf "$BTF" --map "$MAP" --banner "$(cat "$VER")" -o "$TMP/forky.json"
"$IC_PYTHON" "$TMP/check.py" "$TMP/forky.json" "$VER" "$MAP" && ok "forky raw BTF ISF" || fail "forky raw BTF ISF"
R=$TMP/root2; mkdir -p "$R/sys/kernel/btf" "$R/proc" "$R/boot"
ln -s "$BTF" "$R/sys/kernel/btf/vmlinux"; ln -s "$KS" "$R/proc/kallsyms"; ln -s "$VER" "$R/proc/version"
rel=$(awk '{print $3}' "$VER"); ln -s "$CFG" "$R/boot/config-$rel"
expect_exit 0 "$IC_BIN" --live-root "$R" -o "$TMP/forky-live.json"
"$IC_PYTHON" "$TMP/check.py" "$TMP/forky-live.json" "$VER" "$MAP" "$TMP/forky.json" subset && ok "forky live ISF == System.map addresses" || fail "forky live ISF"
finish
