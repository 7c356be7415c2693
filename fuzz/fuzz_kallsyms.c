/* SPDX-License-Identifier: MIT */
/* Fuzz the kallsyms finder/decoder over fuzzed "physical memory" (the input is a raw image). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/carver.h"
#include "isfcarve/image.h"
#include "isfcarve/kallsyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t digits[20] = { '0', 0, '1', 0, '2', 0, '3', 0, '4', 0,
					    '5', 0, '6', 0, '7', 0, '8', 0, '9', 0 };
	struct ic_ctx ctx = { .threads = 1 };
	struct ic_image *img = NULL;
	const uint8_t *p = data;
	unsigned tries = 0;

	if (!size || ic_image__open_mem(&ctx, "fuzz", data, size, NULL, NULL, 0, &img))
		return 0;
	/* Every digit run is a candidate, as in the scan pass (bounded per input). */
	while (tries++ < 8 && (size_t)(data + size - p) >= sizeof(digits) &&
	       (p = memmem(p, (size_t)(data + size - p), digits, sizeof(digits)))) {
		struct ic_kallsyms *k = NULL;

		if (!ic_kallsyms__decode(&ctx, img, (uint64_t)(p - data), NULL, &k)) {
			if (k->nsyms != k->num_syms || !k->nsyms)
				abort();
			for (size_t i = 0; i < k->nsyms; i++)
				if (!k->syms[i].name || (i && k->syms[i].addr < k->syms[i - 1].addr &&
							 !k->have_delta))
					abort();
			for (unsigned t = 0; t < IC_KTAB__COUNT; t++)
				if (k->tables[t].name && (k->tables[t].phys > size ||
							  k->tables[t].size > size - k->tables[t].phys))
					abort();
			ic_kallsyms__free(k);
		}
		p++;
	}
	ic_image__free(img);
	return 0;
}
