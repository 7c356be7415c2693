/* SPDX-License-Identifier: MIT */
/* The carver registry, in finish() order: a carver may read the slots of those before it. */
#include "isfcarve/carver.h"
#include "isfcarve/same_kernel.h"
#include "2-scan/scan.h"

extern const struct ic_carver ic_carver_vmcoreinfo;
extern const struct ic_carver ic_carver_btf;
extern const struct ic_carver ic_carver_kallsyms;
extern const struct ic_carver ic_carver_banner;

const struct ic_carver *const ic_carvers[] = {
	&ic_carver_vmcoreinfo, /* identity and table addresses: read by the others */
	&ic_carver_kallsyms,   /* before btf: __start_BTF and _text.._end tie the BTF to this kernel */
	&ic_carver_btf,
	&ic_carver_banner,     /* picks the running kernel's copy using all of the above */
	NULL,
};

/* The scan with this registry, then the check that the pieces belong to one kernel
 * (same_kernel.c): the scan engine below knows no carver by name. */
int ic_scan(const struct ic_ctx *ctx, const struct ic_image *img, struct ic_findings *out)
{
	int err = ic_scan__carvers(ctx, img, ic_carvers, out);

	if (!err)
		ic_same_kernel__check(ctx, img, out);
	return err;
}
