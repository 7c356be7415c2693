/* SPDX-License-Identifier: MIT */
/* Unit tests for the VMCOREINFO parser: lines, stops, limits, typed numbers, real fixture text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ic_test.h"
#include "0-base/internal.h"
#include "0-base/ic_limits.h"
#include "isfcarve/vmcoreinfo.h"

static void test_basic(void)
{
	const char t[] = "OSRELEASE=6.1.0-56-amd64\nPAGESIZE=4096\nSYMBOL(init_uts_ns)=ffffffff8bdfb000\n"
			 "NUMBER(phys_base)=-192937984\nKERNELOFFSET=9200000\nNUMBER(PHYS_OFFSET)=0x40000000\n"
			 "BUILD-ID=eb4fbcd0\n\0garbage=1\n";
	struct ic_vmcoreinfo *vi = NULL;
	uint64_t v = 0;

	IC_CHECK(ic_vmcoreinfo__parse(t, sizeof(t) - 1, &vi) == 0, "parse");
	if (!vi)
		return;
	IC_CHECK(vi->nentries == 7, "entries %zu", vi->nentries);
	IC_CHECK(vi->len == strlen(t), "len stops at NUL: %zu", vi->len);
	IC_CHECK(!strcmp(ic_vmcoreinfo__get(vi, "OSRELEASE"), "6.1.0-56-amd64"), "osrelease");
	IC_CHECK(ic_vmcoreinfo__get(vi, "garbage") == NULL, "after NUL not parsed");
	IC_CHECK(ic_vmcoreinfo__u64(vi, "PAGESIZE", &v) == 0 && v == 4096, "decimal");
	IC_CHECK(ic_vmcoreinfo__u64(vi, "SYMBOL(init_uts_ns)", &v) == 0 && v == 0xffffffff8bdfb000ull,
		 "symbol hex");
	IC_CHECK(ic_vmcoreinfo__u64(vi, "KERNELOFFSET", &v) == 0 && v == 0x9200000, "kerneloffset");
	IC_CHECK(ic_vmcoreinfo__u64(vi, "NUMBER(phys_base)", &v) == 0 && v == (uint64_t)-192937984ll,
		 "negative");
	IC_CHECK(ic_vmcoreinfo__u64(vi, "NUMBER(PHYS_OFFSET)", &v) == 0 && v == 0x40000000, "0x");
	IC_CHECK(ic_vmcoreinfo__u64(vi, "BUILD-ID", &v) == -IC_EFORMAT, "not a number");
	IC_CHECK(ic_vmcoreinfo__u64(vi, "NOPE", &v) == -IC_ENOTFOUND, "absent");
	ic_vmcoreinfo__free(vi);
}

static void test_bad(void)
{
	struct ic_vmcoreinfo *vi = NULL;
	char *big;
	const char t1[] = "no equals here\n";
	const char t2[] = "=value\n";
	const char t3[] = "A=1\nB=\x01\nC=3\n";
	const char t4[] = "K=99999999999999999999999\nS=1"; /* overflow; last line without newline */
	uint64_t v;

	IC_CHECK(ic_vmcoreinfo__parse(t1, sizeof(t1) - 1, &vi) == -IC_EFORMAT && !vi, "no line");
	IC_CHECK(ic_vmcoreinfo__parse(t2, sizeof(t2) - 1, &vi) == -IC_EFORMAT, "empty key");
	IC_CHECK(ic_vmcoreinfo__parse("", 0, &vi) == -IC_EFORMAT, "empty");
	IC_CHECK(ic_vmcoreinfo__parse(t3, sizeof(t3) - 1, &vi) == 0 && vi && vi->nentries == 1,
		 "bad line stops");
	ic_vmcoreinfo__free(vi);
	IC_CHECK(ic_vmcoreinfo__parse(t4, sizeof(t4) - 1, &vi) == 0 && vi && vi->nentries == 2, "t4");
	IC_CHECK(ic_vmcoreinfo__u64(vi, "K", &v) == -IC_EFORMAT, "overflow rejected");
	IC_CHECK(!strcmp(ic_vmcoreinfo__get(vi, "S"), "1"), "unterminated last line");
	ic_vmcoreinfo__free(vi);
	big = malloc(IC_MAX_VMCOREINFO_BYTES + 2);
	if (big) {
		memset(big, 'A', IC_MAX_VMCOREINFO_BYTES + 1);
		big[1] = '=';
		IC_CHECK(ic_vmcoreinfo__parse(big, IC_MAX_VMCOREINFO_BYTES + 1, &vi) == -IC_ELIMIT,
			 "limit");
		free(big);
	}
	ic_vmcoreinfo__free(NULL);
}

/* The real text of both x86 fixtures (truth/vmcoreinfo.txt minus its comment line). */
static int test_fixture(const char *fx, uint64_t slide)
{
	char path[4096], *buf;
	const char *p = ic_test_fixture(fx, "truth/vmcoreinfo.txt", path, sizeof(path));
	struct ic_vmcoreinfo *vi = NULL;
	FILE *f;
	size_t n;
	uint64_t v = 0;

	if (!p)
		return ic_test_no_fixture();
	f = fopen(p, "rb");
	buf = calloc(1, 65536);
	if (!f || !buf) {
		IC_CHECK(0, "open %s", p);
		return 1;
	}
	n = fread(buf, 1, 65535, f);
	fclose(f);
	{
		char *t = buf[0] == '#' ? strchr(buf, '\n') + 1 : buf;

		IC_CHECK(ic_vmcoreinfo__parse(t, n - (size_t)(t - buf), &vi) == 0, "%s parses", fx);
	}
	if (vi) {
		IC_CHECK(vi->nentries > 50, "%s: %zu entries", fx, vi->nentries);
		IC_CHECK(ic_vmcoreinfo__u64(vi, "KERNELOFFSET", &v) == 0 && v == slide,
			 "%s KERNELOFFSET %llx", fx, (unsigned long long)v);
	}
	ic_vmcoreinfo__free(vi);
	free(buf);
	return 0;
}

int main(void)
{
	int rc;

	test_basic();
	test_bad();
	if ((rc = test_fixture("fx-deb12-6.1", 0x9200000)) || (rc = test_fixture("fx-forky-7.2", 0x14a00000)))
		return rc;
	return IC_TEST_DONE();
}
