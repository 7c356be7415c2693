/* SPDX-License-Identifier: MIT */
/* The KASLR stage of the pipeline: solver inputs from the carvers' findings, result back in. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/banner.h"
#include "isfcarve/btf_finding.h"
#include "isfcarve/carver.h"
#include "isfcarve/kallsyms.h"
#include "isfcarve/kaslr.h"
#include "isfcarve/slots.h"
#include "0-base/internal.h"

static int ks_lookup(const struct ic_kallsyms *ks, const char *name, uint64_t *addr)
{
	long i = ic_kallsyms__find(ks, name);

	if (i < 0)
		return -IC_ENOTFOUND;
	*addr = ks->syms[i].addr;
	return 0;
}

static int ks_virt(void *arg, const char *name, uint64_t *va)
{
	return ks_lookup(arg, name, va);
}

static int ks_phys(void *arg, const char *name, uint64_t *pa)
{
	return ks_lookup(arg, name, pa);
}

void ic_kaslr__input_from_findings(const struct ic_findings *f, const struct ic_image *img,
				   struct ic_kaslr_input *in)
{
	memset(in, 0, sizeof(*in));
	in->img = img;
	in->vmcoreinfo = f->vmcoreinfo;
	if (f->kallsyms && f->kallsyms->nsyms) {
		in->sym_arg = f->kallsyms;
		/* Place-relative (7.0+) tables decode to physical addresses until a virtual base
		 * is known; everything else is runtime virtual already. */
		if (f->kallsyms->addr_is_phys)
			in->sym_phys = ks_phys;
		else
			in->sym_virt = ks_virt;
	}
	if (f->banner && f->banner->linux_banner) {
		in->have_banner = true;
		in->banner_phys = f->banner->phys;
	}
	/* a banner in doubt names no release the solver may lean on */
	if (f->banner && f->banner->release[0] && !f->banner->doubt[0])
		in->release = f->banner->release;
	if (f->btf) {
		in->have_btf = true;
		in->btf_phys = f->btf->phys;
	}
}

int ic_kaslr__run(const struct ic_ctx *ctx, const struct ic_image *img, struct ic_findings *f,
		  uint64_t link_text, const char *link_text_source)
{
	struct ic_kaslr_input in;
	struct ic_kaslr *k = NULL;
	int err;

	ic_kaslr__input_from_findings(f, img, &in);
	in.link_text = link_text;
	in.link_text_source = link_text_source;
	err = ic_kaslr__solve(ctx, &in, &k);
	f->status[IC_SLOT_KASLR] = err;
	if (err)
		return err;
	ic_kaslr__free(f->kaslr);
	f->kaslr = k;
	/* Place-relative kallsyms learn their virtual base from us. */
	if (f->kallsyms && f->kallsyms->addr_is_phys)
		ic_kallsyms__set_delta(f->kallsyms, k->runtime_text - k->phys_text, "kaslr");
	return 0;
}

/* Frees every slot: the carvers' (their free_finding, in registry order) and the later stages'.
 * It lives here, on the first floor above the carvers that owns a slot of its own. */
void ic_findings__release(struct ic_findings *f)
{
	if (!f)
		return;
	for (unsigned k = 0; ic_carvers[k]; k++)
		if (ic_carvers[k]->free_finding)
			ic_carvers[k]->free_finding(f);
	ic_kaslr__free(f->kaslr); /* the KASLR stage's slot (this file) */
	free(f->recovered);        /* 5-symbols/recover (a plain array) */
	memset(f, 0, sizeof(*f));
}
