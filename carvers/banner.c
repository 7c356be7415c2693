/* SPDX-License-Identifier: MIT */
/* banner carver: placeholder until its implementation lands (finds nothing). */
#include "isfcarve/carver.h"
#include "isfcarve/slots.h"
#include "isfcarve/error.h"

static int banner_finish(const struct ic_ctx *ctx, const struct ic_image *img, void *const *states,
			unsigned nstates, struct ic_findings *out)
{
	(void)ctx; (void)img; (void)states; (void)nstates; (void)out;
	return -IC_ENOTFOUND;
}

const struct ic_carver ic_carver_banner = {
	.name = "banner",
	.desc = "not implemented yet",
	.slot = IC_SLOT_BANNER,
	.finish = banner_finish,
};
