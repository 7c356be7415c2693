/* SPDX-License-Identifier: MIT */
/* Fuzz target: the x86-64 KASLR solver (ic_kaslr__run, or structure-only) over crafted findings + memory. */
#include "fuzz_solver_common.h"

/* Input: fuzz_solver_common.h. Seeds: fuzz/make_corpus_solvers.py (real fixtures, pages the
 * solver read, findings as the carvers gave them). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_ctx ctx = fzs_ctx();
	struct fzs s;

	if (!fzs_parse(&ctx, data, size, &s))
		(void)fzs_solve(&ctx, &s);
	fzs_free(&s);
	return 0;
}
