/* SPDX-License-Identifier: MIT */
/* BTF meaning checks (src/0-base/btf/btf_trust.c): the string section's structure on tiny built blobs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ic_test.h"
#include "btf_builder.h"
#include "0-base/btf/btf_trust.h"

/* The evidence text for blob b, "" when the string checks see nothing (the member checks
 * always speak on these tiny blobs: they have no task_struct). */
static int check(struct bb *b, char *why, size_t n)
{
	const struct ic_ctx ctx = { 0 };
	struct ic_btf *btf = NULL;
	size_t len;
	uint8_t *blob = bb_build(b, &len);
	int err = ic_btf__new(&ctx, blob, len, "test", &btf);

	IC_CHECK(!err, "blob does not validate: %d", err);
	why[0] = '\0';
	if (!err)
		err = ic_btf__check_trust(btf, why, n);
	ic_btf__free(btf);
	free(blob);
	return err;
}

/* int; struct foo { int a; int bcd; } with the names given as string offsets. */
static void foo(struct bb *b, uint32_t a, uint32_t bcd)
{
	bb_rec(b, "int", bb_info(1, 0, 0), 4);
	bb_word(b, 32);
	bb_rec(b, "foo", bb_info(4, 2, 0), 8);
	bb_word(b, a);
	bb_word(b, 1);
	bb_word(b, 0);
	bb_word(b, bcd);
	bb_word(b, 1);
	bb_word(b, 32);
}

int main(void)
{
	struct bb *b = malloc(sizeof(*b));
	char why[600];
	uint32_t a, bcd;
	int err;

	/* each string once, names at string starts: only the member check speaks */
	bb_init(b);
	a = bb_str(b, "a");
	bcd = bb_str(b, "bcd");
	foo(b, a, bcd);
	err = check(b, why, sizeof(why));
	IC_CHECK(err == -IC_EFORMAT && strstr(why, "no struct list_head") && !strstr(why, "twice") &&
		 !strstr(why, "middle") && !strstr(why, "NULs"), "clean: %d %s", err, why);

	/* "a" stored twice, a member names one of them: a rename into an existing name */
	bb_init(b);
	a = bb_str(b, "a");
	bcd = bb_str(b, "bcd");
	bb_str(b, "a");
	foo(b, a, bcd);
	check(b, why, sizeof(why));
	IC_CHECK(strstr(why, "the string \"a\" is stored twice") != NULL, "dup: %s", why);

	/* a duplicate nothing in the profile names (an unreferenced string) is not evidence */
	bb_init(b);
	a = bb_str(b, "a");
	bcd = bb_str(b, "bcd");
	bb_str(b, "zz");
	bb_str(b, "zz");
	foo(b, a, bcd);
	check(b, why, sizeof(why));
	IC_CHECK(!strstr(why, "twice"), "unused dup counted: %s", why);

	/* the NUL between "a" and "bcd" lost ("axbcd"): bcd's reference is now mid-string, and
	 * member a is renamed "axbcd" */
	bb_init(b);
	a = bb_str(b, "axbcd");
	foo(b, a, a + 2);
	check(b, why, sizeof(why));
	IC_CHECK(strstr(why, "points into the middle of the string at 1 (\"axbcd\", then \"bcd\")") != NULL,
		 "mid: %s", why);

	/* NULs written over the end of "bcdef": "bcd", then "" at offset > 0 */
	bb_init(b);
	a = bb_str(b, "a");
	bcd = b->ns;
	memcpy(b->s + b->ns, "bcd\0\0f", 7);
	b->ns += 7;
	foo(b, a, bcd);
	check(b, why, sizeof(why));
	IC_CHECK(strstr(why, "NULs inside a name at 3 (\"bcd\"") != NULL, "nuls: %s", why);

	free(b);
	return IC_TEST_DONE();
}
