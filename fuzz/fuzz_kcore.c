/* SPDX-License-Identifier: MIT */
/* Fuzz target: the /proc/kcore reader (forced format), then one scan over what it accepted. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_open_scan(data, size, "kcore");
	return 0;
}
