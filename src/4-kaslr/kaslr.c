/* SPDX-License-Identifier: MIT */
/* ic_kaslr__solve(): picks the architecture's solver (solve_x86_64.c, kaslr_arm64.c) from the
 * evidence. The solvers share only core.c, which calls neither of them. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "isfcarve/kaslr.h"
#include "kaslr_internal.h"

/*
 * A cross-check that failed is evidence against the result, not a remark: before, it was
 * logged, the report said "consistent": false, and the profile was written with exit 0 (a
 * planted IKCONFIG gave a slide of the wrong alignment; a planted copy of the kallsyms tables
 * made the page tables' linux_banner and __start_BTF land elsewhere). Whatever failed and
 * nothing settled puts the slide in doubt, with the evidence named: the pipeline then writes
 * no kallsyms symbols (exit 3). Every check passes on all the real images we have (five
 * fixtures of 6.1-7.2, x86-64 and arm64; Ubuntu 4.4, 4.15, 5.15).
 */
static void disputed(struct ic_kaslr *k)
{
	size_t len = 0, n = 0;

	if (k->doubt[0])
		return;
	for (size_t i = 0; i < k->nevidence; i++) {
		const struct ic_kaslr_evidence *e = &k->evidence[i];
		int w;

		if (e->ok)
			continue;
		w = snprintf(k->doubt + len, sizeof(k->doubt) - len, "%s%s: MISMATCH (%s)",
			     n++ ? "; " : "cross-checks disagree: ", e->what, e->detail);
		if (w < 0 || (size_t)w >= sizeof(k->doubt) - len)
			break; /* the report lists every one */
		len += (size_t)w;
	}
}

int ic_kaslr__solve(const struct ic_ctx *ctx, const struct ic_kaslr_input *in,
		    struct ic_kaslr **out)
{
	struct ic_kaslr *k;
	int err;

	if (!in || !in->img || !out)
		return -EINVAL;
	*out = NULL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->pgd_phys = UINT64_MAX;
	if (ic_kaslr_arm64_detect(in))
		err = ic_kaslr_arm64_solve(ctx, in, k);
	else
		err = ic_kaslr_x86_64_solve(ctx, in, k);
	if (err) {
		ic_kaslr__free(k);
		return err;
	}
	disputed(k);
	*out = k;
	return 0;
}
