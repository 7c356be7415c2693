// SPDX-License-Identifier: MIT
/* Fuzz target: banner version reader and type-expression parser/formatter on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "isfcarve/symdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_typeexpr te, te2;
	char buf[IC_TYPEEXPR_MAX_LEN + 128];
	const char *s = (const char *)data;
	uint32_t kv = ic_kver_from_banner(s, size);

	/* A version must look like one: the lookup with it is then well-defined. */
	if (kv && (kv >> 16) < 2)
		__builtin_trap();
	(void)ic_symdb__lookup(kv, "init_task");
	(void)ic_symdb__lookup_arch(IC_SYMDB_ARM64, kv, "init_task");
	if (ic_typeexpr__parse(s, size, &te) == 0) {
		int n = ic_typeexpr__format(&te, buf, sizeof(buf));
		const char *m;
		size_t pos = 0, len;

		/* Canonical text re-parses to the same structure and formats identically. */
		if (n < 0 || ic_typeexpr__parse(buf, (size_t)n, &te2) != 0 || te2.nsteps != te.nsteps ||
		    te2.kind != te.kind || te2.ptr_depth != te.ptr_depth || te2.ndims != te.ndims)
			__builtin_trap();
		for (unsigned k = 0; k < te.nsteps; k++)
			if (te.steps[k].op != te2.steps[k].op || te.steps[k].count != te2.steps[k].count)
				__builtin_trap();
		while (ic_typeexpr__next_member(&te, &pos, &m, &len))
			if (m < s || m + len > s + size)
				__builtin_trap();
	}
	return 0;
}
