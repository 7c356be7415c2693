#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/check-source.sh (style rule 25): the tree and the built library pass it, and it does
# catch each kind of problem in a planted tree and a planted library.
. "$IC_SRC/tests/lib/common.sh"
lib="$IC_BUILD/libisfcarve_static.a"
[[ -f $lib ]] || { fail "no $lib"; finish; }
if bash "$IC_SRC/scripts/check-source.sh" "$lib" >"$TMP/out" 2>&1; then
  ok "tree and library: $(tail -1 "$TMP/out")"
else
  fail "check-source on the tree: $(head -20 "$TMP/out")"
fi

# A planted tree: one file per problem.
B=$TMP/bad
mkdir -p "$B/src" "$B/carvers" "$B/include"
printf '/* SPDX-License-Identifier: MIT */\n/* Planted: banned calls. */\n#include <string.h>\nvoid f(char *d, const char *s) { strcpy(d, s); strcat(d, s); }\nint g(const char *s) { return atoi(s); }\n' >"$B/src/banned.c"
printf '/* Planted: no SPDX line. */\nint h(void);\n' >"$B/src/nospdx.h"
printf '/* SPDX-License-Identifier: MIT */\n#include <stdio.h>\n' >"$B/src/nopurpose.c"
printf '/* SPDX-License-Identifier: MIT */\n/* Planted: long conversions. */\nvoid p(unsigned long long v) { pr_warn(0, "at 0x%%llx", v); }\n' >"$B/src/fmt.c"
printf '/* SPDX-License-Identifier: MIT */\n/* Planted: typedef. */\ntypedef struct ic_x { int a; } ic_x_t;\n' >"$B/include/td.h"
printf '/* SPDX-License-Identifier: MIT */\n/* Planted: two carvers. */\nconst struct ic_carver ic_carver_a = {\n};\nconst struct ic_carver ic_carver_b = {\n};\n' >"$B/carvers/two.c"
# Not findings: banned names in comments and strings, snprintf, PRIx64.
printf '/* SPDX-License-Identifier: MIT */\n/* Planted: clean (strcpy in a comment). */\n#include <inttypes.h>\nvoid q(char *b) { snprintf(b, 8, "strcpy(%%" PRIx64 ")", (uint64_t)1); } /* atoi() */\n' >"$B/src/clean.c"
printf '#include <stdio.h>\nint counter;\nstatic int hidden = 3;\nconst int ic_table[2] = {1, 2};\nint ic_bump(void) { puts("x"); return ++counter + hidden++; }\nint bump2(void) { return 1; }\n' >"$TMP/planted.c"
cc -c -O1 -fPIC "$TMP/planted.c" -o "$TMP/planted.o" && ar rcs "$TMP/planted.a" "$TMP/planted.o"
rc=0
IC_CHECK_ROOT=$B bash "$IC_SRC/scripts/check-source.sh" "$TMP/planted.a" >"$TMP/bad.out" 2>&1 || rc=$?
(( rc == 1 )) && ok "planted tree: exit 1" || fail "planted tree: exit $rc"
expect() { # expect PATTERN LABEL
  grep -qE "$1" "$TMP/bad.out" && ok "caught: $2" || fail "not caught: $2"
}
expect 'src/banned.c:4: banned call: .*strcpy' "strcpy"
expect 'src/banned.c:5: banned call: .*atoi' "atoi"
expect 'src/nospdx.h:1: no SPDX' "missing SPDX"
expect 'src/nopurpose.c:2: no one-line purpose' "missing purpose comment"
expect 'src/fmt.c:3: long printf conversion' "%llx"
expect 'include/td.h:3: typedef' "typedef'd struct"
expect 'carvers/two.c: 2 carver definitions' "two carvers in a file"
expect 'mutable global counter \(section \.bss\)' "mutable .bss global"
expect 'mutable global hidden \(section \.data\)' "mutable static .data"
expect 'exported symbol bump2 does not start with ic_' "export without ic_"
expect 'the library prints \(puts\)' "printing library"
grep -qE 'clean\.c|ic_table|ic_bump does not' "$TMP/bad.out" && fail "false positive: $(grep -E 'clean\.c|ic_table|ic_bump does not' "$TMP/bad.out")" ||
  ok "no false positives (comments, strings, snprintf, PRIx64, const tables, ic_ exports)"
finish
