/* SPDX-License-Identifier: MIT */
/* Fuzz target: the range index (sorting, overlap/bounds checks, cross-range reads) and a scan. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

/*
 * Input: n (1 byte, mod 17), then n records of phys (u64 LE), len (u16 LE, scaled by 64) and
 * buffer offset (u16 LE), then the backing bytes. Ranges may overlap, wrap, or point past the
 * buffer: the index must refuse those with an error and accept the rest.
 */
static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_ctx ctx = { .threads = 1 };
	struct ic_range r[16];
	uint64_t offs[16];
	struct ic_image *img = NULL;
	struct ic_findings f;
	size_t n, hdr;
	uint8_t buf[256];

	if (size < 1)
		return 0;
	n = data[0] % 17;
	hdr = 1 + n * 12;
	if (size < hdr)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = data + 1 + i * 12;

		r[i].phys = le(p, 8);
		r[i].len = le(p + 8, 2) * 64;
		offs[i] = le(p + 10, 2);
	}
	if (ic_image__open_mem(&ctx, "fuzz", data + hdr, size - hdr, n ? r : NULL, n ? offs : NULL, n, &img))
		return 0;
	fz_check_image(img);
	/* Reads and views that straddle each range's ends (holes must be reported, never read). */
	for (size_t i = 0; i < ic_image__nranges(img); i++) {
		const struct ic_range *q = &ic_image__ranges(img)[i];
		uint64_t ends[2] = { q->phys - 7, q->phys + q->len - 9 };

		for (unsigned k = 0; k < 2; k++) {
			const uint8_t *v;

			(void)ic_image__read(img, ends[k], buf, 16);
			v = ic_image__view(img, ends[k], sizeof(buf), buf);
			if (v && !ic_image__read(img, ends[k], buf, sizeof(buf)) && memcmp(v, buf, sizeof(buf)))
				abort();
			(void)ic_image__ptr(img, ends[k], 16);
		}
	}
	if (!ic_scan(&ctx, img, &f))
		fz_check_findings(&f);
	ic_findings__release(&f);
	ic_image__free(img);
	return 0;
}
