/* SPDX-License-Identifier: MIT */
/* Unit tests of the DWARF -> BTF converter on tests/data/dwarf/kernel_like*.c built here with gcc. */
/*
 * What the ISF cannot show is checked on the BTF itself: one BTF type per distinct body (no
 * per-unit copies), pointers and arrays hash-consed, bit-fields as kind_flag members, ENUM64 and
 * FLOAT kinds, VARs with their linkage in .dwarf_vars DATASECs, the declaration placeholder
 * filled by the later body, linux_banner's address; then the error paths (not ELF, ET_REL, no
 * DWARF) through ic_dwarf__to_btf_mem(). Without libdw only "not built in" is checked.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ic_test.h"
#include "isfcarve/btf.h"
#include "isfcarve/dwarf.h"
#include "isfcarve/error.h"

static char tmpdir[] = "/tmp/ic_test_dwarf.XXXXXX";

static const char *src_dir(void)
{
	const char *s = getenv("IC_SRC");

	return s ? s : "..";
}

/* gcc ARGS into tmpdir/out; 0 when it built. */
static int build(const char *out, const char *args)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "gcc %s -o %s/%s %s/tests/data/dwarf/kernel_like.c "
		 "%s/tests/data/dwarf/kernel_like2.c 2>&1", args, tmpdir, out, src_dir(), src_dir());
	return system(cmd);
}

static uint32_t count_named(const struct ic_btf *btf, const char *name, unsigned kind)
{
	uint32_t n = 0;

	for (uint32_t id = 1; id <= ic_btf__nr_types(btf); id++)
		if (ic_btf__kind(btf, id) == kind && !strcmp(ic_btf__name(btf, id), name))
			n++;
	return n;
}

/* The VAR of name and its DATASEC entry count, or NULL. */
static const uint32_t *find_var(const struct ic_btf *btf, const char *name)
{
	for (uint32_t id = 1; id <= ic_btf__nr_types(btf); id++)
		if (ic_btf__kind(btf, id) == IC_BTF_VAR && !strcmp(ic_btf__name(btf, id), name))
			return ic_btf__rec(btf, id);
	return NULL;
}

/* Member name of struct id, or NULL. */
static const uint32_t *member(const struct ic_btf *btf, uint32_t id, const char *name)
{
	const uint32_t *r = ic_btf__rec(btf, id);

	for (uint32_t i = 0; r && i < ic_btf_vlen(r[1]); i++)
		if (!strcmp(ic_btf__str(btf, r[3 + 3 * i]), name))
			return r + 3 + 3 * i;
	return NULL;
}

static void check_btf(const uint8_t *b, size_t len, const struct ic_dwarf_stats *st, const char *tag)
{
	struct ic_btf_diag d;
	struct ic_btf *btf = NULL;
	uint32_t cred, task, mm, ptrs = 0, datasecs = 0, secvars = 0;
	const uint32_t *v, *m;

	IC_CHECK(ic_btf__validate(b, len, &d) == 0, "%s: validator: %s (type %u)", tag, d.msg, d.type_id);
	if (ic_btf__new(NULL, b, len, tag, &btf))
		return;
	IC_CHECK(st->units == 2, "%s: %" PRIu64 " units", tag, st->units);
	IC_CHECK(st->types == ic_btf__nr_types(btf), "%s: stats types %u vs %u", tag, st->types,
		 ic_btf__nr_types(btf));
	/* one body per distinct struct, two for the name defined twice */
	task = ic_btf__find(btf, "task_struct", IC_BTF_STRUCT);
	IC_CHECK(task && count_named(btf, "task_struct", IC_BTF_STRUCT) == 1 &&
		 count_named(btf, "task_struct", IC_BTF_FWD) == 0,
		 "%s: one task_struct, its declaration in unit 2 resolved to it", tag);
	IC_CHECK(count_named(btf, "irq_info", IC_BTF_STRUCT) == 2, "%s: two irq_info bodies", tag);
	IC_CHECK(count_named(btf, "list_head", IC_BTF_STRUCT) == 1, "%s: one list_head", tag);
	IC_CHECK(count_named(btf, "sched_local", IC_BTF_STRUCT) == 1, "%s: function-local type", tag);
	IC_CHECK(count_named(btf, "__ARRAY_SIZE_TYPE__", IC_BTF_INT) == 0, "%s: no synthetic INT", tag);
	/* pointers to one type are one BTF type */
	for (uint32_t id = 1; id <= ic_btf__nr_types(btf); id++) {
		const uint32_t *r = ic_btf__rec(btf, id);

		if (ic_btf_kind(r[1]) == IC_BTF_PTR && r[2] == task)
			ptrs++;
		if (ic_btf_kind(r[1]) == IC_BTF_DATASEC &&
		    !strcmp(ic_btf__str(btf, r[0]), ".dwarf_vars")) {
			datasecs++;
			secvars += ic_btf_vlen(r[1]);
		}
	}
	IC_CHECK(ptrs == 1, "%s: %u PTR types to task_struct", tag, ptrs);
	IC_CHECK(datasecs == 1 && secvars == st->vars, "%s: %u DATASECs listing %u of %u VARs", tag,
		 datasecs, secvars, st->vars);
	/* bit-fields: kind_flag struct, size in the top 8 bits, bit offset below */
	cred = ic_btf__find(btf, "cred", IC_BTF_STRUCT);
	IC_CHECK(cred && ic_btf_kflag(ic_btf__rec(btf, cred)[1]), "%s: cred has kind_flag", tag);
	m = cred ? member(btf, cred, "drop") : NULL;
	IC_CHECK(m && m[2] >> 24 == 12 && (m[2] & 0xffffff) == 100, "%s: cred.drop 12 bits at 100 (0x%x)",
		 tag, m ? m[2] : 0);
	m = cred ? member(btf, cred, "wide") : NULL;
	IC_CHECK(m && m[2] >> 24 == 40 && (m[2] & 0xffffff) == 128, "%s: cred.wide 40 bits at 128", tag);
	/* kinds */
	IC_CHECK(ic_btf__find(btf, "big_enum", IC_BTF_ENUM64), "%s: 8-byte enum is ENUM64", tag);
	IC_CHECK(ic_btf__find(btf, "neg_enum", IC_BTF_ENUM) &&
		 ic_btf_kflag(ic_btf__rec(btf, ic_btf__find(btf, "neg_enum", IC_BTF_ENUM))[1]),
		 "%s: signed enum has kind_flag", tag);
	IC_CHECK(ic_btf__find(btf, "float", IC_BTF_FLOAT) && ic_btf__find(btf, "double", IC_BTF_FLOAT),
		 "%s: FLOAT kinds", tag);
	mm = ic_btf__find(btf, "mm_struct", IC_BTF_STRUCT);
	m = mm ? member(btf, mm, "saved_auxv") : NULL;
	IC_CHECK(m && ic_btf__kind(btf, m[1]) == IC_BTF_ARRAY &&
		 ic_btf__kind(btf, ic_btf__rec(btf, m[1])[3]) == IC_BTF_ARRAY &&
		 ic_btf__rec(btf, m[1])[5] == 2, "%s: saved_auxv[2][23] as array of arrays", tag);
	IC_CHECK(ic_btf__type_size(btf, mm) == 424 && ic_btf__type_size(btf, task) > 100,
		 "%s: sizes", tag);
	/* variables: definitions (linkage 1 = global, 0 = static) and the declaration-only one */
	v = find_var(btf, "init_task");
	IC_CHECK(v && v[2] == task && v[3] == 1, "%s: VAR init_task global task_struct", tag);
	v = find_var(btf, "root_cred");
	IC_CHECK(v && v[2] == cred && v[3] == 0, "%s: VAR root_cred static cred", tag);
	v = find_var(btf, "irq_info_b");
	IC_CHECK(v && v[2] != ic_btf__find(btf, "irq_info", IC_BTF_STRUCT) &&
		 ic_btf__type_size(btf, v[2]) == 36, "%s: irq_info_b typed with unit 2's body", tag);
	v = find_var(btf, "linux_banner");
	IC_CHECK(v && ic_btf__type_size(btf, v[2]) == 53, "%s: linux_banner char[53]", tag);
	IC_CHECK(st->banner_addr != 0, "%s: linux_banner address", tag);
	ic_btf__free(btf);
}

static void one(const char *name, const char *args)
{
	char path[256];
	uint8_t *b = NULL;
	size_t len = 0;
	struct ic_dwarf_stats st;
	int err;

	if (build(name, args)) {
		IC_CHECK(0, "gcc %s failed", args);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	err = ic_dwarf__to_btf(NULL, path, &b, &len, &st);
	IC_CHECK(err == 0, "%s: ic_dwarf__to_btf: %d", name, err);
	if (!err)
		check_btf(b, len, &st, name);
	free(b);
}

/* An ELF file in memory through ic_dwarf__to_btf_mem(); its return code. */
static int mem(const char *name)
{
	char path[256];
	size_t n = 0;
	uint8_t *data, *b = NULL;
	size_t len = 0;
	int err;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	data = ic_test_slurp(path, &n);
	if (!data)
		return -1000;
	err = ic_dwarf__to_btf_mem(NULL, data, n, name, &b, &len, NULL);
	free(b);
	free(data);
	return err;
}

int main(void)
{
	static const uint8_t junk[] = "not an ELF file at all";
	uint8_t *b = (uint8_t *)1;
	size_t len = 1;
	char cmd[512];

	if (!ic_dwarf__available()) {
		IC_CHECK(ic_dwarf__to_btf(NULL, "/nonexistent", &b, &len, NULL) == -IC_EUNSUPP && !b,
			 "without libdw: -IC_EUNSUPP");
		/* CI builds with libdw: there this must not pass silently */
		IC_CHECK(!getenv("CI"), "built without libdw in CI");
		return IC_TEST_DONE();
	}
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	one("k5.elf", "-g -gdwarf-5 -O0 -nostdlib -static -no-pie -Wl,-e,0");
	one("k4.elf", "-g -gdwarf-4 -O0 -nostdlib -static -no-pie -Wl,-e,0");
	one("k5o2.elf", "-g -gdwarf-5 -O2 -nostdlib -static -no-pie -Wl,-e,0");
	IC_CHECK(mem("k5.elf") == 0, "in memory");
	IC_CHECK(ic_dwarf__to_btf_mem(NULL, junk, sizeof(junk), "junk", &b, &len, NULL) == -IC_EFORMAT &&
		 !b && !len, "not ELF: -IC_EFORMAT");
	snprintf(cmd, sizeof(cmd), "gcc -g -c -o %s/k.o %s/tests/data/dwarf/kernel_like.c", tmpdir,
		 src_dir());
	IC_CHECK(system(cmd) == 0 && mem("k.o") == -IC_EUNSUPP, "ET_REL: -IC_EUNSUPP");
	snprintf(cmd, sizeof(cmd), "objcopy --strip-debug %s/k5.elf %s/k.nodbg", tmpdir, tmpdir);
	IC_CHECK(system(cmd) == 0 && mem("k.nodbg") == -IC_EUNSUPP, "no DWARF: -IC_EUNSUPP");
	IC_CHECK(ic_dwarf__to_btf(NULL, "/nonexistent/x", &b, &len, NULL) == -ENOENT && !b,
		 "missing file: -ENOENT");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return IC_TEST_DONE();
}
