#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# House-style checks a tool can make (docs/style.md section 9, rule 25; docs/security.md):
#   - banned calls in the library and public headers: sprintf/vsprintf, strcpy, strcat,
#     atoi/atol/atoll, strtok, gets (unbounded or error-blind; use snprintf, memcpy with a
#     length, strtoull with an end check)
#   - every .c/.h: line 1 an SPDX identifier, line 2 (or the first comment after it) a
#     one-line purpose comment
#   - u64 values printed with PRIx64/PRIu64, not %llx/%lx/%llu/%lu/%ld/%lld (the library's
#     format strings; long is 32 bits on some ABIs)
#   - no typedef'd structs (rule 1); exactly one `const struct ic_carver` per carvers/*.c (rule 15)
#   - the library: no mutable globals (objdump -t: no data objects in .data/.bss/.tdata/
#     .tbss/COMMON, only code and const data), exported names all ic_* (rule 1), never prints (no stdio writes to
#     stdout/stderr: printf/puts/perror/putchar or a reference to stdout/stderr, rule 8)
#
#   scripts/check-source.sh [LIBRARY.a]   (default build/libisfcarve_static.a; without a
#   library the nm checks are skipped; IC_CHECK_ROOT=DIR checks another tree, for the test). Prints each finding as FILE:LINE: what; exit 1 if any.
set -uo pipefail
SRC=${IC_CHECK_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
LIB=${1:-$SRC/build/libisfcarve_static.a}
cd "$SRC" || exit 2
bad=0
report() { echo "$*"; bad=$((bad + 1)); }

# Tracked files when in a git checkout (so scratch files do not count), else a find.
list() {
  if [[ -e $SRC/.git ]]; then
    git ls-files -- "$@"
  else
    local d
    for d in "$@"; do [[ -d $d ]] && find "$d" -type f \( -name '*.c' -o -name '*.h' \); done
  fi
}
mapfile -t LIBSRC < <(list src carvers symdb include | grep -E '\.(c|h)$' | grep -v '^src/cli/')
mapfile -t CLISRC < <(list src/cli | grep -E '\.(c|h)$')
mapfile -t ALLSRC < <(list src carvers symdb include fuzz tests bench tools | grep -E '\.(c|h)$')

# 1-4 in one awk pass over the files (a process per file is slow on a loaded machine).
# Banned calls and long conversions are looked for in code only: "..." literals and comments
# are blanked first (for the conversions, the literals are what is checked).
if (( ${#ALLSRC[@]} )); then
  awk -v libfiles="$(printf '%s\n' "${LIBSRC[@]}" "${CLISRC[@]}")" -v fmtfiles="$(printf '%s\n' "${LIBSRC[@]}")" '
    BEGIN {
      n = split(libfiles, a, "\n"); for (i = 1; i <= n; i++) code[a[i]] = 1
      n = split(fmtfiles, a, "\n"); for (i = 1; i <= n; i++) fmt[a[i]] = 1
    }
    FNR == 1 && $0 !~ /^(\/\*|\/\/) SPDX-License-Identifier: [A-Za-z0-9.+-]+/ {
      print FILENAME ":1: no SPDX-License-Identifier line" }
    FNR == 2 && $0 !~ /^(\/\*|\/\/) +[^ \t]/ {
      print FILENAME ":2: no one-line purpose comment after the SPDX line" }
    FILENAME in fmt && /"[^"]*%[-#0 +]*[0-9]*(\.[0-9]+)?l?l[xXud][^"]*"/ {
      print FILENAME ":" FNR ": long printf conversion (use PRIx64/PRIu64/%zu)" }
    FILENAME in code {
      l = $0
      gsub(/"([^"\\]|\\.)*"/, "\"\"", l); gsub(/\/\*.*\*\//, "", l); sub(/\/\/.*/, "", l)
      if (l ~ /(^|[^A-Za-z0-9_])(v?sprintf|strcpy|strcat|atoi|atol|atoll|strtok|gets)[ \t]*\(/) {
        t = $0; sub(/^[ \t]+/, "", t); print FILENAME ":" FNR ": banned call: " t }
      if (l ~ /^[ \t]*typedef[ \t]+(struct|union)/)
        print FILENAME ":" FNR ": typedef'"'"'d struct (use struct ic_x)"
    }' "${ALLSRC[@]}" >"${TMPDIR:-/tmp}/cs.$$"
  while IFS= read -r l; do report "$l"; done <"${TMPDIR:-/tmp}/cs.$$"
  rm -f "${TMPDIR:-/tmp}/cs.$$"
fi
for f in carvers/*.c; do
  [[ $f == carvers/registry.c ]] && continue
  n=$(grep -cE '^const struct ic_carver ic_carver_[a-z0-9_]+ = \{' "$f")
  (( n <= 1 )) || report "$f: $n carver definitions (one carver per file: const struct ic_carver ic_carver_<name>)"
done

# 5. The built library: mutable globals, export names, printing.
if [[ -f $LIB ]] && command -v nm >/dev/null; then
  # Data objects by section (objdump -t): .data/.bss/.tdata/.tbss/COMMON are writable at
  # run time; const tables live in .rodata or, when they hold pointers, .data.rel.ro (nm
  # calls those "d" too, so nm's letter cannot tell). Sanitizer/coverage objects are not ours.
  objdump -t "$LIB" 2>/dev/null | awk '
    /^In archive/ { next }
    /:[[:space:]]+file format/ { obj = $1; next }
    / O / {
      sec = ""
      for (i = 2; i <= NF; i++) if ($i ~ /^(\.|\*COM\*)/) { sec = $i; break }
      if (sec ~ /^(\.data|\.bss|\.tdata|\.tbss|\*COM\*)/ && sec !~ /^\.data\.rel\.ro/ &&
          $NF !~ /^(__odr_asan|__asan|__ubsan|__sancov|__llvm|__profc|__profd|__profvp|__covrec)/)
        print obj, sec, $NF
    }' |
    while read -r where sec name; do
      echo "${where%:}: mutable global $name (section $sec): library state belongs in a struct"
    done >"${TMPDIR:-/tmp}/cs.$$"
  while IFS= read -r l; do report "$l"; done <"${TMPDIR:-/tmp}/cs.$$"
  nm -A --defined-only --extern-only "$LIB" 2>/dev/null |
    awk '$2 ~ /^[TDRBCV]$/ && $3 !~ /^(ic_|__odr_asan|__asan|__ubsan|__sancov)/ {print}' |
    while read -r where type name; do echo "${where%:*}: exported symbol $name does not start with ic_"; done \
      >"${TMPDIR:-/tmp}/cs.$$"
  while IFS= read -r l; do report "$l"; done <"${TMPDIR:-/tmp}/cs.$$"
  nm -A --undefined-only "$LIB" 2>/dev/null |
    awk '$NF ~ /^(printf|puts|perror|putchar|vprintf|__printf_chk|__vprintf_chk|stdout|stderr)$/ {print}' |
    while read -r where _ name; do echo "${where%:}: the library prints ($name): use pr_warn/pr_info/pr_debug"; done \
      >"${TMPDIR:-/tmp}/cs.$$"
  while IFS= read -r l; do report "$l"; done <"${TMPDIR:-/tmp}/cs.$$"
  rm -f "${TMPDIR:-/tmp}/cs.$$"
else
  echo "check-source: no library at $LIB: nm checks skipped" >&2
fi

if (( bad )); then
  echo "check-source: $bad problem(s)" >&2
  exit 1
fi
echo "check-source: ok (${#ALLSRC[@]} files)"
