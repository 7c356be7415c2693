/* SPDX-License-Identifier: MIT */
/* Find the x86-64 kernel page tables by structure when no symbol says where they are. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kaslr_internal.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"

#define PAGE 4096u
#define ENTRIES 512u
#define P 0x1ull
#define PS 0x80ull
#define ADDR_4K 0x000ffffffffff000ull
#define ADDR_2M 0x000fffffffe00000ull
#define SZ_2M 0x200000ull
/* A kernel image is at least this many 2 MiB PMDs (8 MiB); shorter runs are too weak. */
#define MIN_RUN 4u

struct l2cand {
	uint64_t pa;     /* physical address of the level2_kernel_pgt look-alike */
	unsigned i0, i1; /* present run [i0, i1] */
	uint64_t frame;  /* physical frame mapped by entry i0 (phys _text) */
};

struct pgscan {
	const struct ic_ctx *ctx;
	const struct ic_image *img;
	uint64_t visits; /* table entries read while climbing: bounded by IC_MAX_PT_VISITS */
};

/*
 * Frame mapped by PMD entry e, or UINT64_MAX when it cannot be told (a PTE table with nothing
 * present: the kernel unmaps freed init memory). *bad on a contradiction.
 */
static uint64_t pmd_frame(struct pgscan *s, uint64_t e, bool *bad)
{
	uint8_t pt[PAGE];

	if (e & PS)
		return e & ADDR_2M;
	if (ic_image__read(s->img, e & ADDR_4K, pt, sizeof(pt))) {
		*bad = true;
		return UINT64_MAX;
	}
	for (unsigned k = 0; k < ENTRIES; k++) {
		uint64_t pte = ic_get_le64(pt + k * 8);

		if (pte & P)
			return (pte & ADDR_4K) - (uint64_t)k * PAGE;
	}
	return UINT64_MAX;
}

/* Does this page look like level2_kernel_pgt? (see kaslr_internal.h) */
static bool is_l2(struct pgscan *s, const uint8_t *pg, struct l2cand *c)
{
	unsigned i0 = 0, i1, matched = 0;
	uint64_t f0 = UINT64_MAX;
	bool bad = false;

	while (i0 < ENTRIES && !(ic_get_le64(pg + i0 * 8) & P))
		i0++;
	/* _text is at least 2 MiB above __START_KERNEL_map; a direct-map PMD starts at 0. */
	if (i0 == 0 || i0 >= ENTRIES)
		return false;
	i1 = i0;
	while (i1 + 1 < ENTRIES && (ic_get_le64(pg + (i1 + 1) * 8) & P))
		i1++;
	if (i1 - i0 + 1 < MIN_RUN)
		return false;
	for (unsigned i = i1 + 1; i < ENTRIES; i++)
		if (ic_get_le64(pg + i * 8) & P)
			return false;
	/* The run's first entry must be a 2 MiB page (the kernel maps _text with a large page
	 * and 2 MiB alignment); the rest may be split into 4 KiB tables. */
	if (!(ic_get_le64(pg + i0 * 8) & PS))
		return false;
	for (unsigned i = i0; i <= i1 && !bad; i++) {
		uint64_t f = pmd_frame(s, ic_get_le64(pg + i * 8), &bad);

		if (f == UINT64_MAX)
			continue;
		if (f0 == UINT64_MAX)
			f0 = f - (uint64_t)(i - i0) * SZ_2M;
		if (f != f0 + (uint64_t)(i - i0) * SZ_2M)
			return false;
		matched++;
	}
	if (bad || matched < MIN_RUN)
		return false;
	c->i0 = i0;
	c->i1 = i1;
	c->frame = f0;
	return true;
}

/* Every page P of the image whose entry idx points (present, not large) at target. */
static int find_parents(struct pgscan *s, uint64_t target, unsigned idx, uint64_t *out,
			size_t *n, size_t max)
{
	const struct ic_range *r = ic_image__ranges(s->img);
	size_t nr = ic_image__nranges(s->img);

	*n = 0;
	for (size_t i = 0; i < nr; i++) {
		uint64_t first = ic_align_up(r[i].phys, PAGE);

		if (first < r[i].phys) /* a range in the last page of 2^64: aligning up wrapped to 0 */
			continue;
		for (uint64_t pa = first; pa + PAGE <= r[i].phys + r[i].len && pa >= first;
		     pa += PAGE) {
			uint8_t raw[8];
			uint64_t e;

			if (++s->visits > IC_MAX_PT_VISITS)
				return -IC_ELIMIT;
			if (ic_image__read(s->img, pa + idx * 8, raw, 8))
				continue;
			e = ic_get_le64(raw);
			if ((e & P) && !(e & PS) && (e & ADDR_4K) == target && *n < max)
				out[(*n)++] = pa;
		}
	}
	return 0;
}

/* Entries other than skip present in the page at pa (a PGD has the direct map etc. too). */
static bool others_present(struct pgscan *s, uint64_t pa, unsigned skip)
{
	uint8_t pg[PAGE];

	if (ic_image__read(s->img, pa, pg, sizeof(pg)))
		return false;
	for (unsigned i = 0; i < ENTRIES; i++)
		if (i != skip && (ic_get_le64(pg + i * 8) & P))
			return true;
	return false;
}

static bool walk_ok(struct pgscan *s, struct ic_kaslr *k, uint64_t root, unsigned levels)
{
	struct ic_mmu m;
	struct ic_xlate x;

	if (ic_mmu__init(&m, &ic_arch_x86_64, s->img, root, levels))
		return false;
	if (ic_mmu__translate(&m, k->runtime_text, &x) || x.phys != k->phys_text)
		return false;
	k->mmu = m;
	k->levels = levels;
	k->pgd_phys = root;
	return true;
}

/* From a level2 candidate up to a root; prefer a root inside the kernel image (init_top_pgt
 * is kernel data) over the PGD of some process, which maps the kernel half identically. */
static int climb(struct pgscan *s, struct ic_kaslr *k, const struct l2cand *c)
{
	uint64_t l3[8], top[64], l5[8];
	size_t n3, ntop, n5;
	uint64_t img_lo = c->frame, img_hi = c->frame + (uint64_t)(c->i1 - c->i0 + 1) * SZ_2M;
	int err;

	err = find_parents(s, c->pa, 510, l3, &n3, IC_ARRAY_SIZE(l3));
	for (size_t a = 0; !err && a < n3; a++) {
		err = find_parents(s, l3[a], 511, top, &ntop, IC_ARRAY_SIZE(top));
		for (int pass = 0; !err && pass < 2; pass++) {
			for (size_t b = 0; b < ntop; b++) {
				bool inside = top[b] >= img_lo && top[b] < img_hi;

				if (inside != (pass == 0))
					continue;
				/* A 4-level PGD has more than entry 511 (direct map, vmalloc ...);
				 * LA57's level4_kernel_pgt has only 511: look for its PML5. */
				if (others_present(s, top[b], 511) && walk_ok(s, k, top[b], 4))
					return 0;
				err = find_parents(s, top[b], 511, l5, &n5, IC_ARRAY_SIZE(l5));
				for (size_t d = 0; !err && d < n5; d++)
					if (walk_ok(s, k, l5[d], 5))
						return 0;
			}
		}
	}
	return err ?: -IC_ENOTFOUND;
}

int ic_kaslr_pgscan(const struct ic_ctx *ctx, const struct ic_image *img, struct ic_kaslr *k,
		    bool known)
{
	struct pgscan s = { .ctx = ctx, .img = img };
	const struct ic_range *r = ic_image__ranges(img);
	size_t nr = ic_image__nranges(img), nc = 0;
	struct l2cand *cands = calloc(IC_MAX_PGSCAN_CANDIDATES, sizeof(*cands));
	uint8_t *pg = malloc(PAGE);
	int err = -IC_ENOTFOUND;

	if (!cands || !pg) {
		free(cands);
		free(pg);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nr && nc < IC_MAX_PGSCAN_CANDIDATES; i++) {
		uint64_t first = ic_align_up(r[i].phys, PAGE);

		/* a range in the last page of 2^64: aligning up wrapped to 0, and the loop below
		 * would walk 2^52 pages from there (found by fuzz_kaslr) */
		if (first < r[i].phys)
			continue;
		for (uint64_t pa = first; pa + PAGE <= r[i].phys + r[i].len && pa >= first &&
					  nc < IC_MAX_PGSCAN_CANDIDATES;
		     pa += PAGE) {
			struct l2cand c = { .pa = pa };

			if (ic_image__read(img, pa, pg, PAGE) || !is_l2(&s, pg, &c))
				continue;
			if (known && (c.frame != k->phys_text ||
				      IC_X86_START_KERNEL_MAP + c.i0 * SZ_2M != k->runtime_text))
				continue;
			pr_debug(ctx, "kaslr: level2_kernel_pgt candidate at phys 0x%" PRIx64
				 ": PMD %u..%u -> phys 0x%" PRIx64, pa, c.i0, c.i1, c.frame);
			cands[nc++] = c;
		}
	}
	for (size_t i = 0; i < nc; i++) {
		uint64_t rt = k->runtime_text, pt = k->phys_text;

		k->runtime_text = IC_X86_START_KERNEL_MAP + cands[i].i0 * SZ_2M;
		k->phys_text = cands[i].frame;
		err = climb(&s, k, &cands[i]);
		if (!err) {
			pr_info(ctx, "kaslr: page tables by structure: level2_kernel_pgt at phys 0x%"
				PRIx64 ", root 0x%" PRIx64 " (%u levels)", cands[i].pa, k->pgd_phys,
				k->levels);
			break;
		}
		k->runtime_text = rt;
		k->phys_text = pt;
		if (err != -IC_ENOTFOUND)
			break;
	}
	if (err == -IC_ENOTFOUND)
		pr_debug(ctx, "kaslr: page-table scan: %zu level2 candidates, none climbs to a "
			 "root that maps _text", nc);
	free(cands);
	free(pg);
	return err;
}
