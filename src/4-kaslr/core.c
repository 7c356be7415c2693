/* SPDX-License-Identifier: MIT */
/* The KASLR core both architecture solvers use: evidence, link-time _text from VMCOREINFO,
 * symbol lookups, and the result's lifetime and report. It calls into neither solver. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/kaslr.h"
#include "isfcarve/vmcoreinfo.h"
#include "0-base/internal.h"
#include "0-base/json.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"
#include "kaslr_internal.h"

int ic_kaslr_evidence_v(const struct ic_ctx *ctx, struct ic_kaslr *k, const char *what, bool ok,
			const char *fmt, va_list ap)
{
	struct ic_kaslr_evidence *ev, *e;

	if (k->nevidence >= IC_MAX_KASLR_EVIDENCE)
		return 0;
	ev = ic_reallocarray(k->evidence, k->nevidence + 1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	k->evidence = ev;
	e = &ev[k->nevidence++];
	memset(e, 0, sizeof(*e));
	snprintf(e->what, sizeof(e->what), "%s", what);
	e->ok = ok;
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	if (ok)
		pr_info(ctx, "kaslr: %s: ok (%s)", e->what, e->detail);
	else
		pr_warn(ctx, "kaslr: %s: MISMATCH (%s)", e->what, e->detail);
	return 0;
}

int ic_kaslr_evidence(const struct ic_ctx *ctx, struct ic_kaslr *k, const char *what, bool ok,
		      const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = ic_kaslr_evidence_v(ctx, k, what, ok, fmt, ap);
	va_end(ap);
	return err;
}

bool ic_kaslr_link_known(const struct ic_vmcoreinfo *vi, const struct ic_kaslr_input *in,
			 struct ic_kaslr *k)
{
	uint64_t ko;

	if (vi && !ic_vmcoreinfo__u64(vi, "KERNELOFFSET", &ko)) {
		k->virtual_slide = ko;
		k->link_text = k->runtime_text - ko;
		k->link_method = "vmcoreinfo";
		return true;
	}
	if (in->link_text) {
		k->link_text = in->link_text;
		k->link_method = in->link_text_source ? in->link_text_source : "input";
		k->virtual_slide = k->runtime_text - k->link_text;
		return true;
	}
	return false;
}

int ic_kaslr_copies_undecidable(const struct ic_ctx *ctx, struct ic_kaslr *k, const char *lacking)
{
	snprintf(k->doubt, sizeof(k->doubt), "VMCOREINFO copies disagree on KERNELOFFSET and "
		 "runtime _text could not be read (%s) to tell which is right", lacking);
	return ic_kaslr_evidence(ctx, k, "link:_text", false, "%s", k->doubt);
}

static bool is_wanted(uint64_t link, const uint64_t *want, unsigned nwant)
{
	for (unsigned i = 0; i < nwant; i++)
		if (link == want[i])
			return true;
	return false;
}

int ic_kaslr_link_settle(const struct ic_ctx *ctx, struct ic_kaslr *k,
			 const struct ic_vmcoreinfo *vi, const uint64_t *want, unsigned nwant,
			 const char *want_src, uint64_t *ko_used)
{
	uint64_t ko, link;
	unsigned match = 0, pick = 0;
	char where[IC_VMCOREINFO_WHERE_MAX];
	bool main_ok;
	int err;

	if (!vi || !k->link_method || strcmp(k->link_method, "vmcoreinfo") ||
	    ic_vmcoreinfo__u64(vi, "KERNELOFFSET", &ko))
		return 0; /* link _text not from KERNELOFFSET: nothing here to settle */
	*ko_used = ko;
	main_ok = is_wanted(k->link_text, want, nwant);
	for (unsigned i = 0; i < vi->nalt; i++)
		if (is_wanted(k->runtime_text - vi->alt[i].kerneloffset, want, nwant)) {
			match++;
			pick = i;
		}
	if (main_ok && !match) {
		err = ic_kaslr_evidence(ctx, k, "link:_text", true, "_text - KERNELOFFSET = 0x%" PRIx64
					", as %s says", k->link_text, want_src);
		if (!err && (vi->nalt || vi->nalt_more))
			err = ic_kaslr_evidence(ctx, k, "vmcoreinfo:copies", true, "KERNELOFFSET 0x%"
						PRIx64 " (%u places) kept; %u other value(s), first 0x%"
						PRIx64 " (%s, %u places): wrong link _text",
						ko, vi->places, vi->nalt + vi->nalt_more,
						vi->alt[0].kerneloffset,
						ic_vmcoreinfo__where(vi->alt[0].phys, where),
						vi->alt[0].places);
		return err;
	}
	if (!main_ok && match == 1 && !vi->nalt_more) {
		const struct ic_vmcoreinfo_alt *a = &vi->alt[pick];

		err = ic_kaslr_evidence(ctx, k, "vmcoreinfo:copies", true, "KERNELOFFSET 0x%" PRIx64
					" (%u places): link _text 0x%" PRIx64 ", wrong; 0x%" PRIx64
					" (%s, %u places): right, taken", ko, vi->places, k->link_text,
					a->kerneloffset, ic_vmcoreinfo__where(a->phys, where),
					a->places);
		k->virtual_slide = a->kerneloffset;
		k->link_text = k->runtime_text - a->kerneloffset;
		*ko_used = a->kerneloffset;
		pr_warn(ctx, "kaslr: VMCOREINFO copies disagree; KERNELOFFSET 0x%" PRIx64 " taken: "
			"its link _text 0x%" PRIx64 " is what %s says", a->kerneloffset, k->link_text,
			want_src);
		return err ?: ic_kaslr_evidence(ctx, k, "link:_text", true, "_text - KERNELOFFSET = "
						"0x%" PRIx64 ", as %s says", k->link_text,
						want_src);
	}
	/* Nothing independent agrees with exactly one value: the slide is not known. */
	link = k->link_text;
	if (vi->nalt)
		snprintf(k->doubt, sizeof(k->doubt), "VMCOREINFO copies disagree on KERNELOFFSET "
			 "(0x%" PRIx64 " at %u places, 0x%" PRIx64 " at %s%s) and %s "
			 "(link _text 0x%" PRIx64 ") settles %s", ko, vi->places,
			 vi->alt[0].kerneloffset, ic_vmcoreinfo__where(vi->alt[0].phys, where),
			 vi->nalt + vi->nalt_more > 1 ? ", more" : "", want_src, want[0],
			 match ? "more than one" : "none of them");
	else
		snprintf(k->doubt, sizeof(k->doubt), "VMCOREINFO KERNELOFFSET 0x%" PRIx64 " puts "
			 "link _text at 0x%" PRIx64 ", but %s says 0x%" PRIx64, ko, link, want_src,
			 want[0]);
	return ic_kaslr_evidence(ctx, k, "link:_text", false, "%s", k->doubt);
}

int ic_kaslr_sym_va(const struct ic_kaslr_input *in, bool have_delta, uint64_t delta,
		    const char *name, uint64_t *va)
{
	uint64_t pa;

	if (in->structure_only)
		return -IC_ENOTFOUND;
	if (in->sym_virt)
		return in->sym_virt(in->sym_arg, name, va);
	if (in->sym_phys && have_delta && !in->sym_phys(in->sym_arg, name, &pa)) {
		*va = pa + delta;
		return 0;
	}
	return -IC_ENOTFOUND;
}

void ic_kaslr__free(struct ic_kaslr *k)
{
	if (!k)
		return;
	free(k->evidence);
	free(k);
}

void ic_kaslr__report_json(struct ic_json *j, const struct ic_kaslr *k)
{
	if (!k) {
		ic_json_null(j);
		return;
	}
	ic_json_obj_begin(j);
	ic_json_kv_hex(j, "virtual_slide", k->virtual_slide);
	ic_json_kv_hex(j, "phys_text", k->phys_text);
	ic_json_kv_hex(j, "runtime_text", k->runtime_text);
	ic_json_kv_hex(j, "link_text", k->link_text);
	ic_json_kv_hex(j, "phys_base", k->phys_base);
	ic_json_kv_str(j, "method", k->method);
	ic_json_kv_str(j, "link_method", k->link_method);
	ic_json_kv_bool(j, "link_text_assumed", k->link_text_assumed);
	ic_json_kv_bool(j, "runtime_text_assumed", k->runtime_text_assumed);
	if (ic_json_kv_obj(j, "page_tables", k->levels ? k : NULL)) {
		ic_json_kv_hex(j, "root", k->pgd_phys);
		ic_json_kv_u64(j, "levels", k->levels);
		ic_json_obj_end(j);
	}
	if (k->arch) {
		ic_json_kv_str(j, "arch", k->arch);
		ic_json_kv_hex(j, "kimage_voffset", k->kimage_voffset);
		ic_json_key(j, "phys_offset");
		if (k->phys_offset != UINT64_MAX)
			ic_json_hex(j, k->phys_offset);
		else
			ic_json_null(j);
		ic_json_kv_u64(j, "va_bits", k->va_bits);
		ic_json_kv_u64(j, "page_size", k->page_shift ? 1ull << k->page_shift : 0);
		ic_json_kv_bool(j, "lpa2", k->lpa2);
	}
	ic_json_kv_bool(j, "consistent", k->consistent);
	ic_json_kv_str(j, "doubt", k->doubt[0] ? k->doubt : NULL); /* null: the slide stands */
	ic_json_key(j, "evidence");
	ic_json_arr_begin(j);
	for (size_t i = 0; i < k->nevidence; i++) {
		ic_json_obj_begin(j);
		ic_json_kv_str(j, "check", k->evidence[i].what);
		ic_json_kv_bool(j, "ok", k->evidence[i].ok);
		ic_json_kv_str(j, "detail", k->evidence[i].detail);
		ic_json_obj_end(j);
	}
	ic_json_arr_end(j);
	ic_json_obj_end(j);
}
