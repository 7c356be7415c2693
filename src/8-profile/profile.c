/* SPDX-License-Identifier: MIT */
/* The image -> ISF pipeline: scan, carvers, KASLR, link-time symbol table, BTF types, ISF. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/banner.h"
#include "isfcarve/btf.h"
#include "isfcarve/btf_finding.h"
#include "isfcarve/kallsyms.h"
#include "isfcarve/isf.h"
#include "isfcarve/kaslr.h"
#include "isfcarve/profile.h"
#include "isfcarve/recover.h"
#include "isfcarve/same_kernel.h"
#include "isfcarve/slots.h"
#include "isfcarve/symbols.h"
#include "isfcarve/symdb.h"
#include "isfcarve/symdir.h"
#include "isfcarve/vmcoreinfo.h"
#include "0-base/btf/btf_trust.h"
#include "0-base/ic_limits.h"
#include "0-base/internal.h"
#include "extbtf.h"
#include "percpu.h"
#include "symdir_read.h"

/* Does the caller's opts (of size opts->sz) reach field? */
#define HAS_OPT(o, field) \
	((o)->sz >= offsetof(struct ic_profile_opts, field) + sizeof((o)->field))

/* Append one "what is missing; what to supply" clause to p->missing. */
static void missing(struct ic_profile *p, const char *what)
{
	size_t n = strlen(p->missing);

	snprintf(p->missing + n, sizeof(p->missing) - n, "%s%s", n ? "; " : "", what);
}

/* kallsyms (runtime addresses) -> link-time table: minus the slide, except the per-CPU
 * absolute entries ('A', x86-64 before 6.15), which already are link-time values. The
 * kallsyms_* tables themselves are not listed by kallsyms: add them (if not already there). */
/* Data objects some kernels' kallsyms type as text (7.x x86-64 lists init_task as 'T'):
 * withheld too when emulating a kernel without CONFIG_KALLSYMS_ALL. */
static bool is_data_object(const char *name)
{
	return ic_recover__is_recoverable(name);
}

static int kallsyms_to_link(const struct ic_ctx *ctx, struct ic_profile *p, bool text_only)
{
	struct ic_kallsyms *ks = p->findings.kallsyms;
	const struct ic_kaslr *k = p->findings.kaslr;
	struct ic_ksym tabs[IC_KTAB__COUNT];
	size_t ntabs, local = 0;
	int err;

	if (!ks->have_delta)
		ic_kallsyms__set_delta(ks, k->runtime_text - k->phys_text, "kaslr");
	if (ks->addr_is_phys) {
		pr_warn(ctx, "profile: kallsyms addresses are still physical after KASLR");
		return -IC_EINCOMPLETE;
	}
	{
		size_t names = 0;

		for (size_t i = 0; i < ks->nsyms; i++)
			names += strlen(ks->syms[i].name) + 1;
		err = ic_symtab__reserve(p->syms, ks->nsyms + IC_KTAB__COUNT, names + 256);
		if (err)
			return err;
	}
	for (size_t i = 0; i < ks->nsyms; i++) {
		const struct ic_ksym *s = &ks->syms[i];
		bool abs = s->flags & IC_SYM_ABSOLUTE;

		if (text_only && (!strchr("tTwW", s->type) || is_data_object(s->name)))
			continue;
		if (ic_sym_name_is_local_label(s->name, strlen(s->name))) {
			local++; /* what System.map leaves out (symbols.c) */
			continue;
		}
		err = ic_symtab__add(p->syms, abs ? s->addr : ic_kaslr__link(k, s->addr), s->type,
				     s->name, strlen(s->name), s->flags);
		if (err)
			return err;
		if (abs)
			p->kallsyms_absolute++;
		else
			p->kallsyms_converted++;
	}
	if (local)
		pr_info(ctx, "profile: kallsyms: left out %zu compiler-local labels (.L*, $*; "
			"System.map has none)", local);
	ntabs = ic_kallsyms__table_syms(ks, tabs);
	for (size_t i = 0; i < ntabs; i++) {
		if (text_only)
			break;
		if (ic_kallsyms__find(ks, tabs[i].name) >= 0)
			continue; /* 7.x lists some of its own tables */
		err = ic_symtab__add(p->syms, ic_kaslr__link(k, tabs[i].addr), tabs[i].type,
				     tabs[i].name, strlen(tabs[i].name), tabs[i].flags);
		if (err)
			return err;
		p->table_syms++;
	}
	return 0;
}

/* Names Volatility needs as data symbols (carving.md 3.8): their absence means kallsyms was
 * built without CONFIG_KALLSYMS_ALL (text symbols only). */
static const char *const needed_data[] = { "init_task", "init_files", "init_mm", "linux_banner" };

static void check_symbols(struct ic_profile *p)
{
	bool have[IC_ARRAY_SIZE(needed_data)] = { false };
	char buf[160];
	size_t off = 0;

	/* One pass, not ic_symtab__find(): its hash index over ~100k names would be built for
	 * these four lookups alone (~15 ms and 2 MiB of fresh pages per profile). */
	for (size_t k = 0; k < p->syms->n; k++) {
		const char *name = p->syms->syms[k].name;

		for (size_t i = 0; i < IC_ARRAY_SIZE(needed_data); i++)
			if (name[0] == needed_data[i][0] && !strcmp(name, needed_data[i]))
				have[i] = true;
	}
	for (size_t i = 0; i < IC_ARRAY_SIZE(needed_data); i++)
		if (!have[i])
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", off ? ", " : "",
						needed_data[i]);
	if (off) {
		char msg[320];

		if (strcmp(p->syms_source, "kallsyms"))
			snprintf(msg, sizeof(msg), "%s has no %s: supply the kernel's complete "
				 "System.map with --map", p->syms_source, buf);
		else
			snprintf(msg, sizeof(msg), "kallsyms has no %s (built without data "
				 "symbols: CONFIG_KALLSYMS_ALL=n): supply --map System.map", buf);
		missing(p, msg);
	}
}

/* External BTF that is not the image's kernel's: refused like a mixed image (not even
 * --allow-partial writes it), with the evidence as the reason. */
static void refuse_btf(struct ic_profile *p, const char *why)
{
	struct ic_same_kernel *s = &p->findings.same_kernel;

	if (!s->mixed) {
		s->mixed = true;
		/* the report's short form; missing() keeps the whole text for the error */
		snprintf(s->problem, sizeof(s->problem), "%.*s", (int)sizeof(s->problem) - 1, why);
	}
	missing(p, why);
}

/*
 * check_map(): VMCOREINFO's SYMBOL(x) are runtime addresses of the kernel that wrote it: the
 * map's x + that kernel's KERNELOFFSET must be them. Independent of kallsyms and the page
 * tables; the KERNELOFFSET is the text's own (a copy another boot left is consistent in
 * itself), or the one the KASLR stage settled on (a damaged main text). One or two may differ by
 * nature (SYMBOL(mem_section) is the array's address, not the variable's: the only one on the
 * fixtures, 11-14 others agree); a map most of them contradict is not this kernel's link-time
 * map (a runtime /proc/kallsyms: none agree). True when refused.
 */
static bool map_vmcoreinfo_check(const struct ic_ctx *ctx, struct ic_profile *p,
				 const struct ic_symtab *map, const char *what)
{
	const struct ic_findings *f = &p->findings;
	const struct ic_vmcoreinfo *vi = f->vmcoreinfo;
	const struct ic_kaslr *k = f->kaslr;
	uint64_t kos[2], v;
	size_t ok[2] = { 0, 0 }, bad[2] = { 0, 0 };
	unsigned nko = 1, best;
	char why[480], ex[200] = "";

	if (!vi)
		return false;
	/* A text that is not the running kernel's (another build's, left in RAM with the same
	 * release): its SYMBOL(_stext) is not where kallsyms puts _stext. It says nothing. */
	if (f->kallsyms && !ic_vmcoreinfo__u64(vi, "SYMBOL(_stext)", &v)) {
		long st = ic_kallsyms__find(f->kallsyms, "_stext");

		if (st >= 0 && !f->kallsyms->addr_is_phys && f->kallsyms->syms[st].addr != v) {
			pr_info(ctx, "profile: %s not held against VMCOREINFO's SYMBOL()s: its "
				"SYMBOL(_stext) 0x%" PRIx64 " is not kallsyms' _stext 0x%" PRIx64
				" (a text another build left)", what, v, f->kallsyms->syms[st].addr);
			return false;
		}
	}
	/* The text's own KERNELOFFSET (its SYMBOL()s are the same boot's, even in a copy
	 * another boot left), and the one the KASLR stage settled on (a damaged main text).
	 * No KERNELOFFSET line (arm64 before 4.12 wrote none, KASLR or not): only the slide
	 * the stage found, if it found one. */
	if (ic_vmcoreinfo__u64(vi, "KERNELOFFSET", &kos[0])) {
		if (!k || k->doubt[0])
			return false;
		kos[0] = k->virtual_slide;
	}
	if (k && k->link_method && !strcmp(k->link_method, "vmcoreinfo") && !k->doubt[0] &&
	    k->virtual_slide != kos[0])
		kos[nko++] = k->virtual_slide;
	for (size_t i = 0; i < vi->nentries; i++) {
		const char *key = vi->entries[i].key;
		size_t kl = strlen(key);
		char name[IC_MAX_KSYM_NAME + 1];
		const struct ic_sym *m;

		if (strncmp(key, "SYMBOL(", 7) || kl < 9 || key[kl - 1] != ')' ||
		    kl - 8 > IC_MAX_KSYM_NAME || ic_vmcoreinfo__u64(vi, key, &v))
			continue;
		memcpy(name, key + 7, kl - 8);
		name[kl - 8] = '\0';
		m = ic_symtab__find(map, name);
		if (!m)
			continue;
		for (unsigned j = 0; j < nko; j++) {
			if (m->addr + kos[j] == v) {
				ok[j]++;
				continue;
			}
			if (!j && bad[0] < 3) { /* examples with the text's own KERNELOFFSET */
				size_t l = strlen(ex);

				snprintf(ex + l, sizeof(ex) - l, "%s%.48s 0x%" PRIx64 " + 0x%" PRIx64
					 " != 0x%" PRIx64, bad[0] ? ", " : "", name, m->addr, kos[0], v);
			}
			bad[j]++;
		}
	}
	best = nko > 1 && ok[1] > ok[0];
	if (bad[best] > ok[best]) {
		/* the counts of the KERNELOFFSET that did best; the examples are the text's own */
		snprintf(why, sizeof(why), "%s is not the link-time System.map of the kernel whose "
			 "VMCOREINFO is in the image: %zu of its %zu SYMBOL() addresses disagree (%s)",
			 what, bad[best], ok[best] + bad[best], ex);
		refuse_btf(p, why);
		return true;
	}
	if (ok[best] + bad[best])
		pr_info(ctx, "profile: %s: %zu of %zu VMCOREINFO SYMBOL() addresses = map + "
			"KERNELOFFSET 0x%" PRIx64, what, ok[best], ok[best] + bad[best], kos[best]);
	return false;
}

/*
 * check_map() without kallsyms: the bytes at the map's linux_banner, moved by the slide and
 * read through the kernel's own page tables (independent of how runtime _text was found),
 * must be the image's banner. Without page tables, the kernel image is taken as one physical
 * block from phys(_text). A refusal is evidence against the map; what cannot be read is
 * said (a warning: the map goes unchecked).
 */
static void map_banner_check(const struct ic_ctx *ctx, struct ic_profile *p,
			     const struct ic_symtab *map, const struct ic_sym *mt, const char *what)
{
	const struct ic_findings *f = &p->findings;
	const struct ic_kaslr *k = f->kaslr;
	const struct ic_sym *mb = ic_symtab__find(map, "linux_banner");
	struct ic_xlate x;
	char why[480], *got;
	uint64_t at;
	int rd;

	if (!k || k->doubt[0] || !f->banner || !f->banner->linux_banner || !mb) {
		pr_warn(ctx, "profile: %s not checked against the image (no kallsyms, and %s)", what,
			!k ? "KASLR not solved" : k->doubt[0] ? "the slide in doubt" :
			!mb ? "no linux_banner in it" : "no linux_banner in the image");
		return;
	}
	if (mb->addr - mt->addr >= IC_MAX_KERNEL_IMAGE) {
		snprintf(why, sizeof(why), "%s puts linux_banner 0x%" PRIx64 " bytes from _text: not "
			 "inside a kernel image", what, mb->addr - mt->addr);
		refuse_btf(p, why);
		return;
	}
	/* x86-64 only: its tables map _text itself; arm64's walk may probe a _text below
	 * _stext whose page 6.1+ gives back, so an unmapped one there proves nothing */
	if (!k->levels && k->runtime_text_assumed && f->vmcoreinfo &&
	    !ic_vmcoreinfo__u64(f->vmcoreinfo, "SYMBOL(init_top_pgt)", &at)) {
		/* runtime _text was computed from the map's own _text + KERNELOFFSET, and the
		 * kernel's page tables VMCOREINFO names do not map it: the map's _text is not
		 * this kernel's link _text (a runtime /proc/kallsyms, another build) */
		snprintf(why, sizeof(why), "%s is not this image's link-time System.map: its _text "
			 "0x%" PRIx64 " + VMCOREINFO KERNELOFFSET 0x%" PRIx64 " = 0x%" PRIx64 " is not "
			 "mapped by the kernel page tables VMCOREINFO names (a runtime /proc/kallsyms, "
			 "or another build's map?)", what, mt->addr, k->virtual_slide, k->runtime_text);
		refuse_btf(p, why);
		return;
	}
	if (k->levels) {
		/* modulo 2^64 on purpose (virtual_slide is runtime - link, two's complement): a
		 * sum that wraps leaves the kernel half, is not mapped and is refused below */
		uint64_t va = mb->addr + k->virtual_slide;

		if (ic_mmu__translate(&k->mmu, va, &x)) {
			snprintf(why, sizeof(why), "%s puts linux_banner at 0x%" PRIx64 " (+ slide "
				 "0x%" PRIx64 " = 0x%" PRIx64 "), which the image's kernel page "
				 "tables do not map", what, mb->addr, k->virtual_slide, va);
			refuse_btf(p, why);
			return;
		}
		at = x.phys;
	} else {
		at = k->phys_text + (mb->addr - mt->addr);
	}
	got = malloc(f->banner->len);
	rd = got ? ic_image__read(p->img, at, got, f->banner->len) : -ENOMEM;
	if (rd) {
		free(got);
		if (rd == -ENOMEM)
			pr_warn(ctx, "profile: %s not checked against the image: out of memory", what);
		else
			pr_warn(ctx, "profile: %s not checked against the image: it lacks physical "
				"0x%" PRIx64 ", where the map puts linux_banner", what, at);
		return;
	}
	if (memcmp(got, f->banner->text, f->banner->len)) {
		snprintf(why, sizeof(why), "%s puts linux_banner at physical 0x%" PRIx64 " (%s), "
			 "where the image holds other bytes than its banner", what, at,
			 k->levels ? "through the kernel page tables" : "from phys _text");
		free(got);
		refuse_btf(p, why);
		return;
	}
	free(got);
	pr_info(ctx, "profile: %s: linux_banner where the image has it", what);
}

/*
 * --map with an IMAGE: the System.map gives the profile's every address, so it must be this
 * image's kernel's, at link time. The image holds the evidence:
 *  - the KASLR stage's "input:link_text": the map's _text against the link _text VMCOREINFO
 *    (or the page tables) solved: a runtime /proc/kallsyms given as --map, another build;
 *  - with kallsyms carved: every name kallsyms lists once sits at the same distance from
 *    _text in both (another kernel's map: thousands differ; a slide-independent test);
 *  - without kallsyms, KASLR solved: the map's linux_banner + the slide, read through the
 *    kernel's page tables, holds the image's banner (map_banner_check()).
 * A disagreement is refused like a mix of kernels (exit 3, no profile even partial); a map on
 * an image that gives no such evidence is not checked (a warning says so).
 */
static void check_map(const struct ic_ctx *ctx, struct ic_profile *p, const struct ic_symtab *map,
		      const char *what)
{
	const struct ic_findings *f = &p->findings;
	const struct ic_kaslr *k = f->kaslr;
	const struct ic_kallsyms *ks = f->kallsyms;
	const struct ic_sym *mt = ic_symtab__find(map, "_text");
	char why[480], ex[160] = "";
	size_t n = 0, bad = 0, nex = 0;
	struct ic_strmap seen;
	uint32_t cnt;
	long kt;

	if (!mt) {
		snprintf(why, sizeof(why), "%s has no _text: it cannot be held against the image",
			 what);
		refuse_btf(p, why);
		return;
	}
	/* The link _text the image says: runtime _text (page tables, kallsyms, VMCOREINFO
	 * SYMBOL) - KERNELOFFSET. Not when either side came from the map itself (no VMCOREINFO:
	 * the map's _text was the link base) or was computed rather than read. */
	for (size_t i = 0; k && !k->runtime_text_assumed && i < k->nevidence; i++)
		if (!strcmp(k->evidence[i].what, "input:link_text") && !k->evidence[i].ok) {
			/* x86-64: the KASLR stage compared them (and put the slide in doubt) */
			snprintf(why, sizeof(why), "%s is not this image's link-time System.map: %s "
				 "(a runtime /proc/kallsyms, or another build's map?)", what,
				 k->evidence[i].detail);
			refuse_btf(p, why);
			return;
		}
	if (k && k->link_method && !strcmp(k->link_method, "vmcoreinfo") &&
	    !k->runtime_text_assumed && !k->doubt[0] && mt->addr != k->link_text) {
		snprintf(why, sizeof(why), "%s is not this image's link-time System.map: its _text "
			 "0x%" PRIx64 ", the image's link _text 0x%" PRIx64 " (runtime 0x%" PRIx64
			 " - VMCOREINFO KERNELOFFSET 0x%" PRIx64 "): a runtime /proc/kallsyms, or "
			 "another build's map?", what, mt->addr, k->link_text, k->runtime_text,
			 k->virtual_slide);
		refuse_btf(p, why);
		return;
	}
	if (map_vmcoreinfo_check(ctx, p, map, what))
		return; /* refused */
	if (!ks || !ks->nsyms) {
		map_banner_check(ctx, p, map, mt, what);
		return;
	}
	kt = ic_kallsyms__find(ks, "_text");
	if (kt < 0) {
		pr_warn(ctx, "profile: %s not checked against the image: kallsyms has no _text",
			what);
		return;
	}
	/* How often kallsyms lists each name: one listed twice (static functions of several
	 * files) has no one address to compare. */
	if (ic_strmap_init(&seen, ks->nsyms))
		return; /* a check we cannot afford is not evidence of a mismatch */
	for (size_t i = 0; i < ks->nsyms; i++) {
		int r = ic_strmap_add(&seen, ks->syms[i].name, 1);

		if (r < 0) {
			ic_strmap_free(&seen);
			return;
		}
		if (!r && ic_strmap_get(&seen, ks->syms[i].name, &cnt))
			ic_strmap_set(&seen, ks->syms[i].name, cnt + 1);
	}
	for (size_t i = 0; i < ks->nsyms; i++) {
		const struct ic_ksym *s = &ks->syms[i];
		const struct ic_sym *m;

		if ((s->flags & IC_SYM_ABSOLUTE) || !ic_strmap_get(&seen, s->name, &cnt) || cnt != 1)
			continue;
		m = ic_symtab__find(map, s->name);
		if (!m)
			continue;
		n++;
		if (m->addr - mt->addr == s->addr - ks->syms[kt].addr)
			continue;
		if (nex < 3) {
			size_t l = strlen(ex);

			snprintf(ex + l, sizeof(ex) - l, "%s%s", nex ? ", " : "", s->name);
			nex++;
		}
		bad++;
	}
	ic_strmap_free(&seen);
	if (!n || bad * 1000 > n * IC_MAP_MISMATCH_PERMILLE) {
		if (n)
			snprintf(why, sizeof(why), "%s is not this image's kernel's: %zu of the %zu "
				 "symbols it shares with the image's kallsyms lie elsewhere relative "
				 "to _text (e.g. %s)", what, bad, n, ex);
		else
			snprintf(why, sizeof(why), "%s shares no symbol with the image's kallsyms",
				 what);
		refuse_btf(p, why);
	} else {
		pr_info(ctx, "profile: %s matches the image's kallsyms: %zu of %zu symbols at the "
			"same distance from _text", what, n - bad, n);
	}
}

/* Tests (--withhold-btf): forget the carved BTF, as if the kernel had none in memory. */
static void withhold_btf(const struct ic_ctx *ctx, const struct ic_image *img, struct ic_findings *f)
{
	for (unsigned k = 0; ic_carvers[k]; k++)
		if (ic_carvers[k]->slot == IC_SLOT_BTF && ic_carvers[k]->free_finding)
			ic_carvers[k]->free_finding(f);
	f->status[IC_SLOT_BTF] = -IC_ENOTFOUND;
	ic_same_kernel__check(ctx, img, f);
}

/* --btf-dir: the BTFHub file of the banner's release, when the image has no BTF of its own. */
static void btf_from_dir(const struct ic_ctx *ctx, struct ic_profile *p, const char *dir)
{
	const struct ic_findings *f = &p->findings;
	const char *arch = f->kaslr ? (f->kaslr->arch ? f->kaslr->arch : "x86_64") : NULL;
	struct ic_extbtf e;
	char msg[256];
	int err;

	if (!f->banner || !f->banner->release[0]) {
		missing(p, "no banner in the image, so --btf-dir cannot pick a release: supply "
			   "--btf FILE");
		return;
	}
	err = ic_extbtf__from_dir(ctx, dir, f->banner->release, arch, &e);
	if (err) {
		snprintf(msg, sizeof(msg), "--btf-dir %s: %s for release %s: supply --btf FILE", dir,
			 err == -IC_ENOTFOUND ? "no BTF file" : err == -IC_EAMBIGUOUS
			 ? "several different BTF files" : ic_strerror(err), f->banner->release);
		missing(p, msg);
		return;
	}
	p->dir_btf_path = strdup(e.path);
	if (!p->dir_btf_path) {
		ic_extbtf__release(&e);
		missing(p, "--btf-dir: out of memory");
		return;
	}
	p->dir_btf = e.data;
	p->dir_btf_len = e.len;
	pr_info(ctx, "profile: --btf-dir: types from %s", e.path);
}

static bool has_identified(const struct ic_profile_opts *opts)
{
	return opts->sz >= offsetof(struct ic_profile_opts, identified_arg) + sizeof(void *) &&
	       opts->identified;
}

int ic_profile__build(const struct ic_ctx *ctx, const char *image_path,
		      const struct ic_profile_opts *opts, struct ic_profile **out)
{
	static const struct ic_profile_opts none = { .sz = sizeof(none) };
	struct ic_profile *p;
	struct ic_findings *f;
	const uint8_t *ext;
	size_t ext_len;
	const char *ext_rel = NULL;
	int err;

	if (!image_path || !out)
		return -EINVAL;
	if (!opts)
		opts = &none;
	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	f = &p->findings;
	err = opts->format ? ic_image__open_as(ctx, image_path, opts->format, &p->img)
			   : ic_image__open(ctx, image_path, &p->img);
	if (err)
		goto fail;
	err = ic_scan(ctx, p->img, f);
	if (err)
		goto fail;
	/* Not one piece of a Linux kernel: not a Linux memory image at all (a wrong file). One
	 * line and bad input, before KASLR and "supply --map/--btf" hints that would only mislead. */
	if (!f->banner && !f->btf && !f->kallsyms && !f->vmcoreinfo) {
		pr_warn(ctx, "%s: no Linux kernel found (no banner, BTF, kallsyms or VMCOREINFO)",
			image_path);
		err = -IC_ENOTFOUND;
		goto fail;
	}
	if (HAS_OPT(opts, withhold_btf) && opts->withhold_btf && f->btf)
		withhold_btf(ctx, p->img, f);
	/* External BTF (--btf, or --btf-dir below): the types come from outside. */
	ext = opts->btf;
	ext_len = opts->btf_len;
	if (ext && HAS_OPT(opts, btf_release))
		ext_rel = opts->btf_release;
	/* Banner, BTF and kallsyms of different kernels would make a profile that lies. */
	if (f->same_kernel.mixed)
		missing(p, f->same_kernel.problem);
	/* The ISF's type names and user_types need only the BTF: begun now, they overlap KASLR
	 * and the symbol table (after the identity check when the caller may stop there). */
	if (!ext && f->btf && f->btf->model && !has_identified(opts))
		p->isf_ahead = ic_isf__ahead_start(ctx, f->btf->model);

	/* KASLR: even with a System.map it is solved, for the report and as a cross-check. */
	{
		const struct ic_sym *mt = opts->map ? ic_symtab__find(opts->map, "_text") : NULL;
		uint64_t link = opts->link_text ? opts->link_text : mt ? mt->addr : 0;
		const char *src = opts->link_text ? "--link-text" : mt ? "System.map" : NULL;

		err = ic_kaslr__run(ctx, p->img, f, link, src);
		if (err && err != -IC_ENOTFOUND && err != -IC_EAMBIGUOUS && err != -IC_EUNSUPP)
			goto fail;
		/* Without --map the "missing" clause below says it (the caller's one error
		 * line); with --map the run can succeed, and the lost cross-check is news. */
		if (err && opts->map)
			pr_warn(ctx, "%s: KASLR not solved: %s", image_path, ic_strerror(err));
		else if (err)
			pr_info(ctx, "%s: KASLR not solved: %s", image_path, ic_strerror(err));
	}
	if (opts->map)
		check_map(ctx, p, opts->map, opts->map_what ? opts->map_what : "the System.map");
	if (!ext && !f->btf && HAS_OPT(opts, btf_dir) && opts->btf_dir) {
		btf_from_dir(ctx, p, opts->btf_dir);
		if (p->dir_btf) {
			ext = p->dir_btf;
			ext_len = p->dir_btf_len;
			ext_rel = f->banner->release; /* found by it */
		}
	}
	/* External BTF named for another release than the image's banner: another kernel. */
	if (ext && ext_rel && ext_rel[0] && f->banner && f->banner->release[0] &&
	    strcmp(ext_rel, f->banner->release)) {
		char why[300];

		snprintf(why, sizeof(why), "the BTF given (%s) is for release %s, but the image's "
			 "banner says %s", opts->btf_what ? opts->btf_what : "--btf", ext_rel,
			 f->banner->release);
		refuse_btf(p, why);
	}

	/* Identity: banner + BTF hash. Known now, so a caller can reuse an existing profile
	 * before the costly part (kallsyms conversion, BTF validation, ISF). */
	if (f->banner && f->banner->linux_banner && !f->banner->doubt[0]) {
		p->banner = (const uint8_t *)f->banner->text;
		p->banner_len = f->banner->len;
	}
	if (ext) {
		ic_sha256(ext, ext_len, p->btf_sha256);
		p->have_btf_sha256 = true;
	} else if (f->btf) {
		memcpy(p->btf_sha256, f->btf->sha256, 32);
		p->have_btf_sha256 = true;
	}
	if (has_identified(opts) && p->banner && p->have_btf_sha256 && !f->same_kernel.mixed &&
	    opts->identified(opts->identified_arg, p)) {
		p->stopped = true;
		*out = p;
		return 0;
	}
	if (!ext && f->btf && f->btf->model && !p->isf_ahead)
		p->isf_ahead = ic_isf__ahead_start(ctx, f->btf->model);

	/* Symbols. */
	p->syms = ic_symtab__new();
	if (!p->syms) {
		err = -ENOMEM;
		goto fail;
	}
	if (opts->map) {
		size_t names = 0;

		for (size_t i = 0; i < opts->map->n; i++)
			names += strlen(opts->map->syms[i].name) + 1;
		err = ic_symtab__reserve(p->syms, opts->map->n, names);
		if (err)
			goto fail;
		for (size_t i = 0; i < opts->map->n; i++) {
			const struct ic_sym *s = &opts->map->syms[i];

			err = ic_symtab__add(p->syms, s->addr, s->type, s->name, strlen(s->name),
					     s->flags);
			if (err)
				goto fail;
		}
		p->syms_source = opts->map_what ? opts->map_what : "System.map";
	} else if (!f->kallsyms) {
		missing(p, "no kallsyms tables found in the image: supply --map System.map");
		p->syms_source = "kallsyms";
	} else if (!f->kaslr) {
		missing(p, "KASLR not solved, so kallsyms' runtime addresses cannot be made "
			   "link-time: supply --map System.map");
		p->syms_source = "kallsyms";
	} else if (f->kaslr->doubt[0]) {
		/* A slide that evidence disputes would move every symbol: no symbols, not
		 * wrong ones (the report lists the evidence). */
		char msg[sizeof(f->kaslr->doubt) + 96];

		snprintf(msg, sizeof(msg), "the KASLR slide is in doubt: %s: supply --map "
			 "System.map", f->kaslr->doubt);
		missing(p, msg);
		p->syms_source = "kallsyms";
	} else {
		p->syms_source = "kallsyms";
		err = kallsyms_to_link(ctx, p, HAS_OPT(opts, withhold_data_syms) &&
					       opts->withhold_data_syms);
		if (err == -IC_EINCOMPLETE)
			missing(p, "kallsyms addresses could not be made virtual: supply --map "
				   "System.map");
		else if (err)
			goto fail;
	}
	/* Types. */
	if (ext) {
		char why[320] = "";

		p->btf_source = p->dir_btf_path ? p->dir_btf_path
			      : opts->btf_what ? opts->btf_what : "--btf";
		if (HAS_OPT(opts, btf_kind))
			p->btf_kind = opts->btf_kind;
		err = ic_btf__new(ctx, ext, ext_len, p->btf_source, &p->btf);
		if (err)
			goto fail;
		/* Types from outside must be this kernel's: its function names are kallsyms'.
		 * BTF made from DWARF has no FUNCs and a VAR for every global, static locals
		 * included, which kallsyms never lists: the debug vmlinux was tied to the image
		 * by its own linux_banner instead (src/cli/cmd_image.c). */
		if (p->btf_kind && !strcmp(p->btf_kind, "dwarf"))
			pr_info(ctx, "profile: %s: DWARF types, tied by linux_banner", p->btf_source);
		else if (!ic_extbtf__names_match(p->btf, f->kallsyms, opts->map, p->btf_source,
						 why, sizeof(why)))
			refuse_btf(p, why);
		else if (!strncmp(why, "not checked: the BTF", 20))
			pr_warn(ctx, "profile: %s: %s", p->btf_source, why);
		else if (!strncmp(why, "not checked", 11)) /* no symbols: incomplete anyway */
			pr_info(ctx, "profile: %s: %s", p->btf_source, why);
		else
			pr_info(ctx, "profile: %s matches the image: %s", p->btf_source, why);
		p->isf_ahead = ic_isf__ahead_start(ctx, p->btf);
	} else if (f->btf) {
		p->btf_source = "image";
		if (f->btf->model) {
			/* the carver's own model of these bytes: validated once, not copied again */
			p->btf = f->btf->model;
			f->btf->model = NULL;
		} else {
			err = ic_btf__new(ctx, f->btf->data, (size_t)f->btf->size, "carved BTF",
					  &p->btf);
			if (err)
				goto fail;
		}
	} else if (!(HAS_OPT(opts, btf_dir) && opts->btf_dir)) { /* else btf_from_dir() said why */
		/* The clause stays short (it is the error line, and batch's): the what-each-takes
		 * detail is for -v. */
		missing(p, "no vmlinux BTF in the image (a kernel before 5.4, or built without "
			   "CONFIG_DEBUG_INFO_BTF): supply --btf FILE, --btf-dir DIR or --dwarf "
			   "VMLINUX");
		pr_info(ctx, "%s: --btf takes a vmlinux with .BTF, /sys/kernel/btf/vmlinux or "
			"BTFHub's <release>.btf.tar.xz; --btf-dir a BTFHub tree; --dwarf the debug "
			"vmlinux (Debian -dbg, Ubuntu -dbgsym, Fedora kernel-debuginfo)", image_path);
	}

	/* Names damaged into other valid names (docs/security.md, "BTF names"): refused like a
	 * foreign BTF, not even --allow-partial writes them. DWARF-made types are ours. */
	if (p->btf && !(p->btf_kind && !strcmp(p->btf_kind, "dwarf"))) {
		char why[260], msg[300];

		err = ic_btf__check_trust(p->btf, why, sizeof(why));
		if (err == -IC_EFORMAT) {
			snprintf(msg, sizeof(msg), "the BTF (%s) is damaged: %s", p->btf_source, why);
			/* -v only: msg is in the CLI's one error line already */
			pr_info(ctx, "%s: %s", image_path, msg);
			refuse_btf(p, msg);
		} else if (err) {
			goto fail;
		}
		err = 0;
	}

	/* No CONFIG_KALLSYMS_ALL: recover the data symbols by structure
	 * (src/5-symbols/recover/). */
	if (p->syms->n && f->kaslr && !opts->map) {
		err = ic_recover__data_syms(ctx, p->img, f, p->btf, p->syms);
		if (err < 0)
			goto fail;
		err = 0;
		/* Readings that disagree are left out of the table; the profile is refused with
		 * both, as any evidence that disagrees is (--allow-partial writes it without). */
		if (f->recover_doubt[0]) {
			char msg[sizeof(f->recover_doubt) + 48];

			snprintf(msg, sizeof(msg), "recovered symbols in doubt: %s",
				 f->recover_doubt);
			missing(p, msg);
		}
	}
	if (p->syms->n)
		check_symbols(p);
	/* Per-CPU variables where the BTF's DATASEC puts them (src/8-profile/percpu.c): a few
	 * bytes off is a damaged kallsyms address table (issue 18, D3). */
	if (p->syms->n && p->btf && !strcmp(p->syms_source, "kallsyms") &&
	    !(p->btf_kind && !strcmp(p->btf_kind, "dwarf"))) {
		char why[360], msg[420];
		size_t nchk = 0;

		err = ic_percpu__check(p->btf, p->syms, why, sizeof(why), &nchk);
		if (err == -IC_EFORMAT) {
			snprintf(msg, sizeof(msg), "kallsyms has per-CPU variables where the BTF does "
				 "not: %s", why);
			pr_info(ctx, "%s: %s", image_path, msg); /* the error line says it */
			refuse_btf(p, msg);
		} else if (err) {
			goto fail;
		} else if (nchk) {
			pr_info(ctx, "profile: %zu per-CPU variables at their BTF offsets", nchk);
		}
		err = 0;
	}

	/* Identity. */
	if (f->banner && f->banner->doubt[0]) {
		/* Volatility matches the profile by these bytes: a wrong one is refused, not used
		 * (carvers/banner.c; the warning before names the copies compared). */
		char msg[sizeof(f->banner->doubt) + 40];

		snprintf(msg, sizeof(msg), "the banner is in doubt: %s", f->banner->doubt);
		missing(p, msg);
	} else if (!p->banner) {
		missing(p, f->banner ? "the banner found is not the kernel's linux_banner object "
				       "(no \"\\n\\0\" end): cannot give Volatility its exact bytes"
				     : "no \"Linux version\" banner in the image");
	}
	*out = p;
	if (p->missing[0]) {
		/* Debug, not a warning: p->missing is the caller's to say, once (the CLI's error
		 * line); a warning here printed the same sentence twice. */
		pr_debug(ctx, "%s: incomplete profile: %s", image_path, p->missing);
		return -IC_EINCOMPLETE;
	}
	return 0;
fail:
	ic_profile__free(p);
	return err;
}

/*
 * Link-time symbols this run can vouch for, to check a stored profile of the same identity
 * with (docs/security.md, "Meaning, not only shape"): kallsyms minus a slide no evidence disputes. A few spread
 * over the image (start, data, end) catch a profile made with another slide.
 */
static const char *const vouch_names[] = { "_text", "_stext", "init_task", "linux_banner",
					   "init_mm", "_end" };

int ic_profile__check_stored(const struct ic_ctx *ctx, const struct ic_profile *p,
			     const char *path, char *why, size_t why_sz)
{
	const struct ic_findings *f = &p->findings;
	uint64_t own[IC_ARRAY_SIZE(vouch_names)], stored[IC_ARRAY_SIZE(vouch_names)];
	bool mine[IC_ARRAY_SIZE(vouch_names)], have[IC_ARRAY_SIZE(vouch_names)];
	size_t n = 0, agree = 0;
	char ver[32] = "", rev[16] = "", db[64] = "";
	int err;

	why[0] = '\0';
	/* Made by another build (version, or output revision between releases), or typed from
	 * another symdb table: this one would write another profile (newer types, other fixes),
	 * so it is rebuilt, not handed on as it is. Either of this build's tables will do: which
	 * one applies is known once the BTF is validated, and an ISF always records the one its
	 * own BTF chose. A profile from before a key existed lacks it: rebuilt too. */
	/* One decode of the file for the three keys and the addresses below. Each key is read on
	 * its own (one missing does not hide the others from the message); a file that cannot be
	 * read whole (cut short, bytes after its stream, broken JSON: the reader said which) is
	 * rebuilt (a file beyond a reader's limit too: -IC_ELIMIT). An absent or too long value
	 * (-ENOSPC) reads as empty, which no build writes. */
	static const char *const keys[3] = { "version", "revision", "symdb" };
	char *const outs[3] = { ver, rev, db };
	const size_t sizes[3] = { sizeof(ver), sizeof(rev), sizeof(db) };
	int errs[4];
	const struct ic_symdir_stored_keys q = {
		.keys = keys, .nkeys = 3, .outs = outs, .sizes = sizes, .names = vouch_names,
		.nnames = IC_ARRAY_SIZE(vouch_names), .addrs = stored, .have = have, .errs = errs,
	};

	err = ic_symdir__read_stored(ctx, path, &q);
	if (err) {
		snprintf(why, why_sz, "it cannot be read (%s)", ic_strerror(err));
		return 1;
	}
	for (size_t i = 0; i < 3; i++) {
		if (errs[i] == -ENOSPC)
			outs[i][0] = '\0';
		else if (errs[i] && errs[i] != -IC_ENOTFOUND) {
			snprintf(why, why_sz, "it cannot be read whole (%s)", ic_strerror(errs[i]));
			return 1;
		}
	}
	if (strcmp(ver, IC_VERSION_STRING) || strcmp(rev, IC_ISF_REVISION_STRING) ||
	    (strcmp(db, ic_symdb__id(IC_SYMDB_X86_64)) && strcmp(db, ic_symdb__id(IC_SYMDB_ARM64)))) {
		snprintf(why, why_sz, "it was made by isfcarve %s (output revision %s) with symbol "
			 "types %s, this is %s (revision %s) with %s or %s",
			 ver[0] ? ver : "(unknown)", rev[0] ? rev : "(none)",
			 db[0] ? db : "(not recorded)", IC_VERSION_STRING,
			 IC_ISF_REVISION_STRING, ic_symdb__id(IC_SYMDB_X86_64),
			 ic_symdb__id(IC_SYMDB_ARM64));
		return 1;
	}
	if (!f->kaslr || f->kaslr->doubt[0] || !f->kallsyms || f->kallsyms->addr_is_phys)
		return -IC_ENOTFOUND;
	for (size_t i = 0; i < IC_ARRAY_SIZE(vouch_names); i++) {
		long k = ic_kallsyms__find(f->kallsyms, vouch_names[i]);

		mine[i] = k >= 0 && !(f->kallsyms->syms[k].flags & IC_SYM_ABSOLUTE);
		if (mine[i]) {
			own[i] = ic_kaslr__link(f->kaslr, f->kallsyms->syms[k].addr);
			n++;
		}
	}
	if (!n)
		return -IC_ENOTFOUND;
	if (errs[3]) {
		snprintf(why, why_sz, "its symbols cannot be read (%s)", ic_strerror(errs[3]));
		return 1;
	}
	for (size_t i = 0; i < IC_ARRAY_SIZE(vouch_names); i++) {
		if (!mine[i] || !have[i])
			continue;
		if (stored[i] != own[i]) {
			snprintf(why, why_sz, "its %s is 0x%" PRIx64 ", this image's kallsyms and KASLR "
				 "evidence say 0x%" PRIx64, vouch_names[i], stored[i], own[i]);
			return 1;
		}
		agree++;
	}
	if (!agree) {
		snprintf(why, why_sz, "it has none of the symbols this image can check (%s ...)",
			 vouch_names[0]);
		return 1;
	}
	pr_info(ctx, "%s: %zu symbols agree with this image's own evidence", path, agree);
	return 0;
}

int ic_profile__write(const struct ic_ctx *ctx, struct ic_profile *p,
		      const struct ic_profile_opts *opts, const char *out_path)
{
	struct ic_isf_input in;
	int err;

	if (!p || !out_path)
		return -EINVAL;
	if (p->missing[0] && !(opts && opts->allow_partial))
		return -IC_EINCOMPLETE;
	/* Not even with --allow-partial: a profile mixing two kernels is wrong, not partial. */
	if (p->findings.same_kernel.mixed) {
		pr_info(ctx, "profile: %s: refusing to write a profile %s: %s", out_path,
			p->findings.same_kernel.damaged ? "from damaged kernel pieces"
			: "mixing kernels", p->findings.same_kernel.problem);
		return -IC_EINCOMPLETE;
	}
	/* Without types or without any symbol there is nothing Volatility can use. */
	if (!p->btf || !p->syms || !p->syms->n) {
		pr_info(ctx, "profile: %s: refusing to write an ISF without %s", out_path,
			!p->btf ? "types" : "symbols");
		return -IC_EINCOMPLETE;
	}
	memset(&in, 0, sizeof(in));
	in.btf = p->btf;
	in.syms = p->syms;
	in.banner = p->banner;
	in.banner_len = p->banner_len;
	in.types_src.name = p->btf_source;
	in.types_src.kind = p->btf_kind;
	if (p->findings.btf && !strcmp(p->btf_source, "image")) {
		memcpy(in.types_src.sha256, p->findings.btf->sha256, 32);
		in.types_src.has_hash = true;
	} else if (p->have_btf_sha256) { /* external BTF: which bytes exactly */
		memcpy(in.types_src.sha256, p->btf_sha256, 32);
		in.types_src.has_hash = true;
	}
	in.syms_src[0].name = p->syms_source;
	in.ptr_size = 0;
	in.ahead = p->isf_ahead;
	err = ic_isf__write(ctx, &in, out_path, &p->stats);
	if (err)
		return err;
	return p->missing[0] ? -IC_EINCOMPLETE : 0;
}

void ic_profile__free(struct ic_profile *p)
{
	if (!p)
		return;
	ic_isf__ahead_free(p->isf_ahead); /* first: it reads the BTF */
	ic_symtab__free(p->syms);
	ic_btf__free(p->btf);
	ic_findings__release(&p->findings);
	ic_image__free(p->img);
	free(p->dir_btf);
	free(p->dir_btf_path);
	free(p);
}
