#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/slurm-array.sh (as an array task) and scripts/parallel-jobs.sh with GNU parallel and with
# the xargs -P fallback, driving an emulated child (ISFCARVE=fake child). Never skipped: without
# GNU parallel (CI images may lack it) the xargs path still runs and is checked.
. "$IC_SRC/tests/lib/common.sh"
export ISFCARVE=$IC_SRC/tests/scripts/batch/fake-child.sh
unset SLURM_CPUS_PER_TASK
mkdir -p "$TMP/img dir"
i=0
for what in "ok 6.1.0-18-amd64" "crash" "ok 6.1.0-18-amd64" "ok 7.2.12+deb14-amd64" "incomplete 5.10.0-28-amd64" "bad"; do
  i=$((i+1)); echo "$what" > "$TMP/img dir/$i.lime"; echo "$TMP/img dir/$i.lime" >> "$TMP/list"
done

# One array task by hand: line 3.
SLURM_ARRAY_TASK_ID=4 expect_exit 0 bash "$IC_SRC/scripts/slurm-array.sh" "$TMP/list" "$TMP/s0" "$TMP/r0"
grep -q '"release": "7.2.12+deb14-amd64"' "$TMP/r0/4.json" && ok "task 4 profiled line 4" || fail "task 4: $(cat "$TMP/r0/4.json")"
SLURM_ARRAY_TASK_ID=6 expect_exit 2 bash "$IC_SRC/scripts/slurm-array.sh" "$TMP/list" "$TMP/s0" "$TMP/r0"
SLURM_ARRAY_TASK_ID=9 expect_exit 1 bash "$IC_SRC/scripts/slurm-array.sh" "$TMP/list" "$TMP/s0"
SLURM_ARRAY_TASK_ID=x expect_exit 1 bash "$IC_SRC/scripts/slurm-array.sh" "$TMP/list" "$TMP/s0"
env -u SLURM_ARRAY_TASK_ID bash "$IC_SRC/scripts/slurm-array.sh" "$TMP/list" "$TMP/s0" > /dev/null 2>&1 \
  && fail "runs without SLURM_ARRAY_TASK_ID" || ok "refuses without SLURM_ARRAY_TASK_ID"

run_all() { # MODE: the whole list, 3 at a time
  local mode=$1 s=$TMP/s-$1 r=$TMP/r-$1 rc=0
  IC_PARALLEL=$mode bash "$IC_SRC/scripts/parallel-jobs.sh" -j 3 "$TMP/list" "$s" "$r" > "$TMP/out" 2> "$TMP/err" || rc=$?
  (( rc == 1 )) && ok "$mode: exit 1 (two images fail)" || fail "$mode: exit $rc $(cat "$TMP/err")"
  grep -q "$2 ran 6 jobs" "$TMP/err" && ok "$mode: used $2" || fail "$mode: $(tail -1 "$TMP/err")"
  # 2 kernels among the 3 ok images; the incomplete one publishes nothing (partial profiles never
  # go under the canonical name, docs/workflow.md section 3)
  [[ $(ls "$s/linux" | grep -c 'json.xz$') == 2 ]] && ok "$mode: 2 profiles for 3 ok images" || fail "$mode: $(ls "$s/linux")"
  for t in 1 3 4 5; do [[ -s $r/$t.json ]] || fail "$mode: no report $t"; done
  "$IC_PYTHON" - "$r" <<'PY' && ok "$mode: identical kernels: one built, one reused" || fail "$mode: reuse"
import json, sys
r = [json.load(open(f"{sys.argv[1]}/{t}.json")) for t in (1, 3)]
assert r[0]["profile"]["path"] == r[1]["profile"]["path"]
assert sorted([r[0]["profile"]["reused"], r[1]["profile"]["reused"]]) == [False, True], r
PY
}
run_all xargs "xargs -P"
if [[ $(parallel --version 2>/dev/null || true) == *"GNU parallel"* ]]; then
  run_all gnu "GNU parallel"
  [[ $(grep -c $'\t' "$TMP/r-gnu/joblog") == 7 ]] && ok "joblog has 6 jobs" || fail "joblog: $(cat "$TMP/r-gnu/joblog")"
else
  echo "note: GNU parallel not installed; only the xargs path ran (apt-get install parallel)"
fi
expect_exit 2 bash "$IC_SRC/scripts/parallel-jobs.sh" "$TMP/list"
finish
