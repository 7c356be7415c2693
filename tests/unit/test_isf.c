// SPDX-License-Identifier: MIT
/* ISF writer: crafted BTF covering every mapping rule, expression resolver, determinism.
 * With arguments it is also the driver the golden test uses until the CLI lands:
 *   test_isf --btf FILE --map System.map --banner-file truth/version -o OUT [--stats] */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "btf_builder.h"
#include "ic_test.h"
#include "7-isf/isf_write.h"
#include "isf_driver.h"
#include "isfcarve/btf.h"
#include "isfcarve/isf.h"
#include "isfcarve/symdb.h"

static void print_cb(enum ic_log_level l, const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s: %s\n", l == IC_LOG_WARN ? "warn" : "info", msg);
}

static int driver(int argc, char **argv)
{
	const char *btf_path = NULL, *map_path = NULL, *banner_path = NULL, *out = NULL;
	struct ic_ctx ctx = { .print = print_cb, .level = IC_LOG_INFO };
	struct ic_isf_input in;
	struct ic_isf_stats st;
	struct ic_symtab syms;
	struct ic_btf *btf = NULL;
	uint8_t *bd, *md = NULL, *bn = NULL;
	size_t bl, ml = 0, nl = 0;
	struct timespec t0, t1;
	int err;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--btf"))
			btf_path = argv[i + 1];
		else if (!strcmp(argv[i], "--map"))
			map_path = argv[i + 1];
		else if (!strcmp(argv[i], "--banner-file"))
			banner_path = argv[i + 1];
		else if (!strcmp(argv[i], "-o"))
			out = argv[i + 1];
	}
	if (!btf_path || !out) {
		fprintf(stderr, "usage: test_isf --btf F [--map F] [--banner-file F] -o OUT\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bd = ic_test_slurp(btf_path, &bl);
	if (!bd || ic_btf__new(&ctx, bd, bl, btf_path, &btf))
		return 1;
	memset(&syms, 0, sizeof(syms));
	if (map_path) {
		md = ic_test_slurp(map_path, &ml);
		if (!md)
			return 1;
		drv_parse_map((char *)md, &syms);
	}
	if (banner_path) {
		bn = ic_test_slurp(banner_path, &nl);
		if (!bn)
			return 1;
		nl++; /* the array in the kernel ends with "\n\0" */
	}
	memset(&in, 0, sizeof(in));
	in.btf = btf;
	in.syms = &syms;
	in.banner = bn;
	in.banner_len = nl;
	in.types_src.name = "vmlinux (BTF)";
	ic_sha256(bd, bl, in.types_src.sha256);
	in.types_src.has_hash = true;
	if (map_path) {
		in.syms_src[0].kind = "system-map";
		in.syms_src[0].name = "System.map";
	}
	err = ic_isf__write(&ctx, &in, out, &st);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr,
		"isf: err %d, %zu base, %zu user, %zu enums, %zu symbols (btf %zu symdb %zu rule %zu "
		"void %zu, symdb skipped %zu), %llu bytes, %.3f s\n",
		err, st.base_types, st.user_types, st.enums, st.symbols, st.typed_btf, st.typed_symdb,
		st.typed_rule, st.typed_void, st.symdb_skipped, (unsigned long long)st.bytes,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	ic_btf__free(btf);
	free(syms.syms);
	free(md);
	free(bn);
	free(bd);
	return err ? 1 : 0;
}

/* ---- crafted BTF covering the mapping rules ---- */

static struct ic_btf *crafted(void)
{
	static struct bb b;
	struct ic_btf *btf = NULL;
	unsigned dup1, dup2, anon_u, anon_cap, en, fp, arr, flex, cv, tdcap, fwd, tdfwd, lint, ds;
	uint8_t *p;
	size_t len;

	bb_init(&b);
	bb_rec(&b, "int", bb_info(IC_BTF_INT, 0, 0), 4);                      /* 1 */
	bb_word(&b, 1u << 24 | 32);
	bb_rec(&b, "unsigned int", bb_info(IC_BTF_INT, 0, 0), 4);             /* 2 */
	bb_word(&b, 32);
	bb_rec(&b, "char", bb_info(IC_BTF_INT, 0, 0), 1);                     /* 3 */
	bb_word(&b, 8);
	bb_rec(&b, "unsigned long", bb_info(IC_BTF_INT, 0, 0), 8);            /* 4: clang name */
	bb_word(&b, 64);
	bb_rec(&b, "double", bb_info(IC_BTF_FLOAT, 0, 0), 8);                 /* 5 */
	anon_u = bb_rec(&b, "", bb_info(IC_BTF_UNION, 2, 0), 8);              /* 6 */
	bb_member(&b, "a", 1, 0);
	bb_member(&b, "b", 4, 0);
	en = bb_rec(&b, "demo_state", bb_info(IC_BTF_ENUM, 2, 0), 4);         /* 7 */
	bb_word(&b, bb_str(&b, "DEMO_B")), bb_word(&b, 7);
	bb_word(&b, bb_str(&b, "DEMO_A")), bb_word(&b, 0x80000000u);
	fp = bb_rec(&b, "", bb_info(IC_BTF_FUNC_PROTO, 0, 0), 1);             /* 8 */
	fp = bb_rec(&b, "", bb_info(IC_BTF_PTR, 0, 0), fp);                   /* 9 */
	arr = bb_rec(&b, "", bb_info(IC_BTF_ARRAY, 0, 0), 0);                 /* 10 */
	bb_word(&b, 3), bb_word(&b, 1), bb_word(&b, 4);
	flex = bb_rec(&b, "", bb_info(IC_BTF_ARRAY, 0, 0), 0);                /* 11 */
	bb_word(&b, 2), bb_word(&b, 1), bb_word(&b, 0);
	cv = bb_rec(&b, "", bb_info(IC_BTF_VOLATILE, 0, 0), 1);               /* 12 */
	cv = bb_rec(&b, "", bb_info(IC_BTF_CONST, 0, 0), cv);                 /* 13 */
	anon_cap = bb_rec(&b, "", bb_info(IC_BTF_STRUCT, 1, 0), 8);           /* 14 */
	bb_member(&b, "val", 4, 0);
	tdcap = bb_rec(&b, "kernel_cap_t", bb_info(IC_BTF_TYPEDEF, 0, 0), anon_cap); /* 15 */
	fwd = bb_rec(&b, "fwd_only", bb_info(IC_BTF_FWD, 0, 0), 0);           /* 16 */
	tdfwd = bb_rec(&b, "fwd_t", bb_info(IC_BTF_TYPEDEF, 0, 0), fwd);      /* 17 */
	tdfwd = bb_rec(&b, "", bb_info(IC_BTF_PTR, 0, 0), tdfwd);             /* 18 */
	dup1 = bb_rec(&b, "dup", bb_info(IC_BTF_STRUCT, 1, 0), 4);            /* 19 */
	bb_member(&b, "one", 1, 0);
	dup2 = bb_rec(&b, "dup", bb_info(IC_BTF_STRUCT, 1, 0), 8);            /* 20 */
	bb_member(&b, "two", 4, 0);
	lint = bb_rec(&b, "lbits", bb_info(IC_BTF_INT, 0, 0), 4);             /* 21: legacy bitfield */
	bb_word(&b, 3u << 16 | 5);
	bb_rec(&b, "legacy", bb_info(IC_BTF_STRUCT, 1, 0), 4);                /* 22 */
	bb_member(&b, "x", lint, 8);
	bb_rec(&b, "demo", bb_info(IC_BTF_STRUCT, 11, 1), 48);                /* 23 */
	bb_member(&b, "flag_lo", 2, 3u << 24 | 0);
	bb_member(&b, "flag_hi", 2, 10u << 24 | 3);
	bb_member(&b, "state", en, 32);
	bb_member(&b, "", anon_u, 64);
	bb_member(&b, "fn", fp, 128);
	bb_member(&b, "cap", tdcap, 192);
	bb_member(&b, "comm", arr, 256);
	bb_member(&b, "cv", cv, 288);
	bb_member(&b, "f", tdfwd, 320);
	bb_member(&b, "d2", dup2, 320);
	bb_member(&b, "tail", flex, 384);
	bb_rec(&b, "user", bb_info(IC_BTF_STRUCT, 1, 0), 8);                  /* 24: refs dup2 again */
	bb_member(&b, "d", dup2, 0);
	(void)dup1;
	bb_rec(&b, "sgn", bb_info(IC_BTF_ENUM, 1, 1), 4);                     /* 25 */
	bb_word(&b, bb_str(&b, "NEG")), bb_word(&b, 0xffffffffu);
	bb_rec(&b, "big", bb_info(IC_BTF_ENUM64, 1, 0), 8);                   /* 26 */
	bb_word(&b, bb_str(&b, "ALL")), bb_word(&b, 0xffffffffu), bb_word(&b, 0xffffffffu);
	bb_rec(&b, "small", bb_info(IC_BTF_ENUM, 1, 0), 1);                   /* 27 */
	bb_word(&b, bb_str(&b, "S1")), bb_word(&b, 1);
	bb_rec(&b, "list_head", bb_info(IC_BTF_STRUCT, 0, 0), 16);            /* 28 */
	ds = bb_rec(&b, "runqueues", bb_info(IC_BTF_VAR, 0, 0), 23);          /* 29 */
	bb_word(&b, 1);
	bb_rec(&b, ".data..percpu", bb_info(IC_BTF_DATASEC, 1, 0), 64);       /* 30 */
	bb_word(&b, ds), bb_word(&b, 0), bb_word(&b, 48);
	bb_rec(&b, "u32", bb_info(IC_BTF_TYPEDEF, 0, 0), 2);                  /* 31 */
	bb_rec(&b, "", bb_info(IC_BTF_STRUCT, 2, 0), 16);                     /* 32: tk_core shape */
	bb_member(&b, "seq", 2, 0);
	bb_member(&b, "timekeeper", 4, 64);
	p = bb_build(&b, &len);
	if (ic_btf__new(NULL, p, len, "crafted", &btf))
		btf = NULL;
	free(p);
	return btf;
}

static int mem_sink(void *arg, const void *p, size_t n)
{
	return ic_buf_add(arg, p, n);
}

static json_t *get(json_t *o, const char *path)
{
	char key[256];
	const char *p = path;

	while (o && *p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		o = json_object_get(o, key);
		p += n + (e ? 1 : 0);
	}
	return o;
}

static const char *jstr(json_t *o, const char *path)
{
	json_t *v = get(o, path);
	return json_is_string(v) ? json_string_value(v) : "(none)";
}

static long long jint(json_t *o, const char *path)
{
	json_t *v = get(o, path);
	return json_is_integer(v) ? json_integer_value(v) : -999999;
}

static char *desc_of(json_t *o, const char *path)
{
	static char buf[1024];
	char *s = json_dumps(get(o, path), JSON_COMPACT | JSON_SORT_KEYS);

	snprintf(buf, sizeof(buf), "%s", s ? s : "(none)");
	free(s);
	return buf;
}

static void test_writer(void)
{
	struct ic_btf *btf = crafted();
	static const uint8_t banner[] = "Linux version 6.1.0-test (x@y) #1 SMP\n";
	struct ic_sym syms[] = {
		{ 0x1000, "linux_banner", 'R', 0 },
		{ 0x2000, "runqueues", 'D', 0 },
		{ 0x3000, "dupsym", 'T', 0 },
		{ 0x3001, "dupsym", 'T', 0 },
		{ 0x4000, "plain_text", 'T', 0 },
		{ 0x5000, "tk_core", 'b', 0 },
		{ 0x6000, "kallsyms_num_syms", 'R', 0 },
	};
	struct ic_symtab tab = { syms, IC_ARRAY_SIZE(syms), IC_ARRAY_SIZE(syms), NULL, NULL };
	struct ic_isf_input in;
	struct ic_isf_stats st;
	struct ic_buf out1 = { 0 }, out2 = { 0 };
	json_error_t jerr;
	json_t *j;
	int err;

	IC_CHECK(btf != NULL, "crafted BTF invalid");
	if (!btf)
		return;
	memset(&in, 0, sizeof(in));
	in.btf = btf;
	in.syms = &tab;
	in.banner = banner;
	in.banner_len = sizeof(banner); /* incl. the NUL */
	in.types_src.name = "crafted";
	in.syms_src[0].kind = "system-map";
	in.syms_src[0].name = "System.map";
	err = ic_isf__write_sink(NULL, &in, mem_sink, &out1, &st);
	IC_CHECK(err == 0, "write %d", err);
	err = ic_isf__write_sink(NULL, &in, mem_sink, &out2, NULL);
	IC_CHECK(err == 0 && out1.len == out2.len && !memcmp(out1.p, out2.p, out1.len),
		 "two runs differ");
	/* types begun ahead on their own thread give the same bytes; used once, then ignored;
	 * freed unused too (ASan: nothing leaks, the thread is joined) */
	{
		struct ic_buf out3 = { 0 }, out4 = { 0 };
		struct ic_ctx one = { .threads = 1 };

		in.ahead = ic_isf__ahead_start(NULL, btf);
		IC_CHECK(in.ahead != NULL, "ahead not started");
		IC_CHECK(ic_isf__write_sink(NULL, &in, mem_sink, &out3, NULL) == 0 &&
			 out3.len == out1.len && !memcmp(out3.p, out1.p, out1.len),
			 "ahead: output differs");
		IC_CHECK(ic_isf__write_sink(NULL, &in, mem_sink, &out4, NULL) == 0 &&
			 out4.len == out1.len && !memcmp(out4.p, out1.p, out1.len),
			 "ahead used twice: output differs");
		ic_isf__ahead_free(in.ahead);
		in.ahead = NULL;
		ic_isf__ahead_free(ic_isf__ahead_start(NULL, btf));
		IC_CHECK(ic_isf__ahead_start(&one, btf) == NULL, "ahead with one thread");
		free(out3.p);
		free(out4.p);
	}
	in.syms_src[1].kind = "btf";
	in.syms_src[1].name = "x";
	IC_CHECK(ic_isf__write_sink(NULL, &in, mem_sink, &out2, NULL) == -EINVAL,
		 "non-schema kind accepted");
	in.syms_src[1].name = NULL;

	/* jansson cannot read u64 beyond INT64_MAX: check that one textually, then blank it */
	{
		char *big = memmem(out1.p, out1.len, "\"ALL\":18446744073709551615", 26);

		IC_CHECK(big != NULL, "enum64 exact");
		if (big)
			memcpy(big + 6, "0                   ", 20);
	}
	j = json_loadb(out1.p, out1.len, 0, &jerr);
	IC_CHECK(j != NULL, "output is not JSON: %s", jerr.text);
	if (!j)
		goto out;
	IC_CHECK(!strcmp(jstr(j, "metadata/format"), "6.2.0"), "format");
	IC_CHECK(!strcmp(jstr(j, "metadata/producer/name"), "isfcarve"), "producer");
	IC_CHECK(!strcmp(jstr(j, "metadata/producer/version"), IC_VERSION_STRING), "version");
	/* IC_ISF_REVISION_STRING is the stringified macro, so comparing it with IC_ISF_REVISION
	 * proves nothing; what can go wrong is the macro's spelling (an expression such as (1+1)
	 * or 02 stringifies as written): the written revision must be a plain decimal number. */
	IC_CHECK(!strcmp(jstr(j, "metadata/producer/revision"), IC_ISF_REVISION_STRING) &&
			 IC_ISF_REVISION_STRING[0] >= '1' && IC_ISF_REVISION_STRING[0] <= '9' &&
			 strspn(IC_ISF_REVISION_STRING, "0123456789") ==
				 strlen(IC_ISF_REVISION_STRING),
		 "revision %s", jstr(j, "metadata/producer/revision"));
	IC_CHECK(!strcmp(jstr(j, "metadata/producer/symdb"), ic_symdb__id(IC_SYMDB_X86_64)),
		 "symdb id %s", jstr(j, "metadata/producer/symdb"));
	/* base types: pointer/void, GCC aliases of clang names, the guaranteed set */
	IC_CHECK(jint(j, "base_types/pointer/size") == 8, "pointer size");
	IC_CHECK(!strcmp(jstr(j, "base_types/void/kind"), "void"), "void");
	IC_CHECK(jint(j, "base_types/long unsigned int/size") == 8, "gcc alias");
	IC_CHECK(jint(j, "base_types/unsigned long/size") == 8, "clang name kept");
	IC_CHECK(!strcmp(jstr(j, "base_types/char/kind"), "char"), "char kind");
	IC_CHECK(!strcmp(jstr(j, "base_types/double/kind"), "float"), "float");
	IC_CHECK(jint(j, "base_types/signed char/size") == 1 && jint(j, "base_types/_Bool/size") == 1,
		 "guaranteed names");
	/* bitfields (kind_flag) */
	IC_CHECK(!strcmp(desc_of(j, "user_types/demo/fields/flag_hi"),
			 "{\"offset\":0,\"type\":{\"bit_length\":10,\"bit_position\":3,\"kind\":\"bitfield\","
			 "\"type\":{\"kind\":\"base\",\"name\":\"unsigned int\"}}}"),
		 "bitfield: %s", desc_of(j, "user_types/demo/fields/flag_hi"));
	/* legacy bitfield: INT bits 5 at int offset 3, member at bit 8 */
	IC_CHECK(!strcmp(desc_of(j, "user_types/legacy/fields/x"),
			 "{\"offset\":1,\"type\":{\"bit_length\":5,\"bit_position\":3,\"kind\":\"bitfield\","
			 "\"type\":{\"kind\":\"base\",\"name\":\"lbits\"}}}"),
		 "legacy bitfield: %s", desc_of(j, "user_types/legacy/fields/x"));
	/* anonymous member */
	IC_CHECK(!strcmp(desc_of(j, "user_types/demo/fields/unnamed_field_0"),
			 "{\"anonymous\":true,\"offset\":8,\"type\":{\"kind\":\"union\",\"name\":"
			 "\"unnamed_union__btf6\"}}"),
		 "anon: %s", desc_of(j, "user_types/demo/fields/unnamed_field_0"));
	IC_CHECK(jint(j, "user_types/unnamed_union__btf6/size") == 8, "anon type emitted");
	/* function pointer, arrays, qualifiers, enum */
	IC_CHECK(!strcmp(desc_of(j, "user_types/demo/fields/fn/type"),
			 "{\"kind\":\"pointer\",\"subtype\":{\"kind\":\"function\"}}"),
		 "fnptr %s", desc_of(j, "user_types/demo/fields/fn/type"));
	IC_CHECK(!strcmp(desc_of(j, "user_types/demo/fields/comm/type"),
			 "{\"count\":4,\"kind\":\"array\",\"subtype\":{\"kind\":\"base\",\"name\":\"char\"}}"),
		 "array %s", desc_of(j, "user_types/demo/fields/comm/type"));
	IC_CHECK(jint(j, "user_types/demo/fields/tail/type/count") == 0 &&
			 jint(j, "user_types/demo/fields/tail/offset") == 48,
		 "flexible array");
	IC_CHECK(!strcmp(desc_of(j, "user_types/demo/fields/cv/type"),
			 "{\"kind\":\"base\",\"name\":\"int\"}"),
		 "qualifiers %s", desc_of(j, "user_types/demo/fields/cv/type"));
	IC_CHECK(!strcmp(desc_of(j, "user_types/demo/fields/state/type"),
			 "{\"kind\":\"enum\",\"name\":\"demo_state\"}"),
		 "enum ref");
	/* typedef over anonymous struct: named by the typedef, emitted under it */
	IC_CHECK(!strcmp(desc_of(j, "user_types/demo/fields/cap/type"),
			 "{\"kind\":\"struct\",\"name\":\"kernel_cap_t\"}"),
		 "typedef naming %s", desc_of(j, "user_types/demo/fields/cap/type"));
	IC_CHECK(jint(j, "user_types/kernel_cap_t/size") == 8, "typedef alias emitted");
	/* typedef over a declaration names the typedef */
	IC_CHECK(!strcmp(desc_of(j, "user_types/demo/fields/f/type"),
			 "{\"kind\":\"pointer\",\"subtype\":{\"kind\":\"struct\",\"name\":\"fwd_t\"}}"),
		 "fwd typedef %s", desc_of(j, "user_types/demo/fields/f/type"));
	/* duplicate names: the most referenced body keeps the name */
	IC_CHECK(jint(j, "user_types/dup/size") == 8, "dup winner");
	IC_CHECK(jint(j, "user_types/dup__btf19/size") == 4, "dup loser suffixed");
	/* enums: unsigned with bit 31, signed, ENUM64 exact, 1-byte base */
	IC_CHECK(jint(j, "enums/demo_state/constants/DEMO_A") == 0x80000000ll, "unsigned enum");
	IC_CHECK(!strcmp(jstr(j, "enums/demo_state/base"), "unsigned int"), "enum base");
	IC_CHECK(jint(j, "enums/sgn/constants/NEG") == -1 && !strcmp(jstr(j, "enums/sgn/base"), "int"),
		 "signed enum");
	IC_CHECK(!strcmp(jstr(j, "enums/big/base"), "long long unsigned int"), "enum64 base");
	IC_CHECK(!strcmp(jstr(j, "enums/small/base"), "unsigned char"), "1-byte enum base");
	/* mandatory placeholders */
	IC_CHECK(jint(j, "user_types/task_struct/size") == 0 &&
			 json_object_size(get(j, "user_types/task_struct/fields")) == 0,
		 "placeholder");
	IC_CHECK(jint(j, "user_types/list_head/size") == 16, "real list_head kept");
	/* symbols */
	IC_CHECK(jint(j, "symbols/dupsym/address") == 0x3001, "last duplicate wins");
	IC_CHECK(!strcmp(desc_of(j, "symbols/runqueues/type"), "{\"kind\":\"struct\",\"name\":\"demo\"}"),
		 "VAR typing %s", desc_of(j, "symbols/runqueues/type"));
	IC_CHECK(jint(j, "symbols/linux_banner/type/count") == (long long)sizeof(banner),
		 "banner count");
	IC_CHECK(!strcmp(jstr(j, "symbols/linux_banner/constant_data"),
			 "TGludXggdmVyc2lvbiA2LjEuMC10ZXN0ICh4QHkpICMxIFNNUAoA"),
		 "banner base64 %s", jstr(j, "symbols/linux_banner/constant_data"));
	IC_CHECK(!strcmp(desc_of(j, "symbols/plain_text/type"), "{\"kind\":\"base\",\"name\":\"void\"}"),
		 "void default");
	IC_CHECK(!strcmp(desc_of(j, "symbols/tk_core/type"),
			 "{\"kind\":\"struct\",\"name\":\"unnamed_struct__btf32\"}"),
		 "tk_core %s", desc_of(j, "symbols/tk_core/type"));
	IC_CHECK(!strcmp(desc_of(j, "symbols/kallsyms_num_syms/type"),
			 "{\"kind\":\"base\",\"name\":\"unsigned int\"}"),
		 "kallsyms_num_syms %s", desc_of(j, "symbols/kallsyms_num_syms/type"));
	IC_CHECK(st.symbols == 6 && st.typed_btf == 1 && st.typed_void >= 2, "stats %zu %zu %zu",
		 st.symbols, st.typed_btf, st.typed_void);
	json_decref(j);
out:
	free(out1.p);
	free(out2.p);
	ic_btf__free(btf);
}

static void test_expr(void)
{
	static const char *const ok[][2] = {
		{ "struct demo", "{\"kind\":\"struct\",\"name\":\"demo\"}" },
		{ "struct demo *", "{\"kind\":\"pointer\",\"subtype\":{\"kind\":\"struct\",\"name\":\"demo\"}}" },
		{ "struct list_head **", "{\"kind\":\"pointer\",\"subtype\":{\"kind\":\"pointer\",\"subtype\":"
				      "{\"kind\":\"struct\",\"name\":\"list_head\"}}}" },
		{ "long unsigned int", "{\"kind\":\"base\",\"name\":\"unsigned long\"}" }, /* BTF spelling */
		{ "char *", "{\"kind\":\"pointer\",\"subtype\":{\"kind\":\"base\",\"name\":\"char\"}}" },
		{ "u32[256]", "{\"count\":256,\"kind\":\"array\",\"subtype\":{\"kind\":\"base\",\"name\":\"unsigned int\"}}" },
		{ "int[]", "{\"count\":0,\"kind\":\"array\",\"subtype\":{\"kind\":\"base\",\"name\":\"int\"}}" },
		{ "struct demo *[32]", "{\"count\":32,\"kind\":\"array\",\"subtype\":{\"kind\":\"pointer\","
				     "\"subtype\":{\"kind\":\"struct\",\"name\":\"demo\"}}}" },
		{ "int[2][3]", "{\"count\":2,\"kind\":\"array\",\"subtype\":{\"count\":3,\"kind\":\"array\","
			       "\"subtype\":{\"kind\":\"base\",\"name\":\"int\"}}}" },
		{ "kernel_cap_t", "{\"kind\":\"struct\",\"name\":\"kernel_cap_t\"}" },
		{ "enum demo_state", "{\"kind\":\"enum\",\"name\":\"demo_state\"}" },
		{ "struct {seq,timekeeper}", "{\"kind\":\"struct\",\"name\":\"unnamed_struct__btf32\"}" },
		{ "short unsigned int", "{\"kind\":\"base\",\"name\":\"short unsigned int\"}" },
	};
	static const char *const missing[] = { "struct nope", "nope_t *", "enum nope", "struct {a,b}" };
	static const char *const bad[] = { "int[x]", "int[3", "*", "", "unsigned long", "struct kset*x" };
	struct ic_btf *btf = crafted();
	struct ic_isf_state s;
	struct ic_buf b = { 0 };

	if (!btf)
		return;
	IC_CHECK(ic_isf_state_init(&s, NULL, btf) == 0, "state");
	for (size_t i = 0; i < IC_ARRAY_SIZE(ok); i++) {
		int err;

		b.len = 0;
		err = ic_isf_desc_expr(&s, ok[i][0], &b);
		IC_CHECK(err == 0 && b.len == strlen(ok[i][1]) && !memcmp(b.p, ok[i][1], b.len),
			 "expr '%s': %d %.*s", ok[i][0], err, (int)b.len, b.p ? b.p : "");
	}
	for (size_t i = 0; i < IC_ARRAY_SIZE(missing); i++)
		IC_CHECK(ic_isf_desc_expr(&s, missing[i], &b) == -IC_ENOTFOUND, "missing '%s'",
			 missing[i]);
	for (size_t i = 0; i < IC_ARRAY_SIZE(bad); i++)
		IC_CHECK(ic_isf_desc_expr(&s, bad[i], &b) == -IC_EFORMAT, "bad '%s'", bad[i]);
	ic_isf_state_free(&s);
	free(b.p);
	ic_btf__free(btf);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Symbol order: the radix sort must equal strcmp order, last duplicate wins, on names with long
 * shared prefixes (runs of equal 8-byte chunks, several levels deep), prefixes of each other and
 * duplicates, on one and on two threads. */
static void test_symbol_order(void)
{
	enum { N = 3000 };
	static const char *const pre[] = { "", "a", "__ksymtab_", "__ksymtab_gpl_", "abcdefgh",
					   "abcdefghabcdefgh", "abcdefghabcdefghX", "z" };
	struct ic_btf *btf = crafted();
	struct ic_sym *syms = calloc(N, sizeof(*syms));
	char **names = calloc(N, sizeof(*names)), **sorted = calloc(N, sizeof(*sorted));
	struct ic_ctx one = { .threads = 1 };
	unsigned seed = 12345;
	size_t nu = 0;

	IC_CHECK(btf && syms && names && sorted, "setup");
	if (!btf || !syms || !names || !sorted)
		goto out;
	for (size_t i = 0; i < N; i++) {
		char b[96];

		seed = seed * 1103515245u + 12345u;
		snprintf(b, sizeof(b), "%s%s%u", pre[(seed >> 8) % IC_ARRAY_SIZE(pre)],
			 (seed >> 20) & 1 ? "x" : "", (seed >> 11) % 700);
		names[i] = strdup(b);
		syms[i] = (struct ic_sym){ 0x1000 + i, names[i], 'T', 0 };
		sorted[i] = names[i];
	}
	qsort(sorted, N, sizeof(*sorted), cmp_name);
	for (size_t i = 0; i < N; i++)
		if (!i || strcmp(sorted[i], sorted[i - 1]))
			sorted[nu++] = sorted[i];
	for (int pass = 0; pass < 2; pass++) {
		struct ic_symtab tab = { syms, N, N, NULL, NULL };
		struct ic_isf_input in;
		struct ic_buf out = { 0 };
		size_t k = 0;
		char *p, *end;
		bool order_ok = true, last_ok = true;

		memset(&in, 0, sizeof(in));
		in.btf = btf;
		in.syms = &tab;
		IC_CHECK(ic_isf__write_sink(pass ? &one : NULL, &in, mem_sink, &out, NULL) == 0,
			 "write");
		p = out.p ? memmem(out.p, out.len, "\"symbols\":{", 11) : NULL;
		IC_CHECK(p != NULL, "no symbols");
		end = out.p + out.len;
		while (p && (p = memmem(p, (size_t)(end - p), ":{\"address\":", 12))) {
			char *q = p - 1, *k0;
			unsigned long long addr = strtoull(p + 12, NULL, 10);

			while (q > out.p && q[-1] != '"')
				q--;
			k0 = q;
			if (k >= nu || (size_t)(p - 1 - k0) != strlen(sorted[k]) ||
			    memcmp(k0, sorted[k], (size_t)(p - 1 - k0)))
				order_ok = false;
			/* the last entry of that name in input order */
			for (size_t i = N; k < nu && i-- > 0;)
				if (!strcmp(names[i], sorted[k])) {
					last_ok &= addr == 0x1000 + i;
					break;
				}
			k++;
			p += 12;
		}
		IC_CHECK(order_ok && k == nu, "pass %d: symbol order differs from strcmp (%zu of %zu)",
			 pass, k, nu);
		IC_CHECK(last_ok, "pass %d: a duplicate did not keep its last address", pass);
		free(out.p);
	}
out:
	for (size_t i = 0; names && i < N; i++)
		free(names[i]);
	free(names);
	free(sorted);
	free(syms);
	ic_btf__free(btf);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return driver(argc, argv);
	test_writer();
	test_symbol_order();
	test_expr();
	return IC_TEST_DONE();
}
