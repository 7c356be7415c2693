/* SPDX-License-Identifier: MIT */
/* Fuzz target: the avml image reader(s) on arbitrary bytes, then reads across every range. */
#include "fuzz_image_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fmts[] = { "avml" };

	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		ic_fuzz_image(data, size, fmts[i]);
	return 0;
}
