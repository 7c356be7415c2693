/* SPDX-License-Identifier: MIT */
/* Tiny assert header for unit tests: IC_CHECK prints file:line and counts failures. */
#ifndef IC_TEST_H
#define IC_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ic_test_failures;
static int ic_test_checks;

#define IC_CHECK(cond, ...)                                                    \
	do {                                                                   \
		ic_test_checks++;                                              \
		if (!(cond)) {                                                 \
			ic_test_failures++;                                    \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, \
				__LINE__, #cond);                              \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
		}                                                              \
	} while (0)

/* Return value for main(). */
#define IC_TEST_DONE()                                                          \
	(fprintf(stderr, "%d checks, %d failed\n", ic_test_checks, ic_test_failures), \
	 ic_test_failures ? 1 : 0)

/* The whole file (also a pipe), NUL-terminated (not counted in *len); NULL when unreadable or
 * out of memory. Caller frees. */
static inline void *ic_test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = NULL, *np;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			np = realloc(p, cap + 1);
			if (!np) {
				free(p);
				fclose(f);
				return NULL;
			}
			p = np;
		}
		r = fread(p + n, 1, cap - n, f);
		n += r;
	} while (r);
	fclose(f);
	p[n] = 0;
	*len = n;
	return p;
}

/* Path of a decompressed shared fixture file (tests/lib/fixture.sh does the work),
 * or NULL (then the test should return 77 unless CI is set). */
static inline const char *ic_test_fixture(const char *fx, const char *file, char *buf, size_t n)
{
	char cmd[4096];
	FILE *p;
	size_t len;
	const char *src = getenv("IC_SRC");

	if (!src)
		return NULL;
	snprintf(cmd, sizeof(cmd), "bash '%s/tests/lib/fixture.sh' '%s' '%s'", src, fx, file);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	if (!fgets(buf, (int)n, p)) {
		pclose(p);
		return NULL;
	}
	if (pclose(p) != 0)
		return NULL;
	len = strlen(buf);
	while (len && (buf[len - 1] == '\n'))
		buf[--len] = '\0';
	return len ? buf : NULL;
}

/* 77 (skip) outside CI when ../shared is missing; 1 (fail) in CI. */
static inline int ic_test_no_fixture(void)
{
	const char *ci = getenv("CI");

	fprintf(stderr, "fixture not available\n");
	return ci && *ci ? 1 : 77;
}

#endif
