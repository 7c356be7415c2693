/* SPDX-License-Identifier: MIT */
/* Fuzz target: the BTFHub archive reader (tar, and xz around it) of src/0-base/tarxz.c. */
#include <stdlib.h>
#include <string.h>

#include "0-base/tarxz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ic_ctx ctx;
	struct ic_tar_member m;

	/* the one file lies inside the tar, and its name is a C string of at most the ceiling */
	if (!ic_tar__single(&ctx, data, size, "fuzz", &m)) {
		if (m.len > size || strlen(m.name) > IC_MAX_TAR_NAME)
			abort();
		free(m.data);
	}
	if (ic_tarxz__is_xz(data, size) && !ic_tarxz__single(&ctx, data, size, "fuzz", &m)) {
		if (m.len > IC_MAX_TARXZ_BYTES)
			abort();
		free(m.data);
	}
	return 0;
}
