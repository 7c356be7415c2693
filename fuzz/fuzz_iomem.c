/* SPDX-License-Identifier: MIT */
/* Fuzz target: the /proc/iomem parser of live memory through BPF (src/1-image/bpf_live.c). */
#include <stdlib.h>

#include "1-image/bpf_live.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ic_iomem io; /* 64 KiB: not on the stack */
	size_t line;
	int err = ic_iomem_parse((const char *)data, size, &io, &line);

	/* Invariants: RAM ranges are [lo, hi) with lo < hi, within the ceiling; the kernel's span
	 * is not empty; a format error names a line of the input. */
	if (!err) {
		if (!io.nram || io.nram > IC_MAX_IOMEM_RAM || io.kernel_end <= io.code)
			abort();
		for (size_t i = 0; i < io.nram; i++)
			if (io.ram[i].lo >= io.ram[i].hi)
				abort();
	} else if (err == -IC_EFORMAT && (!line || line > size)) {
		abort();
	}
	return 0;
}
