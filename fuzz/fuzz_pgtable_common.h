/* SPDX-License-Identifier: MIT */
/* Fuzz helpers shared by the x86-64 and arm64 page-table targets: input layout and one checked walk. */
#ifndef IC_FUZZ_PGTABLE_COMMON_H
#define IC_FUZZ_PGTABLE_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "isfcarve/arch.h"
#include "isfcarve/error.h"
#include "isfcarve/image.h"

/* Both targets: 16 bytes of control (root page index in bytes 0-1, an 8-byte VA seed at 8,
 * the rest per target), then the memory image (raw, phys 0). */
#define FZ_PGT_CONTROL 16

static inline uint64_t fz_rd64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The bytes after the control block as a raw image (through a memfd: close *fd after
 * ic_image__free). NULL when the input is too short or cannot be opened. */
static inline struct ic_image *fz_pgt_image(const uint8_t *data, size_t size, int *fd)
{
	struct ic_image *img = NULL;
	char path[64];

	*fd = -1;
	if (size < FZ_PGT_CONTROL + 8)
		return NULL;
	*fd = fz_memfd(data + FZ_PGT_CONTROL, size - FZ_PGT_CONTROL, path, sizeof(path));
	if (*fd < 0)
		return NULL;
	if (ic_image__open_as(NULL, path, "raw", &img)) {
		close(*fd);
		*fd = -1;
		return NULL;
	}
	return img;
}

/* One walk: a translation whose page passes page_ok and keeps the in-page offset, or one of
 * the documented errors; then a read through the same walk. Anything else aborts. */
static inline void fz_pgt_walk(const struct ic_mmu *m, uint64_t va,
			       bool (*page_ok)(const struct ic_mmu *m, const struct ic_xlate *x,
					       const void *arg),
			       const void *arg)
{
	struct ic_xlate x;
	uint8_t buf[64];
	int err = ic_mmu__translate(m, va, &x);

	if (err && err != -22 && err != -IC_ENOTFOUND && err != -IC_ETRUNC && err != -IC_EFORMAT)
		abort();
	if (!err) {
		if (!page_ok(m, &x, arg))
			abort();
		if ((x.phys & (x.page_size - 1)) != (va & (x.page_size - 1)))
			abort();
	}
	(void)ic_mmu__read(m, va, buf, sizeof(buf));
}

#endif
