#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Emulates the isfcarve IMAGE child for batch tests (IC_BATCH_CHILD hook): the image file's first
# word picks the behaviour: ok REL | incomplete REL | bad | crash | hang | noreport | slow SECS REL.
# Checks that batch passes exactly the documented options (docs/workflow.md "child contract").
set -u
img=$1; shift
[[ ${1:-} == --symbols-dir && -n ${2:-} && ${3:-} == --report && -n ${4:-} ]] || {
  echo "isfcarve: error: fake child: unexpected arguments: $*" >&2; exit 1; }
dir=$2 report=$4; shift 4
force=0
if [[ ${1:-} == --threads ]]; then [[ ${2:-} == 1 ]] || { echo "isfcarve: error: fake child: --threads ${2:-}" >&2; exit 1; }; shift 2; fi
[[ ${1:-} == --force ]] && { force=1; shift; }
(( $# == 0 )) || { echo "isfcarve: error: fake child: extra arguments: $*" >&2; exit 1; }
[[ -r $img ]] || { echo "isfcarve: error: $img: No such file or directory" >&2; exit 2; }
read -r what a b < "$img" || true
publish() { # REL: profile once per identity, serialised like the real child (flock per name)
  local rel=$1 name="$1-000000000000.json.xz" reused=false
  mkdir -p "$dir/linux"
  exec 9>"$dir/linux/.$name.lock"; flock 9
  if [[ -s $dir/linux/$name && $force == 0 ]]; then reused=true
  else echo "profile of $rel from $img" > "$dir/linux/.$name.tmp"; mv "$dir/linux/.$name.tmp" "$dir/linux/$name"; fi
  exec 9>&-
  printf '{"image": {"path": "%s"}, "banner": null, "btf": null, "vmcoreinfo": null, "kallsyms": null, "kaslr": null, "kernel": {"release": "%s"}, "profile": {"path": "%s", "reused": %s}}\n' \
    "$img" "$rel" "$dir/linux/$name" "$reused" > "$report"
}
case $what in
  ok) publish "$a"; echo "isfcarve: warning: something harmless" >&2; exit 0 ;;
  slow) sleep "$a"; publish "$b"; exit 0 ;;
  incomplete) publish "$a"; echo "isfcarve: warning: no kallsyms data symbols" >&2; exit 3 ;;
  bad) echo "isfcarve: warning: first"; echo "isfcarve: error: $img: bad LiME magic at offset 0x0" >&2; echo "trailing noise" >&2; exit 2 ;;
  internal) echo "isfcarve: error: out of memory" >&2; exit 4 ;;
  crash) kill -SEGV $$ ;;
  hang) exec sleep 60 ;;
  noreport) exit 0 ;;
  *) echo "isfcarve: error: $img: unknown test image" >&2; exit 2 ;;
esac
