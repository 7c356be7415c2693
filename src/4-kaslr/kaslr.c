/* SPDX-License-Identifier: MIT */
/* ic_kaslr__solve(): picks the architecture's solver (solve_x86_64.c, kaslr_arm64.c) from the
 * evidence. The solvers share only core.c, which calls neither of them. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "isfcarve/kaslr.h"
#include "kaslr_internal.h"

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
	*out = k;
	return 0;
}
