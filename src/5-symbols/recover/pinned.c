/* SPDX-License-Identifier: MIT */
/* Recovery rules for symbols something pins directly: VMCOREINFO, the banner, the top table. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "isfcarve/banner.h"
#include "isfcarve/vmcoreinfo.h"
#include "recover_int.h"

/* VMCOREINFO SYMBOL(x) entries that are image objects (not pointer values like mem_section)
 * and real symbols (not macros: node_online_map is node_states[N_ONLINE]). */
int ic_rec_vmcoreinfo(struct ic_rec *r)
{
	static const char *const names[] = { "swapper_pg_dir", "init_top_pgt", "init_uts_ns",
					     "_stext", "prb",
					     "printk_rb_static", "clear_seq", "vmcoreinfo_data",
					     "node_data" };
	const struct ic_vmcoreinfo *vi = r->f->vmcoreinfo;
	int err = 0;

	if (!vi)
		return 0;
	for (size_t i = 0; i < IC_ARRAY_SIZE(names) && !err; i++) {
		char key[64];
		uint64_t v;

		snprintf(key, sizeof(key), "SYMBOL(%s)", names[i]);
		if (ic_rec_have(r, names[i]) || ic_vmcoreinfo__u64(vi, key, &v) ||
		    !ic_rec_va_ok(r, v))
			continue;
		/* x86-64 exports init_top_pgt under the name swapper_pg_dir (a #define there) */
		if (!r->k->arch && !strcmp(names[i], "swapper_pg_dir"))
			continue;
		err = ic_rec_add(r, names[i], v, strcmp(names[i], "_stext") ? 'D' : 'T',
				 "VMCOREINFO %s, walks to the image mapping", key);
	}
	return err;
}

int ic_rec_banner(struct ic_rec *r)
{
	const struct ic_banner_finding *b = r->f->banner;
	uint64_t va;

	if (!b || !b->linux_banner || ic_rec_have(r, "linux_banner"))
		return 0;
	va = b->phys + r->delta;
	if (!ic_rec_va_ok(r, va))
		return 0;
	return ic_rec_add(r, "linux_banner", va, 'D',
			  "the carved \"Linux version\" object (\\n\\0 end) at phys 0x%" PRIx64,
			  b->phys);
}

/* No VMCOREINFO: the top-level table the KASLR solver found (it maps _text). */
int ic_rec_top_table(struct ic_rec *r)
{
	uint64_t va = r->k->pgd_phys + r->delta;

	if (!r->k->levels || ic_rec_have(r, "swapper_pg_dir") || ic_rec_have(r, "init_top_pgt") ||
	    !ic_rec_va_ok(r, va))
		return 0;
	return ic_rec_add(r, r->k->arch ? "swapper_pg_dir" : "init_top_pgt", va, 'D',
			  "the kernel's top-level table found by the KASLR solver (maps _text)");
}
