/* SPDX-License-Identifier: MIT */
/* Fuzz target: arm64 TTBR1 walks (every granule, VA size, LPA2) over fuzzed "physical memory". */
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_pgtable_common.h"

/*
 * Input (fuzz_pgtable_common.h): control byte 2 = granule, 3 = VA bits, 4 bit 0 = LPA2,
 * 5 = PA bits. Every walk must end in a translation with a page size the layout allows, or one
 * of the documented errors; never a crash or a hang.
 */
static bool arm64_page_ok(const struct ic_mmu *m, const struct ic_xlate *x, const void *arg)
{
	unsigned g = *(const unsigned *)arg;

	if (x->level < 1 || x->level > m->levels)
		return false;
	for (unsigned level = 1; level <= 5; level++)
		if (x->page_size == 1ull << (g + (g - 3) * (level - 1)))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned granules[3] = { 12, 14, 16 };
	struct ic_mmu m;
	uint64_t seed, root;
	unsigned g, va_bits;
	int fd;
	struct ic_image *img = fz_pgt_image(data, size, &fd);

	if (!img)
		return 0;
	root = (uint64_t)(data[0] | data[1] << 8) << 12;
	g = granules[data[2] % 3];
	va_bits = 36 + data[3] % 17;
	seed = fz_rd64(data + 8);
	if (ic_mmu__init_arm64(&m, img, root, g, va_bits, data[4] & 1)) {
		/* refused combinations (52-bit without LPA2 on 4K/16K, LPA2 on 64K) */
		ic_image__free(img);
		close(fd);
		return 0;
	}
	m.pa_bits = data[5] & 63;
	for (unsigned i = 0; i < 256; i++)
		fz_pgt_walk(&m, i < 128 ? seed * (i + 1)
					: (~0ull << va_bits) + ((uint64_t)(i - 128) << (va_bits - 8)),
			    arm64_page_ok, &g);
	ic_image__free(img);
	close(fd);
	return 0;
}
