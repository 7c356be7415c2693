#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Slurm job array: task N profiles the image on line N of LIST into the shared symbols directory.
#
#   n=$(wc -l < images.txt)
#   sbatch --array=1-"$n"%16 scripts/slurm-array.sh images.txt /lab/symbols [/lab/reports]
#
# LIST: one image path per line, nothing else (line N = array task N; no comments or blank lines,
# they would shift the numbering). SYMDIR must be on a filesystem every node sees (NFS, Lustre,
# CephFS): identical kernels on different nodes share one profile, SYMDIR/linux/<release>-<hash>.json.xz;
# a node that finds it already there reuses it, two nodes racing write the same bytes and rename.
# REPORTDIR (optional): the per-image JSON report, <task>.json (kernel release, profile path, reuse).
# Exit status: isfcarve's (0 ok, 1 usage, 2 bad input, 3 incomplete, 4 internal); `sacct -j JOB`
# lists the failed tasks. Environment: ISFCARVE = the binary (default: isfcarve on PATH).
# Outside Slurm (e.g. scripts/parallel-jobs.sh) set SLURM_ARRAY_TASK_ID yourself.
#SBATCH --job-name=isfcarve
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=00:30:00
#SBATCH --output=isfcarve-%A_%a.log
set -euo pipefail

if (( $# < 2 || $# > 3 )); then
  echo "usage: SLURM_ARRAY_TASK_ID=N $0 LIST SYMDIR [REPORTDIR]" >&2
  exit 1
fi
list=$1 symdir=$2 reports=${3:-}
task=${SLURM_ARRAY_TASK_ID:?not an array task: set SLURM_ARRAY_TASK_ID (1-based line of LIST)}
[[ $task =~ ^[1-9][0-9]*$ ]] || { echo "$0: bad SLURM_ARRAY_TASK_ID '$task'" >&2; exit 1; }
img=$(sed -n "${task}{p;q}" "$list")
if [[ -z $img ]]; then
  echo "$0: $list has no line $task" >&2
  exit 1
fi
args=("$img" --symbols-dir "$symdir")
if [[ -n $reports ]]; then
  mkdir -p "$reports"
  args+=(--report "$reports/$task.json")
fi
# One scan thread per allocated CPU instead of every CPU of the node.
[[ -n ${SLURM_CPUS_PER_TASK:-} ]] && args+=(--threads "$SLURM_CPUS_PER_TASK")
echo "task $task: $img" >&2
exec "${ISFCARVE:-isfcarve}" "${args[@]}"
