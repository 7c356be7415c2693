/* SPDX-License-Identifier: MIT */
/* arm64 KASLR with no VMCOREINFO and no symbols (structure only), on the real arm64 fixture. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ic_test.h"
#include "isfcarve/error.h"
#include "isfcarve/image.h"
#include "isfcarve/kaslr.h"

/*
 * The solver gets the image alone (structure_only: VMCOREINFO and kallsyms ignored, as when
 * the VMCOREINFO page was overwritten and kallsyms has no data symbols). It must find phys
 * _text by the Image header, kimage_vaddr/kimage_voffset by their values, and swapper_pg_dir by
 * its walk, all equal to the guest's own VMCOREINFO (truth/vmcoreinfo.txt, copied below).
 */
#define FX "fx-arm64-forky-7.2"
#define TRUTH_VOFF 0xffff98e1e7c00000ull     /* NUMBER(kimage_voffset) */
#define TRUTH_PGD 0xffff98e22a303000ull      /* SYMBOL(swapper_pg_dir) */
#define TRUTH_SLIDE 0x18e1a7e00000ull        /* KERNELOFFSET */
#define TRUTH_PHYS_TEXT 0x40200000ull        /* truth/iomem "Kernel code" start */

static uint64_t truth_u64(const char *path, const char *key)
{
	char line[512];
	uint64_t v = 0;
	FILE *f = fopen(path, "r");
	size_t kl = strlen(key);

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == '=')
			v = strtoull(line + kl + 1, NULL, 16);
	fclose(f);
	return v;
}

static void print_msg(enum ic_log_level lvl, const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "  [%d] %s\n", lvl, msg);
}

int main(void)
{
	char path[4096], tpath[4096];
	const char *p = ic_test_fixture(FX, "mem.elf", path, sizeof(path));
	const char *tp = ic_test_fixture(FX, "truth/vmcoreinfo.txt", tpath, sizeof(tpath));
	struct ic_image *img = NULL;
	struct ic_kaslr *k = NULL;
	struct ic_ctx ctx = { .print = print_msg, .level = IC_LOG_INFO };

	if (!p || !tp)
		return ic_test_no_fixture();
	/* the constants above are the fixture's truth file's */
	IC_CHECK(truth_u64(tp, "NUMBER(kimage_voffset)") == TRUTH_VOFF, "truth kimage_voffset");
	IC_CHECK(truth_u64(tp, "SYMBOL(swapper_pg_dir)") == TRUTH_PGD, "truth swapper_pg_dir");
	IC_CHECK(truth_u64(tp, "KERNELOFFSET") == TRUTH_SLIDE, "truth KERNELOFFSET");
	IC_CHECK(ic_image__open(&ctx, p, &img) == 0, "open %s", p);
	if (img) {
		struct ic_kaslr_input in = { .img = img, .structure_only = true };

		IC_CHECK(ic_kaslr__solve(&ctx, &in, &k) == 0, "structure-only arm64 solve");
	}
	if (k) {
		IC_CHECK(k->arch && !strcmp(k->arch, "arm64"), "arch %s", k->arch ? k->arch : "-");
		IC_CHECK(k->method && !strncmp(k->method, "structure:", 10), "method %s",
			 k->method ? k->method : "-");
		IC_CHECK(k->kimage_voffset == TRUTH_VOFF, "kimage_voffset 0x%" PRIx64,
			 k->kimage_voffset);
		IC_CHECK(k->phys_text == TRUTH_PHYS_TEXT, "phys _text 0x%" PRIx64, k->phys_text);
		IC_CHECK(k->pgd_phys == TRUTH_PGD - TRUTH_VOFF, "swapper_pg_dir phys 0x%" PRIx64,
			 k->pgd_phys);
		IC_CHECK(k->va_bits == 52 && k->page_shift == 12 && k->levels == 5,
			 "layout %u-bit %u %u-level", k->va_bits, k->page_shift, k->levels);
		/* link _text is the 6.5+ default (assumed), which this 7.2 kernel uses */
		IC_CHECK(k->virtual_slide == TRUTH_SLIDE && k->link_text_assumed, "slide 0x%" PRIx64,
			 k->virtual_slide);
		IC_CHECK(k->consistent, "cross-checks agree");
	}
	ic_kaslr__free(k);
	ic_image__free(img);
	return IC_TEST_DONE();
}
