/* SPDX-License-Identifier: MIT */
/* Test helpers for synthetic "physical memory": little-endian 64-bit slots and a raw image of it. */
#ifndef IC_TEST_PHYS_MEM_H
#define IC_TEST_PHYS_MEM_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "isfcarve/image.h"

static inline void pm_put64(uint8_t *mem, uint64_t pa, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		mem[pa + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t pm_get64(const uint8_t *mem, uint64_t pa)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | mem[pa + (uint64_t)i];
	return v;
}

/* mem[0, size) into a temp file made from the mkstemp template path, opened as a raw image
 * (caller: ic_image__free, unlink(path)). Exits the test on failure. */
static inline struct ic_image *pm_image(const uint8_t *mem, size_t size, char *path)
{
	struct ic_image *img = NULL;
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, mem, size) != (ssize_t)size) {
		perror("temp image");
		exit(1);
	}
	close(fd);
	if (ic_image__open_as(NULL, path, "raw", &img)) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(1);
	}
	return img;
}

/* A writable in-memory copy of img's ranges, *offs[i] where range i starts in it, *total bytes
 * (at most 1 GiB; NULL otherwise or on a failed read). Open it again with ic_image__open_mem(). */
static inline uint8_t *pm_copy_image(const struct ic_image *img, uint64_t **offs, size_t *total)
{
	const struct ic_range *r = ic_image__ranges(img);
	size_t n = ic_image__nranges(img);
	uint8_t *buf;

	*total = 0;
	*offs = calloc(n ? n : 1, sizeof(**offs));
	if (!*offs)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		(*offs)[i] = *total;
		*total += (size_t)r[i].len;
	}
	buf = *total <= (1u << 30) ? malloc(*total ? *total : 1) : NULL;
	for (size_t i = 0; buf && i < n; i++)
		if (ic_image__read(img, r[i].phys, buf + (*offs)[i], (size_t)r[i].len)) {
			free(buf);
			buf = NULL;
		}
	return buf;
}

/* Where phys lies in such a copy, for len bytes inside one range; NULL otherwise. */
static inline uint8_t *pm_at_phys(const struct ic_image *img, uint8_t *buf, const uint64_t *offs,
				  uint64_t phys, size_t len)
{
	const struct ic_range *r = ic_image__ranges(img);

	for (size_t i = 0; i < ic_image__nranges(img); i++)
		if (phys >= r[i].phys && phys - r[i].phys + len <= r[i].len)
			return buf + offs[i] + (phys - r[i].phys);
	return NULL;
}

#endif
