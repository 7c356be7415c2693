/* SPDX-License-Identifier: MIT */
/* Fuzz target: the banner carver (and the others) over the input as a raw image. */
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_open_scan(data, size, "raw");
	return 0;
}
