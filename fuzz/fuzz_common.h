/* SPDX-License-Identifier: MIT */
/* Fuzz helpers: an in-memory file (memfd) so image readers can open fuzz input by path. */
#ifndef IC_FUZZ_COMMON_H
#define IC_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "isfcarve/banner.h"
#include "isfcarve/btf.h"
#include "isfcarve/btf_finding.h"
#include "isfcarve/carver.h"
#include "isfcarve/error.h"
#include "isfcarve/image.h"

/* Write data to a memfd; path gets "/proc/self/fd/N". Returns the fd or -1. */
static inline int fz_memfd(const uint8_t *data, size_t size, char *path, size_t n)
{
	int fd = memfd_create("fuzz", 0);

	if (fd < 0)
		return -1;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, n, "/proc/self/fd/%d", fd);
	return fd;
}

/* Invariants of any opened image: sorted, disjoint ranges whose bytes are all readable. */
static inline void fz_check_image(const struct ic_image *img)
{
	const struct ic_range *r = ic_image__ranges(img);
	uint64_t sum = 0;

	for (size_t i = 0; i < ic_image__nranges(img); i++) {
		uint8_t b;

		if (!r[i].len)
			abort();
		if (i && r[i].phys - r[i - 1].phys < r[i - 1].len)
			abort();
		if (ic_image__read(img, r[i].phys, &b, 1) || ic_image__read(img, r[i].phys + r[i].len - 1, &b, 1))
			abort();
		sum += r[i].len;
	}
	if (sum != ic_image__bytes(img))
		abort();
}

/* Findings invariants: the BTF bytes validate, the banner text is what it says. */
static inline void fz_check_findings(const struct ic_findings *f)
{
	if (f->btf && ic_btf__validate(f->btf->data, (size_t)f->btf->size, NULL))
		abort();
	if (f->banner && (f->banner->len < f->banner->line_len || f->banner->text[f->banner->len] != '\0'))
		abort();
}

/* Open data as format fmt (NULL = detect), check invariants, scan with one thread. */
static inline void fz_open_scan(const uint8_t *data, size_t size, const char *fmt)
{
	struct ic_ctx ctx = { 0 };
	struct ic_image *img = NULL;
	struct ic_findings f;
	char path[64];
	int fd = fz_memfd(data, size, path, sizeof(path));

	if (fd < 0)
		return;
	ctx.threads = 1;
	if (!(fmt ? ic_image__open_as(&ctx, path, fmt, &img) : ic_image__open(&ctx, path, &img))) {
		fz_check_image(img);
		if (!ic_scan(&ctx, img, &f))
			fz_check_findings(&f);
		ic_findings__release(&f);
	}
	ic_image__free(img);
	close(fd);
}

#endif
