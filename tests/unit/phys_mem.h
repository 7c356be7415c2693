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

#endif
