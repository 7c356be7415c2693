/* SPDX-License-Identifier: MIT */
/* Unit tests for the name -> u32 map (src/0-base/strmap.c) every name table builds on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ic_test.h"
#include "0-base/internal.h"

#define N 100000u

int main(void)
{
	static char names[N][16];
	struct ic_strmap m;
	uint32_t v = 0;
	size_t added = 0;

	/* Start small: the map must grow past its first guess many times and stay right. */
	IC_CHECK(ic_strmap_init(&m, 1) == 0, "init");
	for (uint32_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "sym_%u", i);
		added += ic_strmap_add(&m, names[i], i) == 1;
	}
	IC_CHECK(added == N && m.n == N, "%zu added, n %zu", added, m.n);
	IC_CHECK(m.cap >= 2 * (size_t)N, "at most half full: cap %zu", m.cap);
	for (uint32_t i = 0; i < N; i += 7)
		IC_CHECK(ic_strmap_get(&m, names[i], &v) && v == i, "%s -> %u", names[i], v);
	/* A name twice: the first value stays (first wins), set replaces it. */
	IC_CHECK(ic_strmap_add(&m, "sym_42", 7) == 0 && ic_strmap_get(&m, "sym_42", &v) && v == 42,
		 "first wins: %u", v);
	ic_strmap_set(&m, "sym_42", 4242);
	IC_CHECK(ic_strmap_get(&m, "sym_42", &v) && v == 4242, "set: %u", v);
	ic_strmap_set(&m, "not_there", 1); /* nothing added */
	IC_CHECK(!ic_strmap_get(&m, "not_there", NULL) && m.n == N, "set of an absent key adds none");
	/* Keys compared whole: a prefix or an extension is another name. */
	IC_CHECK(!ic_strmap_get(&m, "sym_", NULL) && !ic_strmap_get(&m, "sym_10x", NULL) &&
		 !ic_strmap_get(&m, "", NULL), "prefix/extension/empty not found");
	IC_CHECK(ic_strmap_get(&m, "sym_10", NULL), "sym_10 found");
	ic_strmap_free(&m);
	IC_CHECK(!ic_strmap_get(&m, "sym_10", NULL) && m.cap == 0, "empty after free");
	/* A freed (or failed) map is usable again: add grows it from nothing. */
	IC_CHECK(ic_strmap_add(&m, "a", 1) == 1 && ic_strmap_get(&m, "a", &v) && v == 1, "reuse");
	ic_strmap_free(&m);
	/* An impossible size is refused, not wrapped. */
	IC_CHECK(ic_strmap_init(&m, SIZE_MAX / 2) == -ENOMEM && !m.keys && !m.cap, "huge expect");
	return IC_TEST_DONE();
}
