/* SPDX-License-Identifier: MIT */
/* AArch64 stage-1 page-table walk (TTBR1, 4K/16K/64K granules, 36..52-bit VA, LPA/LPA2). */
#include <errno.h>
#include <string.h>

#include "isfcarve/arch.h"
#include "0-base/internal.h"
#include "0-base/reader.h"

/*
 * Descriptors (Arm ARM D8.3, VMSAv8-64):
 *
 *   bits 1:0   0b11 table (levels above the last) or page (last level);
 *              0b01 block (only at the levels that allow blocks); bit 0 clear = invalid
 *   bits 63:50 upper attributes (UXN 54, PXN 53, Contiguous 52, DBM 51, GP 50) in leaves;
 *              NSTable/APTable/UXNTable/PXNTable in table descriptors
 *   bits 11:2  lower attributes (nG 11, AF 10, SH 9:8, AP 7:6, NS 5, AttrIndx 4:2)
 *
 * Output address (OA), for a granule of 2^g bytes:
 *   classic 48-bit:  OA[47:g]  = desc[47:g]
 *   64K with 52-bit PA (FEAT_LPA): OA[51:48] = desc[15:12], OA[47:16] = desc[47:16]
 *   4K/16K with LPA2: OA[49:g] = desc[49:g], OA[51:50] = desc[9:8] (SH moves to TCR)
 *
 * Each level resolves g-3 VA bits; the top level resolves what is left of va_bits. A
 * contiguous-hint entry still holds its own OA, so walking entry by entry is exact; we
 * report the size of the one entry (a read that crosses it walks again).
 */
#define D_VALID 0x1ull
#define D_TABLE 0x2ull

static unsigned levels_for(unsigned g, unsigned va_bits)
{
	unsigned per = g - 3;

	return (va_bits - g + per - 1) / per;
}

int ic_mmu__init_arm64(struct ic_mmu *m, const struct ic_image *img, uint64_t root,
		       unsigned page_shift, unsigned va_bits, bool lpa2)
{
	unsigned levels;
	int err;

	if (page_shift != 12 && page_shift != 14 && page_shift != 16)
		return -EINVAL;
	/* TxSZ 12..28 without FEAT_TTST; 52-bit needs LPA2 (4K/16K) or a 64K granule. */
	if (va_bits < 36 || va_bits > 52 || (va_bits > 48 && page_shift != 16 && !lpa2))
		return -EINVAL;
	if (lpa2 && page_shift == 16)
		return -EINVAL;
	levels = levels_for(page_shift, va_bits);
	err = ic_mmu__init(m, &ic_arch_arm64, img, root, levels);
	if (err)
		return err;
	m->page_shift = page_shift;
	m->va_bits = va_bits;
	m->lpa2 = lpa2;
	return 0;
}

/* The output (or next-table) address in a descriptor, aligned to `size`. */
static uint64_t desc_oa(const struct ic_mmu *m, uint64_t d, uint64_t size)
{
	uint64_t oa;

	if (m->lpa2) {
		oa = d & 0x0003fffffffff000ull;        /* bits 49:12 */
		oa |= ((d >> 8) & 3ull) << 50;         /* bits 9:8 -> 51:50 */
	} else if (m->page_shift == 16) {
		oa = d & 0x0000ffffffff0000ull;        /* bits 47:16 */
		oa |= ((d >> 12) & 0xfull) << 48;      /* bits 15:12 -> 51:48 */
	} else {
		oa = d & 0x0000fffffffff000ull;        /* bits 47:12 */
	}
	oa &= ~(size - 1);
	if (m->pa_bits && m->pa_bits < 52)
		oa &= (1ull << m->pa_bits) - 1;
	return oa & ~m->clear_mask;
}

/*
 * Where blocks are allowed (level numbering as struct ic_xlate: 1 = last level). 4K: L1
 * (1 GiB) and L2 (2 MiB), plus L0 (512 GiB) with LPA2; 16K: L2 (32 MiB), plus L1 (64 GiB)
 * with LPA2; 64K: L2 (512 MiB), plus L1 (4 TiB) with 52-bit PA.
 */
static bool block_ok(const struct ic_mmu *m, unsigned level)
{
	if (m->page_shift == 12)
		return level == 2 || level == 3 || (m->lpa2 && level == 4);
	if (m->page_shift == 14)
		return level == 2 || (m->lpa2 && level == 3);
	return level == 2 || level == 3;
}

static int arm64_walk(const struct ic_mmu *m, uint64_t va, struct ic_xlate *out)
{
	unsigned g = m->page_shift, per = g - 3;
	uint64_t table = m->root;
	unsigned level;

	if ((g != 12 && g != 14 && g != 16) || m->va_bits < 36 || m->va_bits > 52 ||
	    m->levels != levels_for(g, m->va_bits))
		return -EINVAL;
	/* TTBR1: bits 63..va_bits all ones (no tag: callers strip TBI/PAC bits first). */
	if ((va >> m->va_bits) != (UINT64_MAX >> m->va_bits))
		return -EINVAL;
	/* The root table is aligned to its own size (at least 64 bytes) */
	table &= ~(uint64_t)63;

	/* Exactly `levels` reads: the walk cannot loop whatever the entries point at. */
	for (level = m->levels; level >= 1; level--) {
		unsigned shift = g + per * (level - 1);
		unsigned bits = level == m->levels ? m->va_bits - shift : per;
		uint64_t idx = (va >> shift) & ((1ull << bits) - 1);
		uint64_t size = 1ull << shift;
		uint8_t raw[8];
		uint64_t d;
		int err;

		err = ic_image__read(m->img, table + idx * 8, raw, sizeof(raw));
		if (err)
			return err == -IC_ENOTFOUND ? -IC_ETRUNC : err;
		d = ic_get_le64(raw);
		if (!(d & D_VALID))
			return -IC_ENOTFOUND;
		if (level == 1) {
			if (!(d & D_TABLE)) /* 0b01 at the last level is reserved */
				return -IC_EFORMAT;
		} else if (!(d & D_TABLE)) {
			if (!block_ok(m, level))
				return -IC_EFORMAT;
		} else {
			table = desc_oa(m, d, 1ull << g);
			continue;
		}
		out->phys = desc_oa(m, d, size) | (va & (size - 1));
		out->page_size = size;
		out->entry = d;
		out->level = level;
		return 0;
	}
	return -IC_EFORMAT; /* not reached: level 1 always returns */
}

const struct ic_arch ic_arch_arm64 = {
	.name = "arm64",
	.ptr_size = 8,
	.walk = arm64_walk,
	.min_levels = 2, /* 64K granule, 42-bit VA */
	.max_levels = 5, /* 4K granule, 52-bit VA with LPA2 */
};
