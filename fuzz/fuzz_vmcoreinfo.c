/* SPDX-License-Identifier: MIT */
/* Fuzz target: the VMCOREINFO parser and its typed reads, and the carver over a raw image. */
#include <string.h>

#include "fuzz_common.h"
#include "isfcarve/vmcoreinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_vmcoreinfo *vi = NULL;
	uint64_t v, s, e;

	if (!ic_vmcoreinfo__parse((const char *)data, size, &vi)) {
		if (!vi->nentries || vi->len > size || strlen(vi->text) != vi->len)
			abort();
		for (size_t i = 0; i < vi->nentries; i++) {
			if (!ic_vmcoreinfo__get(vi, vi->entries[i].key))
				abort();
			(void)ic_vmcoreinfo__u64(vi, vi->entries[i].key, &v);
		}
		(void)ic_vmcoreinfo__image_span(vi, &s, &e);
		ic_vmcoreinfo__free(vi);
	}
	fz_open_scan(data, size, "raw");
	return 0;
}
