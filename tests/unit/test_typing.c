// SPDX-License-Identifier: MIT
/* Symbol typing rules (src/6-typing/typing.c) on a crafted BTF: every symdb notation and the precedence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_builder.h"
#include "ic_test.h"
#include "6-typing/isf_int.h"
#include "isfcarve/btf.h"
#include "isfcarve/error.h"
#include "isfcarve/symdb.h"

static struct ic_btf *crafted(void)
{
	static struct bb b;
	struct ic_btf *btf = NULL;
	unsigned v;
	uint8_t *p;
	size_t len;

	bb_init(&b);
	bb_rec(&b, "int", bb_info(IC_BTF_INT, 0, 0), 4);                  /* 1 */
	bb_word(&b, 1u << 24 | 32);
	bb_rec(&b, "long unsigned int", bb_info(IC_BTF_INT, 0, 0), 8);    /* 2 */
	bb_word(&b, 64);
	bb_rec(&b, "", bb_info(IC_BTF_UNION, 2, 0), 8);                   /* 3: tracepoint map */
	bb_member(&b, "event", 1, 0);
	bb_member(&b, "handler", 2, 0);
	bb_rec(&b, "", bb_info(IC_BTF_UNION, 2, 0), 8);                   /* 4: same layout as 3 */
	bb_member(&b, "event", 1, 0);
	bb_member(&b, "handler", 2, 0);
	bb_rec(&b, "", bb_info(IC_BTF_STRUCT, 2, 0), 8);                  /* 5: {x,y} */
	bb_member(&b, "x", 1, 0);
	bb_member(&b, "y", 1, 32);
	bb_rec(&b, "", bb_info(IC_BTF_STRUCT, 2, 0), 16);                 /* 6: {x,y}, other layout */
	bb_member(&b, "x", 1, 0);
	bb_member(&b, "y", 2, 64);
	bb_rec(&b, "", bb_info(IC_BTF_STRUCT, 2, 0), 8);                  /* 7: {p,q} */
	bb_member(&b, "p", 1, 0);
	bb_member(&b, "q", 1, 32);
	bb_rec(&b, "", bb_info(IC_BTF_STRUCT, 2, 0), 12);                 /* 8: {{p,q},buf} */
	bb_member(&b, "", 7, 0);
	bb_member(&b, "buf", 1, 64);
	bb_rec(&b, "demo", bb_info(IC_BTF_STRUCT, 1, 0), 4);              /* 9 */
	bb_member(&b, "v", 1, 0);
	bb_rec(&b, "demo_t", bb_info(IC_BTF_TYPEDEF, 0, 0), 9);           /* 10 */
	bb_rec(&b, "u32", bb_info(IC_BTF_TYPEDEF, 0, 0), 1);              /* 11 */
	v = bb_rec(&b, "gvar", bb_info(IC_BTF_VAR, 0, 0), 9);             /* 12 */
	bb_word(&b, 1);
	bb_rec(&b, ".data", bb_info(IC_BTF_DATASEC, 1, 0), 4);            /* 13 */
	bb_word(&b, v), bb_word(&b, 0), bb_word(&b, 4);
	/* 14: a BTF VAR named like a symdb symbol: the VAR must win over the row */
	v = bb_rec(&b, "sys_call_table", bb_info(IC_BTF_VAR, 0, 0), 1);
	bb_word(&b, 1);
	bb_rec(&b, ".data2", bb_info(IC_BTF_DATASEC, 1, 0), 12);          /* 15 */
	bb_word(&b, v), bb_word(&b, 8), bb_word(&b, 4);
	p = bb_build(&b, &len);
	if (ic_btf__new(NULL, p, len, "crafted", &btf))
		btf = NULL;
	free(p);
	IC_CHECK(btf != NULL, "crafted BTF");
	return btf;
}

static const char *expr(struct ic_isf_state *s, struct ic_buf *b, const char *e, int *err)
{
	b->len = 0;
	*err = ic_isf_desc_expr(s, e, b);
	ic_buf_add(b, "", 1);
	return b->p;
}

#define PTR(x) "{\"kind\":\"pointer\",\"subtype\":" x "}"
#define ARR(n, x) "{\"count\":" #n ",\"kind\":\"array\",\"subtype\":" x "}"
#define BASE(n) "{\"kind\":\"base\",\"name\":\"" n "\"}"

static void test_exprs(struct ic_isf_state *s)
{
	static const char *const ok[][2] = {
		{ "func *[]", ARR(0, PTR("{\"kind\":\"function\"}")) },
		{ "int (*)[4]", PTR(ARR(4, BASE("int"))) },
		{ "int *(*)[4]", PTR(ARR(4, PTR(BASE("int")))) },
		{ "long unsigned int[2][3]", ARR(2, ARR(3, BASE("long unsigned int"))) },
		{ "int **", PTR(PTR(BASE("int"))) },
		{ "demo_t *", PTR("{\"kind\":\"struct\",\"name\":\"demo_t\"}") },
		{ "struct demo[]", ARR(0, "{\"kind\":\"struct\",\"name\":\"demo\"}") },
		{ "u32", BASE("int") },
		{ "void *", PTR(BASE("void")) },
		{ "char", BASE("char") }, /* not in this BTF, always in base_types */
	};
	static const char *const missing[] = { "struct nope", "nope_t", "enum nope", "struct {x,y}",
					       "struct {a,b}", "union {x,y}", "__int128" };
	struct ic_buf b = { 0 };
	char want[128];
	const char *got;
	int err;

	for (size_t i = 0; i < IC_ARRAY_SIZE(ok); i++) {
		got = expr(s, &b, ok[i][0], &err);
		IC_CHECK(!err && !strcmp(got, ok[i][1]), "'%s': %d %s", ok[i][0], err, got);
	}
	/* anonymous: same layout -> lowest id; nested anonymous members flattened; unique match */
	snprintf(want, sizeof(want), "{\"kind\":\"union\",\"name\":\"%s\"}", s->uname[3]);
	got = expr(s, &b, "union {event,handler}", &err);
	IC_CHECK(!err && !strcmp(got, want), "same-layout union: %d %s want %s", err, got, want);
	snprintf(want, sizeof(want), "{\"kind\":\"struct\",\"name\":\"%s\"}", s->uname[8]);
	got = expr(s, &b, "struct {p,q,buf}", &err);
	IC_CHECK(!err && !strcmp(got, want), "flattened: %d %s want %s", err, got, want);
	snprintf(want, sizeof(want), PTR("{\"kind\":\"struct\",\"name\":\"%s\"}"), s->uname[7]);
	got = expr(s, &b, "struct {p,q} *", &err);
	IC_CHECK(!err && !strcmp(got, want), "unique: %d %s want %s", err, got, want);
	for (size_t i = 0; i < IC_ARRAY_SIZE(missing); i++) {
		got = expr(s, &b, missing[i], &err);
		IC_CHECK(err == -IC_ENOTFOUND, "missing '%s': %d %s", missing[i], err, got);
	}
	got = expr(s, &b, "unsigned long", &err);
	IC_CHECK(err == -IC_EFORMAT, "non-GCC spelling: %d", err);
	got = expr(s, &b, "func", &err);
	IC_CHECK(err == -IC_EFORMAT, "bare func: %d", err);
	free(b.p);
}

static void test_symbols(struct ic_isf_state *s)
{
	static const char banner[] = "Linux version 6.1.0-1-amd64 (x@y) (gcc 12) #1 SMP Debian 6.1.100-1";
	struct ic_isf_stats st;
	struct ic_typing *t;
	struct ic_buf b = { 0 };

	memset(&st, 0, sizeof(st));
	IC_CHECK(ic_symdb__lookup(IC_KVER(6, 1, 100), "sys_call_table") != NULL, "symdb row");
	IC_CHECK(ic_typing__new(s, (const uint8_t *)banner, sizeof(banner) - 1, &t) == 0, "new");
	/* BTF VAR wins over the symdb row */
	IC_CHECK(!ic_typing__symbol(t, "sys_call_table", &b, &st) && st.typed_btf == 1 &&
		 b.len == strlen(BASE("int")) && !memcmp(b.p, BASE("int"), b.len), "VAR wins");
	b.len = 0;
	IC_CHECK(!ic_typing__symbol(t, "gvar", &b, &st) && st.typed_btf == 2, "VAR");
	/* a symdb row whose type is absent from this BTF: skipped, counted, void */
	b.len = 0;
	IC_CHECK(ic_symdb__lookup(IC_KVER(6, 1, 100), "init_task") != NULL, "init_task row");
	IC_CHECK(!ic_typing__symbol(t, "init_task", &b, &st) && st.symdb_skipped == 1 &&
		 st.typed_void == 1 && b.len == strlen(BASE("void")), "skipped row");
	/* no row at all: void */
	b.len = 0;
	IC_CHECK(!ic_typing__symbol(t, "no_such_symbol_xyz", &b, &st) && st.typed_void == 2,
		 "void fallback");
	ic_typing__free(t);
	/* symdb row resolved: func *[] through the row when no VAR exists (state without VARs) */
	free(b.p);
}

/* Type one symbol with a BTF of one INT (int_name, size bytes), plus an empty struct user_pt_regs
 * (what marks an arm64 kernel) when arm64: 0, the descriptor text in out and the stats in st. */
static int type_one(const char *int_name, uint32_t size, bool arm64, const char *banner,
		    const char *sym, struct ic_buf *out, struct ic_isf_stats *st)
{
	static struct bb b;
	struct ic_btf *btf = NULL;
	struct ic_isf_state s;
	struct ic_typing *t = NULL;
	uint8_t *p;
	size_t len;
	int err;

	bb_init(&b);
	bb_rec(&b, int_name, bb_info(IC_BTF_INT, 0, 0), size);
	bb_word(&b, size * 8);
	if (arm64)
		bb_rec(&b, "user_pt_regs", bb_info(IC_BTF_STRUCT, 0, 0), 0);
	p = bb_build(&b, &len);
	err = ic_btf__new(NULL, p, len, "small", &btf);
	free(p);
	if (err)
		return err;
	memset(st, 0, sizeof(*st));
	out->len = 0;
	if (!(err = ic_isf_state_init(&s, NULL, btf))) {
		if (!(err = ic_typing__new(&s, (const uint8_t *)banner, strlen(banner), &t)))
			err = ic_typing__symbol(t, sym, out, st);
		ic_typing__free(t);
		ic_isf_state_free(&s);
	}
	ic_btf__free(btf);
	return err;
}

/* A BTF without the VAR: sys_call_table comes from its symdb row. Its count (NR_syscalls) is
 * the sampled kernels' own on their major.minor (6.1: 451) and open between samples (6.5). */
static void test_symdb_row(void)
{
	static const struct {
		const char *banner, *want;
	} cases[] = {
		{ "Linux version 6.1.0-1-amd64 (x@y) (gcc 12) #1 SMP Debian 6.1.100-1",
		  ARR(451, PTR("{\"kind\":\"function\"}")) },
		{ "Linux version 6.5.0-1-amd64 (x@y) (gcc 12) #1 SMP Debian 6.5.3-1",
		  ARR(0, PTR("{\"kind\":\"function\"}")) },
	};
	struct ic_isf_stats st;
	struct ic_buf out = { 0 };

	for (size_t i = 0; i < IC_ARRAY_SIZE(cases); i++)
		IC_CHECK(!type_one("int", 4, false, cases[i].banner, "sys_call_table", &out, &st) &&
			 st.typed_symdb == 1 && out.len == strlen(cases[i].want) &&
			 !memcmp(out.p, cases[i].want, out.len),
			 "symdb sys_call_table on %.30s: %.*s", cases[i].banner + 14, (int)out.len,
			 out.p ? out.p : "");
	free(out.p);
}

/* An arm64 BTF (struct user_pt_regs, arm64's uapi register set) takes arm64's table: its own
 * globals are typed, and they are not in x86-64's table. */
static void test_symdb_arm64(void)
{
	static const char banner[] = "Linux version 7.2.12+deb14-arm64 (x@y) (gcc 15) #1 SMP Debian 7.2.12-1";
	static const char want[] = BASE("long long unsigned int");
	struct ic_isf_stats st;
	struct ic_buf out = { 0 };

	IC_CHECK(!type_one("long long unsigned int", 8, true, banner, "kimage_voffset", &out, &st) &&
		 st.typed_symdb == 1 && out.len == strlen(want) && !memcmp(out.p, want, out.len),
		 "arm64 BTF: kimage_voffset %.*s", (int)out.len, out.p ? out.p : "");
	IC_CHECK(!type_one("long long unsigned int", 8, false, banner, "kimage_voffset", &out, &st) &&
		 st.typed_symdb == 0 && st.typed_void == 1,
		 "x86-64 BTF: kimage_voffset void (typed_symdb %zu)", st.typed_symdb);
	free(out.p);
}

int main(void)
{
	struct ic_btf *btf = crafted();
	struct ic_isf_state s;

	if (btf) {
		IC_CHECK(ic_isf_state_init(&s, NULL, btf) == 0, "state");
		test_exprs(&s);
		test_symbols(&s);
		ic_isf_state_free(&s);
		ic_btf__free(btf);
	}
	test_symdb_row();
	test_symdb_arm64();
	return IC_TEST_DONE();
}
