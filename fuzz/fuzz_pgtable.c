/* SPDX-License-Identifier: MIT */
/* Fuzz target: page-table walks (4- and 5-level) over fuzzed "physical memory". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isfcarve/arch.h"
#include "isfcarve/error.h"
#include "isfcarve/image.h"

/*
 * Input: 16 bytes of control (root page index, levels bit, 8-byte VA seed), then the memory
 * image (raw, phys 0). Walks a spread of VAs derived from the seed plus the kernel text area;
 * every walk must end in a translation or one of the documented errors.
 */
static uint64_t rd64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/ic_fuzz_pgtable.XXXXXX";
	struct ic_image *img = NULL;
	struct ic_mmu m;
	uint64_t seed, root;
	unsigned levels;
	int fd;

	if (size < 16 + 8)
		return 0;
	root = (uint64_t)(data[0] | data[1] << 8) << 12;
	levels = (data[2] & 1) ? 5 : 4;
	seed = rd64(data + 8);
	fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data + 16, size - 16) != (ssize_t)(size - 16)) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if (ic_image__open_as(NULL, path, "raw", &img)) {
		unlink(path);
		return 0;
	}
	if (ic_mmu__init(&m, &ic_arch_x86_64, img, root, levels))
		abort();
	m.pa_bits = data[3] & 63;
	m.clear_mask = (data[4] & 1) ? 1ull << 47 : 0;
	for (unsigned i = 0; i < 256; i++) {
		uint64_t va = i < 128 ? seed * (i + 1) : 0xffffffff80000000ull + ((uint64_t)(i - 128) << 21);
		struct ic_xlate x;
		uint8_t buf[64];
		int err = ic_mmu__translate(&m, va, &x);

		if (err && err != -22 && err != -IC_ENOTFOUND && err != -IC_ETRUNC &&
		    err != -IC_EFORMAT)
			abort();
		if (!err) {
			if (x.page_size != 4096 && x.page_size != (2u << 20) && x.page_size != (1u << 30))
				abort();
			if ((x.phys & (x.page_size - 1)) != (va & (x.page_size - 1)))
				abort();
		}
		(void)ic_mmu__read(&m, va, buf, sizeof(buf));
	}
	ic_image__free(img);
	unlink(path);
	return 0;
}
