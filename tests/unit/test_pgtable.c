/* SPDX-License-Identifier: MIT */
/* Unit tests of the x86-64 page-table walker over synthetic 4- and 5-level tables. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ic_test.h"
#include "isfcarve/arch.h"
#include "isfcarve/error.h"
#include "isfcarve/image.h"
#include "phys_mem.h"

#define MEM_SIZE (4u << 20) /* 4 MiB of "physical memory" */
#define P 0x1ull
#define RW 0x2ull
#define PS 0x80ull
#define NX (1ull << 63)

static uint8_t *mem;

static void put(uint64_t pa, uint64_t v)
{
	pm_put64(mem, pa, v);
}

static uint64_t idx(uint64_t va, unsigned level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

static struct ic_image *write_image(char *path)
{
	return pm_image(mem, MEM_SIZE, path);
}

static void check_xlate(const struct ic_mmu *m, uint64_t va, uint64_t want_pa, uint64_t want_size,
			unsigned line)
{
	struct ic_xlate x;
	int err = ic_mmu__translate(m, va, &x);

	IC_CHECK(err == 0, "line %u: va 0x%llx: err %d", line, (unsigned long long)va, err);
	if (!err) {
		IC_CHECK(x.phys == want_pa, "line %u: va 0x%llx -> 0x%llx, want 0x%llx", line,
			 (unsigned long long)va, (unsigned long long)x.phys,
			 (unsigned long long)want_pa);
		IC_CHECK(x.page_size == want_size, "line %u: page size 0x%llx", line,
			 (unsigned long long)x.page_size);
	}
}

static void check_err(const struct ic_mmu *m, uint64_t va, int want, unsigned line)
{
	struct ic_xlate x;
	int err = ic_mmu__translate(m, va, &x);

	IC_CHECK(err == want, "line %u: va 0x%llx: err %d, want %d", line, (unsigned long long)va,
		 err, want);
}

int main(void)
{
	const uint64_t pml4 = 0x1000, pdpt = 0x2000, pd = 0x3000, pt = 0x4000, pdpt_lo = 0x6000,
		       pml5 = 0x7000;
	const uint64_t ktext = 0xffffffff81000000ull;
	char path[] = "/tmp/ic_test_pgtable.XXXXXX";
	struct ic_image *img;
	struct ic_mmu m4, m5;
	uint8_t buf[16];
	uint64_t v;

	mem = calloc(1, MEM_SIZE);
	if (!mem)
		return 1;
	/* Kernel text: PML4[511] -> PDPT[510] -> PD[8] = 2 MiB page at 0x200000 with PAT (bit 12)
	 * and NX and a protection key: all must be masked out of the address. */
	put(pml4 + 511 * 8, pdpt | P | RW);
	put(pdpt + idx(ktext, 3) * 8, pd | P | RW);
	put(pd + idx(ktext, 2) * 8, 0x200000 | P | PS | (1ull << 12) | NX | (5ull << 59));
	/* Next 2 MiB split into 4 KiB pages: PTE[0] -> 0x5000, PTE[1] -> 0x3ff000 (not adjacent). */
	put(pd + (idx(ktext, 2) + 1) * 8, pt | P | RW);
	put(pt + 0 * 8, 0x5000 | P | NX);
	put(pt + 1 * 8, 0x3ff000 | P | (1ull << 62));
	/* PTE[2]: bit 51 set and bit 47 set (an SME-like C-bit): masked by pa_bits/clear_mask. */
	put(pt + 2 * 8, (1ull << 51) | (1ull << 47) | 0x8000 | P);
	/* PD[10] not present: a hole. PD[11]: 2 MiB with reserved bits 20:13 set. */
	put(pd + (idx(ktext, 2) + 3) * 8, 0x600000 | P | PS | 0x2000);
	/* Low half: PML4[0] -> PDPT_LO; [1] = 1 GiB page at 0x40000000, [2] = table beyond the
	 * image, [3] = 1 GiB page with reserved bit 13. */
	put(pml4 + 0, pdpt_lo | P | RW);
	put(pdpt_lo + 1 * 8, 0x40000000 | P | PS | NX);
	put(pdpt_lo + 2 * 8, 0x10000000 | P);
	put(pdpt_lo + 3 * 8, 0x80000000 | P | PS | 0x2000);
	/* PML4[1]: PS is reserved at this level. */
	put(pml4 + 1 * 8, 0x200000 | P | PS);
	/* PML4[3] -> PML4 itself: a cycle. The walk still ends after 4 reads. */
	put(pml4 + 3 * 8, pml4 | P);
	/* 5-level root: PML5[511] -> the same PML4, PML5[0] and [1] -> PML4 too. */
	put(pml5 + 511 * 8, pml4 | P | RW);
	put(pml5 + 0, pml4 | P | RW);
	put(pml5 + 8, pml4 | P | RW);
	memcpy(mem + 0x5000, "page5000", 8);
	memcpy(mem + 0x3ff000, "page3ff0", 8);
	memcpy(mem + 0x5ff8, "ENDOFPG5", 8);
	memcpy(mem + 0x8000 + 0x10, "cbit", 4);

	img = write_image(path);
	IC_CHECK(ic_mmu__init(&m4, &ic_arch_x86_64, img, pml4, 4) == 0, "init 4");
	IC_CHECK(ic_mmu__init(&m5, &ic_arch_x86_64, img, pml5, 5) == 0, "init 5");
	IC_CHECK(ic_mmu__init(&m5, &ic_arch_x86_64, img, pml5, 3) == -EINVAL, "levels 3");
	IC_CHECK(ic_mmu__init(&m5, &ic_arch_x86_64, img, pml5, 6) == -EINVAL, "levels 6");
	IC_CHECK(ic_mmu__init(&m5, &ic_arch_x86_64, img, pml5, 5) == 0, "init 5");

	for (int pass = 0; pass < 2; pass++) {
		const struct ic_mmu *m = pass ? &m5 : &m4;

		check_xlate(m, ktext, 0x200000, 2u << 20, __LINE__);
		check_xlate(m, ktext + 0x12345, 0x212345, 2u << 20, __LINE__);
		check_xlate(m, ktext + 0x200000, 0x5000, 4096, __LINE__);
		check_xlate(m, ktext + 0x201abc, 0x3ffabc, 4096, __LINE__);
		check_err(m, ktext + 0x203000, -IC_ENOTFOUND, __LINE__); /* PTE[3] empty */
		check_err(m, ktext + 0x400000, -IC_ENOTFOUND, __LINE__); /* PD[10] hole */
		check_err(m, ktext + 0x600000, -IC_EFORMAT, __LINE__);   /* reserved 2M */
		check_err(m, ktext - 0x40000000, -IC_ENOTFOUND, __LINE__); /* PDPT[509] */
		check_xlate(m, 0x40000000 + 0x1234567, 0x41234567, 1u << 30, __LINE__);
		check_err(m, 0x80000000, -IC_ETRUNC, __LINE__);           /* table not in image */
		check_err(m, 0xc0000000, -IC_EFORMAT, __LINE__);          /* reserved 1G */
		check_err(m, 1ull << 39, -IC_EFORMAT, __LINE__);          /* PS in PML4E */
		check_err(m, 2ull << 39, -IC_ENOTFOUND, __LINE__);        /* PML4[2] empty */
		/* The self-referencing PML4[3]: 4 levels of the same page, PTE = PML4[3] itself. */
		check_xlate(m, (3ull << 39) | (3ull << 30) | (3ull << 21) | (3ull << 12) | 0x42,
			    pml4 + 0x42, 4096, __LINE__);
		/* Reading across two physically distant 4 KiB pages. */
		IC_CHECK(ic_mmu__read(m, ktext + 0x200ff8, buf, 16) == 0, "cross-page read");
		IC_CHECK(!memcmp(buf, "ENDOFPG5page3ff0", 16), "cross-page bytes %.16s", buf);
		IC_CHECK(ic_mmu__read(m, ktext + 0x201ff8, buf, 16) == -IC_ENOTFOUND,
			 "read into hole");
		IC_CHECK(ic_mmu__read_u64(m, ktext + 0x200000, &v) == 0 &&
				 v == 0x3030303565676170ull, "read_u64 0x%llx", (unsigned long long)v);
		IC_CHECK(ic_mmu__v2p(m, ktext + 0x400000) == UINT64_MAX, "v2p of a hole");
	}
	/* Canonical forms: 0xff11... (the LA57 direct map) is canonical only with 5 levels. */
	check_err(&m4, 0xff11000000000000ull, -EINVAL, __LINE__);
	check_err(&m4, 0x0000800000000000ull, -EINVAL, __LINE__);
	check_err(&m5, 0x0100000000000000ull, -EINVAL, __LINE__);
	check_xlate(&m5, (1ull << 48) + 0x40000000, 0x40000000, 1u << 30, __LINE__);
	/* Address-width mask and SME C-bit. Without them the PTE points far outside. */
	check_xlate(&m4, ktext + 0x202010, (1ull << 51) | (1ull << 47) | 0x8010, 4096, __LINE__);
	m4.pa_bits = 48;
	m4.clear_mask = 1ull << 47;
	check_xlate(&m4, ktext + 0x202010, 0x8010, 4096, __LINE__);
	IC_CHECK(ic_mmu__read(&m4, ktext + 0x202010, buf, 4) == 0 && !memcmp(buf, "cbit", 4),
		 "read through masked PTE");
	/* Root outside the image. */
	m4.root = 0x7fff000;
	check_err(&m4, ktext, -IC_ETRUNC, __LINE__);
	/* All-garbage memory: every walk ends in an error or a translation, never a crash. */
	for (uint64_t i = 0; i < MEM_SIZE; i += 8)
		put(i, 0x9e3779b97f4a7c15ull * (i + 1));
	ic_image__free(img);
	unlink(path);
	memcpy(path, "/tmp/ic_test_pgtable.XXXXXX", sizeof(path));
	img = write_image(path);
	for (unsigned r = 0; r < 64; r++) {
		struct ic_xlate x;
		int err;

		IC_CHECK(ic_mmu__init(&m4, &ic_arch_x86_64, img, (uint64_t)r << 16, 4 + (r & 1)) == 0,
			 "init");
		err = ic_mmu__translate(&m4, ktext + ((uint64_t)r << 21), &x);
		IC_CHECK(err == 0 || err == -IC_ENOTFOUND || err == -IC_ETRUNC ||
				 err == -IC_EFORMAT, "garbage walk err %d", err);
	}
	ic_image__free(img);
	unlink(path);
	free(mem);
	return IC_TEST_DONE();
}
