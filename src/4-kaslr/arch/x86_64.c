/* SPDX-License-Identifier: MIT */
/* x86-64 page-table walk (4-level and 5-level/LA57) over the physical memory of an image. */
#include <errno.h>

#include "isfcarve/arch.h"
#include "0-base/internal.h"
#include "0-base/reader.h"

/*
 * A page-table entry (Intel SDM vol. 3, 4.5):
 *
 *   63  62..59  58..52  51 ........................ 12  11..9  8  7   6 5  4   3   2  1  0
 *  +--+-------+-------+--------------------------------+------+--+---+-+-+---+---+--+--+--+
 *  |NX| PKEY  | avail |  physical address (to MAXPHY)  | avail| G|PS/|D|A|PCD|PWT|US|RW| P|
 *  |  |       |       |                                |      |  |PAT| | |   |   |  |  |  |
 *  +--+-------+-------+--------------------------------+------+--+---+-+-+---+---+--+--+--+
 *
 * In a 2 MiB or 1 GiB leaf (PS=1) bit 12 is PAT, and bits 20:13 / 29:13 are reserved (zero).
 * PS is reserved in PML5 and PML4 entries. The kernel may encrypt-tag entries with the SME
 * C-bit or the TDX shared bit: the caller passes those in mmu->clear_mask.
 */
#define PTE_P (1ull << 0)
#define PTE_PS (1ull << 7)
#define PTE_ADDR_4K 0x000ffffffffff000ull
#define PTE_ADDR_2M 0x000fffffffe00000ull
#define PTE_ADDR_1G 0x000fffffc0000000ull
#define PTE_RSVD_2M 0x00000000001fe000ull /* bits 20:13 */
#define PTE_RSVD_1G 0x000000003fffe000ull /* bits 29:13 */

static bool canonical(uint64_t va, unsigned levels)
{
	unsigned top = levels == 5 ? 56 : 47;
	uint64_t hi = va >> top; /* bits 63..top must all equal bit top */

	return hi == 0 || hi == (UINT64_MAX >> top);
}

static int x86_64_walk(const struct ic_mmu *m, uint64_t va, struct ic_xlate *out)
{
	uint64_t pa_mask = PTE_ADDR_4K;
	uint64_t table = m->root & PTE_ADDR_4K;
	unsigned level;

	if (m->levels != 4 && m->levels != 5)
		return -EINVAL;
	if (!canonical(va, m->levels))
		return -EINVAL;
	if (m->pa_bits && m->pa_bits < 52)
		pa_mask &= (1ull << m->pa_bits) - 1;
	pa_mask &= ~m->clear_mask;

	/* Exactly `levels` reads: the walk cannot loop whatever the entries point at. */
	for (level = m->levels; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t idx = (va >> shift) & 511;
		uint8_t raw[8];
		uint64_t e;
		int err;

		err = ic_image__read(m->img, table + idx * 8, raw, sizeof(raw));
		if (err)
			return err == -IC_ENOTFOUND ? -IC_ETRUNC : err;
		e = ic_get_le64(raw);
		if (!(e & PTE_P))
			return -IC_ENOTFOUND;
		if (level == 1 || ((e & PTE_PS) && (level == 2 || level == 3))) {
			uint64_t size = 1ull << shift;
			uint64_t base;

			if (level == 1) {
				base = e & pa_mask;
			} else if (level == 2) {
				if (e & PTE_RSVD_2M)
					return -IC_EFORMAT;
				base = e & pa_mask & PTE_ADDR_2M;
			} else {
				if (e & PTE_RSVD_1G)
					return -IC_EFORMAT;
				base = e & pa_mask & PTE_ADDR_1G;
			}
			out->phys = base | (va & (size - 1));
			out->page_size = size;
			out->entry = e;
			out->level = level;
			return 0;
		}
		if (e & PTE_PS) /* PS in a PML5/PML4 entry is reserved */
			return -IC_EFORMAT;
		table = e & pa_mask;
	}
	return -IC_EFORMAT; /* not reached: level 1 always returns */
}

const struct ic_arch ic_arch_x86_64 = {
	.name = "x86_64",
	.ptr_size = 8,
	.walk = x86_64_walk,
	.min_levels = 4,
	.max_levels = 5,
};
