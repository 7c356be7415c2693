/* SPDX-License-Identifier: MIT */
/* The carver registry, in finish() order: a carver may read the slots of those before it. */
#include "isfcarve/carver.h"

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
