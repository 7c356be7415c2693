/* SPDX-License-Identifier: MIT */
/* Architecture interface for kernel page tables: virtual -> physical over a memory image. */
#ifndef ISFCARVE_ARCH_H
#define ISFCARVE_ARCH_H

#include <stdbool.h>

#include "isfcarve/common.h"
#include "isfcarve/image.h"

struct ic_mmu;

/* Result of one translation. */
struct ic_xlate {
	uint64_t phys;      /* physical address of the byte at va */
	uint64_t page_size; /* size of the leaf mapping: 4 KiB, 2 MiB, 1 GiB (x86-64) */
	uint64_t entry;     /* raw leaf entry (protection bits: NX, RW, US, PKEY ...) */
	unsigned level;     /* level of the leaf: 1 = PTE, 2 = PMD, 3 = PUD */
};

/*
 * One page-table format. walk() must be bounded (a fixed number of levels, so a walk
 * cannot loop however the tables point at each other) and must return an error, never
 * crash, on garbage:
 *   -EINVAL        va is not canonical for this paging mode
 *   -IC_ENOTFOUND  va is not mapped (an entry on the way is not present)
 *   -IC_ETRUNC     a table page is not in the image (a hole)
 *   -IC_EFORMAT    an entry has reserved bits set (not a real page table)
 */
struct ic_arch {
	const char *name;   /* "x86_64" */
	unsigned ptr_size;  /* bytes in a pointer */
	int (*walk)(const struct ic_mmu *mmu, uint64_t va, struct ic_xlate *out);
	/* Levels the arch supports; ic_mmu.levels must be one of [min_levels, max_levels]. */
	unsigned min_levels, max_levels;
};

IC_API extern const struct ic_arch ic_arch_x86_64;
/* AArch64 stage-1 TTBR1 (kernel half) walk; set it up with ic_mmu__init_arm64. */
IC_API extern const struct ic_arch ic_arch_arm64;

/* A translation context: the tables rooted at `root` (physical) inside img. Plain data, no
 * ownership: the caller keeps img alive. */
struct ic_mmu {
	const struct ic_arch *arch;
	const struct ic_image *img;
	uint64_t root;      /* physical address of the top-level table (CR3 without flags) */
	unsigned levels;    /* x86-64: 4, or 5 with LA57 */
	unsigned pa_bits;   /* physical-address width (MAXPHYADDR); 0 = the architectural 52 */
	uint64_t clear_mask; /* bits to clear from every entry's address (SME C-bit, TDX shared) */
	/* arm64 only (ic_mmu__init_arm64): translation granule, TTBR1 VA size (64 - T1SZ), and
	 * the descriptor format (LPA2: output address bits 51:50 in descriptor bits 9:8). */
	unsigned page_shift; /* 12, 14 or 16 */
	unsigned va_bits;    /* 36..52 */
	bool lpa2;
};

/* Fill *m for arch over img; pa_bits 0 = architectural maximum. -EINVAL for bad levels. */
IC_API int ic_mmu__init(struct ic_mmu *m, const struct ic_arch *arch, const struct ic_image *img,
			uint64_t root, unsigned levels);
/* arm64: levels follow from page_shift and va_bits; lpa2 selects the 52-bit descriptor
 * format of 4K/16K granules (64K granules always take PA bits 51:48 from bits 15:12).
 * -EINVAL for an unsupported combination. */
IC_API int ic_mmu__init_arm64(struct ic_mmu *m, const struct ic_image *img, uint64_t root,
			      unsigned page_shift, unsigned va_bits, bool lpa2);
/* Translate va (see struct ic_arch for the errors). */
IC_API int ic_mmu__translate(const struct ic_mmu *m, uint64_t va, struct ic_xlate *out);
/* Physical address of va, or UINT64_MAX. */
IC_API uint64_t ic_mmu__v2p(const struct ic_mmu *m, uint64_t va);
/* Copy [va, va+len) through the tables, page by page (pages need not be physically adjacent).
 * 0, or the first translation/read error. */
IC_API int ic_mmu__read(const struct ic_mmu *m, uint64_t va, void *buf, size_t len);
/* Read one little-endian u64 at va. */
IC_API int ic_mmu__read_u64(const struct ic_mmu *m, uint64_t va, uint64_t *out);

#endif
