#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# isfcarve batch with an emulated child (IC_BATCH_CHILD): statuses, JSON Lines, exit codes,
# parallelism, --from/stdin lists, --timeout, crash isolation, reuse of identical kernels.
. "$IC_SRC/tests/lib/common.sh"
export IC_BATCH_CHILD=$IC_SRC/tests/scripts/batch/fake-child.sh
S=$TMP/symbols
img() { echo "$2" > "$TMP/$1"; echo "$TMP/$1"; }
a=$(img a.lime "ok 6.1.0-18-amd64"); a2=$(img a2.lime "ok 6.1.0-18-amd64")
b=$(img b.elf "ok 7.2.12+deb14-amd64"); inc=$(img inc.lime "incomplete 5.10.0-28-amd64")
bad=$(img bad.lime "bad"); crash=$(img crash.lime "crash"); hang=$(img hang.lime "hang")
nor=$(img noreport.lime "noreport"); internal=$(img internal.lime "internal")
nolinux=$(img nolinux.raw "nolinux")

# check LABEL [ARGS...] <<PY: run a Python check (stdin) over the JSON Lines in $TMP/out
check() { local l=$1; shift; if "$IC_PYTHON" - "$TMP/out" "$@"; then ok "$l"; else fail "$l"; fi; }

# 1. Everything at once, 3 in parallel: one line per image + summary; a crash stops nothing.
expect_exit 4 "$IC_BIN" batch -j 3 --json --symbols-dir "$S" "$a" "$b" "$inc" "$bad" "$crash" "$nor" "$internal" "$TMP/missing.lime"
check "mixed batch JSON lines" "$a" "$b" "$inc" "$bad" "$crash" "$nor" "$internal" "$TMP/missing.lime" "$S" <<'PY'
import json, sys
out, a, b, inc, bad, crash, nor, internal, missing, S = sys.argv[1:]
lines = [json.loads(l) for l in open(out)]
res = {l["path"]: l for l in lines if "path" in l}
summ = lines[-1]["summary"]
assert len(lines) == 9 and len(res) == 8, lines
keys = {"path", "status", "exit", "signal", "release", "profile", "reused", "partial", "missing",
        "seconds", "error"}
assert all(set(l) == keys for l in res.values()), lines
assert res[a]["status"] == "ok" and res[a]["release"] == "6.1.0-18-amd64" and res[a]["exit"] == 0
assert res[a]["profile"] == S + "/linux/6.1.0-18-amd64-000000000000.json.xz" and res[a]["reused"] is False
assert res[a]["error"] is None and res[a]["signal"] is None and res[a]["seconds"] >= 0
assert res[a]["partial"] is False and res[a]["missing"] is None
assert res[b]["release"] == "7.2.12+deb14-amd64"
# incomplete without --allow-partial: the reason, no profile (never published in DIR)
assert res[inc]["status"] == "incomplete" and res[inc]["exit"] == 3 and res[inc]["profile"] is None
assert res[inc]["missing"] == "no kallsyms data symbols: supply --map System.map", res[inc]
assert res[inc]["partial"] is None and res[inc]["reused"] is None and res[inc]["release"] == "5.10.0-28-amd64"
assert "incomplete: no kallsyms data symbols" in res[inc]["error"], res[inc]
assert res[bad]["missing"] is None
assert res[bad]["status"] == "failed" and res[bad]["exit"] == 2 and res[bad]["profile"] is None
assert res[bad]["error"].endswith("bad LiME magic at offset 0x0"), res[bad]
assert res[crash]["status"] == "crashed" and res[crash]["signal"] == 11 and res[crash]["exit"] is None
assert "signal 11" in res[crash]["error"]
assert res[nor]["status"] == "failed" and "no valid report" in res[nor]["error"]
assert res[internal]["status"] == "failed" and res[internal]["exit"] == 4
assert res[missing]["status"] == "failed" and "No such file" in res[missing]["error"]
assert summ == {**summ, "images": 8, "ok": 2, "incomplete": 1, "failed": 4, "crashed": 1,
                "timeout": 0, "reused": 0, "partial": 0, "skipped": 0, "exit": 4}, summ
PY

# 2. Exit codes: all ok -> 0; ok + incomplete -> 3; ok + bad input -> 2; internal beats input -> 4.
expect_exit 0 "$IC_BIN" batch -q --symbols-dir "$S" "$a" "$b"
grep -q "reused" "$TMP/out" && ok "second run reuses profiles" || fail "second run did not reuse: $(cat "$TMP/out")"
expect_exit 3 "$IC_BIN" batch --symbols-dir "$S" "$a" "$inc"
expect_exit 2 "$IC_BIN" batch --symbols-dir "$S" "$bad" "$inc" "$a"
expect_exit 4 "$IC_BIN" batch --symbols-dir "$S" "$bad" "$internal"
grep -q "^failed .*bad.lime: bad LiME magic" "$TMP/out" && ! grep -q "isfcarve: error:" "$TMP/out" \
  && ok "text line names the error (once, without the child's 'isfcarve: error: <path>: ')" \
  || fail "text output: $(cat "$TMP/out")"
grep -q "^batch: 2 images: 0 ok (0 reused), 0 incomplete (0 partial), 2 failed" "$TMP/out" && ok "text summary" \
  || fail "text summary: $(cat "$TMP/out")"

# 2b. Exit 3 from an image with no kernel in it (no banner/BTF/kallsyms/VMCOREINFO) is "failed"
#     (exit 2: not a Linux image), not "incomplete"; incomplete alone -> 3 with a text line.
expect_exit 2 "$IC_BIN" batch --json --symbols-dir "$S" "$nolinux" "$inc"
check "not a Linux image is failed" "$nolinux" "$inc" <<'PY'
import json, sys
out, nolinux, inc = sys.argv[1:]
lines = [json.loads(l) for l in open(out)]
res = {l["path"]: l for l in lines if "path" in l}
assert res[nolinux]["status"] == "failed" and res[nolinux]["exit"] == 3, res[nolinux]
assert "no Linux kernel found" in res[nolinux]["error"] and res[nolinux]["missing"] is None
assert res[inc]["status"] == "incomplete"
assert lines[-1]["summary"]["failed"] == 1 and lines[-1]["summary"]["incomplete"] == 1
PY
expect_exit 3 "$IC_BIN" batch --symbols-dir "$S" "$inc"
grep -q "^incomplete .*inc.lime \[5.10.0-28-amd64\]: missing: no kallsyms data symbols: supply --map System.map; no profile written" "$TMP/out" \
  && ok "incomplete text line" || fail "incomplete text: $(cat "$TMP/out")"

# 2c. --allow-partial: the partial profile is kept in PDIR (default DIR.partial), never in DIR,
#     its path is in the record; complete profiles are not duplicated there.
S3=$TMP/sym3
expect_exit 2 "$IC_BIN" batch --json --allow-partial --symbols-dir "$S3" "$a" "$inc" "$bad"
check "--allow-partial keeps the partial profile" "$a" "$inc" "$S3" <<'PY'
import json, os, sys
out, a, inc, S3 = sys.argv[1:]
lines = [json.loads(l) for l in open(out)]
res = {l["path"]: l for l in lines if "path" in l}
r = res[inc]
assert r["status"] == "incomplete" and r["partial"] is True and r["missing"], r
assert os.path.dirname(r["profile"]) == S3 + ".partial", r
assert r["profile"].startswith(S3 + ".partial/inc.lime-") and r["profile"].endswith(".json.xz")
assert open(r["profile"]).read().startswith("partial profile of 5.10.0-28-amd64"), r
assert res[a]["status"] == "ok" and res[a]["profile"].startswith(S3 + "/linux/") and res[a]["partial"] is False
assert os.listdir(S3 + ".partial") == [os.path.basename(r["profile"])], os.listdir(S3 + ".partial")
assert sorted(os.listdir(S3 + "/linux")) == [".6.1.0-18-amd64-000000000000.json.xz.lock",
                                             "6.1.0-18-amd64-000000000000.json.xz"]
s = lines[-1]["summary"]
assert s["incomplete"] == 1 and s["partial"] == 1 and s["exit"] == 2 and s["failed"] == 1, s
PY
# a rerun replaces the partial profile (the child refuses an existing -o OUT); --partial-dir
expect_exit 3 "$IC_BIN" batch --allow-partial --symbols-dir "$S3" "$inc"
grep -q "^incomplete .*: missing: .*; partial profile -> $S3.partial/inc.lime-" "$TMP/out" \
  && grep -q "1 incomplete (1 partial)" "$TMP/out" && ok "rerun replaces the partial profile" \
  || fail "rerun: $(cat "$TMP/out")"
expect_exit 3 "$IC_BIN" batch --allow-partial --partial-dir "$TMP/pp" --symbols-dir "$S3" "$inc"
[[ $(ls "$TMP/pp" | wc -l) == 1 ]] && ok "--partial-dir" || fail "--partial-dir: $(ls -a "$TMP/pp")"
expect_exit 1 "$IC_BIN" batch --allow-partial --partial-dir "$S3/linux/p" --symbols-dir "$S3" "$inc"
grep -q "is inside --symbols-dir" "$TMP/err" && ok "PDIR inside DIR refused" || fail "inside: $(cat "$TMP/err")"
expect_exit 1 "$IC_BIN" batch --partial-dir "$TMP/pp" --symbols-dir "$S3" "$inc"

# 3. --force reaches the child; identical kernels in one batch at once: one profile, one reuse.
S2=$TMP/sym2
expect_exit 0 "$IC_BIN" batch -j 2 --json --symbols-dir "$S2" "$a" "$a2"
check "identical kernels share one profile" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
r = [l for l in lines if "path" in l]
assert len(r) == 2 and r[0]["profile"] == r[1]["profile"], r
assert sorted(x["reused"] for x in r) == [False, True], r
assert lines[-1]["summary"]["reused"] == 1
PY
[[ $(ls "$S2/linux" | wc -l) == 1 ]] && ok "one profile file" || fail "profiles: $(ls -a "$S2/linux")"
expect_exit 0 "$IC_BIN" batch --json --force --threads 1 --symbols-dir "$S2" "$a"
grep -q '"reused":false' "$TMP/out" && ok "--force rebuilds" || fail "--force: $(cat "$TMP/out")"

# 4. Lists: --from FILE (comments, blank lines, CRLF) and '-' (stdin).
printf '# images\n%s\n\n%s\r\n' "$a" "$b" > "$TMP/list"
expect_exit 0 "$IC_BIN" batch --json --symbols-dir "$S" --from "$TMP/list"
[[ $(grep -c '"path"' "$TMP/out") == 2 ]] && ok "--from reads 2 paths" || fail "--from: $(cat "$TMP/out")"
rc=0; printf '%s\n%s\n%s\n' "$a" "$b" "$inc" | "$IC_BIN" batch --json --symbols-dir "$S" - > "$TMP/out" 2>&1 || rc=$?
[[ $rc == 3 && $(grep -c '"path"' "$TMP/out") == 3 ]] && ok "stdin list" || fail "stdin: rc=$rc $(cat "$TMP/out")"

# 5. Parallelism: 4 images of 2 s each: -j 4 well under 8 s (slack for loaded/ASan runs), -j 1 >= 8 s.
for i in 1 2 3 4; do img "s$i.lime" "slow 2 6.1.0-slow" > /dev/null; done
t0=$(date +%s.%N); expect_exit 0 "$IC_BIN" batch -j 4 --symbols-dir "$S" "$TMP"/s?.lime; t1=$(date +%s.%N)
"$IC_PYTHON" -c "import sys; sys.exit(0 if $t1 - $t0 < 6.0 else 1)" && ok "-j 4 runs in parallel" \
  || fail "-j 4 took $t0..$t1"
t0=$(date +%s.%N); expect_exit 0 "$IC_BIN" batch -j 1 --symbols-dir "$S" "$TMP"/s?.lime; t1=$(date +%s.%N)
"$IC_PYTHON" -c "import sys; sys.exit(0 if $t1 - $t0 >= 8.0 else 1)" && ok "-j 1 runs one at a time" || fail "-j 1 too fast"

# 6. --timeout kills a hung child (only that one) and says so.
expect_exit 4 "$IC_BIN" batch -j 2 --json --timeout 1 --symbols-dir "$S" "$hang" "$a"
check "timeout" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
st = sorted(l["status"] for l in lines if "path" in l)
assert st == ["ok", "timeout"], lines
assert lines[-1]["summary"]["timeout"] == 1
PY

# 7. SIGTERM to batch: running children get it, nothing new starts, exit 4, summary says so.
"$IC_BIN" batch -j 2 --json --symbols-dir "$S" "$hang" "$hang" "$a" "$b" > "$TMP/out" 2> "$TMP/err" & bp=$!
sleep 1.5; kill -TERM $bp; t0=$(date +%s); wait $bp || rc=$?; t1=$(date +%s)
(( rc == 4 && t1 - t0 <= 5 )) && ok "SIGTERM: exit 4 promptly" || fail "SIGTERM: rc=$rc in $((t1 - t0))s $(cat "$TMP/err")"
check "SIGTERM forwarded, rest skipped" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
r = [l for l in lines if "path" in l]
assert len(r) == 2 and all(l["status"] == "crashed" and l["signal"] == 15 for l in r), lines
assert lines[-1]["summary"]["skipped"] == 2, lines[-1]
PY
grep -q "stopped by signal 15" "$TMP/err" && ok "SIGTERM message" || fail "message: $(cat "$TMP/err")"

# 8. Image files named like a subcommand or an option reach the child as paths.
( cd "$TMP" && echo "ok 6.1.0-18-amd64" > scan && echo "ok 6.1.0-18-amd64" > ./-x &&
  "$IC_BIN" batch --json --symbols-dir "$S" scan -- -x > "$TMP/out" 2>&1 ) && \
  grep -q '"path":"scan","status":"ok"' "$TMP/out" && grep -q '"path":"-x","status":"ok"' "$TMP/out" \
  && ok "odd file names" || fail "odd names: $(cat "$TMP/out")"

# 9. The real child (no hook): batch re-executes itself in IMAGE mode; a missing image fails
#    cleanly with the child's own error line, whatever stage of the pipeline this build has.
rc=0; env -u IC_BATCH_CHILD "$IC_BIN" batch --json --symbols-dir "$S" "$TMP/missing.lime" > "$TMP/out" 2>&1 || rc=$?
(( rc == 2 || rc == 4 )) && grep -q '"status":"failed".*"error":"cannot open: No such file' "$TMP/out" \
  && ok "real child: failure reported ($rc)" || fail "real child: rc=$rc $(cat "$TMP/out")"

# 10. Usage errors and a missing child program.
expect_exit 1 "$IC_BIN" batch --symbols-dir "$S"
expect_exit 1 "$IC_BIN" batch -j 0 "$a"
expect_exit 1 "$IC_BIN" batch --timeout x "$a"
expect_exit 1 "$IC_BIN" batch --bogus "$a"
expect_exit 1 "$IC_BIN" batch --threads -1 "$a"
expect_exit 2 "$IC_BIN" batch --from "$TMP/nonexistent-list"
IC_BATCH_CHILD=$TMP/no-such-child expect_exit 4 "$IC_BIN" batch --json --symbols-dir "$S" "$a"
grep -q 'cannot run' "$TMP/out" && ok "missing child reported" || fail "missing child: $(cat "$TMP/out")"
# No leftovers in TMPDIR from the batch's work directory.
export TMPDIR=$TMP/tmpdir; mkdir -p "$TMPDIR"
expect_exit 4 "$IC_BIN" batch --symbols-dir "$S" "$a" "$bad" "$crash"
[[ -z $(ls -A "$TMPDIR") ]] && ok "work directory removed" || fail "left: $(ls -A "$TMPDIR")"

# 11. Started with SIGCHLD ignored (inherited through exec): the kernel would reap the children
#     unseen (was: "waitpid: No child processes", exit 4, no results, work directory left).
"$IC_PYTHON" - "$IC_BIN" "$S" "$a" "$b" > "$TMP/out" 2>"$TMP/err" <<'PY' && rc=0 || rc=$?
import os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
os.execv(sys.argv[1], [sys.argv[1], "batch", "--symbols-dir", sys.argv[2], sys.argv[3], sys.argv[4]])
PY
[[ $rc == 0 && $(grep -c '^ok ' "$TMP/out") == 2 && -z $(ls -A "$TMPDIR") ]] \
  && ok "SIGCHLD ignored at start: both images ok, work directory removed" \
  || fail "SIGCHLD ignored: rc=$rc $(cat "$TMP/out" "$TMP/err") left: $(ls -A "$TMPDIR")"

# 12. --from a directory is bad input (exit 2), like a missing list (was: "read error", exit 4).
expect_exit 2 "$IC_BIN" batch --symbols-dir "$S" --from "$TMP"
grep -q "cannot read list: Is a directory" "$TMP/err" && ok "--from DIR named" || fail "--from DIR: $(cat "$TMP/err")"

# 13. Its reader gone (`batch --json | head -1`): a stop like a signal, not a silent death by
#     SIGPIPE with the children running on and the work directory left behind. The fast image's
#     line is read; the 2 s image's line fails to write: then the 30 s image, still running,
#     gets SIGTERM and batch ends long before 30 s.
fast=$(img fast13.lime "ok 6.1.0-18-amd64"); s2=$(img s2_13.lime "slow 2 7.2.12+deb14-amd64")
s30=$(img s30_13.lime "slow 30 5.10.0-28-amd64")
rm -rf "$TMP/sd13"; t0=$SECONDS
( set +o pipefail; "$IC_BIN" batch -j 3 --json --symbols-dir "$TMP/sd13" "$fast" "$s2" "$s30" 2>"$TMP/err" | head -1 > "$TMP/out"
  echo "${PIPESTATUS[0]}" > "$TMP/rc" )
sleep 0.5
[[ $(cat "$TMP/rc") == 4 && $(wc -l < "$TMP/out") == 1 && -z $(ls -A "$TMPDIR") ]] && (( SECONDS - t0 < 15 )) \
  && grep -q "stopped: writing standard output failed" "$TMP/err" \
  && ! pgrep -f "fake-child.sh $TMP/[a-z0-9]*_13.lime" >/dev/null \
  && ok "closed output: exit 4 in $((SECONDS - t0)) s, the running child stopped, work directory removed" \
  || fail "closed output: rc=$(cat "$TMP/rc") $((SECONDS - t0)) s $(cat "$TMP/err") left: $(ls -A "$TMPDIR")"

# 14. A stop signal right after the start, at several moments (some while a child is between
#     fork and exec): passed on, never lost (a lost one left batch waiting for a 30 s image).
hang=(); for i in 1 2 3; do hang+=("$(img h$i.lime "slow 30 6.1.0-18-amd64")"); done
# Python starts batch (Popen returns once execv is done: bash's own `cmd &` child would run this
# script's EXIT trap if the signal came before its exec).
"$IC_PYTHON" - "$IC_BIN" "$TMP/sd14" "$TMPDIR" "${hang[@]}" > "$TMP/out14" 2>&1 <<'PY' && rc=0 || rc=$?
import os, signal, subprocess, sys, time
bin_, sd, tmpdir, imgs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
bad = 0
for d in (0, 0.0005, 0.001, 0.003, 0.01, 0.05):
    p = subprocess.Popen([bin_, "batch", "-j", "2", "--symbols-dir", sd] + imgs,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(d)
    p.send_signal(signal.SIGTERM)
    t0 = time.monotonic()
    try:
        err = p.communicate(timeout=10)[1].decode(errors="replace")
    except subprocess.TimeoutExpired:
        p.kill(); err = p.communicate()[1].decode(errors="replace")
    dt = time.monotonic() - t0
    left = os.listdir(tmpdir)
    kids = subprocess.run(["pgrep", "-f", "fake-child.sh " + os.path.dirname(imgs[0]) + r"/h[0-9].lime"], capture_output=True).stdout
    # -15: killed before batch took the stop signals over (it had made nothing yet)
    good = p.returncode in (4, -15) and dt < 10 and not left and not kids
    print(("ok" if good else "FAIL"), d, p.returncode, "%.2fs" % dt, left, kids, err.strip()[-200:])
    bad += not good
    if kids:
        subprocess.run(["pkill", "-f", "fake-child.sh " + os.path.dirname(imgs[0]) + r"/h[0-9].lime"])
sys.exit(1 if bad else 0)
PY
[[ $rc == 0 ]] && ok "SIGTERM at 6 moments after the start: passed on, exit 4 at once, nothing left" \
  || fail "SIGTERM after the start: $(cat "$TMP/out14")"
# 15. Batch started with SIGTERM blocked (inherited): its children still open it, so the
#     SIGTERM batch forwards ends a child that has no supervisor of its own (was: the fake child,
#     blocked like batch, ran its 30 s image to the end).
"$IC_PYTHON" - "$IC_BIN" "$TMP/sd15" "$TMPDIR" "$(img h15.lime "slow 30 6.1.0-18-amd64")" > "$TMP/out15" 2>&1 <<'PY' && rc=0 || rc=$?
import os, signal, subprocess, sys, time
bin_, sd, tmpdir, image = sys.argv[1:]
p = subprocess.Popen([bin_, "batch", "--symbols-dir", sd, image], stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE,
                     preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM}))
time.sleep(1)
p.send_signal(signal.SIGTERM)
t0 = time.monotonic()
try:
    err = p.communicate(timeout=20)[1].decode(errors="replace")
except subprocess.TimeoutExpired:
    p.kill(); err = p.communicate()[1].decode(errors="replace")
dt = time.monotonic() - t0
kids = subprocess.run(["pgrep", "-f", "fake-child.sh " + image], capture_output=True).stdout
if kids:
    subprocess.run(["pkill", "-f", "fake-child.sh " + image])
print(p.returncode, "%.1f" % dt, kids, err.strip()[-300:])
sys.exit(0 if p.returncode == 4 and dt < 10 and not kids and not os.listdir(tmpdir) else 1)
PY
[[ $rc == 0 ]] && ok "SIGTERM blocked at start: forwarded and acted on by the child" \
  || fail "SIGTERM blocked at start: $(cat "$TMP/out15")"
finish
