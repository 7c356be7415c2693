// SPDX-License-Identifier: MIT
/* ISF writer: crafted BTF covering every mapping rule, expression resolver, determinism.
 * With arguments it is also the driver the golden test uses until the CLI lands:
 *   test_isf --btf FILE --map System.map --banner-file truth/version -o OUT [--stats] */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ic_test.h"
#include "isf/isf_int.h"
#include "isf_driver.h"
#include "isfcarve/btf.h"
#include "isfcarve/isf.h"

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
	bd = drv_slurp(btf_path, &bl);
	if (!bd || ic_btf__new(&ctx, bd, bl, btf_path, &btf))
		return 1;
	memset(&syms, 0, sizeof(syms));
	if (map_path) {
		md = drv_slurp(map_path, &ml);
		if (!md)
			return 1;
		drv_parse_map((char *)md, &syms);
	}
	if (banner_path) {
		bn = drv_slurp(banner_path, &nl);
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

int main(int argc, char **argv)
{
	if (argc > 1)
		return driver(argc, argv);
	return IC_TEST_DONE();
}
