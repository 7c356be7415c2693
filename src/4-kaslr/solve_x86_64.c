/* SPDX-License-Identifier: MIT */
/* KASLR solver for x86-64: anchor virt<->phys, find the kernel page tables, undo the slide. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/kaslr.h"
#include "isfcarve/vmcoreinfo.h"
#include "0-base/internal.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"
#include "kaslr_internal.h"

#define MAP IC_X86_START_KERNEL_MAP

/*
 * The one relation everything hangs on (docs/kaslr.md): for an address inside the kernel
 * image, phys = virt - __START_KERNEL_map + phys_base. We carry it as delta = virt - phys =
 * __START_KERNEL_map - phys_base (mod 2^64), the same for every image symbol.
 */
struct solver {
	const struct ic_ctx *ctx;
	const struct ic_kaslr_input *in;
	struct ic_kaslr *k;
	bool have_delta;
	uint64_t delta;
	uint64_t sme_mask; /* AMD SME C-bit in page-table entries (VMCOREINFO NUMBER(sme_mask)) */
	uint64_t ko;       /* the KERNELOFFSET taken (link_base(): one of the copies' values) */
};

#define add_evidence(s, ...) ic_kaslr_evidence((s)->ctx, (s)->k, __VA_ARGS__)

static int sym_va(const struct solver *s, const char *name, uint64_t *va)
{
	return ic_kaslr_sym_va(s->in, s->have_delta, s->delta, name, va);
}

static const struct ic_vmcoreinfo *vi_of(const struct solver *s)
{
	return s->in->structure_only ? NULL : s->in->vmcoreinfo;
}

/*
 * phys_base self-check over the whole image: the 8-byte variable phys_base sits at physical
 * p = R(phys_base) - delta and holds MAP - delta, so u64[p] == p - R(phys_base) + MAP. A
 * random match is ~2^-64 per position. Every hit is a candidate delta (several kernels).
 */
static int scan_phys_base(struct solver *s, uint64_t r_phys_base, uint64_t *cands, size_t *ncand,
			  size_t max)
{
	const struct ic_image *img = s->in->img;
	const struct ic_range *r = ic_image__ranges(img);
	size_t nr = ic_image__nranges(img);
	uint8_t *buf = malloc(1u << 20);

	if (!buf)
		return -ENOMEM;
	*ncand = 0;
	for (size_t i = 0; i < nr; i++) {
		for (uint64_t off = 0; off < r[i].len; off += 1u << 20) {
			uint64_t base = r[i].phys + off;
			size_t n = (size_t)(r[i].len - off < (1u << 20) ? r[i].len - off : (1u << 20));

			if (ic_image__read(img, base, buf, n))
				continue;
			for (size_t j = 0; j + 8 <= n; j += 8) {
				uint64_t v = ic_get_le64(buf + j);

				if (v == base + j - r_phys_base + MAP && *ncand < max) {
					cands[(*ncand)++] = r_phys_base - (base + j);
					pr_debug(s->ctx, "kaslr: phys_base self-check hit at phys 0x%" PRIx64
						 " (phys_base 0x%" PRIx64 ")", base + j, v);
				}
			}
		}
	}
	free(buf);
	return 0;
}

/* Try the tables at pgd: the level count (4, then 5) whose walk of runtime _text lands on
 * phys _text. 0 on success (k->mmu, k->levels set). */
static int try_pgd(struct solver *s, uint64_t pgd, unsigned want_levels)
{
	struct ic_kaslr *k = s->k;

	for (unsigned levels = 4; levels <= 5; levels++) {
		struct ic_mmu m;
		struct ic_xlate x;

		if (want_levels && levels != want_levels)
			continue;
		if (ic_mmu__init(&m, &ic_arch_x86_64, s->in->img, pgd, levels))
			continue;
		m.clear_mask = s->sme_mask;
		if (ic_mmu__translate(&m, k->runtime_text, &x) || x.phys != k->phys_text)
			continue;
		k->mmu = m;
		k->levels = levels;
		k->pgd_phys = pgd;
		return 0;
	}
	return -IC_ENOTFOUND;
}

/* Compare the walk of a runtime address with the physical address it must have. */
static int check_walk(struct solver *s, const char *what, uint64_t va, uint64_t want_pa)
{
	struct ic_xlate x;
	int err = ic_mmu__translate(&s->k->mmu, va, &x);

	if (err)
		return add_evidence(s, what, false, "walk of 0x%" PRIx64 " failed: %s", va,
				    ic_strerror(err));
	return add_evidence(s, what, x.phys == want_pa,
			    "0x%" PRIx64 " -> phys 0x%" PRIx64 ", expected 0x%" PRIx64, va, x.phys,
			    want_pa);
}

/* Step 1: the virt<->phys anchor (delta) and runtime _text. */
static int anchor(struct solver *s)
{
	const struct ic_kaslr_input *in = s->in;
	const struct ic_vmcoreinfo *vi = vi_of(s);
	struct ic_kaslr *k = s->k;
	uint64_t pb, v, pa, r;

	if (vi && !ic_vmcoreinfo__u64(vi, "NUMBER(phys_base)", &pb)) {
		s->delta = MAP - pb;
		s->have_delta = true;
		k->method = "vmcoreinfo";
		return 0;
	}
	if (in->structure_only)
		return -IC_ENOTFOUND;
	/* 7.0+ place-relative kallsyms: symbols have physical addresses; phys_base's own value
	 * gives delta. */
	if (!in->sym_virt && in->sym_phys && !in->sym_phys(in->sym_arg, "phys_base", &pa) &&
	    !ic_image__read_u64(in->img, pa, &v) && (v & 0xfff) == 0) {
		s->delta = MAP - v;
		s->have_delta = true;
		k->method = "kallsyms-phys+phys_base";
		return 0;
	}
	/* pre-7.0 kallsyms: runtime addresses; the banner's physical position gives delta,
	 * confirmed by phys_base's value when that symbol is there. */
	if (in->sym_virt && in->have_banner &&
	    !in->sym_virt(in->sym_arg, "linux_banner", &r)) {
		uint64_t d = r - in->banner_phys, rp;

		if (in->sym_virt(in->sym_arg, "phys_base", &rp) ||
		    (!ic_image__read_u64(in->img, rp - d, &v) && v == MAP - d)) {
			s->delta = d;
			s->have_delta = true;
			k->method = "kallsyms+linux_banner";
			return 0;
		}
		pr_info(s->ctx, "kaslr: banner at phys 0x%" PRIx64 " is not the one phys_base "
			"agrees with; scanning for phys_base", in->banner_phys);
	}
	if (in->sym_virt && !in->sym_virt(in->sym_arg, "phys_base", &r)) {
		uint64_t cands[16];
		size_t n = 0;
		int err = scan_phys_base(s, r, cands, &n, IC_ARRAY_SIZE(cands));

		if (err)
			return err;
		if (n == 1 || n > 1) {
			/* Several kernels: keep the first whose page tables are consistent;
			 * decided later in solve() if none can be checked here. */
			uint64_t rt, rpgd;

			for (size_t i = 0; i < n; i++) {
				if (sym_va(s, "_text", &rt) || sym_va(s, "init_top_pgt", &rpgd))
					break;
				k->runtime_text = rt;
				k->phys_text = rt - cands[i];
				if (!try_pgd(s, rpgd - cands[i], 0)) {
					s->delta = cands[i];
					s->have_delta = true;
					k->method = "kallsyms+phys_base-scan";
					return 0;
				}
			}
			if (n > 1) {
				pr_warn(s->ctx, "kaslr: %zu phys_base self-check hits and no page "
					"tables to choose between them", n);
				return -IC_EAMBIGUOUS;
			}
			s->delta = cands[0];
			s->have_delta = true;
			k->method = "kallsyms+phys_base-scan";
			return 0;
		}
	}
	return -IC_ENOTFOUND;
}

static int runtime_text(struct solver *s)
{
	const struct ic_vmcoreinfo *vi = vi_of(s);
	struct ic_kaslr *k = s->k;
	uint64_t v, ko;

	if (!sym_va(s, "_text", &v)) {
		k->runtime_text = v;
		return 0;
	}
	/* On x86-64 _stext == _text (both at the start of .text, head_64.S first). */
	if (vi && !ic_vmcoreinfo__u64(vi, "SYMBOL(_stext)", &v)) {
		k->runtime_text = v;
		return 0;
	}
	if (vi && !ic_vmcoreinfo__u64(vi, "KERNELOFFSET", &ko)) {
		/* the caller's link _text (--map's) when there is one, as arm64 does: the
		 * default would make a map of another CONFIG_PHYSICAL_START look wrong */
		uint64_t link = s->in->link_text ? s->in->link_text : IC_X86_DEFAULT_LINK_TEXT;

		k->runtime_text = link + ko;
		k->runtime_text_assumed = true;
		pr_warn(s->ctx, "kaslr: runtime _text assumed = %s link _text 0x%" PRIx64 " + "
			"KERNELOFFSET", s->in->link_text ? "the given" : "the default", link);
		return 0;
	}
	return -IC_ENOTFOUND;
}

/* Step 2: the kernel's top-level page table. */
static int find_tables(struct solver *s)
{
	const struct ic_vmcoreinfo *vi = vi_of(s);
	unsigned want = 0;
	uint64_t v;

	if (vi && !ic_vmcoreinfo__u64(vi, "NUMBER(pgtable_l5_enabled)", &v))
		want = v ? 5 : 4;
	if (vi && (!ic_vmcoreinfo__u64(vi, "SYMBOL(init_top_pgt)", &v) ||
		   !ic_vmcoreinfo__u64(vi, "SYMBOL(swapper_pg_dir)", &v))) {
		if (!try_pgd(s, v - s->delta, want))
			return 0;
		pr_warn(s->ctx, "kaslr: VMCOREINFO init_top_pgt 0x%" PRIx64 " (phys 0x%" PRIx64
			") does not map _text", v, v - s->delta);
	}
	if (!sym_va(s, "init_top_pgt", &v) || !sym_va(s, "swapper_pg_dir", &v)) {
		if (!try_pgd(s, v - s->delta, want))
			return 0;
		pr_warn(s->ctx, "kaslr: kallsyms init_top_pgt 0x%" PRIx64 " (phys 0x%" PRIx64
			") does not map _text", v, v - s->delta);
	}
	return -IC_ENOTFOUND;
}

/* Step 3: the cross-checks. */
static int cross_check(struct solver *s)
{
	const struct ic_kaslr_input *in = s->in;
	const struct ic_vmcoreinfo *vi = vi_of(s);
	struct ic_kaslr *k = s->k;
	uint64_t v, r;
	int err = 0;

	if (k->levels) {
		err = err ?: check_walk(s, "pgtable:_text", k->runtime_text, k->phys_text);
		if (in->have_banner && !sym_va(s, "linux_banner", &r))
			err = err ?: check_walk(s, "pgtable:linux_banner", r, in->banner_phys);
		if (in->have_btf && !sym_va(s, "__start_BTF", &r))
			err = err ?: check_walk(s, "pgtable:__start_BTF", r, in->btf_phys);
	}
	if (in->have_banner && !sym_va(s, "linux_banner", &r))
		err = err ?: add_evidence(s, "image:linux_banner", r - s->delta == in->banner_phys,
					  "linux_banner 0x%" PRIx64 " - delta = phys 0x%" PRIx64
					  ", banner found at 0x%" PRIx64, r, r - s->delta,
					  in->banner_phys);
	if (!sym_va(s, "phys_base", &r)) {
		int rerr = k->levels ? ic_mmu__read_u64(&k->mmu, r, &v)
				     : ic_image__read_u64(in->img, r - s->delta, &v);

		if (rerr)
			err = err ?: add_evidence(s, "memory:phys_base", false,
						  "cannot read phys_base at 0x%" PRIx64 ": %s", r,
						  ic_strerror(rerr));
		else
			err = err ?: add_evidence(s, "memory:phys_base", v == k->phys_base,
						  "value 0x%" PRIx64 ", solved 0x%" PRIx64, v,
						  k->phys_base);
	}
	if (vi && !ic_vmcoreinfo__u64(vi, "SYMBOL(_stext)", &v) && !sym_va(s, "_stext", &r))
		err = err ?: add_evidence(s, "vmcoreinfo:_stext", v == r,
					  "VMCOREINFO 0x%" PRIx64 ", kallsyms 0x%" PRIx64, v, r);
	if (vi && !ic_vmcoreinfo__u64(vi, "KERNELOFFSET", &v) && !sym_va(s, "_text", &r)) {
		/* the value link_base() took: another copy's when the copies disagree */
		if (!strcmp(k->link_method, "vmcoreinfo"))
			v = s->ko;
		err = err ?: add_evidence(s, "vmcoreinfo:KERNELOFFSET", v == k->virtual_slide,
					  "KERNELOFFSET 0x%" PRIx64 ", kallsyms _text - link 0x%" PRIx64,
					  v, r - k->link_text);
	}
	if (vi && !ic_vmcoreinfo__u64(vi, "SYMBOL(init_top_pgt)", &v) && k->levels)
		err = err ?: add_evidence(s, "vmcoreinfo:init_top_pgt",
					  v - s->delta == k->pgd_phys,
					  "phys 0x%" PRIx64 ", tables used 0x%" PRIx64, v - s->delta,
					  k->pgd_phys);
	if (in->link_text && vi) /* without VMCOREINFO it is the link base itself */
		err = err ?: add_evidence(s, "input:link_text", in->link_text == k->link_text,
					  "%s _text 0x%" PRIx64 ", solved link _text 0x%" PRIx64,
					  in->link_text_source ? in->link_text_source : "given",
					  in->link_text, k->link_text);
	err = err ?: add_evidence(s, "slide:alignment",
				  (k->virtual_slide & (IC_X86_MIN_ALIGN - 1)) == 0 &&
					  k->virtual_slide < IC_X86_KERNEL_MAP_END - IC_X86_START_KERNEL_MAP,
				  "slide 0x%" PRIx64 " (2 MiB multiple below 1 GiB)", k->virtual_slide);
	if (!sym_va(s, "_end", &r))
		err = err ?: add_evidence(s, "slide:_end", r > k->runtime_text &&
						   r <= IC_X86_KERNEL_MAP_END,
					  "runtime _end 0x%" PRIx64 " inside the kernel map", r);
	return err;
}

/* The embedded config's link base: the kernel's own config only, as kallsyms places it
 * (ikconfig.c, the rule `isfcarve extract` uses too). */
static int ikconfig(const struct solver *s, uint64_t *link)
{
	return ic_kaslr_ikconfig(s->ctx, s->in, s->have_delta, s->delta, s->k->runtime_text,
				 s->k->phys_text, link);
}

/*
 * Step 4: link-time _text, hence the slide. KERNELOFFSET is one number in one text: a damaged
 * copy would move every symbol. So its link _text must be __START_KERNEL_map +
 * CONFIG_PHYSICAL_START: IKCONFIG's when the image embeds it, else the default 0x1000000
 * (docs/kaslr.md, "Link base checked").
 */
static int link_base(struct solver *s)
{
	struct ic_kaslr *k = s->k;

	if (ic_kaslr_link_known(vi_of(s), s->in, k)) {
		const struct ic_vmcoreinfo *vi = vi_of(s);
		uint64_t want = IC_X86_DEFAULT_LINK_TEXT;
		const char *src = "the default CONFIG_PHYSICAL_START 0x1000000";

		bool copies = vi && (vi->nalt || vi->nalt_more);

		s->ko = k->virtual_slide;
		/* A caller's link _text (--map's) is checked against the result as
		 * input:link_text; it never picks a VMCOREINFO copy itself (a stray copy with
		 * KERNELOFFSET 0 would then vouch for a runtime /proc/kallsyms). Copies that
		 * disagree are settled as without it, by the config or the default below. */
		if (strcmp(k->link_method, "vmcoreinfo") || (s->in->link_text && !copies))
			return 0;
		if (copies && k->runtime_text_assumed) {
			/* runtime _text was computed from one copy: every copy "agrees" with it */
			return ic_kaslr_copies_undecidable(s->ctx, k, "no kallsyms _text, no "
							   "SYMBOL(_stext)");
		}
		/* The default agreeing with the only value there is settles it; otherwise the
		 * config, when the image embeds it, says exactly (a scan of the kernel image). */
		if (k->link_text != IC_X86_DEFAULT_LINK_TEXT || (vi && vi->nalt)) {
			if (!ikconfig(s, &want))
				src = "IKCONFIG's CONFIG_PHYSICAL_START/_ALIGN";
			else
				src = "the default CONFIG_PHYSICAL_START 0x1000000 (no IKCONFIG)";
		}
		return ic_kaslr_link_settle(s->ctx, k, vi_of(s), &want, 1, src, &s->ko);
	}
	if (!ikconfig(s, &k->link_text)) {
		k->link_method = "ikconfig";
	} else {
		k->link_text = IC_X86_DEFAULT_LINK_TEXT;
		k->link_method = "default";
		k->link_text_assumed = true;
		pr_warn(s->ctx, "kaslr: no VMCOREINFO KERNELOFFSET: link-time _text assumed to be "
			"the x86-64 default 0x%" PRIx64 " (CONFIG_PHYSICAL_START=0x1000000)",
			k->link_text);
	}
	k->virtual_slide = k->runtime_text - k->link_text;
	return 0;
}

int ic_kaslr_x86_64_solve(const struct ic_ctx *ctx, const struct ic_kaslr_input *in,
			  struct ic_kaslr *k)
{
	struct solver s = { .ctx = ctx, .in = in, .k = k };
	int err;

	if (in->vmcoreinfo && !in->structure_only &&
	    ic_vmcoreinfo__u64(in->vmcoreinfo, "NUMBER(sme_mask)", &s.sme_mask))
		s.sme_mask = 0;
	if (s.sme_mask)
		pr_info(ctx, "kaslr: clearing the SME C-bit 0x%" PRIx64 " from page-table entries",
			s.sme_mask);

	err = anchor(&s);
	if (!err) {
		err = runtime_text(&s);
		if (err) /* info: the caller says "KASLR not solved" once (profile.c, live_kcore.c) */
			pr_info(ctx, "kaslr: no runtime _text (no kallsyms _text, no VMCOREINFO "
				"_stext)");
	}
	if (!err) {
		k->phys_text = k->runtime_text - s.delta;
		k->phys_base = MAP - s.delta;
		if (find_tables(&s))
			pr_warn(ctx, "kaslr: kernel page tables not found from symbols");
	}
	if (err == -IC_ENOTFOUND || (!err && !k->levels)) {
		/* Nothing symbolic, or symbols without tables: find the tables by structure. */
		int serr = ic_kaslr_pgscan(ctx, in->img, k, !err);

		if (!serr) {
			if (err) {
				k->method = "pgtable-scan";
				s.delta = k->runtime_text - k->phys_text;
				s.have_delta = true;
				k->phys_base = MAP - s.delta;
			}
			err = 0;
		} else if (err) {
			err = serr;
		}
	}
	if (err) { /* info: the caller says "KASLR not solved" once (profile.c, live_kcore.c) */
		pr_info(ctx, "kaslr: no anchor between virtual and physical addresses (no "
			"VMCOREINFO, no kallsyms linux_banner/phys_base, no kernel page tables)");
		return err;
	}
	err = link_base(&s) ?: cross_check(&s);
	if (err) {
		return err;
	}
	k->consistent = k->nevidence > 0 && k->levels != 0;
	for (size_t i = 0; i < k->nevidence; i++)
		k->consistent = k->consistent && k->evidence[i].ok;
	pr_info(ctx, "kaslr: %s: phys _text 0x%" PRIx64 ", runtime _text 0x%" PRIx64
		", link _text 0x%" PRIx64 " (%s), slide 0x%" PRIx64 ", %u-level tables at 0x%" PRIx64
		"%s", k->method, k->phys_text, k->runtime_text, k->link_text, k->link_method,
		k->virtual_slide, k->levels, k->pgd_phys, k->consistent ? "" : " (INCONSISTENT)");
	return 0;
}
