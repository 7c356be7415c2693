/* SPDX-License-Identifier: MIT */
/* Fuzz target: ELF vmlinux reader (headers, sections, segments, address lookup, banner). */
#include <stdint.h>
#include <string.h>

#include "isfcarve/vmlinux.h"
#include "0-base/ic_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every pointer handed out must lie inside the input. */
static void inside(const uint8_t *data, size_t size, const uint8_t *p, size_t n)
{
	if (p < data || (size_t)(p - data) > size || n > size - (size_t)(p - data))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t probes[] = { 0, 0xc1000000ull, 0xc1000008ull, 0xc2000010ull,
					   0xffffffff81000000ull, 0xffffffff82000000ull };
	struct ic_vmlinux *v = NULL;
	const uint8_t *p;
	size_t n;

	if (ic_vmlinux__open(NULL, data, size, "fuzz", &v))
		return 0;
	if (!ic_vmlinux__section(v, ".BTF", &p, &n))
		inside(data, size, p, n);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		if (!ic_vmlinux__at(v, probes[i], &p, &n))
			inside(data, size, p, n);
		if (!ic_vmlinux__banner(NULL, v, probes[i], &p, &n)) {
			inside(data, size, p, n);
			if (n > IC_MAX_BANNER_LEN || n < 2 || p[n - 1] || p[n - 2] != '\n')
				__builtin_trap();
		}
	}
	ic_vmlinux__free(v);
	return 0;
}
