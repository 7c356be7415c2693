#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Emulates the isfcarve IMAGE child for batch tests (IC_BATCH_CHILD hook): the image file's first
# word picks the behaviour: ok REL | incomplete REL | nolinux | bad | crash | hang | noreport |
# slow SECS REL.
# Checks that batch passes exactly the documented options (docs/workflow.md "child contract").
set -u
img=$1; shift
[[ ${1:-} == --symbols-dir && -n ${2:-} && ${3:-} == --report && -n ${4:-} ]] || {
  echo "isfcarve: error: fake child: unexpected arguments: $*" >&2; exit 1; }
dir=$2 report=$4; shift 4
force=0 partial=
if [[ ${1:-} == --threads ]]; then [[ ${2:-} == 1 ]] || { echo "isfcarve: error: fake child: --threads ${2:-}" >&2; exit 1; }; shift 2; fi
[[ ${1:-} == --force ]] && { force=1; shift; }
if [[ ${1:-} == --allow-partial ]]; then
  [[ ${2:-} == -o && -n ${3:-} && ! -e ${3:-} && -d $(dirname "${3:-}") ]] || {
    echo "isfcarve: error: fake child: bad --allow-partial -o: ${2:-} ${3:-}" >&2; exit 1; }
  partial=$3; shift 3
fi
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
  # like the real child, -o OUT also gets a copy of the complete profile
  [[ -z $partial ]] || cp "$dir/linux/$name" "$partial"
}
incomplete() { # REL: BTF found, no kallsyms data symbols; partial profile only with -o (never in DIR)
  local prof=null miss="no kallsyms data symbols: supply --map System.map"
  if [[ -n $partial ]]; then
    echo "partial profile of $1 from $img" > "$partial"
    prof="{\"path\": \"$partial\", \"reused\": false, \"partial\": true}"
    echo "isfcarve: error: $img: wrote a PARTIAL profile to $partial: $miss" >&2
  else echo "isfcarve: error: $img: incomplete: $miss (or --allow-partial to write what there is)" >&2; fi
  printf '{"image": {"path": "%s"}, "banner": null, "btf": {"types": 1}, "vmcoreinfo": null, "kallsyms": null, "kaslr": null, "kernel": {"release": "%s"}, "profile": %s, "missing": "%s"}\n' \
    "$img" "$1" "$prof" "$miss" > "$report"
  exit 3
}
case $what in
  ok) publish "$a"; echo "isfcarve: warning: something harmless" >&2; exit 0 ;;
  slow) sleep "$a"; publish "$b"; exit 0 ;;
  incomplete) incomplete "$a" ;;
  nolinux) printf '{"image": {"path": "%s"}, "banner": null, "btf": null, "vmcoreinfo": null, "kallsyms": null, "kaslr": null, "kernel": null, "profile": null, "missing": "no banner"}\n' "$img" > "$report"
    echo "isfcarve: error: $img: incomplete: no banner (or --allow-partial to write what there is)" >&2; exit 3 ;;
  bad) echo "isfcarve: warning: first"; echo "isfcarve: error: $img: bad LiME magic at offset 0x0" >&2; echo "trailing noise" >&2; exit 2 ;;
  internal) echo "isfcarve: error: out of memory" >&2; exit 4 ;;
  crash) kill -SEGV $$ ;;
  hang) exec sleep 60 ;;
  noreport) exit 0 ;;
  *) echo "isfcarve: error: $img: unknown test image" >&2; exit 2 ;;
esac
