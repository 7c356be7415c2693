/* SPDX-License-Identifier: MIT */
/* Fuzz target: the arm64 KASLR solver, also forced on inputs the detector would give to x86-64. */
#include "fuzz_solver_common.h"
#include "4-kaslr/kaslr_internal.h"

/*
 * Input: fuzz_solver_common.h; seeds from the arm64 fixture (with and without VMCOREINFO, with
 * and without _text, structure-only). When ic_kaslr_arm64_detect() says "not arm64", the arm64
 * solver still runs on the same input (as structure-only mode would on a stripped image), so
 * every mutation reaches it.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_ctx ctx = fzs_ctx();
	struct ic_kaslr_input in;
	struct ic_kaslr *k;
	struct fzs s;

	if (fzs_parse(&ctx, data, size, &s)) {
		fzs_free(&s);
		return 0;
	}
	ic_kaslr__input_from_findings(&s.f, s.img, &in);
	in.structure_only = s.flags & FZS_STRUCTURE;
	in.link_text = (s.flags & FZS_LINK_TEXT) ? s.link_text : 0;
	in.link_text_source = "fuzz";
	if (ic_kaslr_arm64_detect(&in)) {
		(void)fzs_solve(&ctx, &s);
	} else if ((k = calloc(1, sizeof(*k)))) {
		int err;

		k->pgd_phys = UINT64_MAX;
		err = ic_kaslr_arm64_solve(&ctx, &in, k);
		if (!err)
			fzs_check_kaslr(k);
		else if (err > 0 || err == -EINVAL)
			abort();
		ic_kaslr__free(k);
	}
	fzs_free(&s);
	return 0;
}
