/* SPDX-License-Identifier: MIT */
/* Fuzz target: arm64 TTBR1 walks (every granule, VA size, LPA2) over fuzzed "physical memory". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isfcarve/arch.h"
#include "isfcarve/error.h"
#include "isfcarve/image.h"

/*
 * Input: 16 bytes of control (root page index 0-1, granule 2, VA bits 3, LPA2 4, 8-byte VA
 * seed at 8), then the memory image (raw, phys 0). Every walk must end in a translation with
 * a page size the layout allows, or one of the documented errors; never a crash or a hang.
 */
static uint64_t rd64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int size_ok(unsigned g, uint64_t size)
{
	for (unsigned level = 1; level <= 5; level++)
		if (size == 1ull << (g + (g - 3) * (level - 1)))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned granules[3] = { 12, 14, 16 };
	char path[] = "/tmp/ic_fuzz_pgarm64.XXXXXX";
	struct ic_image *img = NULL;
	struct ic_mmu m;
	uint64_t seed, root;
	unsigned g, va_bits;
	int fd;

	if (size < 16 + 8)
		return 0;
	root = (uint64_t)(data[0] | data[1] << 8) << 12;
	g = granules[data[2] % 3];
	va_bits = 36 + data[3] % 17;
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
	if (ic_mmu__init_arm64(&m, img, root, g, va_bits, data[4] & 1)) {
		/* refused combinations (52-bit without LPA2 on 4K/16K, LPA2 on 64K) */
		ic_image__free(img);
		unlink(path);
		return 0;
	}
	m.pa_bits = data[5] & 63;
	for (unsigned i = 0; i < 256; i++) {
		uint64_t va = i < 128 ? seed * (i + 1)
				      : (~0ull << va_bits) + ((uint64_t)(i - 128) << (va_bits - 8));
		struct ic_xlate x;
		uint8_t buf[64];
		int err = ic_mmu__translate(&m, va, &x);

		if (err && err != -22 && err != -IC_ENOTFOUND && err != -IC_ETRUNC &&
		    err != -IC_EFORMAT)
			abort();
		if (!err) {
			if (!size_ok(g, x.page_size) || x.level < 1 || x.level > m.levels)
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
