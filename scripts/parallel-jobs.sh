#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Profile every image of LIST on one machine, J at a time, with GNU parallel (or xargs -P).
#
#   scripts/parallel-jobs.sh [-j J] LIST SYMDIR [REPORTDIR]
#
# Each job is scripts/slurm-array.sh with SLURM_ARRAY_TASK_ID = the line number, so a list runs
# the same way on a workstation and on a cluster. GNU parallel also writes REPORTDIR/joblog
# (exit status and run time per job; `parallel --retry-failed --joblog ...` reruns failures).
# Set IC_PARALLEL=xargs to force the xargs fallback. Exit: 0 when every image succeeded, 1 if any
# job failed (see the log lines or the joblog), 2 on usage errors.
# `isfcarve batch -j J --from LIST --symbols-dir SYMDIR` does the same in one process tree with
# a per-image result line; this script is for people who already drive their jobs with parallel.
set -euo pipefail
jobs=$(nproc 2>/dev/null || echo 2)
if [[ ${1:-} == -j ]]; then jobs=$2; shift 2; fi
if (( $# < 2 || $# > 3 )) || ! [[ $jobs =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [-j J] LIST SYMDIR [REPORTDIR]" >&2
  exit 2
fi
list=$1 symdir=$2 reports=${3:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
n=$(grep -c '' "$list" || true)
(( n > 0 )) || { echo "$0: $list is empty" >&2; exit 2; }
rc=0
if [[ ${IC_PARALLEL:-} != xargs ]] && [[ $(parallel --version 2>/dev/null || true) == *"GNU parallel"* ]]; then
  extra=()
  [[ -n $reports ]] && { mkdir -p "$reports"; extra=(--joblog "$reports/joblog"); }
  # -q: paths with spaces survive parallel's shell.
  seq 1 "$n" | parallel -q --will-cite --halt never -j "$jobs" "${extra[@]}" env \
    SLURM_ARRAY_TASK_ID={} bash "$here/slurm-array.sh" "$list" "$symdir" ${reports:+"$reports"} || rc=1
  echo "parallel-jobs: GNU parallel ran $n jobs, exit $rc" >&2
else
  # xargs stops at a job killed by a signal or exiting 255: fold every failure into exit 1.
  seq 1 "$n" | xargs -P "$jobs" -I{} bash -c 'SLURM_ARRAY_TASK_ID=$1 bash "${@:2}" || exit 1' _ {} \
    "$here/slurm-array.sh" "$list" "$symdir" ${reports:+"$reports"} || rc=1
  echo "parallel-jobs: xargs -P ran $n jobs, exit $rc" >&2
fi
exit $rc
