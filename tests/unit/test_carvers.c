/* SPDX-License-Identifier: MIT */
/* Unit tests for the scanner and the banner/BTF/VMCOREINFO carvers on crafted images. */
#include <string.h>

#include "ic_test.h"
#include "img_build.h"
#include "0-base/internal.h"
#include "0-base/ic_limits.h"
#include "isfcarve/banner.h"
#include "isfcarve/btf_finding.h"
#include "isfcarve/carver.h"
#include "isfcarve/error.h"
#include "isfcarve/image.h"
#include "isfcarve/slots.h"
#include "isfcarve/vmcoreinfo.h"

static struct ic_ctx ctx;

#define BANNER(rel) "Linux version " rel " (builder@host) (gcc 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.0-1 (2026-01-01)"

static int scan_file(const struct tb *t, const char *fmt, struct ic_findings *f, unsigned threads)
{
	char *path = tb_file(t, "carv");
	struct ic_image *img = NULL;
	struct ic_ctx c = ctx;
	int err;

	c.threads = threads;
	err = ic_image__open_as(&c, path, fmt, &img);
	if (!err)
		err = ic_scan(&c, img, f);
	ic_image__free(img);
	tb_rm(path);
	return err;
}

/* Minimal valid base BTF: "int" (and with two_types, a pointer to it). */
static size_t make_btf(uint8_t *o, bool two_types)
{
	struct tb b = { 0 };
	uint32_t tlen = two_types ? 28 : 16;
	size_t n;

	tb_le(&b, 0xeb9f, 2);
	tb_le(&b, 1, 1);
	tb_le(&b, 0, 1);
	tb_le(&b, 24, 4);
	tb_le(&b, 0, 4);
	tb_le(&b, tlen, 4);
	tb_le(&b, tlen, 4);
	tb_le(&b, 5, 4);
	tb_le(&b, 1, 4);           /* INT "int" */
	tb_le(&b, 1u << 24, 4);
	tb_le(&b, 4, 4);
	tb_le(&b, 32, 4);
	if (two_types) {
		tb_le(&b, 0, 4);   /* PTR -> 1 */
		tb_le(&b, 2u << 24, 4);
		tb_le(&b, 1, 4);
	}
	tb_put(&b, "\0int\0", 5);
	n = b.n;
	memcpy(o, b.p, n);
	free(b.p);
	return n;
}

/* Banners across a scan block edge (256 KiB, a multiple of the block size) and a chunk edge
 * (IC_SCAN_CHUNK) of a raw image. */
static void test_straddle_raw(void)
{
	static const char b_exact[] = BANNER("6.1.0-test") "\n"; /* + the array's own \0 */
	static const char b_proc[] = BANNER("6.1.0-test") "\nNEXT";
	static const char b_dmesg[] = BANNER("6.1.0-test");
	const size_t size = IC_SCAN_CHUNK + (1 << 20);
	const uint64_t at_exact = IC_SCAN_CHUNK - 20, at_proc = (256u << 10) - 5, at_dmesg = 0x3000;
	struct tb t = { 0 };
	struct ic_findings f;

	tb_put(&t, NULL, size);
	memcpy(t.p + at_exact, b_exact, sizeof(b_exact));
	memcpy(t.p + at_proc, b_proc, sizeof(b_proc) - 1);
	memcpy(t.p + at_dmesg, b_dmesg, sizeof(b_dmesg));
	for (unsigned threads = 1; threads <= 3; threads += 2) {
		IC_CHECK(scan_file(&t, "raw", &f, threads) == 0, "scan");
		IC_CHECK(f.banner != NULL, "banner found (%u threads)", threads);
		if (f.banner) {
			IC_CHECK(f.banner->phys == at_exact, "chose the \\n\\0 copy across the chunk edge: %llx",
				 (unsigned long long)f.banner->phys);
			IC_CHECK(f.banner->copies == 3 && f.banner->exact_copies == 1, "copies %u exact %u",
				 f.banner->copies, f.banner->exact_copies);
			IC_CHECK(f.banner->linux_banner && f.banner->len == sizeof(b_exact) &&
				 !memcmp(f.banner->text, b_exact, sizeof(b_exact)), "exact bytes incl. \\n\\0");
			IC_CHECK(!strcmp(f.banner->release, "6.1.0-test"), "release %s", f.banner->release);
		}
		IC_CHECK(f.status[IC_SLOT_VMCOREINFO] == -IC_ENOTFOUND, "no vmcoreinfo");
		ic_findings__release(&f);
	}
	free(t.p);
}

/* Patterns across the boundary of two adjacent LiME ranges are found; across a hole they are not. */
static void test_straddle_ranges(void)
{
	static const char b_exact[] = BANNER("5.10.0-x") "\n";
	static const char vci[] = "OSRELEASE=5.10.0-x\nPAGESIZE=4096\nKERNELOFFSET=1a000000\n";
	uint8_t r0[0x10000], r1[0x10000];
	struct tb t = { 0 };
	struct ic_findings f;

	memset(r0, 0, sizeof(r0));
	memset(r1, 0, sizeof(r1));
	/* The banner starts 20 bytes before the end of range 0 and ends in range 1. The VMCOREINFO
	 * text starts after a NUL, 4 bytes before a page edge inside range 1. */
	memcpy(r0 + sizeof(r0) - 20, b_exact, 20);
	memcpy(r1, b_exact + 20, sizeof(b_exact) - 20);
	memcpy(r1 + 0x1000 - 4, vci, 4);
	memcpy(r1 + 0x1000, vci + 4, sizeof(vci) - 4);
	r1[0x1000 - 5] = 0;
	tb_lime(&t, 0x10000, r1, sizeof(r1)); /* unsorted on purpose */
	tb_lime(&t, 0x0, r0, sizeof(r0));
	IC_CHECK(scan_file(&t, NULL, &f, 2) == 0, "scan lime");
	IC_CHECK(f.banner && f.banner->phys == 0x10000 - 20 && f.banner->linux_banner, "banner across ranges");
	IC_CHECK(f.vmcoreinfo && f.vmcoreinfo->phys == 0x10000 + 0x1000 - 4, "vmcoreinfo across ranges");
	if (f.vmcoreinfo) {
		uint64_t ko = 0;

		IC_CHECK(ic_vmcoreinfo__u64(f.vmcoreinfo, "KERNELOFFSET", &ko) == 0 && ko == 0x1a000000, "ko");
		IC_CHECK(!f.vmcoreinfo->from_note && f.vmcoreinfo->copies == 1, "carved, 1 copy");
	}
	ic_findings__release(&f);

	/* Same bytes, but range 1 moved up by a page: a hole between the halves. */
	t.n = 0;
	tb_lime(&t, 0x0, r0, sizeof(r0));
	tb_lime(&t, 0x11000, r1, sizeof(r1));
	IC_CHECK(scan_file(&t, NULL, &f, 2) == 0, "scan lime with hole");
	IC_CHECK(!f.banner && f.status[IC_SLOT_BANNER] == -IC_ENOTFOUND, "no banner across a hole");
	ic_findings__release(&f);
	free(t.p);
}

/* BTF choice: inside the kernel span from VMCOREINFO beats lower address and size; without
 * VMCOREINFO the biggest wins. Broken headers are counted, never chosen. */
static void test_btf_choice(void)
{
	static const char vci[] = "OSRELEASE=6.6.6-k\nPAGESIZE=4096\nSYMBOL(_stext)=ffffffff80100000\n"
				  "SYMBOL(init_uts_ns)=ffffffff80140000\nNUMBER(phys_base)=0\nKERNELOFFSET=0\n";
	uint8_t small[64], big[64];
	size_t ns = make_btf(small, false), nb = make_btf(big, true);
	const size_t size = 0x400000;
	struct tb t = { 0 };
	struct ic_findings f;
	uint8_t sha[32];

	tb_put(&t, NULL, size);
	memcpy(t.p + 0x20000, big, nb);       /* bigger, lowest, outside the span */
	memcpy(t.p + 0x180010, small, ns);    /* inside [0x100000, 0x140000 + 2 MiB) */
	memcpy(t.p + 0x300000, small, 24);    /* header only: sections run into zeros -> invalid */
	t.p[0x300000 + 20] = 0xff;            /* str_len huge */
	memcpy(t.p + 0x1000, vci, sizeof(vci));
	IC_CHECK(scan_file(&t, "raw", &f, 2) == 0, "scan");
	IC_CHECK(f.btf && f.btf->phys == 0x180010, "in-span copy chosen: %llx",
		 f.btf ? (unsigned long long)f.btf->phys : 0ull);
	if (f.btf) {
		ic_sha256(small, ns, sha);
		IC_CHECK(f.btf->size == ns && !memcmp(f.btf->sha256, sha, 32) && !memcmp(f.btf->data, small, ns),
			 "exact bytes");
		IC_CHECK(f.btf->nr_types == 1 && f.btf->candidates == 2, "types %u candidates %u",
			 f.btf->nr_types, f.btf->candidates);
		IC_CHECK(!f.btf->page_aligned, "not aligned");
	}
	ic_findings__release(&f);

	/* No VMCOREINFO: the bigger blob. */
	memset(t.p + 0x1000, 0, sizeof(vci));
	IC_CHECK(scan_file(&t, "raw", &f, 1) == 0, "scan 2");
	IC_CHECK(f.btf && f.btf->phys == 0x20000 && f.btf->nr_types == 2, "biggest chosen");
	ic_findings__release(&f);
	free(t.p);
}

/* Banner choice by evidence: OSRELEASE match and BTF proximity beat a lower address. */
static void test_banner_choice(void)
{
	static const char other[] = BANNER("4.19.0-old") "\n";
	static const char mine[] = BANNER("6.6.6-k") "\n";
	static const char vci[] = "OSRELEASE=6.6.6-k\nPAGESIZE=4096\n";
	uint8_t btf[64];
	size_t nb = make_btf(btf, true);
	struct tb t = { 0 };
	struct ic_findings f;

	tb_put(&t, NULL, 0x200000);
	memcpy(t.p + 0x2000, other, sizeof(other));
	memcpy(t.p + 0x150000, mine, sizeof(mine));
	memcpy(t.p + 0x160000, btf, nb);
	memcpy(t.p + 0x1000, vci, sizeof(vci));
	IC_CHECK(scan_file(&t, "raw", &f, 2) == 0, "scan");
	IC_CHECK(f.banner && f.banner->phys == 0x150000, "evidence picks the running kernel's banner");
	if (f.banner) {
		IC_CHECK(f.banner->release_matches_vmcoreinfo && f.banner->near_btf, "evidence flags");
		IC_CHECK(f.banner->copies == 2 && f.banner->distinct == 2, "two distinct banners");
	}
	ic_findings__release(&f);
	free(t.p);
}

/* VMCOREINFO: the ELF note form beats a page-aligned copy; "OSRELEASE=" inside text is no copy;
 * a container note beats all. */
static void test_vmcoreinfo_choice(void)
{
	static const char text[] = "OSRELEASE=6.6.6-k\nPAGESIZE=4096\nKERNELOFFSET=2c00000\n";
	static const char inline_text[] = "xxOSRELEASE=9.9\nPAGESIZE=1\n";
	struct tb t = { 0 }, nb = { 0 }, e = { 0 };
	struct ic_findings f;

	tb_put(&t, NULL, 0x10000);
	memcpy(t.p + 0x3000, text, sizeof(text));              /* vmcoreinfo_data: page-aligned */
	tb_note(&nb, "VMCOREINFO", 0, text, sizeof(text) - 1); /* vmcoreinfo_note */
	memcpy(t.p + 0x5000, nb.p, nb.n);
	memcpy(t.p + 0x7100, inline_text, sizeof(inline_text)); /* needle not at a page or NUL */
	IC_CHECK(scan_file(&t, "raw", &f, 2) == 0, "scan");
	IC_CHECK(f.vmcoreinfo && f.vmcoreinfo->phys == 0x5000 + 24, "note form chosen: %llx",
		 f.vmcoreinfo ? (unsigned long long)f.vmcoreinfo->phys : 0ull);
	IC_CHECK(f.vmcoreinfo && f.vmcoreinfo->copies == 2, "2 copies");
	ic_findings__release(&f);

	{
		const struct tb_seg s[] = {
			{ 4, 0, nb.p, nb.n, 0, 0 },
			{ 1, 0, t.p, t.n, 0, 0 },
		};

		tb_elf(&e, s, 2, 0);
	}
	IC_CHECK(scan_file(&e, NULL, &f, 2) == 0, "scan elf");
	IC_CHECK(f.vmcoreinfo && f.vmcoreinfo->from_note && f.vmcoreinfo->phys == UINT64_MAX &&
		 f.vmcoreinfo->copies == 3, "container note wins");
	ic_findings__release(&f);
	free(t.p);
	free(nb.p);
	free(e.p);
}

struct prog {
	uint64_t last, total;
	unsigned calls;
	bool monotonic;
};

static void on_progress(uint64_t done, uint64_t total, void *arg)
{
	struct prog *p = arg;

	if (done < p->last)
		p->monotonic = false;
	p->last = done;
	p->total = total;
	p->calls++;
}

static void test_progress(void)
{
	struct tb t = { 0 };
	struct prog p = { 0, 0, 0, true };
	struct ic_findings f;
	struct ic_ctx saved = ctx;

	tb_put(&t, NULL, 3 * IC_SCAN_CHUNK + 5);
	ctx.progress = on_progress;
	ctx.progress_arg = &p;
	IC_CHECK(scan_file(&t, "raw", &f, 2) == 0, "scan");
	IC_CHECK(p.calls >= 1 && p.monotonic && p.last == t.n && p.total == t.n, "progress %u calls, %llu",
		 p.calls, (unsigned long long)p.last);
	ic_findings__release(&f);
	ctx = saved;
	free(t.p);
}

int main(void)
{
	test_straddle_raw();
	test_straddle_ranges();
	test_btf_choice();
	test_banner_choice();
	test_vmcoreinfo_choice();
	test_progress();
	return IC_TEST_DONE();
}
