#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Floods of fakes must not hide the real kernel (issue 6): >= 4 MiB of fake BTF headers (bare
# and plausible) and fake "Linux version" banners before AND after the real fx-deb12-6.1 BTF
# and banner, (1) in a raw image with the real VMCOREINFO text and nothing else, (2) written
# into free (all-zero) memory of the real LiME. Each batch then has far more hits than a carver
# state keeps (IC_CANDS_PER_STATE), so this runs the rescan path. The real pieces must be found,
# the LiME must give the same findings and the same profile as the clean image, within time.
# Then: an image holding two kernels gives no profile, even with --allow-partial.
. "$IC_SRC/tests/lib/common.sh"
LIMIT_S=${IC_ADV_LIMIT_S:-60}
if grep -Eq '^IC_SANITIZE:[A-Z]*=.*address' "$IC_BUILD/CMakeCache.txt" 2>/dev/null; then
  LIMIT_S=$((LIMIT_S * 3)) # sanitizer builds: the same work, ~10x the CPU
fi
G=$TMP/fakes
mkdir -p "$G"
FX=fx-deb12-6.1
lime=$(fixture $FX mem.lime)
btf=$(fixture $FX truth/btf_vmlinux)
ver=$(fixture $FX truth/version)
vmci=$(fixture $FX truth/vmcoreinfo.txt)
gen="$IC_SRC/tests/scripts/adversarial_inputs.py"

where=$("$IC_PYTHON" "$gen" "$G" fakes-raw "$btf" "$ver" "$vmci")
"$IC_PYTHON" "$gen" "$G" fakes-lime "$lime"
ok "generated: raw ($where), LiME with fakes in free memory"

# run LABEL OUTFILE cmd...: exit 0 within LIMIT_S; stdout to OUTFILE, stderr to OUTFILE.err.
run() {
  local label=$1 out=$2 rc=0 t0 ms
  shift 2
  t0=${EPOCHREALTIME/./}
  timeout -k 5 "$LIMIT_S" "$@" >"$out" 2>"$out.err" || rc=$?
  ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
  if (( rc )); then fail "$label: exit $rc after $ms ms: $(tail -c 400 "$out.err")"; return 1; fi
  ok "$label: $ms ms"
}

# (1) raw: fakes, the real BTF and banner, VMCOREINFO text, fakes.
if run "scan raw with fakes" "$TMP/raw.json" "$IC_BIN" scan --json -v "$G/fakes-raw"; then
  "$IC_PYTHON" - "$TMP/raw.json" "$btf" "$ver" "$where" <<'PY' && ok "raw: real BTF and banner found behind and before the fakes" || fail "raw: wrong findings"
import hashlib, json, sys
r = json.load(open(sys.argv[1]))
btf = open(sys.argv[2], "rb").read()
ver = open(sys.argv[3]).read().rstrip("\n")
w = sys.argv[4].split()
assert r["btf"] and int(r["btf"]["phys"], 16) == int(w[1], 16), r["btf"]
assert r["btf"]["sha256"] == hashlib.sha256(btf).hexdigest()
assert r["banner"] and int(r["banner"]["phys"], 16) == int(w[3], 16), r["banner"]
assert r["banner"]["text"] == ver and r["banner"]["linux_banner"]
assert r["banner"]["copies"] > 40000, r["banner"]["copies"]  # every fake was looked at
sk = r["same_kernel"]
assert sk["ok"] and "banner release = VMCOREINFO OSRELEASE" in sk["evidence"], sk
vi = r["vmcoreinfo"]  # the real text at 0x1200000, behind ~40,000 distinct fake texts
assert vi and int(vi["phys"], 16) == 0x1200000 and vi["osrelease"] == ver.split()[2], vi
PY
  grep -q "btf: .* batches had more than .* header hits; their rest was scanned again" "$TMP/raw.json.err" &&
    grep -q "banner: .* batches had more than .* hits; their rest was scanned again" "$TMP/raw.json.err" &&
    grep -q "vmcoreinfo: .* batches had more than .* hits; their rest was scanned again" "$TMP/raw.json.err" &&
    ok "raw: the overflow spans were scanned again" || fail "raw: no rescan (fakes did not overflow a state?)"
fi

# (2) the real LiME with fakes in free memory: same findings as the clean image.
if run "scan clean LiME" "$TMP/clean.json" "$IC_BIN" scan --json -v "$lime" &&
   run "scan LiME with fakes" "$TMP/lime.json" "$IC_BIN" scan --json -v "$G/fakes-lime"; then
  "$IC_PYTHON" - "$TMP/clean.json" "$TMP/lime.json" <<'PY' && ok "LiME: same BTF, banner, kallsyms as the clean image; tied by kallsyms" || fail "LiME: findings differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for k, f in (("btf", "phys"), ("btf", "sha256"), ("banner", "phys"), ("banner", "text"),
             ("kallsyms", "phys"), ("vmcoreinfo", "osrelease")):
    assert a[k][f] == b[k][f], (k, f, a[k][f], b[k][f])
assert b["banner"]["copies"] > a["banner"]["copies"] + 40000, b["banner"]["copies"]
ev = b["same_kernel"]["evidence"]
assert b["same_kernel"]["ok"] and "BTF at kallsyms __start_BTF" in ev and "banner at kallsyms linux_banner" in ev, ev
PY
  grep -q "scanned again" "$TMP/lime.json.err" && ok "LiME: the overflow spans were scanned again" ||
    fail "LiME: no rescan"
fi
if run "profile clean LiME" "$TMP/p0.out" "$IC_BIN" "$lime" -q -o "$TMP/p0.json" &&
   run "profile LiME with fakes" "$TMP/p1.out" "$IC_BIN" "$G/fakes-lime" -q -o "$TMP/p1.json"; then
  cmp -s "$TMP/p0.json" "$TMP/p1.json" && ok "LiME: byte-identical profile with and without the fakes" ||
    fail "LiME: the profile differs with fakes"
fi

# (3) two kernels, nothing to tie banner and BTF: no profile, not even a partial one.
"$IC_PYTHON" - "$G/two" "$btf" "$ver" "$(fixture fx-forky-7.2 truth/btf_vmlinux)" \
  "$(fixture fx-forky-7.2 truth/version)" <<'PY'
import sys
out, ba, va, bb, vb = sys.argv[1:]
pg = lambda b: b + b"\0" * (-len(b) % 4096)
r = lambda p: open(p, "rb").read()
open(out, "wb").write(pg(b"\0" * 4096 + r(ba)) + pg(r(va) + b"\0") + pg(r(bb)) + pg(r(vb) + b"\0"))
PY
rc=0
"$IC_BIN" "$G/two" --allow-partial -o "$G/two.json" >"$TMP/o" 2>"$TMP/e" || rc=$?
if (( rc == 3 )) && [[ ! -e $G/two.json ]] && [[ $(wc -l <"$TMP/e") == 1 ]] &&
   grep -q "incomplete: .*nothing written to $G/two.json (a profile mixing kernels is refused" "$TMP/e"; then
  ok "two kernels + --allow-partial: exit 3, no profile"
else
  fail "two kernels + --allow-partial: exit $rc, profile $( [[ -e $G/two.json ]] && echo written || echo absent): $(tail -c 300 "$TMP/e")"
fi
rc=0
"$IC_BIN" scan --json "$G/two" >"$TMP/two.json" 2>/dev/null || rc=$?
"$IC_PYTHON" -c '
import json, sys
sk = json.load(open(sys.argv[1]))["same_kernel"]
assert not sk["ok"] and not sk["damaged"] and "kernel releases" in sk["problem"], sk' "$TMP/two.json" &&
  ok "two kernels: scan --json same_kernel.ok = false with the problem" || fail "two kernels: scan JSON"
finish
