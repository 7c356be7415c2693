// SPDX-License-Identifier: MIT
/* Unit tests: symdb table, type expression parser/formatter, kernel version from banners. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ic_test.h"
#include "isfcarve/error.h"
#include "isfcarve/symdb.h"

static int parse(const char *s, struct ic_typeexpr *te)
{
	return ic_typeexpr__parse(s, strlen(s), te);
}

/* Parse, format back and expect the canonical text. */
static void roundtrip(const char *in, const char *canon)
{
	struct ic_typeexpr te;
	char buf[256];
	int err = parse(in, &te);

	IC_CHECK(err == 0, "parse '%s': %d", in, err);
	if (err)
		return;
	err = ic_typeexpr__format(&te, buf, sizeof(buf));
	IC_CHECK(err >= 0 && strcmp(buf, canon) == 0, "'%s' formats as '%s', want '%s'", in, buf, canon);
}

static void test_typeexpr(void)
{
	struct ic_typeexpr te;
	const char *m;
	size_t pos = 0, len;
	char small[8];

	IC_CHECK(parse("struct task_struct", &te) == 0 && te.kind == IC_TE_STRUCT && te.nsteps == 0 &&
			 te.name_len == 11 && memcmp(te.name, "task_struct", 11) == 0, "struct");
	IC_CHECK(parse("struct mem_section **", &te) == 0 && te.ptr_depth == 2 && te.ndims == 0, "ptr ptr");
	IC_CHECK(parse("gate_desc[256]", &te) == 0 && te.kind == IC_TE_TYPEDEF && te.nsteps == 1 &&
			 te.steps[0].op == IC_TE_ARRAY && te.steps[0].count == 256, "typedef array");
	/* array of 32 pointers: outermost step is the array */
	IC_CHECK(parse("struct fb_info *[32]", &te) == 0 && te.nsteps == 2 && te.steps[0].op == IC_TE_ARRAY &&
			 te.steps[0].count == 32 && te.steps[1].op == IC_TE_PTR, "array of pointers");
	/* pointer to an array of 92 */
	IC_CHECK(parse("unsigned int (*)[92]", &te) == 0 && te.nsteps == 2 && te.steps[0].op == IC_TE_PTR &&
			 te.steps[1].op == IC_TE_ARRAY && te.steps[1].count == 92 && te.kind == IC_TE_BASE,
		 "pointer to array");
	IC_CHECK(parse("int[2][3]", &te) == 0 && te.ndims == 2 && te.steps[0].count == 2 &&
			 te.steps[1].count == 3, "2-d array");
	IC_CHECK(parse("char[]", &te) == 0 && te.steps[0].count == 0, "flexible array");
	IC_CHECK(parse("long unsigned int", &te) == 0 && te.kind == IC_TE_BASE && te.name_len == 17, "base");
	IC_CHECK(parse("func *[]", &te) == 0 && te.kind == IC_TE_FUNC && te.ptr_depth == 1, "function ptrs");
	IC_CHECK(parse("struct {seq,timekeeper}", &te) == 0 && te.anon && te.kind == IC_TE_STRUCT, "anon");
	IC_CHECK(ic_typeexpr__next_member(&te, &pos, &m, &len) && len == 3 && !memcmp(m, "seq", 3), "m1");
	IC_CHECK(ic_typeexpr__next_member(&te, &pos, &m, &len) && len == 10 && !memcmp(m, "timekeeper", 10),
		 "m2");
	IC_CHECK(!ic_typeexpr__next_member(&te, &pos, &m, &len), "end of members");

	roundtrip("struct kset*", "struct kset *");
	roundtrip("struct  fb_info * [32]", "struct fb_info *[32]");
	roundtrip("unsigned int (*)[92]", "unsigned int (*)[92]");
	roundtrip("int *(*)[2]", "int *(*)[2]");
	roundtrip("int (**)[2][3]", "int (**)[2][3]");
	roundtrip("char[0]", "char[]");
	roundtrip("union {a,b} *", "union {a,b} *");
	roundtrip("enum pid_type", "enum pid_type");
	roundtrip("__int128 unsigned", "__int128 unsigned");
	roundtrip("func *", "func *");

	/* Rejected: non-GCC spellings, syntax errors, limits. */
	IC_CHECK(parse("unsigned long", &te) == -IC_EFORMAT, "non-GCC spelling");
	IC_CHECK(parse("unsigned", &te) == -IC_EFORMAT, "bare unsigned");
	IC_CHECK(parse("struct", &te) == -IC_EFORMAT, "struct without tag");
	IC_CHECK(parse("struct {}", &te) == -IC_EFORMAT, "empty member list");
	IC_CHECK(parse("struct {a,}", &te) == -IC_EFORMAT, "trailing comma");
	IC_CHECK(parse("int[", &te) == -IC_EFORMAT, "open bracket");
	IC_CHECK(parse("int[01]", &te) == -IC_EFORMAT, "leading zero");
	IC_CHECK(parse("int[99999999999]", &te) == -IC_ELIMIT, "count overflow");
	IC_CHECK(parse("int ()", &te) == -IC_EFORMAT, "empty parens");
	IC_CHECK(parse("int (*", &te) == -IC_EFORMAT, "unclosed paren");
	IC_CHECK(parse("int x", &te) == -IC_EFORMAT, "declarator with a name");
	IC_CHECK(parse("func", &te) == -IC_EFORMAT, "bare function");
	IC_CHECK(parse("", &te) == -IC_EFORMAT, "empty");
	IC_CHECK(parse("int *********", &te) == -IC_ELIMIT, "too many steps");
	IC_CHECK(parse("int ((((((((((*))))))))))", &te) == -IC_ELIMIT, "deep parens");
	IC_CHECK(parse("struct a", &te) == 0 && ic_typeexpr__format(&te, small, 4) == -IC_ETRUNC &&
			 strlen(small) == 3, "format truncation");
	/* Not NUL-terminated input: only len bytes are read. */
	IC_CHECK(ic_typeexpr__parse("int*XXXX", 4, &te) == 0 && te.ptr_depth == 1, "length-bounded");
}

/* Every row of a table's TSV must be found by lookup at its own range ends, and every type must
 * parse. Reads the source TSV so that the compiled table is checked against it row by row. */
static void test_table(enum ic_symdb_arch arch, const char *tsv)
{
	char path[4096], line[8192];
	const char *src = getenv("IC_SRC");
	FILE *f;
	unsigned rows = 0;
	size_t hint = 0, probe_hint = 0;

	IC_CHECK(src != NULL, "IC_SRC set");
	if (!src)
		return;
	snprintf(path, sizeof(path), "%s/symdb/%s", src, tsv);
	f = fopen(path, "r");
	IC_CHECK(f != NULL, "open %s", path);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char name[512], from[32], to[32], type[4096];
		unsigned a, b, c;
		uint32_t lo = 1, hi = IC_KVER(99, 255, 255);
		const char *got;
		struct ic_typeexpr te;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%511[^\t]\t%31[^\t]\t%31[^\t]\t%4095[^\n]", name, from, to, type) != 4) {
			IC_CHECK(0, "row does not scan: %s", line);
			continue;
		}
		rows++;
		IC_CHECK(parse(type, &te) == 0, "row %s: type '%s' parses", name, type);
		if (sscanf(from, "%u.%u.%u", &a, &b, &c) == 3)
			lo = IC_KVER(a, b, c);
		else if (sscanf(from, "%u.%u", &a, &b) == 2)
			lo = IC_KVER(a, b, 0);
		if (sscanf(to, "%u.%u.%u", &a, &b, &c) == 3)
			hi = IC_KVER(a, b, c);
		else if (sscanf(to, "%u.%u", &a, &b) == 2)
			hi = IC_KVER(a, b, 255);
		got = ic_symdb__lookup_arch(arch, lo, name);
		IC_CHECK(got && strcmp(got, type) == 0, "%s at from %s: '%s'", name, from, got ? got : "NULL");
		got = ic_symdb__lookup_arch(arch, hi, name);
		IC_CHECK(got && strcmp(got, type) == 0, "%s at to %s: '%s'", name, to, got ? got : "NULL");
		/* the cursor form: rows in file order, then a name just after, then a stale hint */
		{
			const char *next = ic_symdb__lookup_next_arch(arch, hi, name, &hint);
			char after[520];
			size_t stale = SIZE_MAX / 2;

			IC_CHECK(next == got, "%s: lookup_next differs from lookup", name);
			snprintf(after, sizeof(after), "%s_", name);
			IC_CHECK(ic_symdb__lookup_next_arch(arch, hi, after, &probe_hint) ==
					 ic_symdb__lookup_arch(arch, hi, after), "%s: lookup_next of a missing name", after);
			IC_CHECK(ic_symdb__lookup_next_arch(arch, lo, name, &stale) == ic_symdb__lookup_arch(arch, lo, name),
				 "%s: lookup_next with a stale hint", name);
		}
	}
	fclose(f);
	IC_CHECK(rows >= 40, "%s has %u rows", tsv, rows);
}

static void expect(uint32_t kver, const char *name, const char *want)
{
	const char *got = ic_symdb__lookup(kver, name);

	if (!want)
		IC_CHECK(got == NULL, "%s @%x: want NULL, got '%s'", name, kver, got);
	else
		IC_CHECK(got && strcmp(got, want) == 0, "%s @%x: want '%s', got '%s'", name, kver, want,
			 got ? got : "NULL");
}

static void test_ranges(void)
{
	expect(IC_KVER(4, 18, 0), "init_task", "struct task_struct");
	expect(IC_KVER(7, 2, 12), "init_task", "struct task_struct");
	expect(IC_KVER(4, 19, 255), "kallsyms_num_syms", "long unsigned int");
	expect(IC_KVER(4, 20, 0), "kallsyms_num_syms", "unsigned int");
	expect(IC_KVER(6, 12, 57), "tk_core", "struct {seq,timekeeper}");
	expect(IC_KVER(6, 13, 0), "tk_core", "struct tk_data");
	expect(IC_KVER(5, 9, 16), "log_first_idx", "unsigned int");
	expect(IC_KVER(5, 10, 0), "log_first_idx", NULL);
	expect(IC_KVER(5, 9, 0), "prb", NULL);
	expect(IC_KVER(5, 10, 0), "prb", "struct printk_ringbuffer *");
	expect(IC_KVER(4, 18, 0), "__start___tracepoints_ptrs", "struct tracepoint *[]");
	expect(IC_KVER(6, 1, 192), "__start___tracepoints_ptrs", "int[]");
	expect(IC_KVER(6, 1, 192), "idt_table", "gate_desc[256]");
	expect(IC_KVER(6, 1, 192), "registered_fb", "struct fb_info *[32]");
	expect(IC_KVER(6, 1, 192), "mem_section", "struct mem_section **");
	expect(IC_KVER(6, 1, 192), "no_such_symbol_in_the_db", NULL);
	expect(IC_KVER(6, 1, 192), "", NULL);
	expect(0, "init_task", NULL);
	IC_CHECK(ic_symdb__lookup(IC_KVER(6, 1, 0), NULL) == NULL, "NULL name");
}

/* arm64's table: its own globals, which x86-64's does not have; the legacy calls are x86-64's. */
static void test_arm64(void)
{
	const uint32_t kv = IC_KVER(7, 2, 12);
	const char *got = ic_symdb__lookup_arch(IC_SYMDB_ARM64, kv, "kimage_voffset");

	IC_CHECK(got && !strcmp(got, "long long unsigned int"), "arm64 kimage_voffset: %s",
		 got ? got : "NULL");
	got = ic_symdb__lookup_arch(IC_SYMDB_ARM64, kv, "memstart_addr");
	IC_CHECK(got && !strcmp(got, "long long int"), "arm64 memstart_addr: %s", got ? got : "NULL");
	got = ic_symdb__lookup_arch(IC_SYMDB_ARM64, kv, "init_task");
	IC_CHECK(got && !strcmp(got, "struct task_struct"), "arm64 init_task: %s", got ? got : "NULL");
	IC_CHECK(ic_symdb__lookup_arch(IC_SYMDB_X86_64, kv, "kimage_voffset") == NULL &&
		 ic_symdb__lookup(kv, "kimage_voffset") == NULL, "x86-64 has no kimage_voffset");
	IC_CHECK(ic_symdb__lookup_arch((enum ic_symdb_arch)7, kv, "init_task") == NULL,
		 "an arch outside the enum: NULL");
	/* the tables' ids: "<arch>-<16 hex digits>", one per table */
	{
		const char *x = ic_symdb__id(IC_SYMDB_X86_64), *a = ic_symdb__id(IC_SYMDB_ARM64);

		IC_CHECK(x && strlen(x) == 7 + 16 && !strncmp(x, "x86_64-", 7) &&
			 strspn(x + 7, "0123456789abcdef") == 16, "x86-64 id %s", x ? x : "NULL");
		IC_CHECK(a && strlen(a) == 6 + 16 && !strncmp(a, "arm64-", 6) &&
			 strspn(a + 6, "0123456789abcdef") == 16, "arm64 id %s", a ? a : "NULL");
		IC_CHECK(ic_symdb__id((enum ic_symdb_arch)7) == NULL, "id of an arch outside the enum");
	}
}

static void banner(const char *b, uint32_t want)
{
	uint32_t got = ic_kver_from_banner(b, strlen(b));

	IC_CHECK(got == want, "'%s': got %u.%u.%u, want %u.%u.%u", b, got >> 16, (got >> 8) & 255, got & 255,
		 want >> 16, (want >> 8) & 255, want & 255);
}

static void test_banner(void)
{
	static const char trunc[] = "Linux version 6.1.0-56-amd64 (x) #1 SMP Debian 6.1.192-2";

	banner("Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) "
	       "12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)\n",
	       IC_KVER(6, 1, 192));
	banner("Linux version 7.2.12+deb14-amd64 (debian-kernel@lists.debian.org) (x86_64-linux-gnu-gcc-16 (Debian "
	       "16.2.0-3) 16.2.0, GNU ld (GNU Binutils for Debian) 2.47.50.20261021) #1 SMP PREEMPT_DYNAMIC Debian "
	       "7.2.12-1 (2026-10-22)\n",
	       IC_KVER(7, 2, 12));
	banner("Linux version 5.10.0-35-amd64 (debian-kernel@lists.debian.org) (gcc-10 (Debian 10.2.1-6) 10.2.1 "
	       "20210110, GNU ld (GNU Binutils for Debian) 2.35.2) #1 SMP Debian 5.10.237-1 (2025-05-19)",
	       IC_KVER(5, 10, 237));
	/* buster: patch > 255 saturates like KERNEL_VERSION */
	banner("Linux version 4.19.0-27-amd64 (debian-kernel@lists.debian.org) (gcc version 8.3.0 (Debian 8.3.0-6)) "
	       "#1 SMP Debian 4.19.316-1 (2024-06-25)",
	       IC_KVER(4, 19, 255));
	banner("Linux version 6.12.38+deb12-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian "
	       "12.2.0-14+deb12u1) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.12.38-1~bpo12+1 (2025-07-16)",
	       IC_KVER(6, 12, 38));
	/* Ubuntu: upstream version in the trailing "(Ubuntu <pkg> <upstream>)" */
	banner("Linux version 5.15.0-91-generic (buildd@lcy02-amd64-045) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, "
	       "GNU ld (GNU Binutils for Ubuntu) 2.38) #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023 (Ubuntu "
	       "5.15.0-91.101-generic 5.15.131)",
	       IC_KVER(5, 15, 131));
	banner("Linux version 6.8.0-31-generic (buildd@lcy02-amd64-080) (x86_64-linux-gnu-gcc-13 (Ubuntu "
	       "13.2.0-23ubuntu4) 13.2.0, GNU ld (GNU Binutils for Ubuntu) 2.42) #31-Ubuntu SMP PREEMPT_DYNAMIC "
	       "Sat Apr 20 00:40:06 UTC 2024",
	       IC_KVER(6, 8, 0));
	banner("Linux version 6.18.44 (root@host) (gcc (GCC) 14.2.0, GNU ld (GNU Binutils) 2.43.1) #1 SMP "
	       "PREEMPT_DYNAMIC Mon Oct 5 10:00:00 UTC 2026\n",
	       IC_KVER(6, 18, 44));
	banner("Linux version 6.19.0-rc3 (dev@box) (gcc 15) #7 SMP Sun Dec 28 2026", IC_KVER(6, 19, 0));
	banner("Linux version 4.18.0-553.el8_10.x86_64 (mockbuild@x) (gcc version 8.5.0 20210514 (Red Hat "
	       "8.5.0-22) (GCC)) #1 SMP Fri May 10 15:19:13 EDT 2024",
	       IC_KVER(4, 18, 0));
	banner("Linux version 6.8 (a@b) #1", IC_KVER(6, 8, 0));
	/* a "Debian X.Y" that disagrees with the release is ignored */
	banner("Linux version 6.1.0-1-amd64 (x) #1 SMP Debian 5.4.1-1", IC_KVER(6, 1, 0));
	/* garbage */
	banner("", 0);
	banner("Linux version ", 0);
	banner("Linux version x.y.z (a) #1", 0);
	banner("Linux version 600.1.2 (a) #1", 0);
	banner("Linux version 6.300.2 (a) #1", 0);
	banner("Linux version 6", 0);
	banner("Linux version 6.1a (a)", 0);
	banner("linux version 6.1.0", 0);
	banner("\x01\xff\x00garbage", 0);
	IC_CHECK(ic_kver_from_banner(NULL, 10) == 0, "NULL banner");
	/* length-bounded: the Debian suffix beyond len is not read */
	IC_CHECK(ic_kver_from_banner(trunc, strlen(trunc) - 9) == IC_KVER(6, 1, 0), "bounded");
	IC_CHECK(ic_kver_from_banner(trunc, 16) == 0, "cut inside the version");
}

int main(void)
{
	test_typeexpr();
	test_table(IC_SYMDB_X86_64, "symdb.tsv");
	test_table(IC_SYMDB_ARM64, "symdb-arm64.tsv");
	test_ranges();
	test_arm64();
	test_banner();
	return IC_TEST_DONE();
}
