/* SPDX-License-Identifier: MIT */
/* Fuzz target: page-table walks (4- and 5-level) over fuzzed "physical memory". */
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_pgtable_common.h"

/*
 * Input (fuzz_pgtable_common.h): control byte 2 bit 0 = 5 levels, byte 3 = PA bits, byte 4
 * bit 0 = clear bit 47 (SME/TDX style mask). Walks a spread of VAs derived from the seed plus
 * the kernel text area; every walk must end in a translation or one of the documented errors.
 */
static bool x86_page_ok(const struct ic_mmu *m, const struct ic_xlate *x, const void *arg)
{
	(void)m;
	(void)arg;
	return x->page_size == 4096 || x->page_size == (2u << 20) || x->page_size == (1u << 30);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_mmu m;
	uint64_t seed, root;
	int fd;
	struct ic_image *img = fz_pgt_image(data, size, &fd);

	if (!img)
		return 0;
	root = (uint64_t)(data[0] | data[1] << 8) << 12;
	seed = fz_rd64(data + 8);
	if (ic_mmu__init(&m, &ic_arch_x86_64, img, root, (data[2] & 1) ? 5 : 4))
		abort();
	m.pa_bits = data[3] & 63;
	m.clear_mask = (data[4] & 1) ? 1ull << 47 : 0;
	for (unsigned i = 0; i < 256; i++)
		fz_pgt_walk(&m, i < 128 ? seed * (i + 1)
					: 0xffffffff80000000ull + ((uint64_t)(i - 128) << 21),
			    x86_page_ok, NULL);
	ic_image__free(img);
	close(fd);
	return 0;
}
