/* SPDX-License-Identifier: MIT */
/* Fuzz target: BTF candidates: the input placed at an odd physical offset of a raw image, scanned. */
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* 13 bytes of zeros before the blob: candidates never start at the image start, and a
	 * blob that claims more than is there runs into the end of the image. */
	uint8_t *buf = calloc(1, size + 13);

	if (!buf)
		return 0;
	memcpy(buf + 13, data, size);
	fz_open_scan(buf, size + 13, "raw");
	free(buf);
	return 0;
}
