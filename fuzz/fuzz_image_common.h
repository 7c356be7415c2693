/* SPDX-License-Identifier: MIT */
/* Shared body of the image-format fuzz targets: open bytes as a format, check ranges, read them. */
#ifndef IC_FUZZ_IMAGE_COMMON_H
#define IC_FUZZ_IMAGE_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "isfcarve/error.h"
#include "isfcarve/image.h"

/* Work cap per input so the fuzzer stays fast: bytes read back through the format. */
#define IC_FUZZ_READ_BUDGET (8u << 20)

static inline void ic_fuzz_image(const uint8_t *data, size_t size, const char *fmt)
{
	struct ic_ctx ctx = { 0 }; /* silent */
	struct ic_image *img = NULL;
	char path[64];
	int fd, err;
	size_t budget = IC_FUZZ_READ_BUDGET;
	static uint8_t buf[1 << 16];

	/* the image API maps a file: give it an anonymous in-memory one */
	fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err = ic_image__open_as(&ctx, path, fmt, &img);
	if (!err) {
		const struct ic_range *r = ic_image__ranges(img);
		const uint8_t *np;
		size_t nlen;

		for (size_t i = 0; i < ic_image__nranges(img); i++) {
			if (!r[i].len || (i && r[i].phys < r[i - 1].phys + r[i - 1].len))
				abort(); /* ranges must be sorted, non-empty, disjoint */
			for (uint64_t o = 0; o < r[i].len && budget; o += sizeof(buf)) {
				size_t n = r[i].len - o < sizeof(buf) ? (size_t)(r[i].len - o) : sizeof(buf);

				/* an odd offset and length exercise the partial-page (cached) path */
				err = ic_image__read(img, r[i].phys + o + (n > 3), buf, n > 3 ? n - 3 : n);
				if (err && err != -IC_EFORMAT && err != -IC_ETRUNC && err != -IC_EUNSUPP &&
				    err != -ENOMEM)
					abort();
				budget = budget > n ? budget - n : 0;
			}
		}
		ic_image__notes(img, &np, &nlen);
		if (nlen && !np)
			abort();
	} else if (err > 0) {
		abort();
	}
	ic_image__free(img);
	close(fd);
}

#endif
