#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Peak memory on hostile inputs (issue 6: "bounded memory"): the peak RSS of `isfcarve scan`
# and of the pipeline `isfcarve IMAGE` (GNU time's %M, the child's ru_maxrss) on each 64 MiB
# adversarial image of tests/scripts/adversarial_inputs.py (fake BTF headers, nested BTF blobs,
# banners, kallsyms anchors, self-referencing page tables) and of --btf on the million-deep
# BTF chain and cycle, must stay under RSS_CEILING_MIB. The image is mapped, so its 64 MiB
# count once; the ceiling leaves 96 MiB for everything else (measured: 68-100 MiB at -O2,
# 84-141 MiB under ASan+UBSan).
# Sanitizer builds (shadow memory, quarantine) get IC_ADV_RSS_ASAN_FACTOR times the ceiling.
. "$IC_SRC/tests/lib/common.sh"
RSS_CEILING_MIB=${IC_ADV_RSS_MIB:-160}
IC_ADV_RSS_ASAN_FACTOR=${IC_ADV_RSS_ASAN_FACTOR:-2}
TIME=/usr/bin/time
if [[ ! -x $TIME ]]; then
  echo "GNU time (/usr/bin/time) not installed (scripts/install-deps.sh installs it)"
  [[ -n ${CI:-} ]] && exit 1
  exit 77
fi
if grep -Eq '^IC_SANITIZE:[A-Z]*=.*address' "$IC_BUILD/CMakeCache.txt" 2>/dev/null; then
  RSS_CEILING_MIB=$((RSS_CEILING_MIB * IC_ADV_RSS_ASAN_FACTOR))
fi
G=$TMP/adv
mkdir -p "$G"
"$IC_PYTHON" "$IC_SRC/tests/scripts/adversarial_inputs.py" "$G" btf-headers btf-nested btf-nested-bad \
  banners ksym-anchors selfref-pt btf-chain btf-cycle map
ok "generated inputs; ceiling ${RSS_CEILING_MIB} MiB"

# measure LABEL cmd...: peak RSS (KiB) of cmd, asserted under the ceiling; any exit code but
# a signal is fine here (test_adversarial_perf.sh checks the codes).
measure() {
  local label=$1 rc=0 kib
  shift
  "$TIME" -f '%M' -o "$TMP/rss" timeout -k 5 120 "$@" >/dev/null 2>"$TMP/err" || rc=$?
  if (( rc >= 124 )); then fail "$label: exit $rc: $(tail -c 300 "$TMP/err")"; return; fi
  kib=$(tail -1 "$TMP/rss")
  [[ $kib =~ ^[0-9]+$ ]] || { fail "$label: no RSS figure: $(cat "$TMP/rss")"; return; }
  if (( kib > RSS_CEILING_MIB * 1024 )); then
    fail "$label: peak RSS $((kib / 1024)) MiB over the ${RSS_CEILING_MIB} MiB ceiling"
  else
    ok "$label: peak RSS $((kib / 1024)) MiB"
  fi
  echo "rss: $label $((kib / 1024)) MiB" >>"$TMP/rsslog"
}

for f in btf-headers btf-nested btf-nested-bad banners ksym-anchors selfref-pt; do
  measure "scan $f" "$IC_BIN" scan "$G/$f"
  measure "pipeline $f" "$IC_BIN" "$G/$f" -o "$G/out.json"
  rm -f "$G/out.json"
done
for f in btf-chain btf-cycle; do
  measure "--btf $f" "$IC_BIN" --btf "$G/$f" --map "$G/map" \
    --banner "Linux version 6.1.0-adv (x@y) (gcc) #1 SMP" --force -o "$G/out.json"
  rm -f "$G/out.json"
done
cat "$TMP/rsslog"
finish
